import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '@clue/tasks';
import { planCell, sampleCosts, shardBounds, LONG_TASK_TARGET_FACTOR, MAX_UNIT_SAMPLES } from './planner.js';
import { sampleGpuSeconds, longHealthPromptTokens, expectedOutputTokens } from './cost.js';
import type { DatasetProfile } from './datasets.js';

const small = getModel('llama-3-8b-instruct');
const big = getModel('llama-3-70b-instruct');

test('shard bounds cut contiguous shards of about the target, merging a tiny tail', () => {
  assert.deepEqual(shardBounds([1, 1, 1, 1, 1, 1, 1], 2), [0, 2, 4, 6, 7]);
  assert.deepEqual(shardBounds([1, 1, 1, 1, 0.1], 2), [0, 2, 5]); // tail 0.1 < 25% of 2 -> merged
  assert.deepEqual(shardBounds([5, 5, 5], 2), [0, 1, 2, 3]); // a sample larger than the target is its own unit
  assert.deepEqual(shardBounds(new Array(10).fill(0.001), 100, 4), [0, 4, 8, 10]); // the per-unit cap
  assert.deepEqual(shardBounds([], 10), [0]);
});

test('unit ids are deterministic <run>.<model>.<task>.<shard> and cover every sample once', () => {
  const profile: DatasetProfile = { task: 'meqsum', samples: 500, promptChars: Array.from({ length: 500 }, (_, i) => 2000 + (i % 7) * 300) };
  const a = planCell('rabc', { model: big, task: 'meqsum', dataset: 'd', profile }, { targetGpuSeconds: 30, maxSamples: 0, maxTokens: 0 });
  const b = planCell('rabc', { model: big, task: 'meqsum', dataset: 'd', profile }, { targetGpuSeconds: 30, maxSamples: 0, maxTokens: 0 });
  assert.deepEqual(a, b);
  assert.ok(a.units.length > 1);
  a.units.forEach((u, i) => {
    assert.equal(u.id, `rabc.llama-3-70b-instruct.meqsum.${i}`);
    assert.equal(u.start, a.bounds[i]);
    assert.equal(u.end, a.bounds[i + 1]);
  });
  assert.equal(a.units[0]!.start, 0);
  assert.equal(a.units.at(-1)!.end, 500);
  assert.equal(a.samples, 500);
  // each full unit reaches the target; none exceeds it by more than one sample
  const perSample = sampleCosts({ model: big, task: 'meqsum', dataset: 'd', profile }, { maxSamples: 0, maxTokens: 0 });
  const maxOne = Math.max(...perSample);
  for (const u of a.units.slice(0, -1)) assert.ok(u.gpuSeconds >= 30 && u.gpuSeconds < 30 + maxOne, `unit ${u.id}: ${u.gpuSeconds}`);
});

test('bigger models get smaller units; max_samples takes the first N samples', () => {
  const profile: DatasetProfile = { task: 'medisumqa', samples: 400, promptChars: new Array(400).fill(12000) };
  const opts = { targetGpuSeconds: 60, maxSamples: 0, maxTokens: 0 };
  const s = planCell('r1', { model: small, task: 'medisumqa', dataset: 'd', profile }, opts);
  const b = planCell('r1', { model: big, task: 'medisumqa', dataset: 'd', profile }, opts);
  assert.ok(b.units.length > s.units.length, `${b.units.length} > ${s.units.length}`);
  const capped = planCell('r1', { model: small, task: 'medisumqa', dataset: 'd', profile }, { ...opts, maxSamples: 10 });
  assert.equal(capped.samples, 10);
  assert.equal(capped.units.at(-1)!.end, 10);
});

test('LongHealth: uniform cost from the token budget and a finer target', () => {
  const profile: DatasetProfile = { task: 'longhealth', samples: 15 * 20, promptChars: null };
  const c = planCell('r1', { model: big, task: 'longhealth', dataset: 'd', profile }, { targetGpuSeconds: 120, maxSamples: 0, maxTokens: 0 });
  const each = sampleGpuSeconds(big, longHealthPromptTokens(big), expectedOutputTokens('longhealth', 0));
  const perUnit = Math.ceil((120 * LONG_TASK_TARGET_FACTOR) / each);
  assert.equal(c.units[0]!.end - c.units[0]!.start, Math.min(perUnit, MAX_UNIT_SAMPLES));
  assert.ok(Math.abs(c.gpuSeconds - each * 300) < 1e-9);
});
