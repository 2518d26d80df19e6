/**
 * `clue up`: the whole system on this machine with simulated GPUs — nats-server, a coordinator, N
 * workers driving vllm-sim — registers the data (bundled synthetic CLUE-format data unless --data is
 * given), submits the matrix, shows progress, prints the table, and stops everything it started
 * (also on Ctrl-C). A component that dies is restarted by the local cluster's supervisor, and the
 * calls to the coordinator are retried while it comes back.
 */
import type { Argv } from 'yargs';
import { gpuClassName, positiveNumber, wholeNumber } from '../flag-checks.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTSCORE_TASKS, ClueError, GPU_CLASS_NAMES, generateDatasets, getModel, parseTaskId, presetModels, SYNTH_CONDITIONS, TASK_IDS } from '@clue/tasks';
import { resolveIcd10Table } from '../icd10-source.js';
import { startLocalCluster, type LocalCluster } from '../local-cluster.js';
import { LocalClusterError } from '../local-cluster-error.js';
import { withReconnect } from '../reconnect.js';
import { CoordinatorClient } from '../grpc-client.js';
import { submitSpec } from './submit.js';
import { watchRun } from './watch.js';
import { writeReport } from './report.js';
import { resolveDataArgs } from '../data-files.js';
import { defaultSpec } from '../spec-file.js';
import { RESULTS_FORMATS, resultsOutput, type ResultsFormat } from '../results/print.js';
import { info, writeLines } from '../output.js';

interface UpArgs {
  workers: number;
  'gpus-per-worker': number;
  gpu: string;
  preset: string;
  models?: string;
  tasks?: string;
  samples: number;
  data?: string;
  'time-scale': number;
  seed: number;
  format: ResultsFormat;
  'keep-state': boolean;
  bertscore: boolean;
  'icd10-table'?: string;
  report?: string;
  detail: boolean;
}

export function registerUp(y: Argv): Argv {
  return y.command(
    'up',
    'Run the whole matrix on a local cluster with simulated GPUs and print the score table',
    (c) =>
      c
        .option('workers', { type: 'number', default: 4, coerce: wholeNumber('workers', 1, 64) })
        .option('gpus-per-worker', { type: 'number', default: 8, coerce: wholeNumber('gpus-per-worker', 1, 64) })
        .option('gpu', { type: 'string', default: 'H100-80GB', describe: GPU_CLASS_NAMES.join(' | '), coerce: gpuClassName })
        .option('preset', { type: 'string', default: 'clue-v3' })
        .option('models', { type: 'string', describe: 'comma-separated catalog keys or Hugging Face ids (instead of --preset)' })
        .option('tasks', { type: 'string', describe: 'comma-separated task ids (default: all six)' })
        .option('samples', { type: 'number', default: 40, describe: 'scored samples per task', coerce: wholeNumber('samples', 1, 1_000_000) })
        .option('data', { type: 'string', describe: 'directory with real CLUE files (default: synthetic data)' })
        .option('time-scale', { type: 'number', default: 2000, describe: 'simulated GPU time runs this many times faster', coerce: positiveNumber('time-scale') })
        .option('seed', { type: 'number', default: 0 })
        .option('format', { choices: RESULTS_FORMATS, default: 'table' as const, describe: 'json: the versioned results document (docs/results-json.md)' })
        .option('detail', { type: 'boolean', default: false, describe: "show each task's metrics beside its score" })
        .option('bertscore', { type: 'boolean', default: true, describe: "BERTScore F1 through a scorer engine (vllm-sim's embeddings here); --no-bertscore leaves it out" })
        .option('keep-state', { type: 'boolean', default: false, describe: 'keep logs and the JetStream store' })
        .option('icd10-table', { type: 'string', describe: 'ICD-10 table for VALID CODES' })
        .option('report', { type: 'string', describe: 'also write the run\'s self-contained HTML report to FILE' }),
    async (argv) => {
      await runUp(argv as unknown as UpArgs);
    },
  );
}

/**
 * The ICD-10 table the workers score VALID CODES with: as `clue score` finds one, else (synthetic data
 * only) a table of the synthetic data's own codes, said out loud since VALID CODES then means less.
 */
function icd10TableFor(a: UpArgs, stateDir: string): string {
  const found = resolveIcd10Table(a['icd10-table']);
  if (found) {
    info(`ICD-10 table: ${found.path} (from ${found.origin})`);
    return found.path;
  }
  if (a.data) {
    throw new ClueError('INVALID_ARGUMENT', 'MeDiSumCode needs an ICD-10 table for VALID CODES: pass --icd10-table FILE or run `clue icd10 fetch`');
  }
  const path = join(stateDir, 'icd10-synthetic-codes.txt');
  writeFileSync(path, SYNTH_CONDITIONS.map((c) => `${c.code.padEnd(8)}${c.description}`).join('\n') + '\n');
  info('ICD-10 table: none found (--icd10-table, CLUE_ICD10_TABLE, `clue icd10 fetch`); VALID CODES uses the synthetic data\'s own code list');
  return path;
}

async function runUp(a: UpArgs): Promise<void> {
  const models = a.models ? a.models.split(',').map((m) => getModel(m.trim()).key) : presetModels(a.preset).map((m) => m.key);
  const real = a.data ? resolveDataArgs([a.data]) : undefined;
  // With --data and no --tasks: the tasks whose CLUE files are in the directory.
  const tasks = a.tasks ? a.tasks.split(',').map((t) => parseTaskId(t)) : real ? TASK_IDS.filter((t) => real[t]) : [...TASK_IDS];
  const bertTasks = a.bertscore ? tasks.filter((t) => BERTSCORE_TASKS.has(t)) : [];
  if (bertTasks.length > 0 && a.workers * a['gpus-per-worker'] < 2) {
    // The scorer engine holds a GPU of its own; with one GPU in all the run would wait for a second forever.
    throw new ClueError('INVALID_ARGUMENT', `BERTScore (${bertTasks.join(', ')}) needs a GPU for its scorer next to the LLMs, and --workers × --gpus-per-worker gives 1: pass --gpus-per-worker 2, or --no-bertscore`);
  }
  // Ctrl-C/SIGTERM from here on stops whatever has started and removes the state directory; a second
  // one is told that the first is being handled (the default action would orphan the children).
  const abort = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) {
      info('still stopping the local cluster…');
      return;
    }
    interrupted = true;
    info('\nstopping the local cluster…');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stateDir = mkdtempSync(join(tmpdir(), 'clue-up-'));
  let cluster: LocalCluster | undefined;
  let client: CoordinatorClient | undefined;
  try {
    let data: Record<string, string>;
    if (real) data = real;
    else {
      info(`writing synthetic CLUE-format data (${a.samples} samples per task)`);
      // LongHealth: ceil(samples / 5) questions give each of its three subtasks >= samples prompts.
      const longHealthQuestions = Math.ceil(a.samples / 5);
      data = { ...(await generateDatasets({ outDir: join(stateDir, 'data'), samples: a.samples, seed: a.seed, longHealthQuestions })) };
    }
    const icd10Table = icd10TableFor(a, stateDir);
    if (abort.signal.aborted) throw interruptedError();
    info(`starting nats-server, a coordinator and ${a.workers} workers × ${a['gpus-per-worker']} ${a.gpu} (simulated, time ×${a['time-scale']}); each is restarted if it dies`);
    cluster = await startLocalCluster({
      workers: a.workers,
      gpusPerWorker: a['gpus-per-worker'],
      gpu: a.gpu,
      timeScale: a['time-scale'],
      stateDir,
      icd10Table,
      signal: abort.signal,
    });
    let gaveUp: LocalClusterError | undefined;
    void cluster.failure.then((e) => {
      gaveUp = e;
      abort.abort();
    });
    if (abort.signal.aborted) throw interruptedError();
    const c = (client = new CoordinatorClient(cluster.coordinator, cluster.clientAuth('operator')));
    const retry = { signal: abort.signal, log: info };
    // Synthetic files already hold the requested sizes; real files (--data) are cut to --samples per
    // task (LongHealth: the first prompts in CLUE's order, i.e. task 1 first).
    const maxSamples = a.data ? a.samples : 0;
    const spec = { ...defaultSpec(), name: 'clue up', models, tasks, data, maxSamples, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: a.seed }, bertscore: a.bertscore };
    const submitted = await withReconnect(() => submitSpec(c, spec), retry);
    if (!submitted) throw gaveUp ?? interruptedError();
    const { runId } = submitted;
    info(`run ${runId}: ${models.length} models × ${tasks.length} tasks`);
    const started = Date.now();
    const final = await withReconnect(() => watchRun(c, runId, abort.signal), retry);
    if (gaveUp) throw gaveUp;
    if (abort.signal.aborted || !final) throw interruptedError();
    const out = await withReconnect(() => resultsOutput(c, runId, a.format, a.detail), retry);
    if (out === undefined) throw gaveUp ?? interruptedError();
    await writeLines([out]);
    if (a.bertscore && tasks.some((t) => BERTSCORE_TASKS.has(t))) {
      info("BERT F1 is simulated: the scorer engine is vllm-sim, whose token embeddings are derived from the token ids, not SciBERT's (the scoring path is the production one).");
    }
    const restarts = Object.entries(cluster.restarts()).filter(([, n]) => n > 0);
    if (restarts.length > 0) info(`restarted: ${restarts.map(([name, n]) => `${name} ×${n}`).join(', ')}`);
    info(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (a.report) await withReconnect(() => writeReport(c, runId, undefined, a.report!), retry);
  } finally {
    client?.close();
    await cluster?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (a['keep-state']) info(`logs and state kept in ${stateDir}`);
    else rmSync(stateDir, { recursive: true, force: true });
  }
}

function interruptedError(): LocalClusterError {
  return new LocalClusterError('INTERRUPTED', 'interrupted: the local cluster was stopped before the run finished');
}
