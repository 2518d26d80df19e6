import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '@clue/tasks';
import { freeBlock, groupId, placeNode, scorersWanted, tpFor, waitReason, type GroupView, type ModelDemand, type NodeView, type PlacementSnapshot } from './placement.js';
import { Estimator, classSpeed } from './estimates.js';

const SMALL = 'llama-3-8b-instruct';
const SMALL2 = 'mistral-7b-instruct-v0-2';
const BIG = 'llama-3-70b-instruct';
const HUGE = 'mixtral-8x22b-instruct-v0-1';

function node(workerId: string, count: number, gpuClass = 'H100-80GB', groups: GroupView[] = [], live = true): NodeView {
  return { workerId, gpus: Array.from({ length: count }, (_, index) => ({ index, gpuClass })), groups, live };
}
const demand = (model: string, queuedGpuSeconds: number, queuedUnits = 20): ModelDemand => ({ model, queuedUnits, queuedGpuSeconds });
const group = (gpus: number[], model: string, over: Partial<GroupView> = {}): GroupView => ({
  id: groupId(gpus, model),
  gpus,
  model,
  state: 'serving',
  unitsRunning: 0,
  tensorParallelSize: gpus.length,
  ...over,
});
function snap(d: ModelDemand[], nodes: NodeView[], over: Partial<PlacementSnapshot> = {}): PlacementSnapshot {
  return { demand: d, nodes, estimates: new Estimator(), ...over };
}
const layout = (p: ReturnType<typeof placeNode>) => p.groups.map((g) => `${g.gpus.join('-')}:${g.model}:${g.reason}`);

test('tensor-parallel fit per GPU class, aligned free blocks', () => {
  assert.equal(tpFor(getModel(BIG), 'H100-80GB', 1), null);
  assert.equal(tpFor(getModel(BIG), 'H100-80GB', 8), 2);
  assert.equal(tpFor(getModel(BIG), 'L40S-48GB', 8), 4);
  assert.equal(tpFor(getModel(BIG), 'H100-80GB', 8, 3), 4, 'after an OOM at TP 2 the next size that splits the model');
  assert.equal(tpFor(getModel(HUGE), 'A100-40GB', 4), null);
  assert.equal(tpFor(getModel(SMALL), 'TPU-v9', 8), null);
  assert.deepEqual(freeBlock([0, 1, 2, 3, 4, 5, 6, 7], new Set([1]), 2), [2, 3]);
  assert.deepEqual(freeBlock([0, 1, 2, 3, 4, 5, 6, 7], new Set([1, 5]), 4), null);
  assert.deepEqual(freeBlock([0, 1, 2, 3], new Set([0, 2]), 1), [1]);
});

test('an empty 8-GPU node is filled: longest work first, each group on its own aligned block, several models at once', () => {
  const s = snap([demand(SMALL, 2000), demand(SMALL2, 1500), demand(BIG, 40000), demand(HUGE, 100000)], [node('w1', 8)]);
  const p = placeNode('w1', s);
  assert.deepEqual(layout(p), [`0-1-2-3:${HUGE}:largest-unserved`, `4-5:${BIG}:largest-unserved`, `6:${SMALL}:largest-unserved`, `7:${SMALL2}:largest-unserved`]);
  const used = p.groups.flatMap((g) => g.gpus);
  assert.equal(new Set(used).size, used.length, 'disjoint GPU sets');
  assert.equal(p.groups[1]!.hfId, 'meta-llama/Meta-Llama-3-70B-Instruct');
  assert.equal(p.groups[1]!.maxModelLen, 8192);
});

test('affinity and busy groups stay; a group whose model has no queued work is released; a failed group is released', () => {
  const groups = [group([0], SMALL), group([1], SMALL2, { unitsRunning: 1 }), group([2], 'openbiollm-8b'), group([3], 'zephyr-7b-beta', { state: 'failed' })];
  const p = placeNode('w1', snap([demand(SMALL, 100, 3), demand('zephyr-7b-beta', 10000)], [node('w1', 4, 'H100-80GB', groups)]));
  assert.deepEqual(layout(p), [`0:${SMALL}:affinity`, `1:${SMALL2}:busy`]);
  assert.deepEqual([...p.released].sort(), [groupId([2], 'openbiollm-8b'), groupId([3], 'zephyr-7b-beta')].sort());
  // The released groups' GPUs are not reused before the worker has released them.
  assert.ok(p.groups.every((g) => !g.gpus.includes(2) && !g.gpus.includes(3)));
});

test('a model that does not fit the node is not placed there; a model excluded there (failed loads) neither', () => {
  const p = placeNode('w1', snap([demand(BIG, 90000), demand(SMALL, 100)], [node('w1', 1, 'L40S-48GB')]));
  assert.deepEqual(layout(p), [`0:${SMALL}:largest-unserved`]);
  const q = placeNode('w1', snap([demand(SMALL, 100)], [node('w1', 2)], { constraint: (_w, m) => (m === SMALL ? { excluded: 'gated' } : undefined) }));
  assert.deepEqual(q.groups, []);
});

test('spreading: a model served elsewhere gets another group when that shortens its remaining time, and the replica has a queued unit', () => {
  const est = new Estimator();
  const loadS = est.loadSeconds(SMALL, 'H100-80GB');
  const rate = est.groupRate(SMALL, 'H100-80GB', 1);
  const other = node('w2', 1, 'H100-80GB', [group([0], SMALL, { unitsRunning: 1 })]);
  const worthIt = rate * loadS * 10;
  // Less work than one load on the server it has: a replica would finish after it.
  const tiny = rate * loadS * 0.5;
  assert.deepEqual(layout(placeNode('w1', snap([demand(SMALL, worthIt)], [node('w1', 1), other]))), [`0:${SMALL}:spread`]);
  assert.deepEqual(placeNode('w1', snap([demand(SMALL, tiny)], [node('w1', 1), other])).groups, []);
  assert.deepEqual(placeNode('w1', snap([demand(SMALL, worthIt)], [node('w1', 1), other]), { spreadFactor: 20 }).groups, [], 'spreadFactor raises the bar');
  // A replica needs a queued unit of its own.
  assert.deepEqual(placeNode('w1', snap([demand(SMALL, worthIt, 1)], [node('w1', 1), other])).groups, []);
  // Servers of a worker that is not live do not count: the model is unserved again.
  const dead = node('w2', 1, 'H100-80GB', [group([0], SMALL)], false);
  assert.deepEqual(layout(placeNode('w1', snap([demand(SMALL, tiny)], [node('w1', 1), dead]))), [`0:${SMALL}:largest-unserved`]);
});

test('spreading goes to the critical path; a model that ends before the cluster horizon gets no replica', () => {
  const est = new Estimator();
  const rate = est.groupRate(SMALL, 'H100-80GB', 1);
  const loadS = est.loadSeconds(SMALL, 'H100-80GB');
  const other = node('w2', 2, 'H100-80GB', [group([0], SMALL, { unitsRunning: 1 }), group([1], SMALL2, { unitsRunning: 1 })]);
  // Horizon = (10 + 100) loads of work over 4 GPUs = 27.5 loads; SMALL ends after 10, SMALL2 after 100.
  const p = placeNode('w1', snap([demand(SMALL, rate * loadS * 10), demand(SMALL2, rate * loadS * 100)], [node('w1', 2), other]));
  assert.deepEqual(layout(p), [`0:${SMALL2}:spread`, `1:${SMALL2}:spread`]);
});

test('observed throughput moves the estimates: a class that ran 4x slower than the cost model says gets 4x the wall time', () => {
  const est = new Estimator();
  const before = est.wallSeconds(SMALL, 'A100-40GB', 1, 1000);
  const spec = getModel(SMALL);
  est.observeUnit(SMALL, 'A100-40GB', 1000, (4 * 1000) / classSpeed(spec, 'A100-40GB'));
  assert.ok(Math.abs(est.wallSeconds(SMALL, 'A100-40GB', 1, 1000) / before - 4) < 1e-9);
  // Another model on that class falls back to the class's factor; another class to the global one.
  assert.ok(Math.abs(est.wallSeconds(SMALL2, 'A100-40GB', 1, 1000) / new Estimator().wallSeconds(SMALL2, 'A100-40GB', 1, 1000) - 4) < 1e-9);
  est.observeLoad(SMALL, 'A100-40GB', 2 * new Estimator().loadSeconds(SMALL, 'A100-40GB'));
  assert.ok(Math.abs(est.loadSeconds(SMALL, 'A100-40GB') / new Estimator().loadSeconds(SMALL, 'A100-40GB') - 2) < 1e-9);
});

test('wait reasons name what is missing', () => {
  const nodes = [node('w1', 1, 'L40S-48GB')];
  assert.deepEqual(waitReason(BIG, snap([demand(BIG, 1)], nodes))?.kind, 'no-holder');
  assert.match(waitReason(BIG, snap([demand(BIG, 1)], nodes))!.reason, /no live worker can hold it: it needs 2× H100-80GB, 2× A100-80GB, 4× A100-40GB, 4× L40S-48GB on one worker \(live workers: 1 with 1× L40S-48GB\)/);
  assert.match(waitReason(SMALL, snap([demand(SMALL, 1)], [node('w1', 1, 'L40S-48GB', [group([0], BIG, { state: 'loading' })])]))!.reason, /waiting for free GPUs/);
  assert.equal(waitReason(SMALL, snap([demand(SMALL, 1)], [node('w1', 1, 'H100-80GB', [group([0], SMALL)])])), null);
  assert.equal(waitReason(SMALL, snap([demand(SMALL, 1)], []))?.kind, 'no-workers');
});

const SCORER = 'scibert-scorer';

test('scorers: one goes on a free GPU of the asking node before any LLM, is kept while wanted, released when not', () => {
  const d = [demand(SMALL, 2000, 1), demand(BIG, 40000, 1)];
  const first = placeNode('w1', snap(d, [node('w1', 8), node('w2', 8)], { scorers: 1 }));
  assert.deepEqual(layout(first), [`7:${SCORER}:scorer`, `0-1:${BIG}:largest-unserved`, `2:${SMALL}:largest-unserved`]);
  const s = first.groups[0]!;
  assert.equal(s.tensorParallelSize, 1);
  assert.equal(s.maxModelLen, 512);
  assert.equal(s.hfId, 'allenai/scibert_scivocab_uncased');

  // Another node: the cluster already has its scorer (w1's, loading), so none more.
  const w1 = node('w1', 8, 'H100-80GB', [group([7], SCORER, { state: 'loading' }), group([0, 1], BIG), group([2], SMALL)]);
  const second = placeNode('w2', snap(d, [w1, node('w2', 8)], { scorers: 1 }));
  assert.ok(!second.groups.some((g) => g.model === SCORER));
  // Two wanted: the second node starts one too.
  assert.ok(placeNode('w2', snap(d, [w1, node('w2', 8)], { scorers: 2 })).groups.some((g) => g.model === SCORER));

  // Kept while wanted (even without LLM demand), released when no BERTScore work is left.
  const kept = placeNode('w1', snap([], [w1], { scorers: 1 }));
  assert.deepEqual(layout(kept), [`7:${SCORER}:scorer`]);
  assert.deepEqual([...placeNode('w1', snap([], [w1], { scorers: 0 })).released].sort(), [groupId([0, 1], BIG), groupId([2], SMALL), groupId([7], SCORER)].sort());
  // A failed scorer is released (the next node asking starts one; the failure is the model health's to judge).
  const failed = node('w1', 8, 'H100-80GB', [group([7], SCORER, { state: 'failed' })]);
  assert.deepEqual(placeNode('w1', snap([], [failed], { scorers: 1 })).released, [groupId([7], SCORER)]);
  // A dead node's scorer does not count.
  const dead = node('w1', 8, 'H100-80GB', [group([7], SCORER)], false);
  assert.ok(placeNode('w2', snap(d, [dead, node('w2', 8)], { scorers: 1 })).groups.some((g) => g.model === SCORER));
});

test('scorers: on a mixed node the scorer takes the smallest class; a full node places none', () => {
  const mixed: NodeView = { workerId: 'w1', gpus: [{ index: 0, gpuClass: 'H100-80GB' }, { index: 1, gpuClass: 'H100-80GB' }, { index: 2, gpuClass: 'L40S-48GB' }], groups: [], live: true };
  const p = placeNode('w1', snap([demand(SMALL, 100)], [mixed], { scorers: 1 }));
  assert.equal(p.groups.find((g) => g.model === SCORER)?.gpus[0], 2);
  const full = node('w1', 1, 'H100-80GB', [group([0], SMALL, { unitsRunning: 1 })]);
  assert.ok(!placeNode('w1', snap([demand(SMALL, 100)], [full], { scorers: 1 })).groups.some((g) => g.model === SCORER));
});

test('scorersWanted: none without BERTScore work, one per gpusPerScorer live GPUs, at least one', () => {
  assert.equal(scorersWanted(0, 64, 32), 0);
  assert.equal(scorersWanted(5, 8, 32), 1);
  assert.equal(scorersWanted(5, 64, 32), 2);
  assert.equal(scorersWanted(1, 640, 32), 1, 'never more scorers than BERTScore units');
  assert.equal(scorersWanted(5, 1, 32), 0, 'the only GPU of the cluster is left to the LLMs');
});
