/**
 * Nothing waits forever (capacity.ts, model-health.ts) against a real nats-server and the real gRPC
 * services: a model no live worker can hold is announced at submit, shown as waiting, then failed with
 * the reason; a gated model fails at once when a worker reports the failed load; an OOM makes the next
 * placement use a larger tensor-parallel size.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWorker, registerSynthetic, rpc, startCluster, waitForRun, type TestCluster } from '../testing/harness.js';

let c: TestCluster;
let datasets: Record<string, string>;

before(async () => {
  c = await startCluster({ reconcileSeconds: 0.2, heartbeatSeconds: 5, unplaceableSeconds: 2 });
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli'], 4);
});
after(async () => {
  await c?.stop();
});

const gpus = (n: number, gpuClass: string) => Array.from({ length: n }, (_, index) => ({ index, gpuClass, memoryGib: 40, uuid: `G${index}` }));
interface RunView {
  id: string;
  state: string;
  cells: { model: string; state: string; reason: string }[];
  waiting: { model: string; reason: string; seconds: number }[];
}
const submit = (key: string, models: string[]) =>
  rpc<{ run: RunView; warnings: string[] }>(c.clients.coordinator, 'SubmitRun', {
    spec: { name: key, models, tasks: ['mednli'], datasets: { mednli: datasets['mednli'] }, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 0 }, idempotencyKey: key },
  });
const metrics = () => ({ metrics: { ACCURACY: 1 } });

test('a model no live worker can hold: a warning at submit, shown as waiting, then its cells fail with the reason; the rest finishes (PARTIAL)', async () => {
  const w = new FakeWorker({ id: 'l40s-1', nats: c.nats, workerApi: c.clients.workerApi, metrics, gpus: gpus(1, 'L40S-48GB') });
  await w.start();
  const sub = await submit('unplaceable', ['llama-2-70b', 'llama-3-8b-instruct']);
  assert.equal(sub.warnings.length, 1, sub.warnings.join('\n'));
  assert.match(sub.warnings[0]!, /^llama-2-70b: no live worker can hold it: it needs 2× H100-80GB, 2× A100-80GB, 4× A100-40GB, 4× L40S-48GB on one worker \(live workers: 1 with 1× L40S-48GB\); its cells fail in 2 s/);
  const waiting = await waitForRun<RunView>(c.clients.coordinator, sub.run.id, (r) => r.waiting.some((x) => x.model === 'llama-2-70b'), 5000);
  assert.match(waiting.waiting.find((x) => x.model === 'llama-2-70b')!.reason, /no live worker can hold it/);
  await w.drain();
  const run = await waitForRun<RunView>(c.clients.coordinator, sub.run.id, (r) => r.state === 'RUN_STATE_PARTIAL', 15000);
  const big = run.cells.find((x) => x.model === 'llama-2-70b')!;
  assert.equal(big.state, 'failed');
  assert.match(big.reason, /no registered worker can hold llama-2-70b \(waited \d+ s\): it needs 2× H100-80GB/);
  assert.equal(run.cells.find((x) => x.model === 'llama-3-8b-instruct')!.state, 'done');
  assert.deepEqual(run.waiting, []);
  await w.stop();
});

test('a gated repository reported by one worker fails the model at once; an OOM moves the model to a larger TP size', async () => {
  await rpc(c.clients.workerApi, 'Register', { workerId: 'h100-2', gpus: gpus(2, 'H100-80GB') });
  const sub = await submit('gated', ['llama-3-8b-instruct']);
  const first = await rpc<{ groups: { id: string; gpuIndices: number[]; model: string; tensorParallelSize: number }[] }>(c.clients.workerApi, 'GetAssignment', { workerId: 'h100-2', groups: [] });
  assert.deepEqual(first.groups.map((g) => [g.model, g.tensorParallelSize]), [['llama-3-8b-instruct', 1]]);
  const g = first.groups[0]!;
  // An OOM at TP 1: the next layout places it on two GPUs.
  const oom = { id: g.id, gpuIndices: g.gpuIndices, model: g.model, state: 'failed', tensorParallelSize: 1, failureCode: 'START_FAILED_OOM', failureReason: 'CUDA out of memory' };
  const second = await rpc<{ groups: { id: string; gpuIndices: number[]; model: string; tensorParallelSize: number }[] }>(c.clients.workerApi, 'GetAssignment', { workerId: 'h100-2', groups: [oom] });
  assert.deepEqual(second.groups, [], 'the failed group is released first; its GPUs are not reused in the same answer');
  const third = await rpc<{ groups: { id: string; gpuIndices: number[]; model: string; tensorParallelSize: number }[] }>(c.clients.workerApi, 'GetAssignment', { workerId: 'h100-2', groups: [] });
  assert.deepEqual(third.groups.map((x) => [x.model, x.tensorParallelSize, x.gpuIndices]), [['llama-3-8b-instruct', 2, [0, 1]]]);
  const t = third.groups[0]!;
  const gated = { id: t.id, gpuIndices: t.gpuIndices, model: t.model, state: 'failed', tensorParallelSize: 2, failureCode: 'MODEL_INVALID_OR_GATED', failureReason: 'the repository is gated' };
  await rpc(c.clients.workerApi, 'GetAssignment', { workerId: 'h100-2', groups: [gated] });
  const run = await waitForRun<RunView>(c.clients.coordinator, sub.run.id, (r) => r.state === 'RUN_STATE_FAILED' || r.state === 'RUN_STATE_PARTIAL', 10000);
  assert.equal(run.state, 'RUN_STATE_FAILED', 'its only cell failed');
  assert.match(run.cells[0]!.reason, /llama-3-8b-instruct cannot run: the model failed to load on worker h100-2: MODEL_INVALID_OR_GATED: the repository is gated/);
  const after = await rpc<{ groups: unknown[] }>(c.clients.workerApi, 'GetAssignment', { workerId: 'h100-2', groups: [] });
  assert.deepEqual(after.groups, [], 'nothing is placed for a failed model');
});
