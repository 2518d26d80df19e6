/**
 * DESIGN.md's invariants, end to end on the real local cluster (nats-server, coordinator, workers,
 * vllm-sim processes): a run disturbed by kill -9 of a worker mid-unit, kill -9 and restart of the
 * coordinator, and kill -9 and restart of nats-server ends with exactly the table of an undisturbed run
 * with the same seed, every sample counted once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDatasets, SYNTH_CONDITIONS } from '@clue/tasks';
import { startLocalCluster, CoordinatorClient, submitSpec, defaultSpec, type LocalCluster, type ResultsMsg, type RunMsg } from '@clue/cli';

const FINAL = new Set(['RUN_STATE_SUCCEEDED', 'RUN_STATE_PARTIAL', 'RUN_STATE_FAILED', 'RUN_STATE_CANCELLED']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A poll that survives the coordinator being down for a moment. */
async function getRun(client: CoordinatorClient, runId: string): Promise<RunMsg | undefined> {
  try {
    return await client.call<RunMsg>('getRun', { runId }, 5000);
  } catch {
    return undefined;
  }
}

async function waitFor(client: CoordinatorClient, runId: string, ok: (r: RunMsg) => boolean, timeoutMs: number): Promise<RunMsg> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await getRun(client, runId);
    if (r && ok(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out; last state ${JSON.stringify(r && { state: r.state, done: r.samplesDone, total: r.samplesTotal })}`);
    await sleep(200);
  }
}

async function runMatrix(disturb: (cluster: LocalCluster, client: CoordinatorClient, runId: string) => Promise<void>): Promise<ResultsMsg> {
  const stateDir = mkdtempSync(join(tmpdir(), 'clue-e2e-'));
  const data = await generateDatasets({ outDir: join(stateDir, 'data'), samples: 24, seed: 5, longHealthQuestions: 2 });
  const icd10Table = join(stateDir, 'codes.txt');
  writeFileSync(icd10Table, SYNTH_CONDITIONS.map((c) => `${c.code.padEnd(8)}${c.description}`).join('\n') + '\n');
  // stallSeconds: the unit the killed worker held is queued again after 20 s without progress
  // (JetStream would redeliver it only after its ack wait, and not at all if it lost track of it).
  const cluster = await startLocalCluster({ workers: 2, gpusPerWorker: 1, gpu: 'H100-80GB', timeScale: 2, stateDir, icd10Table, stallSeconds: 20 });
  const client = new CoordinatorClient(cluster.coordinator);
  try {
    const spec = {
      ...defaultSpec(),
      models: ['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'],
      tasks: ['mednli' as const, 'meqsum' as const, 'medisumcode' as const],
      data: { mednli: data.mednli, meqsum: data.meqsum, medisumcode: data.medisumcode },
      sampling: { temperature: 0.7, topP: 0.95, maxTokens: 0, seed: 11 },
    };
    const { runId } = await submitSpec(client, spec);
    await disturb(cluster, client, runId);
    const run = await waitFor(client, runId, (r) => FINAL.has(r.state), 180000);
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
function table(r: ResultsMsg) {
  return {
    cells: r.cells.map((c) => ({ model: c.model, task: c.task, complete: c.complete, samples: c.samples, metrics: c.metrics, score: c.score })).sort((a, b) => `${a.model}.${a.task}`.localeCompare(`${b.model}.${b.task}`)),
    models: [...r.models].sort((a, b) => a.model.localeCompare(b.model)),
  };
}

test('kill -9 of a worker, the coordinator and nats-server mid-run: same table as an undisturbed run, nothing counted twice', { timeout: 600000 }, async () => {
  const undisturbed = await runMatrix(async () => undefined);
  assert.equal(undisturbed.cells.length, 6);
  for (const c of undisturbed.cells) assert.equal(c.samples, 24, `${c.model} ${c.task}`);

  const disturbed = await runMatrix(async (cluster, client, runId) => {
    const started = await waitFor(client, runId, (r) => r.samplesDone > 0, 120000);
    assert.ok(started.samplesDone < started.samplesTotal, 'the run must still be going when the faults start');
    await cluster.chaos.killWorker(0);
    await cluster.chaos.killCoordinator();
    await sleep(500);
    await cluster.chaos.startCoordinator();
    cluster.chaos.startWorker(0);
    await cluster.chaos.killNats();
    await sleep(500);
    await cluster.chaos.startNats();
  });
  assert.deepEqual(table(disturbed), table(undisturbed));
});
