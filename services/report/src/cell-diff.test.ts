import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateSamples, taskScore, type TaskId } from '@clue/tasks';
import type { SampleRecord } from '@clue/common';
import { pairedBootstrap } from './bootstrap.js';
import { diffCellSamples, scoreSamples } from './cell-diff.js';
import { ReportError } from './errors.js';
import { sample, synthSamples } from './test-support.js';

test('identical samples: Δ 0 with a zero-width interval, not significant', () => {
  const s = synthSamples('meqsum', 120, 1);
  const d = diffCellSamples('m', 'meqsum', s, s);
  assert.equal(d.status, 'ok');
  assert.deepEqual([d.delta, d.low, d.high, d.significant], [0, 0, 0, false]);
  assert.deepEqual([d.paired, d.unpairedA, d.unpairedB], [120, 0, 0]);
  assert.deepEqual(d.metrics, ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_F1']);
  assert.equal(d.scoreA, d.scoreB);
});

test('scores are taskScore(aggregateSamples(...)) of the paired samples in exact mode', () => {
  for (const task of ['mednli', 'meqsum', 'problemsummary', 'medisumqa', 'medisumcode'] as TaskId[]) {
    const a = synthSamples(task, 80, 2);
    const b = synthSamples(task, 80, 3, 0.05);
    const d = diffCellSamples('m', task, a, b);
    const direct = (s: readonly SampleRecord[]): number | null => taskScore(task, Object.fromEntries(Object.entries(aggregateSamples(task, s.map((r) => ({ ...r.metrics })), 'exact')).map(([k, v]) => [k, v.value]))).score;
    assert.equal(d.scoreA, direct(a), task);
    assert.equal(d.scoreB, direct(b), task);
    assert.equal(d.delta, d.scoreB! - d.scoreA!, task);
  }
});

test('LongHealth is scored per subtask: the mean of the three Task<n>_Accuracy values', () => {
  const a = synthSamples('longhealth', 300, 4);
  const b = synthSamples('longhealth', 300, 5, 0.2);
  const d = diffCellSamples('m', 'longhealth', a, b);
  const acc = (s: readonly SampleRecord[], n: number): number => {
    const rows = s.filter((r) => r.subtask === n);
    return (rows.filter((r) => r.metrics[`Task${n}_Accuracy`] !== 0).length / rows.length) * 100;
  };
  const mean = (s: readonly SampleRecord[]): number => taskScore('longhealth', { Task1_Accuracy: acc(s, 1), Task2_Accuracy: acc(s, 2), Task3_Accuracy: acc(s, 3) }).score!;
  assert.equal(d.scoreA, mean(a));
  assert.equal(d.scoreB, mean(b));
  assert.deepEqual(d.metrics, ['Task1_Accuracy', 'Task2_Accuracy', 'Task3_Accuracy']);
  assert.equal(d.significant, true);
  assert.ok(d.low! > 0, 'B answers better: the whole interval is above 0');
});

test('the fast bootstrap statistic equals recomputing scoreSamples on every resample', () => {
  for (const task of ['problemsummary', 'longhealth', 'mednli'] as TaskId[]) {
    const a = synthSamples(task, 45, 6);
    const b = synthSamples(task, 45, 7, 0.03);
    const opts = { iterations: 200, seed: 9 };
    const d = diffCellSamples('m', task, a, b, opts);
    const slow = pairedBootstrap(45, (idx) => scoreSamples(task, idx.map((i) => b[i]!)).score! - scoreSamples(task, idx.map((i) => a[i]!)).score!, opts);
    assert.ok(Math.abs(d.low! - slow.low) < 1e-9 && Math.abs(d.high! - slow.high) < 1e-9, `${task}: [${d.low}, ${d.high}] vs [${slow.low}, ${slow.high}]`);
    assert.ok(Math.abs(d.delta! - slow.estimate) < 1e-9, task);
  }
});

test('samples are paired by index; the unpaired ones are counted and left out', () => {
  const a = synthSamples('mednli', 100, 8);
  const b = synthSamples('mednli', 110, 9).slice(10);
  const d = diffCellSamples('m', 'mednli', a, b);
  assert.deepEqual([d.paired, d.unpairedA, d.unpairedB], [90, 10, 10]);
  assert.equal(d.scoreA, scoreSamples('mednli', a.slice(10)).score);
  const none = diffCellSamples('m', 'mednli', a.slice(0, 5), b);
  assert.equal(none.status, 'no-samples');
  assert.match(none.reason, /no sample index is in both runs \(A has 5 sample\(s\), B 100\)/);
  assert.equal(none.low, null);
});

test('a metric one run lacks is left out of both scores, with a note', () => {
  const a = synthSamples('meqsum', 60, 10);
  const b = synthSamples('meqsum', 60, 11).map((s) => {
    const metrics = { ...s.metrics };
    delete metrics['BERT_F1'];
    return { ...s, metrics };
  });
  const d = diffCellSamples('m', 'meqsum', a, b);
  assert.deepEqual(d.metrics, ['ROUGE_L', 'ROUGE1', 'ROUGE2']);
  assert.equal(d.scoreA, scoreSamples('meqsum', a, ['ROUGE_L', 'ROUGE1', 'ROUGE2']).score);
  assert.deepEqual(d.notes, ['BERT_F1 left out: run A has it on 60 and run B on 0 of 60 paired samples']);
  const noneLeft = diffCellSamples('m', 'mednli', [sample(0, {})], [sample(0, {})]);
  assert.equal(noneLeft.status, 'no-common-metrics');
});

test('paired samples with different prompts are noted; an index twice in a run is an error', () => {
  const a = [sample(0, { ACCURACY: 1 }), sample(1, { ACCURACY: 0 })];
  const b = [sample(0, { ACCURACY: 1 }, { promptSha256: 'other' }), sample(1, { ACCURACY: 1 })];
  assert.deepEqual(diffCellSamples('m', 'mednli', a, b).notes, ['1 of 2 paired samples have different prompts (prompt sha256) in the two runs']);
  assert.throws(() => diffCellSamples('m', 'mednli', [...a, a[0]!], b), (e: unknown) => e instanceof ReportError && /run A has sample index 0 twice/.test(e.message));
});

// How long it takes is measured by the benchmark (npm run bench:bootstrap), not here: these machines are noisy.
test('a 3000-sample cell gets an interval (1000 resamples)', () => {
  const a = synthSamples('medisumqa', 3000, 12);
  const b = synthSamples('medisumqa', 3000, 13, 0.01);
  const d = diffCellSamples('m', 'medisumqa', a, b);
  assert.equal(d.status, 'ok');
  assert.ok(d.low! <= d.delta! && d.delta! <= d.high!, `${d.low} <= ${d.delta} <= ${d.high}`);
});
