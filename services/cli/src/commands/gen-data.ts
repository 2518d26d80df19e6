/** `clue gen-data`: write synthetic datasets in the six CLUE file formats. */
import type { Argv } from 'yargs';
import { ClueError, generateDatasets } from '@clue/tasks';
import { writeLines } from '../output.js';

interface GenArgs {
  out: string;
  samples: number;
  seed: number;
}

export function registerGenData(y: Argv): Argv {
  return y.command(
    'gen-data',
    'Write synthetic data in the real file formats of all six CLUE tasks (for tests and demos)',
    (c) =>
      c
        .option('out', { type: 'string', demandOption: true, describe: 'output directory' })
        .option('samples', { type: 'number', default: 40, describe: 'scored samples per task' })
        .option('seed', { type: 'number', default: 0 }),
    async (argv) => {
      const a = argv as unknown as GenArgs;
      if (!Number.isInteger(a.samples) || a.samples < 1) {
        throw new ClueError('INVALID_ARGUMENT', `--samples must be a whole number >= 1, got ${a.samples}`);
      }
      if (!Number.isInteger(a.seed) || a.seed < 0) throw new ClueError('INVALID_ARGUMENT', `--seed must be a whole number >= 0, got ${a.seed}`);
      const files = await generateDatasets({ outDir: a.out, samples: a.samples, seed: a.seed });
      await writeLines(Object.entries(files).map(([task, path]) => `${task}\t${path}`));
    },
  );
}
