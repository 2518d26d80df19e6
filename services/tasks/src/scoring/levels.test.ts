import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levelScores, taskScore } from './levels.js';

// Meta-Llama-3-70B-Instruct and Mistral-7B-v0.1 on CLUE's website (v3, June 2024), metrics in %.
const round2 = (x: number | null): number => Math.round((x ?? NaN) * 100) / 100;
const frac = (pct: number[]): number[] => pct.map((p) => p / 100);

function scores(m: { mednli: number; meqsum: number[]; ps: number[]; qa: number[]; code: number[]; lh: number[] }) {
  const [rl, r1, r2, bf] = frac(m.meqsum);
  const [prl, pr1, pr2, pbf, pu] = frac(m.ps);
  const [qrl, qr1, qr2, qbf, qu] = frac(m.qa);
  const [em, ap, valid] = frac(m.code);
  return {
    mednli: taskScore('mednli', { ACCURACY: m.mednli / 100 }).score,
    meqsum: taskScore('meqsum', { ROUGE_L: rl, ROUGE1: r1, ROUGE2: r2, BERT_F1: bf }).score,
    problemsummary: taskScore('problemsummary', { ROUGE_L: prl, ROUGE1: pr1, ROUGE2: pr2, BERT_F1: pbf, UMLS_F1: pu }).score,
    medisumqa: taskScore('medisumqa', { ROUGE_L: qrl, ROUGE1: qr1, ROUGE2: qr2, BERT_F1: qbf, UMLS_F1: qu }).score,
    medisumcode: taskScore('medisumcode', { 'ICD EM F1': em, 'ICD AP F1': ap, 'VALID CODES': valid }).score,
    longhealth: taskScore('longhealth', { Task1_Accuracy: m.lh[0], Task2_Accuracy: m.lh[1], Task3_Accuracy: m.lh[2] }).score,
  };
}

test('level scores reproduce the website numbers (Llama-3-70B-Instruct: L1 52.36, L2 56.00)', () => {
  const s = scores({
    mednli: 79.37,
    meqsum: [36.57, 40.2, 19.3, 75.74],
    ps: [25.43, 33.16, 13.01, 73, 29.12],
    qa: [26.2, 32.5, 11.93, 70.24, 25.78],
    code: [19.65, 39.2, 93.94],
    lh: [81.65, 77.9, 91.7],
  });
  const l = levelScores(s);
  assert.equal(round2(l.level1), 52.36);
  assert.equal(round2(l.level2), 56.0);
  assert.equal(round2(l.clueAvg), 54.18);
});

test('level scores reproduce the website numbers (Mistral-7B-v0.1: L1 33.99, L2 9.55)', () => {
  const s = scores({
    mednli: 67.54,
    meqsum: [6.28, 7.86, 2.49, 44.6],
    ps: [7.07, 8.99, 3.17, 60.74, 15.67],
    qa: [5.93, 7.16, 1.59, 53.47, 7.47],
    code: [0.77, 5.32, 33.21],
    lh: [0.6, 0.55, 0.15],
  });
  const l = levelScores(s);
  assert.equal(round2(l.level1), 33.99);
  assert.equal(round2(l.level2), 9.55);
});

test('missing displayed metrics are reported and levels need all three tasks', () => {
  const t = taskScore('meqsum', { ROUGE_L: 0.3, ROUGE1: 0.4, ROUGE2: 0.2 });
  assert.deepEqual(t.missing, ['BERT_F1']);
  assert.ok(Math.abs(t.score! - 30) < 1e-12);
  assert.deepEqual(taskScore('mednli', {}), { score: null, missing: ['ACCURACY'] });
  const l = levelScores({ mednli: 50, meqsum: 40, problemsummary: 30 });
  assert.equal(l.level1, 40);
  assert.equal(l.level2, null);
  assert.equal(l.clueAvg, null);
});
