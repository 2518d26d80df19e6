/**
 * Engine groups end to end (`clue up`'s local cluster): on 2 workers × 8 GPUs with eight 7-8B models,
 * a worker runs more than one engine at once (each on its own GPU), and the table equals that of a run
 * with one engine per worker (2 workers × 1 GPU) with the same seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoordinatorClient } from '@clue/cli';
import type { MatrixOptions } from '../support/cluster.js';
import { runMatrix, sleep, table } from '../support/cluster.js';

const MODELS = [
  'llama-3-8b-instruct',
  'mistral-7b-instruct-v0-2',
  'openbiollm-8b',
  'biomistral-7b',
  'zephyr-7b-beta',
  'llama-2-7b-chat',
  'internist-7b-v0-2',
  'aloe-8b-alpha',
];
const base: Omit<MatrixOptions, 'cluster'> = {
  models: MODELS,
  tasks: ['mednli', 'meqsum', 'medisumcode'],
  samples: 12,
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 3 },
};

interface WorkersMsg {
  workers: { id: string; groups: { gpuIndices: number[]; model: string; state: string }[] }[];
}

test('several engines per worker at once, on disjoint GPUs; the same table as one engine per worker', { timeout: 600000 }, async () => {
  let most = 0;
  let overlap = false;
  const grouped = await runMatrix({ ...base, cluster: { workers: 2, gpusPerWorker: 8, gpu: 'H100-80GB', timeScale: 200 } }, async (cluster) => {
    const client = new CoordinatorClient(cluster.coordinator, cluster.clientAuth('operator'));
    const deadline = Date.now() + 60_000;
    try {
      while (Date.now() < deadline && most < 2) {
        const r = await client.call<WorkersMsg>('listWorkers', {});
        for (const w of r.workers) {
          const serving = w.groups.filter((g) => g.state === 'serving');
          most = Math.max(most, serving.length);
          const gpus = w.groups.flatMap((g) => g.gpuIndices);
          if (new Set(gpus).size !== gpus.length) overlap = true;
        }
        await sleep(50);
      }
    } finally {
      client.close();
    }
  });
  assert.ok(most >= 2, `a worker served ${most} engine group(s) at most`);
  assert.equal(overlap, false, 'no GPU was in two groups');
  const single = await runMatrix({ ...base, cluster: { workers: 2, gpusPerWorker: 1, gpu: 'H100-80GB', timeScale: 200 } });
  assert.equal(grouped.cells.length, MODELS.length * base.tasks.length);
  assert.deepEqual(table(grouped), table(single));
});
