import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { KV_UNITS } from '@clue/common';
import { registerSynthetic, rpc, startCluster, type TestCluster } from '../testing/harness.js';

let c: TestCluster;
let datasets: Record<string, string>;

before(async () => {
  c = await startCluster({ stallSeconds: 1, reconcileSeconds: 0.2, heartbeatSeconds: 5 });
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli'], 5);
});
after(async () => {
  await c?.stop();
});

const H100 = (n: number) => Array.from({ length: n }, (_, index) => ({ index, gpuClass: 'H100-80GB', memoryGib: 79.1, uuid: `G${index}` }));
const submit = (key: string, models: string[]) =>
  rpc<{ run: { id: string } }>(c.clients.coordinator, 'SubmitRun', {
    spec: { name: key, models, tasks: ['mednli'], datasets: { mednli: datasets['mednli'] }, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 0 }, idempotencyKey: key },
  });

test('Register validates the inventory; GetAssignment needs a registered worker', async () => {
  await assert.rejects(rpc(c.clients.workerApi, 'Register', { workerId: 'bad id!', gpus: H100(1) }), (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /^worker_id:/.test(e.details));
  await assert.rejects(rpc(c.clients.workerApi, 'Register', { workerId: 'w', gpus: [{ gpuClass: 'RTX-9000' }] }), (e: ServiceError) => /^gpus\[0\]\.gpu_class: unknown GPU class 'RTX-9000'/.test(e.details));
  await assert.rejects(rpc(c.clients.workerApi, 'Register', { workerId: 'w', gpus: [] }), (e: ServiceError) => /^gpus: a worker needs at least one GPU/.test(e.details));
  await assert.rejects(rpc(c.clients.workerApi, 'GetAssignment', { workerId: 'ghost', freeSlots: 1 }), (e: ServiceError) => e.code === status.FAILED_PRECONDITION && /call Register/.test(e.details));
  const r = await rpc<{ heartbeatSeconds: number }>(c.clients.workerApi, 'Register', { workerId: 'node-a.gpu', node: 'node-a', gpus: H100(1), engine: 'vllm-sim' });
  assert.equal(r.heartbeatSeconds, 5);
});

interface GroupReply { id: string; gpuIndices: number[]; model: string; hfId: string; tensorParallelSize: number; maxModelLen: number; reason: string }
const assign = (workerId: string, groups: unknown[] = []) => rpc<{ groups: GroupReply[]; pollAfterSeconds: number }>(c.clients.workerApi, 'GetAssignment', { workerId, groups });
const serving = (g: GroupReply, over: Record<string, unknown> = {}) => ({ id: g.id, gpuIndices: g.gpuIndices, model: g.model, state: 'serving', unitsRunning: 0, freeSlots: 1, tensorParallelSize: g.tensorParallelSize, ...over });

test('GetAssignment answers a layout of engine groups: models that fit, several per worker, then affinity; ListWorkers shows the groups', async () => {
  await submit('assign', ['llama-3-70b-instruct', 'llama-3-8b-instruct', 'mistral-7b-instruct-v0-2']);
  await rpc(c.clients.workerApi, 'Register', { workerId: 'small', node: 'n1', gpus: H100(1), engine: 'fake' });
  await rpc(c.clients.workerApi, 'Register', { workerId: 'big', node: 'n2', gpus: H100(4), engine: 'fake' });
  const small = await assign('small');
  assert.equal(small.groups.length, 1);
  assert.deepEqual([small.groups[0]!.model, small.groups[0]!.tensorParallelSize, small.groups[0]!.gpuIndices], ['llama-3-8b-instruct', 1, [0]]);
  assert.equal(small.groups[0]!.hfId, 'meta-llama/Meta-Llama-3-8B-Instruct');
  const big = await assign('big');
  // The 70B model on an aligned pair, the 7B model nobody serves yet on a GPU of its own: two engines at once.
  assert.deepEqual(big.groups.map((g) => [g.model, g.gpuIndices, g.tensorParallelSize, g.reason]), [
    ['llama-3-70b-instruct', [0, 1], 2, 'largest-unserved'],
    ['mistral-7b-instruct-v0-2', [2], 1, 'largest-unserved'],
  ]);
  assert.equal(big.groups[0]!.maxModelLen, 8192);
  const again = await assign('big', big.groups.map((g) => serving(g)));
  assert.deepEqual(again.groups.map((g) => [g.id, g.reason]), big.groups.map((g) => [g.id, 'affinity']));
  const list = await rpc<{ workers: { id: string; model: string; state: string; gpus: unknown[]; groups: { id: string; model: string; gpuIndices: number[]; state: string }[] }[] }>(c.clients.coordinator, 'ListWorkers', {});
  const byId = new Map(list.workers.map((w) => [w.id, w]));
  assert.equal(byId.get('big')!.model, 'llama-3-70b-instruct,mistral-7b-instruct-v0-2');
  assert.equal(byId.get('big')!.state, 'serving');
  assert.deepEqual(byId.get('big')!.groups.map((g) => [g.model, g.gpuIndices, g.state]), [['llama-3-70b-instruct', [0, 1], 'serving'], ['mistral-7b-instruct-v0-2', [2], 'serving']]);
  assert.equal(byId.get('small')!.gpus.length, 1);
});

test('GetAssignment refuses a malformed group report, naming the field', async () => {
  await rpc(c.clients.workerApi, 'Register', { workerId: 'picky', gpus: H100(2) });
  const g = { id: 'g0.x', gpuIndices: [0], model: 'llama-3-8b-instruct', state: 'serving' };
  await assert.rejects(assign('picky', [{ ...g, gpuIndices: [7] }]), (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /^groups\[0\]\.gpu_indices: GPU 7 is not one of the worker's registered GPUs/.test(e.details));
  await assert.rejects(assign('picky', [g, { ...g, id: 'g0.y' }]), (e: ServiceError) => /^groups\[1\]\.gpu_indices: GPU 0 is in two groups/.test(e.details));
  await assert.rejects(assign('picky', [{ ...g, state: 'dancing' }]), (e: ServiceError) => /^groups\[0\]\.state: must be one of loading, serving, failed, releasing/.test(e.details));
});

test('progress marks a unit running; without progress for --stall-seconds it is re-queued (no attempt spent)', async () => {
  const sub = await submit('stall', ['mistral-7b-instruct-v0-2']);
  const unitId = `${sub.run.id}.mistral-7b-instruct-v0-2.mednli.0`;
  await rpc(c.clients.workerApi, 'Register', { workerId: 'w-stall', gpus: H100(1) });
  const stream = await new Promise<ClientWritableStream<unknown>>((resolve) => {
    const s = (c.clients.workerApi as unknown as { ReportProgress(cb: (e: Error | null) => void): ClientWritableStream<unknown> }).ReportProgress(() => undefined);
    resolve(s);
  });
  stream.write({ workerId: 'w-stall', unitId, samplesDone: 1, samplesTotal: 5, promptTokens: 500, generatedTokens: 3 });
  const nc = await connect(c.nats.connectOptions('coordinator'));
  const units = await new Kvm(nc).open(KV_UNITS);
  const read = async () => (await units.get(unitId))!.json<{ state: string; worker?: string; attempts: number; infraFailures?: number; reason?: string }>();
  const until = async (pred: (u: Awaited<ReturnType<typeof read>>) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const u = await read();
      if (pred(u)) return u;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`unit state: ${JSON.stringify(await read())}`);
  };
  const running = await until((u) => u.state === 'running');
  assert.equal(running.worker, 'w-stall');
  const requeued = await until((u) => u.state === 'queued');
  assert.equal(requeued.attempts, 0);
  assert.equal(requeued.infraFailures, 1);
  assert.match(requeued.reason!, /^stalled: no progress for \d+ s on worker w-stall/);
  const run = await rpc<{ samplesDone: number }>(c.clients.coordinator, 'GetRun', { runId: sub.run.id });
  assert.equal(run.samplesDone, 0);
  stream.end();
  await nc.close();
});
