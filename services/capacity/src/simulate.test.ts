import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCluster, type Cluster } from './cluster.js';
import { simulate, type SimulationResult } from './simulate.js';
import { loadsNeeded, lowerBounds } from './bounds.js';
import { placeNode } from '@clue/coordinator';
import { vllmSimReality, type RealityModel } from './reality.js';
import { fixedReality, smallMatrix } from './test-support.js';
import { CapacityError } from './errors.js';
import type { MatrixCell } from './matrix.js';

const MODELS = ['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2', 'phi-3-mini-128k-instruct', 'llama-3-70b-instruct', 'mixtral-8x7b-instruct-v0-1'];
const EPS = 1e-6;

function checkInvariants(cluster: Cluster, cells: readonly MatrixCell[], reality: RealityModel, r: SimulationResult): void {
  // Every unit runs exactly once.
  const planned = cells.flatMap((c) => c.units.map((u) => u.id)).sort();
  assert.deepEqual(r.units.map((u) => u.unitId).sort(), planned);
  // A unit runs on a group of its model that had finished loading, within the group's life.
  const spans = new Map(r.groups.map((g) => [`${g.node}|${g.group}|${g.loadStart}`, g]));
  for (const u of r.units) {
    const g = [...spans.values()].find((s) => s.node === u.node && s.group === u.group && s.ready !== null && s.ready <= u.start + EPS && u.end <= s.end + EPS);
    assert.ok(g, `unit ${u.unitId} ran inside a served group`);
    assert.equal(g.model, u.model);
  }
  // No GPU is in two groups at once.
  for (const n of cluster.nodes) {
    for (let gpu = 0; gpu < n.gpus; gpu++) {
      const mine = r.groups.filter((g) => g.node === n.id && g.gpus.includes(gpu)).sort((a, b) => a.loadStart - b.loadStart);
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.loadStart >= mine[i - 1]!.end - EPS, `${n.id} GPU ${gpu}: ${mine[i - 1]!.group} and ${mine[i]!.group} overlap`);
    }
  }
  // Busy time fits in the makespan, overall and per GPU.
  assert.ok(r.busyGpuSeconds <= r.makespan * cluster.totalGpus + EPS);
  for (const g of r.gpuBusy) assert.ok(g.busySeconds <= r.makespan + EPS);
  assert.ok(r.busyFraction > 0 && r.busyFraction <= 1 + EPS);
  const t = r.gpuTime;
  assert.ok(Math.abs(t.busy + t.loading + t.releasing + t.idle + t.free - r.makespan * cluster.totalGpus) < 1e-3, 'GPU time adds up');
  // The makespan respects the true bounds.
  const b = lowerBounds(cluster, cells, reality);
  assert.ok(r.makespan >= b.work - EPS, `makespan ${r.makespan} >= A ${b.work}`);
  assert.ok(r.makespan >= b.classAwareWork - EPS, `makespan ${r.makespan} >= A* ${b.classAwareWork}`);
  assert.ok(r.makespan >= b.longestUnit.seconds - EPS, `makespan ${r.makespan} >= B' ${b.longestUnit.seconds}`);
  // Every model that ran was loaded at least once.
  const models = new Set(r.units.map((u) => u.model));
  assert.equal(models.size, new Set(cells.map((c) => c.model.key)).size);
  for (const m of models) assert.ok((r.loads[m] ?? 0) >= 1, m);
  assert.ok(r.totalLoads >= models.size);
}

for (const [name, clusterText] of [['one node', '1x4xH100-80GB'], ['mixed classes', '2x2xA100-80GB,1x4xL40S-48GB'], ['more GPUs than work', '4x8xH100-80GB']] as const) {
  test(`simulation invariants on a small matrix (${name}: ${clusterText})`, () => {
    const cluster = parseCluster(clusterText);
    const cells = smallMatrix(MODELS, { mednli: 400, medisumqa: 60, longhealth: 150 }, { targetGpuSeconds: 20 });
    const reality = vllmSimReality();
    const r = simulate(cluster, cells, reality);
    checkInvariants(cluster, cells, reality, r);
    assert.deepEqual(simulate(cluster, cells, vllmSimReality()), r, 'deterministic');
  });
}

test('simulation with simple numbers: two models on two GPUs run side by side, one load each', () => {
  const cluster = parseCluster('1x2xH100-80GB');
  const cells = smallMatrix(['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'], { mednli: 100, meqsum: 50 });
  const reality = fixedReality(10);
  const r = simulate(cluster, cells, reality);
  checkInvariants(cluster, cells, reality, r);
  // Each model: load 10 s, then 100 + 50 samples at 1/s on its own GPU.
  assert.equal(r.makespan, 160);
  assert.deepEqual(r.loads, { 'llama-3-8b-instruct': 1, 'mistral-7b-instruct-v0-2': 1 });
  assert.equal(r.busyGpuSeconds, 300);
  assert.equal(r.busyFraction, 300 / 320);
  assert.equal(lowerBounds(cluster, cells, reality).work, 160);
});

test('one GPU, two models: the second loads once the first is released; no heartbeat needed', () => {
  const cluster = parseCluster('1x1xH100-80GB');
  const cells = smallMatrix(['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'], { mednli: 100 });
  const r = simulate(cluster, cells, fixedReality(10), { heartbeatSeconds: 0, releaseSeconds: 5 });
  // 10 + 100, release 5, 10 + 100.
  assert.equal(r.makespan, 225);
  assert.equal(r.groups.length, 2);
  assert.equal(r.groups[0]!.releaseStart, 110);
  assert.equal(r.groups[1]!.loadStart, 115);
});

test('a model no node can hold is refused by simulate (callers leave it out first)', () => {
  const cells = smallMatrix(['llama-2-70b', 'llama-3-8b-instruct'], { mednli: 10 });
  assert.throws(() => simulate(parseCluster('1x1xL40S-48GB'), cells, fixedReality(1)), (e: unknown) => e instanceof CapacityError && e.code === 'INVALID_ARGUMENT' && /llama-2-70b/.test(e.message));
});

test('fewest loads to meet a deadline: serial work / (deadline - load) groups per model', () => {
  const cluster = parseCluster('1x8xH100-80GB');
  const cells = smallMatrix(['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'], { mednli: 100, meqsum: 50 });
  const reality = fixedReality(10);
  // Each model: 150 s of units after a 10 s load.
  assert.equal(loadsNeeded(cluster, cells, reality, 160), 2);
  assert.equal(loadsNeeded(cluster, cells, reality, 85), 4);
  assert.equal(loadsNeeded(cluster, cells, reality, 10), Infinity);
});

test('the policy can be swapped for experiments; by default every ask goes to placeNode', () => {
  const cluster = parseCluster('1x2xH100-80GB');
  const cells = smallMatrix(['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'], { mednli: 100, meqsum: 50 });
  let calls = 0;
  const r = simulate(cluster, cells, fixedReality(10), { policy: (...a) => (calls++, placeNode(...a)) });
  assert.equal(calls, r.asks);
  assert.deepEqual({ ...r }, { ...simulate(cluster, cells, fixedReality(10)) });
});
