import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rougeDetails, rougeScores, rougeTokenize } from './rouge.js';

// Expected values are worked out by hand (token lists, n-gram counts, LCS). The F-measures are the
// doubles rouge_score produces for those counts: 2 * P * R / (P + R) in float64, as Python prints them
// (e.g. P = 6/7, R = 1 gives 0.923076923076923, not the nearest double to 12/13, 0.9230769230769231).

test('tokenizer: lowercase, [a-z0-9] runs only', () => {
  assert.deepEqual(rougeTokenize('The cat, the HAT!  42x'), ['the', 'cat', 'the', 'hat', '42x']);
  assert.deepEqual(rougeTokenize('a_b-c.d'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(rougeTokenize('Café naïve résumé'), ['caf', 'na', 've', 'r', 'sum']);
  assert.deepEqual(rougeTokenize('\u0130stanbul'), ['i', 'stanbul']); // İ -> i + U+0307
  assert.deepEqual(rougeTokenize('\u212aelvin'), ['kelvin']); // Kelvin sign -> k
  assert.deepEqual(rougeTokenize('\uff21\uff22\uff23 \u0663\u0664 x'), ['x']); // full-width, Arabic-Indic digits
  assert.deepEqual(rougeTokenize('  \n\t ... ?! '), []);
  assert.deepEqual(rougeTokenize(''), []);
});

test('the standard example: insertion in the prediction', () => {
  const d = rougeDetails('the cat was found under the bed', 'the cat was under the bed');
  // unigrams: overlap 6 of 7 predicted, 6 reference
  assert.equal(d.rouge1.precision, 6 / 7);
  assert.equal(d.rouge1.recall, 1);
  assert.equal(d.rouge1.fmeasure, 0.923076923076923);
  // bigrams: the cat, cat was, under the, the bed: 4 of 6 predicted, 5 reference
  assert.equal(d.rouge2.precision, 4 / 6);
  assert.equal(d.rouge2.recall, 4 / 5);
  assert.equal(d.rouge2.fmeasure, 0.7272727272727272);
  // LCS "the cat was under the bed" = 6
  assert.equal(d.rougeL.precision, 6 / 7);
  assert.equal(d.rougeL.recall, 1);
  assert.deepEqual(rougeScores('the cat was found under the bed', 'the cat was under the bed'), {
    rouge1: 0.923076923076923,
    rouge2: 0.7272727272727272,
    rougeL: 0.923076923076923,
  });
});

test('identical texts score 1; case and punctuation do not matter', () => {
  assert.deepEqual(rougeScores('Who makes Cetirizine?', 'who makes cetirizine'), { rouge1: 1, rouge2: 1, rougeL: 1 });
});

test('the reference is the target: precision is over the prediction', () => {
  const d = rougeDetails('a b c d', 'a b');
  assert.equal(d.rouge1.precision, 0.5);
  assert.equal(d.rouge1.recall, 1);
  assert.equal(d.rouge1.fmeasure, 0.6666666666666666);
  assert.equal(d.rouge2.precision, 1 / 3);
  assert.equal(d.rouge2.recall, 1);
  assert.equal(d.rougeL.precision, 0.5);
});

test('empty and punctuation-only texts score 0 (even two empty texts)', () => {
  const zero = { rouge1: 0, rouge2: 0, rougeL: 0 };
  assert.deepEqual(rougeScores('', 'a b'), zero);
  assert.deepEqual(rougeScores('a b', ''), zero);
  assert.deepEqual(rougeScores('', ''), zero);
  assert.deepEqual(rougeScores('!!! ... ???', 'hello world'), zero);
  assert.deepEqual(rougeScores('— «»', '— «»'), zero);
  const d = rougeDetails('', 'a b');
  assert.equal(d.rouge1.precision, 0); // 0 / max(0, 1)
  assert.equal(d.rouge1.recall, 0);
});

test('repeated tokens: clipped counts', () => {
  // reference {the: 1, cat: 1}; prediction {the: 4}: overlap min(1, 4) = 1, P = 1/4, R = 1/2
  const d = rougeDetails('the the the the', 'the cat');
  assert.equal(d.rouge1.precision, 0.25);
  assert.equal(d.rouge1.recall, 0.5);
  assert.equal(d.rouge1.fmeasure, 0.3333333333333333);
  assert.equal(d.rouge2.fmeasure, 0); // (the, the) x3 vs (the, cat)
  assert.equal(d.rougeL.fmeasure, 0.3333333333333333); // LCS 1
  // reference a a b a (a: 3, b: 1; bigrams aa, ab, ba); prediction a b a b a b a (a: 4, b: 3; ab x3, ba x3)
  const e = rougeDetails('a b a b a b a', 'a a b a');
  assert.equal(e.rouge1.precision, 4 / 7); // min(3,4) + min(1,3) = 4
  assert.equal(e.rouge1.recall, 1);
  assert.equal(e.rouge2.precision, 2 / 6); // ab: min(1,3) + ba: min(1,3)
  assert.equal(e.rouge2.recall, 2 / 3);
  // LCS 4: the whole reference "a a b a" is a subsequence of the prediction (positions 0, 2, 3, 4)
  assert.equal(e.rougeL.precision, 4 / 7);
  assert.equal(e.rougeL.recall, 1);
});

test('single-token texts: ROUGE-2 is 0 even when identical', () => {
  assert.deepEqual(rougeScores('Cat.', 'cat'), { rouge1: 1, rouge2: 0, rougeL: 1 });
});

test('non-ASCII text: accented letters split words', () => {
  assert.deepEqual(rougeScores('Café naïve', 'caf na ve'), { rouge1: 1, rouge2: 1, rougeL: 1 });
  assert.deepEqual(rougeScores('cafe naive', 'Café naïve'), { rouge1: 0, rouge2: 0, rougeL: 0 });
  // reference tokens [i, stanbul, is, big], prediction [istanbul, is, big]: overlap 2, P = 2/3, R = 2/4
  const d = rougeDetails('Istanbul is big', '\u0130stanbul is big');
  assert.equal(d.rouge1.precision, 2 / 3);
  assert.equal(d.rouge1.recall, 0.5);
});

test('ROUGE-L on ~3000-token texts is exact and fast', () => {
  const n = 3000;
  const ref = Array.from({ length: n }, (_, i) => `w${i}`);
  // every even position replaced by a token absent from the reference: LCS = the 1500 odd positions
  const pred = ref.map((t, i) => (i % 2 === 0 ? 'zz' : t));
  const start = performance.now();
  const d = rougeDetails(pred.join(' '), ref.join(' '));
  const ms = performance.now() - start;
  assert.equal(d.rougeL.precision, 1500 / 3000);
  assert.equal(d.rougeL.recall, 1500 / 3000);
  assert.equal(d.rouge1.precision, 1500 / 3000); // 'zz' x1500 never matches
  assert.equal(d.rouge2.precision, 0); // no bigram of two consecutive reference tokens survives
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  // reversed order: LCS is 1
  const rev = rougeDetails([...ref].reverse().join(' '), ref.join(' '));
  assert.equal(rev.rougeL.precision, 1 / 3000);
  assert.equal(rev.rouge1.precision, 1);
});
