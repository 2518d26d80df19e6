import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BertScoreRecord, SampleRecord } from '@clue/common';
import { aggregateSamples, bertBatchScores, exactMean, formatFixed, numpyMeanFloat32, taskScore } from '@clue/tasks';
import { BERTSCORE_OFF_REASON, aggregateCell, parseUnitResults, ResultsError } from './aggregation.js';

function rec(index: number, metrics: Record<string, number>, subtask?: number): SampleRecord {
  return { index, promptSha256: 'x', output: '', finishReason: 'stop', promptTokens: 1, completionTokens: 1, metrics, ...(subtask ? { subtask } : {}) };
}

test('a short task cell equals @clue/tasks aggregateSamples + taskScore, in exact and clue modes', () => {
  const values = [0.12, 0.5, 0.33, 0.9, 0.07, 0.61];
  const samples = values.map((v, i) => rec(i, { ROUGE_L: v, ROUGE1: v / 2, ROUGE2: v / 3 }));
  const shuffled = [samples[3]!, samples[0]!, samples[5]!, samples[1]!, samples[4]!, samples[2]!];
  for (const mode of ['exact', 'clue'] as const) {
    const cell = aggregateCell('meqsum', shuffled, { mode, bertscore: false });
    const lib = aggregateSamples('meqsum', samples.map((s) => s.metrics), mode);
    for (const k of ['ROUGE_L', 'ROUGE1', 'ROUGE2']) {
      assert.equal(cell.metrics[k], lib[k]!.value, `${mode} ${k}`);
      assert.equal(cell.metricTexts[k], lib[k]!.text);
    }
    const ts = taskScore('meqsum', cell.metrics);
    assert.equal(cell.score, ts.score);
    assert.deepEqual(cell.missing, ['BERT_F1']);
  }
  const cell = aggregateCell('meqsum', samples, { mode: 'exact', bertscore: false });
  assert.equal(cell.notComputed['BERT_F1'], BERTSCORE_OFF_REASON);
  assert.equal(cell.samples, 6);
  // With BERTScore on, a sample without the scorer's statistics makes the cell unaggregatable.
  assert.throws(() => aggregateCell('meqsum', samples, 'exact'), (e: unknown) => e instanceof ResultsError && /sample 0 has no BERTScore statistics/.test(e.message));
});

test("BERTScore cells: bert_score's batches of 64 over the samples in CLUE order, float32 mean in clue mode, in the task score", () => {
  // 70 samples: two bert_score batches. Sample 3 has a short ref next to longer ones, so its batch pads it.
  const stat = (i: number): BertScoreRecord => ({
    p: 0.8 + (i % 7) / 100,
    r: 0.7 + (i % 5) / 100,
    pPad: 0.85 + (i % 7) / 100,
    rPad: 0.75 + (i % 5) / 100,
    hypTokens: 10 + (i % 3),
    refTokens: i === 3 ? 4 : 12 + (i % 2),
  });
  const samples = Array.from({ length: 70 }, (_, i): SampleRecord => ({ ...rec(i, { ROUGE_L: 0.5, ROUGE1: 0.5, ROUGE2: 0.5 }), bertscore: stat(i) }));
  const want = bertBatchScores(samples.map((s) => ({ p: s.bertscore!.p!, r: s.bertscore!.r!, pPad: s.bertscore!.pPad!, rPad: s.bertscore!.rPad!, hypLen: s.bertscore!.hypTokens, refLen: s.bertscore!.refTokens })));
  const shuffled = [...samples].reverse();
  const clue = aggregateCell('meqsum', shuffled, 'clue');
  assert.equal(clue.metrics['BERT_F1'], numpyMeanFloat32(want.f));
  assert.equal(clue.metrics['BERT_P'], numpyMeanFloat32(want.p));
  assert.equal(clue.metricTexts['BERT_F1'], formatFixed(numpyMeanFloat32(want.f), 2));
  const exact = aggregateCell('meqsum', shuffled, 'exact');
  assert.equal(exact.metrics['BERT_R'], exactMean(want.r));
  assert.deepEqual(exact.missing, [], 'BERT F1 is in the task score');
  assert.equal(exact.score, taskScore('meqsum', exact.metrics).score);
  // The batches matter: sample 3's ref is shorter than its batch's longest, so its precision is the padded one.
  assert.notEqual(want.p[3], Math.fround(stat(3).p!));
  // A side of specials only: bert_score's mean of P is NaN → P is "not a number", F1 (NaN → 0) stays.
  const nan = samples.map((s, i) => (i === 5 ? { ...s, bertscore: { ...s.bertscore!, p: null, pPad: null } } : s));
  const cell = aggregateCell('meqsum', nan, 'exact');
  assert.match(cell.notComputed['BERT_P']!, /sample 5 has only \[CLS\]\/\[SEP\] tokens/);
  assert.equal(typeof cell.metrics['BERT_F1'], 'number');
});

test('MedNLI in clue mode counts the lowest-index sample twice, whatever order the units arrive in', () => {
  const samples = [rec(2, { ACCURACY: 0 }), rec(0, { ACCURACY: 1 }), rec(1, { ACCURACY: 0 }), rec(3, { ACCURACY: 0 })];
  assert.equal(aggregateCell('mednli', samples, 'clue').metrics['ACCURACY'], 0.4);
  assert.equal(aggregateCell('mednli', samples, 'exact').metrics['ACCURACY'], 0.25);
});

test('LongHealth is aggregated per subtask; a missing subtask is reported as not computed', () => {
  const samples = [
    rec(0, { Task1_Accuracy: 100 }, 1),
    rec(1, { Task1_Accuracy: 0 }, 1),
    rec(2, { Task1_Accuracy: 100 }, 1),
    rec(3, { Task2_Accuracy: 0 }, 2),
    rec(4, { Task2_Accuracy: 100 }, 2),
  ];
  const cell = aggregateCell('longhealth', samples, 'exact');
  assert.equal(cell.metrics['Task1_Accuracy'], aggregateSamples('longhealth', [{ Task1_Accuracy: 100 }, { Task1_Accuracy: 0 }, { Task1_Accuracy: 100 }])['Task1_Accuracy']!.value);
  assert.equal(cell.metrics['Task2_Accuracy'], 50);
  assert.match(cell.notComputed['Task3_Accuracy']!, /no LongHealth task 3 prompts/);
  assert.deepEqual(cell.missing, ['Task3_Accuracy']);
  assert.equal(cell.score, taskScore('longhealth', cell.metrics).score);
});

test('results objects are checked: range, duplicates, missing samples, non-numeric metrics', () => {
  const unit = { id: 'r1.m.meqsum.0', start: 10, end: 12 };
  const line = (i: number, m: unknown = { ROUGE_L: 0.5 }): string => JSON.stringify({ index: i, metrics: m });
  assert.equal(parseUnitResults(unit, `${line(10)}\n${line(11)}\n`).length, 2);
  assert.throws(() => parseUnitResults(unit, `${line(10)}\n${line(12)}\n`), (e: unknown) => e instanceof ResultsError && /line 2: index 12 is outside/.test(e.message));
  assert.throws(() => parseUnitResults(unit, `${line(10)}\n${line(10)}\n`), /index 10 appears twice/);
  assert.throws(() => parseUnitResults(unit, `${line(10)}\n`), /1 sample\(s\) missing \(e\.g\. index 11\)/);
  assert.throws(() => parseUnitResults(unit, `${line(10, { ROUGE_L: 'x' })}\n${line(11)}`), /line 1: metric 'ROUGE_L' must be a finite number/);
  assert.throws(() => parseUnitResults(unit, `{oops\n`), /line 1: not valid JSON/);
});
