/**
 * Helpers of the local-cluster system tests: synthetic data and an ICD-10 code list in a temp dir, a
 * local cluster (`clue up`'s), polling GetRun through coordinator restarts, and the part of a results
 * table that must be identical between runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { generateDatasets, SYNTH_CONDITIONS, type TaskId } from '@clue/tasks';
import { startLocalCluster, CoordinatorClient, submitSpec, defaultSpec, type LocalCluster, type LocalClusterOptions, type ResultsMsg, type RunMsg } from '@clue/cli';

export const FINAL = new Set(['RUN_STATE_SUCCEEDED', 'RUN_STATE_PARTIAL', 'RUN_STATE_FAILED', 'RUN_STATE_CANCELLED']);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A poll that survives the coordinator being down for a moment. */
export async function getRun(client: CoordinatorClient, runId: string): Promise<RunMsg | undefined> {
  try {
    return await client.call<RunMsg>('getRun', { runId }, 5000);
  } catch {
    return undefined;
  }
}

/** Polls GetRun until `ok`; throws with the last state after `timeoutMs`. */
export async function waitFor(client: CoordinatorClient, runId: string, ok: (r: RunMsg) => boolean, timeoutMs: number): Promise<RunMsg> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await getRun(client, runId);
    if (r && ok(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out; last state ${JSON.stringify(r && { state: r.state, done: r.samplesDone, total: r.samplesTotal })}`);
    await sleep(200);
  }
}

/** A matrix to run. */
export interface MatrixOptions {
  readonly cluster: Omit<LocalClusterOptions, 'stateDir' | 'icd10Table'>;
  readonly models: readonly string[];
  readonly tasks: readonly TaskId[];
  readonly samples: number;
  readonly sampling: { temperature: number; topP: number; maxTokens: number; seed: number };
  /** @default 180000 */
  readonly timeoutMs?: number;
}

/**
 * Runs the matrix on a fresh local cluster; `disturb` runs right after the submit (chaos). The run
 * must succeed with every sample done; returns its results.
 */
export async function runMatrix(o: MatrixOptions, disturb: (cluster: LocalCluster, client: CoordinatorClient, runId: string) => Promise<void> = async () => undefined): Promise<ResultsMsg> {
  const stateDir = mkdtempSync(join(tmpdir(), 'clue-e2e-'));
  const files = await generateDatasets({ outDir: join(stateDir, 'data'), samples: o.samples, seed: 5, longHealthQuestions: Math.max(1, Math.ceil(o.samples / 5)) });
  const icd10Table = join(stateDir, 'codes.txt');
  writeFileSync(icd10Table, SYNTH_CONDITIONS.map((c) => `${c.code.padEnd(8)}${c.description}`).join('\n') + '\n');
  const cluster = await startLocalCluster({ ...o.cluster, stateDir, icd10Table });
  const client = new CoordinatorClient(cluster.coordinator, cluster.clientAuth('operator'));
  try {
    const data: Partial<Record<TaskId, string>> = {};
    for (const t of o.tasks) data[t] = files[t];
    const spec = { ...defaultSpec(), models: [...o.models], tasks: [...o.tasks], data, sampling: o.sampling };
    const { runId } = await submitSpec(client, spec);
    await disturb(cluster, client, runId);
    const run = await waitFor(client, runId, (r) => FINAL.has(r.state), o.timeoutMs ?? 180000);
    assert.equal(run.state, 'RUN_STATE_SUCCEEDED', run.reason);
    assert.equal(run.samplesDone, run.samplesTotal);
    return await client.call<ResultsMsg>('getResults', { runId });
  } finally {
    client.close();
    await cluster.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** What must be identical between runs: every cell's metrics and sample count, and the level scores. */
export function table(r: ResultsMsg) {
  return {
    cells: r.cells.map((c) => ({ model: c.model, task: c.task, complete: c.complete, samples: c.samples, metrics: c.metrics, score: c.score })).sort((a, b) => `${a.model}.${a.task}`.localeCompare(`${b.model}.${b.task}`)),
    models: [...r.models].sort((a, b) => a.model.localeCompare(b.model)),
  };
}
