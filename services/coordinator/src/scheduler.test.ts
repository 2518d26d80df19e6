import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '@clue/tasks';
import { assign, tpOnWorker, type AssignRequest, type ModelWork, type SchedulerSnapshot, type WorkerView } from './scheduler.js';
import { loadSeconds } from './cost.js';

const H100x1 = [{ gpuClass: 'H100-80GB' }];
const H100x4 = [{ gpuClass: 'H100-80GB' }, { gpuClass: 'H100-80GB' }, { gpuClass: 'H100-80GB' }, { gpuClass: 'H100-80GB' }];
const opts = { pollAfterSeconds: 7 };

function req(over: Partial<AssignRequest> = {}): AssignRequest {
  return { workerId: 'w1', gpus: H100x4, loadedModel: '', freeSlots: 4, ...over };
}
function snap(work: ModelWork[], workers: WorkerView[] = []): SchedulerSnapshot {
  return { work, workers };
}
const work = (model: string, queuedGpuSeconds: number, queuedUnits = 10): ModelWork => ({ model, queuedUnits, queuedGpuSeconds });

test('tensor-parallel fit: 70B needs 2 H100s, 8x22B needs 4; unknown classes fit nothing', () => {
  assert.equal(tpOnWorker(getModel('llama-3-70b-instruct'), H100x1), null);
  assert.equal(tpOnWorker(getModel('llama-3-70b-instruct'), H100x4), 2);
  assert.equal(tpOnWorker(getModel('mixtral-8x22b-instruct-v0-1'), H100x4), 4);
  assert.equal(tpOnWorker(getModel('llama-3-8b-instruct'), [{ gpuClass: 'TPU-v9' }]), null);
  // a mixed node is planned as if every GPU were the smallest
  assert.equal(tpOnWorker(getModel('llama-3-70b-instruct'), [{ gpuClass: 'H100-80GB' }, { gpuClass: 'A100-40GB' }]), null);
});

test('model affinity: the loaded model is kept while it has queued units, even if another has more work', () => {
  const d = assign(req({ loadedModel: 'llama-3-8b-instruct' }), snap([work('llama-3-8b-instruct', 100), work('llama-3-70b-instruct', 90000)]), opts);
  assert.equal(d.kind, 'serve');
  assert.equal(d.kind === 'serve' && d.model, 'llama-3-8b-instruct');
  assert.equal(d.reason, 'affinity');
});

test('longest processing time first: the unserved model with the most remaining work wins', () => {
  const d = assign(req(), snap([work('llama-3-8b-instruct', 5000), work('llama-3-70b-instruct', 60000), work('mistral-7b-instruct-v0-2', 9000)]), opts);
  assert.ok(d.kind === 'serve');
  assert.equal(d.model, 'llama-3-70b-instruct');
  assert.equal(d.hfId, 'meta-llama/Meta-Llama-3-70B-Instruct');
  assert.equal(d.tensorParallelSize, 2);
  assert.equal(d.maxModelLen, 8192);
  assert.equal(d.reason, 'largest-unserved');
});

test('only models that fit: a 1-GPU worker never gets the 70B model', () => {
  const d = assign(req({ gpus: H100x1 }), snap([work('llama-3-70b-instruct', 60000), work('llama-3-8b-instruct', 10)]), opts);
  assert.ok(d.kind === 'serve');
  assert.equal(d.model, 'llama-3-8b-instruct');
  const none = assign(req({ gpus: H100x1 }), snap([work('llama-3-70b-instruct', 60000)]), opts);
  assert.deepEqual(none, { kind: 'wait', pollAfterSeconds: 7, reason: 'no-fit' });
});

test('spreading: a served model goes to a second worker only when its work clearly exceeds a load', () => {
  const m = getModel('llama-3-8b-instruct');
  const served: WorkerView[] = [{ id: 'w2', model: m.key, live: true }];
  const load = loadSeconds(m);
  // remaining / 2 servers = load -> not worth it
  const small = assign(req(), snap([work(m.key, 2 * load * 2)], served), opts);
  assert.deepEqual(small, { kind: 'wait', pollAfterSeconds: 7, reason: 'idle' });
  const big = assign(req(), snap([work(m.key, 2 * load * 2 + 100)], served), opts);
  assert.ok(big.kind === 'serve');
  assert.equal(big.reason, 'spread');
  // a dead worker does not count as a server
  const dead = assign(req(), snap([work(m.key, 10)], [{ id: 'w2', model: m.key, live: false }]), opts);
  assert.ok(dead.kind === 'serve' && dead.reason === 'largest-unserved');
});

test('an unserved model is preferred over spreading a served one', () => {
  const served: WorkerView[] = [{ id: 'w2', model: 'llama-3-70b-instruct', live: true }];
  const d = assign(req(), snap([work('llama-3-70b-instruct', 1e6), work('llama-3-8b-instruct', 50)], served), opts);
  assert.ok(d.kind === 'serve');
  assert.equal(d.model, 'llama-3-8b-instruct');
});

test('busy: a worker without free slots keeps its model; idle without work', () => {
  const busy = assign(req({ loadedModel: 'llama-3-8b-instruct', freeSlots: 0 }), snap([work('llama-3-70b-instruct', 1e6)]), opts);
  assert.ok(busy.kind === 'serve' && busy.model === 'llama-3-8b-instruct' && busy.reason === 'busy');
  assert.deepEqual(assign(req(), snap([]), opts), { kind: 'wait', pollAfterSeconds: 7, reason: 'idle' });
  assert.deepEqual(assign(req(), snap([work('llama-3-8b-instruct', 100, 0)]), opts), { kind: 'wait', pollAfterSeconds: 7, reason: 'idle' });
});
