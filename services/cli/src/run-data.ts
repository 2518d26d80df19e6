/**
 * Loads what `clue report`, `clue diff` and `clue gate` read (@clue/report's RunData) through the
 * coordinator's API: the run (spec, state, dates), its results table, and on request every cell's
 * per-sample records (GetSamples). Also resolves `--against last-success`.
 */
import { sampleRecordOf, type SampleMessage, type SampleRecord } from '@clue/common';
import { ClueError } from '@clue/tasks';
import { cellKey, runDataOf, type RunData } from '@clue/report';
import type { CoordinatorClient } from './grpc-client.js';
import type { ResultsMsg } from './results/shapes.js';

/** The Run message fields the CLI's run readers use. */
export interface RunReply {
  id: string;
  state: string;
  createdAt: string;
  finishedAt?: string;
  reason?: string;
  spec?: {
    name?: string;
    models?: string[];
    tasks?: string[];
    datasets?: Record<string, string>;
    sampling?: Record<string, unknown>;
    maxSamples?: number;
    disableBertscore?: boolean;
    idempotencyKey?: string;
    preset?: string;
  };
}

/** One cell's per-sample records, in index order. */
export async function loadSamples(client: CoordinatorClient, runId: string, model: string, task: string): Promise<SampleRecord[]> {
  const msgs = await client.collect<SampleMessage>('getSamples', { runId, model, task });
  return msgs.map(sampleRecordOf);
}

/** The run, its results and (with `samples`) every complete cell's records. */
export async function loadRunData(client: CoordinatorClient, runId: string, options: { samples: boolean }): Promise<RunData> {
  const [run, results] = await Promise.all([client.call<RunReply>('getRun', { runId }), client.call<ResultsMsg>('getResults', { runId })]);
  let samples: Map<string, SampleRecord[]> | undefined;
  if (options.samples) {
    samples = new Map();
    for (const c of results.cells.filter((x) => x.complete)) samples.set(cellKey(c.model, c.task), await loadSamples(client, runId, c.model, c.task));
  }
  return runDataOf({ ...run, spec: run.spec ?? {} }, results, samples);
}

/**
 * The run `against` names: a run id as given, or for `last-success` the newest SUCCEEDED run with the
 * same spec name created before `runId` (null when there is none and `orNull` is set).
 * @throws ClueError when there is none and `orNull` is not set.
 */
export async function resolveAgainst(client: CoordinatorClient, runId: string, against: string, options: { orNull?: boolean } = {}): Promise<string | null> {
  if (against !== 'last-success') return against;
  const run = await client.call<RunReply>('getRun', { runId });
  const list = await client.call<{ runs: RunReply[] }>('listRuns', { limit: 500 });
  const name = run.spec?.name ?? '';
  const earlier = list.runs
    .filter((r) => r.id !== run.id && (r.spec?.name ?? '') === name && r.state === 'RUN_STATE_SUCCEEDED' && r.createdAt < run.createdAt)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  if (earlier[0]) return earlier[0].id;
  if (options.orNull) return null;
  throw new ClueError('INVALID_ARGUMENT', `no succeeded run named '${name}' before ${run.id} (created ${run.createdAt}): nothing to compare with yet (clue gate --without-baseline pass lets a first night pass)`);
}
