/** `clue results`, `clue list`, `clue cancel`, `clue workers`. */
import type { Argv } from 'yargs';
import { connectionOptions, withClient } from '../connection.js';
import { RESULTS_FORMATS, resultsOutput, type ResultsFormat } from '../results/print.js';
import { duration, runState, type RunMsg } from '../progress.js';
import { loadRunList, renderRunList } from '../run-list.js';
import { wholeNumber } from '../flag-checks.js';
import { getModel } from '@clue/tasks';
import { writeLines } from '../output.js';

export function registerRuns(y: Argv): Argv {
  return y
    .command(
      'results <run>',
      'Print the model × task score table of a run',
      (c) =>
        connectionOptions(c)
          .positional('run', { type: 'string', demandOption: true })
          .option('format', { choices: RESULTS_FORMATS, default: 'table' as const, describe: 'json: the versioned results document (docs/results-json.md)' })
          .option('detail', { type: 'boolean', default: false, describe: "show each task's metrics (ROUGE, BERT F1, ...) beside its score" }),
      async (argv) => {
        const text = await withClient(argv, (c) => resultsOutput(c, argv.run as string, argv.format as ResultsFormat, argv.detail));
        await writeLines([text]);
      },
    )
    .command(
      'list',
      'List recent runs, newest first, with their CLUE AVG, its change against the previous run of the same name, and the gate verdict',
      (c) =>
        connectionOptions(c)
          .option('limit', { type: 'number', default: 20, coerce: wholeNumber('limit', 1, 500) })
          .option('name', { type: 'string', describe: "only runs of this spec name (the nightly CronJob's runs share one)" })
          .option('model', { type: 'string', describe: "the trend of one model's CLUE AVG instead of the mean over the run's models" }),
      async (argv) => {
        const model = argv.model === undefined ? undefined : getModel(argv.model).key;
        const { runs, averages } = await withClient(argv, (c) => loadRunList(c, { limit: argv.limit, ...(argv.name !== undefined ? { name: argv.name } : {}), ...(model ? { model } : {}) }));
        await writeLines(renderRunList(runs, averages, model ? { model } : {}));
      },
    )
    .command(
      'cancel <run>',
      'Cancel a run (queued units are dropped; finished cells keep their results)',
      (c) =>
        connectionOptions(c)
          .positional('run', { type: 'string', demandOption: true })
          .option('reason', { type: 'string', default: 'cancelled by user' }),
      async (argv) => {
        const run = await withClient(argv, (c) => c.call<RunMsg>('cancelRun', { runId: argv.run, reason: argv.reason }));
        await writeLines([`${run.id} ${runState(run.state)}`]);
      },
    )
    .command(
      'workers',
      'List workers, their GPUs and loaded models',
      (c) => connectionOptions(c),
      async (argv) => {
        const r = await withClient(argv, (c) =>
          c.call<{ workers: WorkerRow[] }>('listWorkers', {}),
        );
        await writeLines(r.workers.flatMap((w) => renderWorker(w)));
      },
    );
}

/** A worker of ListWorkers, as `clue workers` reads it. */
interface WorkerRow {
  id: string;
  gpus: { gpuClass: string }[];
  state: string;
  lastSeen: string;
  unitsRunning: number;
  groups?: { id: string; gpuIndices: number[]; model: string; state: string; unitsRunning: number; tensorParallelSize: number }[];
}

/** A worker's line, then one indented line per engine group. */
export function renderWorker(w: WorkerRow): string[] {
  const classes = new Map<string, number>();
  for (const g of w.gpus) classes.set(g.gpuClass, (classes.get(g.gpuClass) ?? 0) + 1);
  const gpus = w.gpus.length ? [...classes].map(([c, n]) => `${n}×${c}`).join('+') : 'no GPUs';
  const groups = w.groups ?? [];
  const busy = groups.filter((g) => g.unitsRunning > 0).reduce((s, g) => s + g.gpuIndices.length, 0);
  const age = w.lastSeen ? duration((Date.now() - Date.parse(w.lastSeen)) / 1000) + ' ago' : '';
  const head = `${w.id}  ${w.state.padEnd(8)}  ${gpus.padEnd(14)}  ${groups.length} group(s), ${busy}/${w.gpus.length} GPUs busy  units ${w.unitsRunning}  seen ${age}`;
  return [head, ...groups.map((g) => `  GPU ${g.gpuIndices.join(',').padEnd(8)} ${g.model.padEnd(30)} ${g.state.padEnd(9)} units ${g.unitsRunning}`)];
}
