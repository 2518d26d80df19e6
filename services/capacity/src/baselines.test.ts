import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCluster } from './cluster.js';
import { staticPartitionBaseline } from './baseline-static.js';
import { clueStyleBaseline } from './baseline-clue.js';
import { fixedReality, smallMatrix } from './test-support.js';

// Two models, two tasks (100 and 50 samples, one unit each), load 10 s, 1 sample/s, release 5 s.
const cells = smallMatrix(['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'], { mednli: 100, meqsum: 50 });
const reality = fixedReality(10);

test('static partitioning: one job per model, one load each, FIFO on the node', () => {
  const two = staticPartitionBaseline(parseCluster('1x2xH100-80GB'), cells, reality);
  // Both jobs start at once on GPUs 0 and 1: 10 + 150.
  assert.equal(two.makespan, 160);
  assert.deepEqual(two.loads, { 'llama-3-8b-instruct': 1, 'mistral-7b-instruct-v0-2': 1 });
  assert.deepEqual(two.groups.map((g) => g.gpus), [[0], [1]]);
  assert.equal(two.busyFraction, 300 / 320);
  // One GPU: the second job waits for the first and its release: 160 + 5 + 160.
  const one = staticPartitionBaseline(parseCluster('1x1xH100-80GB'), cells, reality);
  assert.equal(one.makespan, 325);
  assert.equal(one.groups[1]!.loadStart, 165);
  // Two nodes: round-robin, one model each.
  const nodes = staticPartitionBaseline(parseCluster('2x1xH100-80GB'), cells, reality);
  assert.deepEqual(nodes.groups.map((g) => g.node), ['node-0', 'node-1']);
  assert.equal(nodes.makespan, 160);
});

test('static partitioning: a model skips the node that cannot hold it in the round-robin', () => {
  const mixed = smallMatrix(['llama-3-70b-instruct', 'llama-3-8b-instruct', 'mistral-7b-instruct-v0-2'], { mednli: 10 });
  const r = staticPartitionBaseline(parseCluster('1x1xL40S-48GB,1x2xH100-80GB'), mixed, reality);
  assert.deepEqual(r.groups.map((g) => `${g.model}@${g.node}:${g.tp}`), ['llama-3-8b-instruct@node-0:1', 'llama-3-70b-instruct@node-1:2', 'mistral-7b-instruct-v0-2@node-1:1']);
});

test('CLUE-style: one model after another on the first node, vLLM restarted per task', () => {
  const r = clueStyleBaseline(parseCluster('1x2xH100-80GB,1x8xH100-80GB'), cells, reality);
  // Per cell: load 10 + samples + release 5; the makespan ends with the last unit.
  // (10+100+5) + (10+50+5) + (10+100+5) + (10+50) = 355.
  assert.equal(r.makespan, 355);
  assert.deepEqual(r.loads, { 'llama-3-8b-instruct': 2, 'mistral-7b-instruct-v0-2': 2 });
  assert.ok(r.groups.every((g) => g.node === 'node-0' && g.gpus.length === 1));
  assert.equal(r.busyGpuSeconds, 300);
  assert.equal(r.busyFraction, 300 / (355 * 10));
  const skipped = clueStyleBaseline(parseCluster('1x1xL40S-48GB'), smallMatrix(['llama-2-70b', 'llama-3-8b-instruct'], { mednli: 10 }), reality);
  assert.deepEqual(skipped.skipped.map((s) => s.model), ['llama-2-70b']);
  assert.equal(skipped.makespan, 20);
});
