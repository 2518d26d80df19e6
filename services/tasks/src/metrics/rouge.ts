/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F-measures exactly as CLUE gets them: Hugging Face `evaluate`'s "rouge"
 * (`use_aggregator=False`) on top of `rouge_score` 0.1.2 with its defaults (no stemmer, the default
 * tokenizer). Per pair, `scorer.score(target=reference, prediction=prediction)`.
 *
 * Tokenizer (`rouge_score/tokenize.py`): Python `str.lower()`, every run of characters outside
 * `[a-z0-9]` becomes a space, split on whitespace, keep the tokens matching `^[a-z0-9]+$`. The result is
 * the list of maximal `[a-z0-9]+` runs of the lowercased text (accented letters, non-ASCII digits and `_`
 * separate tokens; 'İ' lowercases to "i" + U+0307 and the Kelvin sign to "k").
 *
 * Scores use the same float operations in the same order as `rouge_score`, so the doubles are identical:
 * ROUGE-N: P = overlap / max(#prediction n-grams, 1), R = overlap / max(#reference n-grams, 1);
 * ROUGE-L: 0 when either side has no token, else P = lcs / #prediction tokens, R = lcs / #reference tokens;
 * F = 2 * P * R / (P + R) when P + R > 0, else 0.
 */
import { pyLower } from './pyunicode.js';

/** F-measures of one prediction against its reference (`evaluate`'s rouge1, rouge2, rougeL). */
export interface RougeScores {
  readonly rouge1: number;
  readonly rouge2: number;
  readonly rougeL: number;
}

/** Precision, recall and F-measure as `rouge_score.scoring.Score` holds them. */
export interface RougeScore {
  readonly precision: number;
  readonly recall: number;
  readonly fmeasure: number;
}

const TOKEN = /[a-z0-9]+/g;

/** `rouge_score`'s default tokenizer without stemming: the `[a-z0-9]+` runs of `pyLower(text)`. */
export function rougeTokenize(text: string): string[] {
  return pyLower(text).match(TOKEN) ?? [];
}

/** `rouge_score.scoring.fmeasure`. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Maps both token lists to shared integer ids (n-gram keys and LCS comparisons on numbers). */
function toIds(a: readonly string[], b: readonly string[]): { a: Int32Array; b: Int32Array; vocab: number } {
  const ids = new Map<string, number>();
  const conv = (tokens: readonly string[]): Int32Array => {
    const out = new Int32Array(tokens.length);
    tokens.forEach((t, i) => {
      let id = ids.get(t);
      if (id === undefined) {
        id = ids.size;
        ids.set(t, id);
      }
      out[i] = id;
    });
    return out;
  };
  const ia = conv(a);
  const ib = conv(b);
  return { a: ia, b: ib, vocab: ids.size };
}

/** Counter of n-grams (n = 1 or 2), keyed by a number that is unique per n-gram. */
function ngramCounts(ids: Int32Array, n: 1 | 2, vocab: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i + n <= ids.length; i++) {
    const key = n === 1 ? ids[i]! : ids[i]! * vocab + ids[i + 1]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** `rouge_score.rouge_scorer._score_ngrams` for token ids. */
function scoreNgrams(target: Int32Array, prediction: Int32Array, n: 1 | 2, vocab: number): RougeScore {
  const t = ngramCounts(target, n, vocab);
  const p = ngramCounts(prediction, n, vocab);
  let overlap = 0;
  for (const [key, count] of t) overlap += Math.min(count, p.get(key) ?? 0);
  const targetCount = Math.max(target.length - n + 1, 0);
  const predictionCount = Math.max(prediction.length - n + 1, 0);
  const precision = overlap / Math.max(predictionCount, 1);
  const recall = overlap / Math.max(targetCount, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Length of the longest common subsequence, with two rolling rows (O(min) memory). */
function lcsLength(a: Int32Array, b: Int32Array): number {
  const [outer, inner] = a.length >= b.length ? [a, b] : [b, a];
  let prev = new Int32Array(inner.length + 1);
  let cur = new Int32Array(inner.length + 1);
  const m = inner.length;
  for (let i = 0; i < outer.length; i++) {
    const x = outer[i]!;
    let diag = 0; // prev[j - 1]
    let left = 0; // cur[j - 1]
    for (let j = 1; j <= m; j++) {
      const up = prev[j]!;
      left = x === inner[j - 1] ? diag + 1 : up > left ? up : left;
      cur[j] = left;
      diag = up;
    }
    const done = cur;
    cur = prev;
    prev = done;
  }
  return prev[inner.length]!;
}

/** `rouge_score.rouge_scorer._score_lcs` for token ids. */
function scoreLcs(target: Int32Array, prediction: Int32Array): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Full ROUGE-1/2/L scores (precision, recall, F) of `prediction` against `reference`, as
 * `RougeScorer(["rouge1", "rouge2", "rougeL"]).score(reference, prediction)`.
 */
export function rougeDetails(prediction: string, reference: string): {
  readonly rouge1: RougeScore;
  readonly rouge2: RougeScore;
  readonly rougeL: RougeScore;
} {
  const ids = toIds(rougeTokenize(reference), rougeTokenize(prediction));
  const target = ids.a;
  const pred = ids.b;
  return {
    rouge1: scoreNgrams(target, pred, 1, ids.vocab),
    rouge2: scoreNgrams(target, pred, 2, ids.vocab),
    rougeL: scoreLcs(target, pred),
  };
}

/**
 * CLUE's per-sample ROUGE values: the F-measures of `evaluate.load("rouge").compute(predictions=[prediction],
 * references=[reference], use_aggregator=False)` for rouge1, rouge2 and rougeL. Never throws.
 */
export function rougeScores(prediction: string, reference: string): RougeScores {
  const d = rougeDetails(prediction, reference);
  return { rouge1: d.rouge1.fmeasure, rouge2: d.rouge2.fmeasure, rougeL: d.rougeL.fmeasure };
}
