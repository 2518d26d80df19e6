/**
 * `clue samples RUN --model M --task T`: the cell's per-sample records as JSONL on stdout (index, prompt
 * hash, output, finish reason, token counts, metric values; LongHealth's subtask; BERTScore statistics),
 * for error analysis. The outputs are model text about clinical records: treat the file like the data.
 */
import type { Argv } from 'yargs';
import { TASK_IDS } from '@clue/tasks';
import { connectionOptions, openClient } from '../connection.js';
import { loadSamples } from '../run-data.js';
import { info, writeLines } from '../output.js';

export function registerSamples(y: Argv): Argv {
  return y.command(
    'samples <run>',
    "Print a cell's per-sample records as JSONL (outputs, metric values, finish reasons, tokens)",
    (c) =>
      connectionOptions(c)
        .positional('run', { type: 'string', demandOption: true })
        .option('model', { type: 'string', demandOption: true, describe: 'catalog key of the model' })
        .option('task', { type: 'string', demandOption: true, choices: TASK_IDS }),
    async (argv) => {
      const client = openClient(argv);
      try {
        const records = await loadSamples(client, argv.run as string, argv.model, argv.task);
        await writeLines(records.map((r) => JSON.stringify(r)));
        info(`${records.length} sample(s) of ${argv.model} × ${argv.task} in run ${argv.run as string}`);
      } finally {
        client.close();
      }
    },
  );
}
