import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateSamples } from './aggregate.js';
import { runPython } from '../test-support.js';

test('exact mode: each sample counted once', () => {
  const r = aggregateSamples('mednli', [{ ACCURACY: 1 }, { ACCURACY: 0 }, { ACCURACY: 0 }, { ACCURACY: 0 }]);
  assert.equal(r['ACCURACY']!.value, 0.25);
});

test("clue mode: MedNLI counts the first sample twice and statistics.mean's int result", () => {
  // CLUE: results = [v0, v0, v1, ...]; mean([1, 1, 0, 0, 0]) = 0.4
  const r = aggregateSamples('mednli', [{ ACCURACY: 1 }, { ACCURACY: 0 }, { ACCURACY: 0 }, { ACCURACY: 0 }], 'clue');
  assert.equal(r['ACCURACY']!.value, 0.4);
  assert.equal(r['ACCURACY']!.text, '0.4');
  const all = aggregateSamples('mednli', [{ ACCURACY: 1 }, { ACCURACY: 1 }], 'clue');
  assert.equal(all['ACCURACY']!.text, '1'); // Python json.dump of statistics.mean([1, 1, 1]) is 1
});

test('clue mode: MeDiSumCode equals statistics.mean with the duplicated first value (python3)', () => {
  const vals = [0.1, 0.2, 1 / 3, 0.7, 2 / 7, 0.05];
  const samples = vals.map((v) => ({ 'ICD EM F1': v }));
  const r = aggregateSamples('medisumcode', samples, 'clue');
  const py = runPython(`import statistics, json; v=${JSON.stringify(vals)}; print(repr(statistics.mean([v[0]] + v)))`).trim();
  assert.equal(r['ICD EM F1']!.text, py);
});

test('clue mode: ROUGE tasks format np.mean with "{:.2f}" (Python rounding)', () => {
  const r = aggregateSamples('meqsum', [{ ROUGE_L: 0.125 }, { ROUGE_L: 0.125 }], 'clue');
  assert.equal(r['ROUGE_L']!.text, '0.12'); // JS toFixed would print 0.13
});

test('clue mode: BERT_P/R/F1 are np.mean of float32 arrays, ROUGE of float64 lists', () => {
  // 0.125 and the next float32 up: the float32 sum is a tie that rounds to 0.25, so the mean is 0.125
  // ("0.12"); in float64 the mean is 0.125 + 2^-27 ("0.13"). numpy gives the same two strings.
  const v = 0.125 + 2 ** -26;
  const r = aggregateSamples('meqsum', [{ BERT_F1: 0.125, ROUGE_L: 0.125 }, { BERT_F1: v, ROUGE_L: v }], 'clue');
  assert.equal(r['BERT_F1']!.text, '0.12');
  assert.equal(r['BERT_F1']!.value, 0.125);
  assert.equal(r['ROUGE_L']!.text, '0.13');
});

test('LongHealth: np.sum(correct) / n * 100', () => {
  const r = aggregateSamples('longhealth', [{ Task1_Accuracy: 100 }, { Task1_Accuracy: 0 }, { Task1_Accuracy: 0 }]);
  assert.equal(r['Task1_Accuracy']!.value, (1 / 3) * 100);
  assert.equal(r['Task1_Accuracy']!.text, '33.33333333333333');
});

test('empty or inconsistent input is rejected', () => {
  assert.throws(() => aggregateSamples('mednli', []), /no samples/);
  assert.throws(() => aggregateSamples('mednli', [{ ACCURACY: 1 }, {}]), /sample 2 has no value for metric ACCURACY/);
});
