/**
 * DESIGN.md's invariants, end to end on the real local cluster (nats-server, coordinator, workers,
 * vllm-sim processes), with several engine groups per worker: a run disturbed by kill -9 of one engine,
 * kill -9 of a worker mid-unit, of the coordinator and of nats-server (each restarted by the local
 * cluster's supervisor) ends with exactly the table of an undisturbed run with the same seed, every sample
 * counted once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MatrixOptions } from '../support/cluster.js';
import { runMatrix, sleep, table, waitFor } from '../support/cluster.js';

// Two workers of 4 GPUs and two 7-8B models: the first worker to ask runs an engine group per model.
// stallSeconds: the unit the killed worker held is queued again after 20 s without progress (JetStream
// would redeliver it only after its ack wait, and not at all if it lost track of it).
const MATRIX: MatrixOptions = {
  cluster: { workers: 2, gpusPerWorker: 4, gpu: 'H100-80GB', timeScale: 2, stallSeconds: 20 },
  models: ['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'],
  tasks: ['mednli', 'meqsum', 'medisumcode'],
  samples: 24,
  sampling: { temperature: 0.7, topP: 0.95, maxTokens: 0, seed: 11 },
};

test('kill -9 of an engine, a worker, the coordinator and nats-server mid-run: same table as an undisturbed run, nothing counted twice', { timeout: 600000 }, async () => {
  const undisturbed = await runMatrix(MATRIX);
  assert.equal(undisturbed.cells.length, 6);
  for (const c of undisturbed.cells) assert.equal(c.samples, 24, `${c.model} ${c.task}`);

  const disturbed = await runMatrix(MATRIX, async (cluster, client, runId) => {
    const started = await waitFor(client, runId, (r) => r.samplesDone > 0, 120000);
    assert.ok(started.samplesDone < started.samplesTotal, 'the run must still be going when the faults start');
    // A worker runs several engines (the first to ask gets a group per model); one of them dies, its
    // worker restarts it, the others keep serving.
    const multi = async (): Promise<number> => {
      for (let t = 0; t < 50; t++) {
        const i = [0, 1].find((w) => cluster.chaos.enginePids(w).length >= 2);
        if (i !== undefined) return i;
        await sleep(100);
      }
      return -1;
    };
    const w = await multi();
    assert.ok(w >= 0, 'a worker runs more than one engine');
    assert.ok(cluster.chaos.killEngine(w) !== null);
    // kill -9 as from another shell: the local cluster's supervisors restart each one.
    await cluster.chaos.killWorker(0);
    await cluster.chaos.killCoordinator();
    await cluster.chaos.allRunning();
    await cluster.chaos.killNats();
    await cluster.chaos.allRunning();
    const restarts = cluster.restarts();
    assert.equal(restarts['worker-1'], 1);
    assert.equal(restarts['coordinator'], 1);
    assert.equal(restarts['nats-server'], 1);
  });
  assert.deepEqual(table(disturbed), table(undisturbed));
});
