import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCluster } from './cluster.js';
import { planCapacity } from './plan.js';
import { planJson, renderPlanTable } from './render.js';
import { fixedReality, smallMatrix } from './test-support.js';

test('models that fit nowhere are left out and reported with the GPUs they need', () => {
  const cells = smallMatrix(['llama-2-70b', 'llama-3-8b-instruct'], { mednli: 50, meqsum: 20 });
  const plan = planCapacity({ cluster: parseCluster('1x1xL40S-48GB'), cells, reality: fixedReality(10), baselines: true });
  assert.deepEqual(plan.excluded.map((e) => e.model), ['llama-2-70b']);
  assert.match(plan.excluded[0]!.reason, /it needs 2× H100-80GB, 2× A100-80GB, 4× A100-40GB, 4× L40S-48GB on one worker \(the cluster: 1 with 1× L40S-48GB\)/);
  assert.equal(plan.simulation!.makespan, 10 + 70);
  assert.deepEqual(Object.keys(plan.simulation!.loads), ['llama-3-8b-instruct']);
  assert.deepEqual(plan.cells.filter((c) => c.gpuHours === null).map((c) => `${c.model}/${c.task}`), ['llama-2-70b/mednli', 'llama-2-70b/meqsum']);
  const text = renderPlanTable(plan).join('\n');
  assert.match(text, /models that fit nowhere in the cluster \(left out\):\n {2}llama-2-70b: no node of the cluster can hold it/);
  assert.match(text, /llama-2-70b +excluded +excluded +excluded/);
  const json = JSON.parse(JSON.stringify(planJson(plan))) as { excluded: { model: string }[]; makespanSeconds: number };
  assert.equal(json.excluded[0]!.model, 'llama-2-70b');
  assert.equal(json.makespanSeconds, 80);
});

test('a matrix of which nothing fits gives an empty plan, not an error', () => {
  const plan = planCapacity({ cluster: parseCluster('1x1xL40S-48GB'), cells: smallMatrix(['llama-2-70b'], { mednli: 5 }), reality: fixedReality(1) });
  assert.equal(plan.simulation, null);
  assert.match(renderPlanTable(plan).join('\n'), /nothing to simulate/);
});
