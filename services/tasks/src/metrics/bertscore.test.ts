import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bertBatchScores, bertPairStats, type BertPairStats, type TokenEmbeddings } from './bertscore.js';
import { numpyMeanFloat32 } from '../py/mean.js';
import { ClueError } from '../errors.js';
import { numpyPython, repoRoot, runPythonExe } from '../test-support.js';

const CLS = 102;
const SEP = 103;
const SPECIAL = { cls: CLS, sep: SEP };

/** A sentence from its ids and 2-D (or any-D) vectors, one per id. */
function sent(ids: number[], vectors: number[][]): TokenEmbeddings {
  return { ids, vectors: Float32Array.from(vectors.flat()), dim: vectors[0]!.length };
}

/** Stats with nothing to pad (p = pPad, r = rPad). */
function stats(p: number, r: number, hypLen = 5, refLen = 5): BertPairStats {
  return { p, r, pPad: p, rPad: r, hypLen, refLen };
}

test('[CLS] and [SEP] weigh 0 but still take part in the other side\'s max', () => {
  // The hyp word (0, 1) is orthogonal to the ref word (1, 0) but identical to the ref's [CLS] vector;
  // likewise the ref word matches the hyp's [CLS]. bert_score's P and R are therefore 1, not 0.
  const hyp = sent([CLS, 5000, SEP], [[1, 0], [0, 1], [1, 0]]);
  const ref = sent([CLS, 6000, SEP], [[0, 1], [1, 0], [0, 1]]);
  const s = bertPairStats(hyp, ref, SPECIAL);
  assert.equal(s.p, 1);
  assert.equal(s.r, 1);
  assert.equal(s.hypLen, 3);
  assert.equal(s.refLen, 3);
  // A [SEP] id in the middle weighs 0 too (weights go by id): P averages the two words only, 1 and 0.
  const withInner = sent([CLS, 5000, SEP, 5001, SEP], [[1, 0], [0, 1], [1, 0], [-1, 1e-9], [1, 0]]);
  const onlyWord = sent([CLS, 6000, SEP], [[1, 0], [0, 1], [1, 0]]);
  // 5000 -> max 1 (the ref word); 5001 = (-1, 0) -> max over (1,0), (0,1), (1,0) is ~0.
  assert.ok(Math.abs(bertPairStats(withInner, onlyWord, SPECIAL).p - 0.5) < 1e-8);
});

test('vectors are L2-normalized first: scale does not change the scores', () => {
  const hyp = sent([CLS, 5000, SEP], [[3, 4], [0.6, -0.8], [10, 0]]);
  const ref = sent([CLS, 6000, 6001, SEP], [[0, 2], [300, 400], [-1, 0], [0, -7]]);
  const s = bertPairStats(hyp, ref, SPECIAL);
  // P: word (0.6, -0.8) vs (0,1), (0.6,0.8), (-1,0), (0,-1): max 0.8. R: (0.6,0.8) vs hyp -> 1; (-1,0) -> -0.6 (best is the word).
  assert.ok(Math.abs(s.p - 0.8) < 1e-7);
  assert.ok(Math.abs(s.r - (1 + -0.6) / 2) < 1e-7);
});

test('pPad/rPad: a token whose similarities are all negative scores 0 against a padded side', () => {
  // The hyp word (-1, 0) has cosine -1 or -0.6 with every ref token; the ref word (1, 0) likewise.
  const hyp = sent([CLS, 5000, 5001, SEP], [[1, 0], [-1, 0], [0.6, 0.8], [0.6, 0.8]]);
  const ref = sent([CLS, 6000, SEP], [[0.6, 0.8], [1, 0], [0.6, 0.8]]);
  const s = bertPairStats(hyp, ref, SPECIAL);
  // P: word 5000 max(-0.6, -1, -0.6) = -0.6, word 5001 max(1, 0.6, 1) = 1.
  assert.ok(Math.abs(s.p - (-0.6 + 1) / 2) < 1e-7);
  assert.ok(Math.abs(s.pPad - (0 + 1) / 2) < 1e-7);
  // R: word 6000 = (1, 0) vs hyp (1,0) -> 1; no change with the pad.
  assert.ok(Math.abs(s.r - 1) < 1e-7);
  assert.equal(s.rPad, s.r);
});

test('bertBatchScores: the pad rule follows the longest sentence of each side per batch of 64', () => {
  const a: BertPairStats = { p: -0.25, pPad: 0.25, r: -0.5, rPad: 0.5, hypLen: 5, refLen: 10 };
  const b: BertPairStats = { p: -0.125, pPad: 0.125, r: -0.75, rPad: 0.75, hypLen: 8, refLen: 4 };
  // a's ref is the longest ref: P unpadded; its hyp is shorter than b's: R padded. b the other way round.
  const s = bertBatchScores([a, b]);
  assert.deepEqual(s.p, [-0.25, 0.125]);
  assert.deepEqual(s.r, [0.5, -0.75]);
  // In batches of 1 nothing is padded.
  assert.deepEqual(bertBatchScores([a, b], 1).p, [-0.25, -0.125]);
  // 65 pairs: the 65th is alone in the second batch of 64, so unpadded although a longer pair exists.
  const long: BertPairStats = { ...a, hypLen: 80, refLen: 80 };
  const many = bertBatchScores([...Array<BertPairStats>(64).fill(long), b]);
  assert.equal(many.p[64], -0.125);
  assert.equal(many.r[64], -0.75);
  assert.equal(bertBatchScores([long, b], 2).p[1], 0.125);
});

test('bertBatchScores: F = 2PR/(P+R) in float32, results rounded to float32', () => {
  const s = bertBatchScores([stats(0.9, 0.7)]);
  const p = Math.fround(0.9);
  const r = Math.fround(0.7);
  assert.equal(s.p[0], p);
  assert.equal(s.r[0], r);
  assert.equal(s.f[0], Math.fround(Math.fround(2 * p * r) / Math.fround(p + r)));
  assert.notEqual(s.f[0], (2 * 0.9 * 0.7) / (0.9 + 0.7));
  // P + R = 0 with P, R != 0 is a division by zero, not a NaN: torch keeps the infinity.
  assert.equal(bertBatchScores([stats(0.5, -0.5)]).f[0], -Infinity);
});

test('empty sentences: P = R = 0 and F = 0 for a 2-token hyp or ref; the rule tests the length', () => {
  const word = sent([CLS, 5000, SEP], [[1, 0], [0, 1], [1, 0]]);
  const empty = sent([CLS, SEP], [[1, 0], [0.6, 0.8]]);
  const hypEmpty = bertPairStats(empty, word, SPECIAL);
  assert.ok(Number.isNaN(hypEmpty.p), 'no hyp token weighs: 0/0');
  assert.ok(Math.abs(hypEmpty.r - 0.8) < 1e-7);
  const refEmpty = bertPairStats(word, empty, SPECIAL);
  assert.ok(Number.isNaN(refEmpty.r));
  for (const s of [hypEmpty, refEmpty, bertPairStats(empty, empty, SPECIAL)]) {
    const out = bertBatchScores([s]);
    assert.deepEqual([out.p[0], out.r[0], out.f[0]], [0, 0, 0]);
  }
  // bert_score masks by `masks.sum(dim=1).eq(2)`, so any 2-token sentence gets P = R = 0 — but F was
  // computed before, from the unmasked P and R, and only a NaN F is reset.
  const out = bertBatchScores([stats(0.5, 0.5, 2, 7)]);
  assert.deepEqual([out.p[0], out.r[0], out.f[0]], [0, 0, 0.5]);
});

test('an all-special sentence longer than 2 tokens keeps P (or R) NaN; only F becomes 0', () => {
  const word = sent([CLS, 5000, SEP], [[1, 0], [0, 1], [1, 0]]);
  const specials = sent([CLS, SEP, SEP], [[1, 0], [0, 1], [1, 0]]);
  const out = bertBatchScores([bertPairStats(specials, word, SPECIAL), bertPairStats(word, specials, SPECIAL)]);
  assert.ok(Number.isNaN(out.p[0]));
  assert.equal(out.r[0], 1);
  assert.equal(out.f[0], 0);
  assert.equal(out.p[1], 1);
  assert.ok(Number.isNaN(out.r[1]));
  assert.equal(out.f[1], 0);
});

test('BERT_F1 is the mean of per-pair F, not F of the mean P and R', () => {
  const out = bertBatchScores([stats(1, 0.25), stats(0.25, 1)]);
  const f = Math.fround(Math.fround(2 * 0.25) / Math.fround(1.25)); // 0.4 in float32, for both pairs
  assert.deepEqual(out.f, [f, f]);
  assert.equal(numpyMeanFloat32(out.f), f);
  const meanP = numpyMeanFloat32(out.p);
  const meanR = numpyMeanFloat32(out.r);
  assert.equal((2 * meanP * meanR) / (meanP + meanR), 0.625);
});

test('bad inputs are INVALID_ARGUMENT errors', () => {
  const ok = sent([CLS, SEP], [[1, 0], [0, 1]]);
  const bad = (f: () => unknown, message: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof ClueError && e.code === 'INVALID_ARGUMENT' && message.test(e.message));
  };
  bad(() => bertPairStats({ ids: [], vectors: new Float32Array(0), dim: 2 }, ok, SPECIAL), /hyp: no tokens/);
  bad(() => bertPairStats(ok, { ids: [CLS, SEP], vectors: new Float32Array(3), dim: 2 }, SPECIAL), /ref: 3 vector values for 2 tokens of dim 2/);
  bad(() => bertPairStats(ok, sent([CLS, SEP], [[1, 0, 0], [0, 1, 0]]), SPECIAL), /dim 2, ref vectors 3/);
  bad(() => bertPairStats({ ids: [CLS], vectors: new Float32Array(0), dim: 0 }, ok, SPECIAL), /dim must be a positive integer/);
  bad(() => bertBatchScores([], 0), /batchSize/);
  assert.deepEqual(bertBatchScores([]), { p: [], r: [], f: [] });
});

interface ReferenceCases {
  readonly numpy: string;
  readonly cls: number;
  readonly sep: number;
  readonly batchSize: number;
  readonly sentences: readonly { ids: number[]; dim: number; vectors: string }[];
  readonly pairs: readonly [number, number][];
  readonly expected: readonly [string, string, string][];
}

/** A little-endian float32 from its hex bytes, as the reference script prints it. */
function f32hex(hex: string): number {
  return Buffer.from(hex, 'hex').readFloatLE(0);
}

const NUMPY = numpyPython();
const TOLERANCE = 1e-6;

test(
  'bertPairStats + bertBatchScores equal a numpy port of bert_score\'s batched greedy matching',
  { skip: !NUMPY && 'no python3 with numpy (apt-get install python3-numpy; scripts/install-system-deps.sh does)' },
  (t) => {
    const script = join(repoRoot(), 'services', 'tasks', 'src', 'metrics', 'bertscore-reference.py');
    const cases = JSON.parse(runPythonExe(NUMPY!.exe, [script])) as ReferenceCases;
    const special = { cls: cases.cls, sep: cases.sep };
    const sentences = cases.sentences.map((s): TokenEmbeddings => {
      const bytes = Buffer.from(s.vectors, 'base64');
      const vectors = new Float32Array(bytes.length / 4);
      for (let i = 0; i < vectors.length; i++) vectors[i] = bytes.readFloatLE(i * 4);
      return { ids: s.ids, vectors, dim: s.dim };
    });
    const pairStats = cases.pairs.map(([h, r]) => bertPairStats(sentences[h]!, sentences[r]!, special));
    const ours = bertBatchScores(pairStats, cases.batchSize);

    let maxDiff = 0;
    const counts = { padP: 0, padR: 0, longestP: 0, longestR: 0, empty: 0, nan: 0, dims: new Set<number>() };
    for (let i = 0; i < pairStats.length; i++) {
      const s = pairStats[i]!;
      const expected = cases.expected[i]!.map(f32hex);
      const got = [ours.p[i]!, ours.r[i]!, ours.f[i]!];
      for (let k = 0; k < 3; k++) {
        const e = expected[k]!;
        const g = got[k]!;
        if (Number.isNaN(e) || Number.isNaN(g)) {
          assert.ok(Number.isNaN(e) && Number.isNaN(g), `pair ${i} ${'PRF'[k]}: expected ${e}, got ${g}`);
          continue;
        }
        const d = Math.abs(e - g);
        maxDiff = Math.max(maxDiff, d);
        assert.ok(d <= TOLERANCE, `pair ${i} ${'PRF'[k]}: expected ${e}, got ${g} (hypLen ${s.hypLen}, refLen ${s.refLen})`);
      }
      // Where the pad 0 changes a score by more than the tolerance, the test decides between the rules.
      const start = i - (i % cases.batchSize);
      const batch = pairStats.slice(start, start + cases.batchSize);
      const maxRef = Math.max(...batch.map((b) => b.refLen));
      const maxHyp = Math.max(...batch.map((b) => b.hypLen));
      const padMattersP = Math.abs(s.pPad - s.p) > TOLERANCE && s.hypLen !== 2 && s.refLen !== 2;
      const padMattersR = Math.abs(s.rPad - s.r) > TOLERANCE && s.hypLen !== 2 && s.refLen !== 2;
      if (padMattersP) counts[s.refLen < maxRef ? 'padP' : 'longestP']++;
      if (padMattersR) counts[s.hypLen < maxHyp ? 'padR' : 'longestR']++;
      if (s.hypLen === 2 || s.refLen === 2) counts.empty++;
      if (expected.some(Number.isNaN)) counts.nan++;
      counts.dims.add(sentences[cases.pairs[i]![0]]!.dim);
    }
    t.diagnostic(
      `${pairStats.length} pairs (${sentences.length} sentences, dims ${[...counts.dims].sort((x, y) => x - y).join('/')}) against numpy ${cases.numpy}: ` +
        `max |diff| ${maxDiff.toExponential(2)}; pad 0 decided P in ${counts.padP} and R in ${counts.padR} pairs, ` +
        `the unpadded max (longest of the batch) in ${counts.longestP} and ${counts.longestR}; ${counts.empty} with a 2-token side; ${counts.nan} with a NaN`,
    );
    assert.ok(pairStats.length >= 1000);
    assert.ok(counts.padP > 0 && counts.padR > 0, 'the pad-0 rule must decide some P and some R');
    assert.ok(counts.longestP > 0 && counts.longestR > 0, 'some longest-of-batch pairs must need the unpadded max');
    assert.ok(counts.empty > 0 && counts.nan > 0);
  },
);
