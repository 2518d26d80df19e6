/**
 * BERTScore's arithmetic once the token embeddings exist, as CLUE gets it from
 * `bert_score.score(preds, refs, lang="en-sci")` (bert_score 0.3.13, fork dadaamin/bert_score@796d5e4:
 * SciBERT layer 8, idf off, batch_size 64). The embeddings themselves (a forward pass through the first
 * 8 encoder layers) and the WordPiece ids come from elsewhere; this file only does what
 * `bert_score/utils.py` does with them:
 *
 * - Weights (`score`, idf off): `defaultdict(lambda: 1.0)` with the [CLS] and [SEP] ids set to 0, looked
 *   up per token id, so a [SEP] or [CLS] id in the middle of a sentence also weighs 0. `greedy_cos_idf`
 *   divides them by their sum per sentence: an all-special sentence gets 0/0 = NaN weights.
 * - Greedy matching (`greedy_cos_idf`): every token vector is L2-normalized; sim = hyp · refᵀ; a hyp
 *   token's score is its max over **all** ref tokens, [CLS] and [SEP] included (the weights only apply
 *   to the side being averaged); P = Σ weight × max. R is the same with the sides swapped.
 * - Batching (`bert_cos_score_idf`): pairs are matched in consecutive batches of 64, each side padded to
 *   the longest sentence of its side in the batch. Padded similarities are multiplied by a 0 mask, so
 *   they are 0, not -inf, and join the max: a token whose similarities are all negative scores 0 instead
 *   when the other side is shorter than the longest of its batch. {@link bertPairStats} returns both
 *   variants; {@link bertBatchScores} picks per pair.
 * - Then, in this order: F = 2PR/(P+R) from the unmasked P and R; P and R set to 0 where the hyp or
 *   the ref has exactly 2 tokens (`masks.sum(dim=1).eq(2)`, i.e. [CLS][SEP] for an empty sentence);
 *   F's NaN set to 0. P and R keep a NaN (an all-special sentence longer than 2 tokens): only F is
 *   NaN-filled.
 *
 * Precision: torch computes in float32 (on the GPU, with its own summation order); here the similarities
 * and means are float64 and only the results are rounded to float32, so P and R agree with torch to
 * within float32 rounding (about 1e-7; the tests allow 1e-6). F is computed from the float32 P and R with
 * float32 operations, as torch does.
 */
import { ClueError } from '../errors.js';

/** One sentence as the embedding server returns it: its WordPiece ids and one vector per id. */
export interface TokenEmbeddings {
  /** Token ids including the leading [CLS] and the final [SEP]. */
  readonly ids: readonly number[] | Int32Array;
  /** Row-major `ids.length × dim` hidden states (need not be normalized). */
  readonly vectors: Float32Array;
  /** Vector size (768 for SciBERT). */
  readonly dim: number;
}

/** The tokenizer's [CLS] and [SEP] ids (SciBERT scivocab: 102 and 103). */
export interface SpecialIds {
  readonly cls: number;
  readonly sep: number;
}

/**
 * Everything about one (hyp, ref) pair that its batch can change. `p`/`r` are the scores with nothing
 * padded; `pPad`/`rPad` the scores when the other side is padded (each token's max also over 0).
 */
export interface BertPairStats {
  /** Precision: weighted mean over hyp tokens of their max similarity to ref tokens. NaN if no hyp token weighs. */
  readonly p: number;
  /** Recall: weighted mean over ref tokens of their max similarity to hyp tokens. NaN if no ref token weighs. */
  readonly r: number;
  /** `p` with every max taken over the similarities and 0 (the ref padded in its batch). */
  readonly pPad: number;
  /** `r` with every max taken over the similarities and 0 (the hyp padded in its batch). */
  readonly rPad: number;
  /** Hyp token count, specials included. */
  readonly hypLen: number;
  /** Ref token count, specials included. */
  readonly refLen: number;
}

/** Per-pair scores in input order, float32 values as `bert_score.score` returns them. */
export interface BertScores {
  readonly p: number[];
  readonly r: number[];
  readonly f: number[];
}

/** `bert_score.score`'s default `batch_size`, the number of pairs matched together. */
export const BERTSCORE_BATCH_SIZE = 64;

/**
 * The batch-independent statistics of one pair (see {@link BertPairStats}), in float64.
 * @throws ClueError INVALID_ARGUMENT when a sentence has no token, `vectors` is not `ids.length × dim`,
 * or the two sides have different `dim`.
 */
export function bertPairStats(hyp: TokenEmbeddings, ref: TokenEmbeddings, special: SpecialIds): BertPairStats {
  checkEmbeddings(hyp, 'hyp');
  checkEmbeddings(ref, 'ref');
  if (hyp.dim !== ref.dim) throw new ClueError('INVALID_ARGUMENT', `hyp vectors have dim ${hyp.dim}, ref vectors ${ref.dim}`);
  const dim = hyp.dim;
  const n = hyp.ids.length;
  const m = ref.ids.length;
  const h = normalizedRows(hyp);
  const g = normalizedRows(ref);
  const hypMax = new Float64Array(n).fill(-Infinity);
  const refMax = new Float64Array(m).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const hi = i * dim;
    for (let j = 0; j < m; j++) {
      const gj = j * dim;
      // Four partial sums (float64): the same products, a different addition order than torch's
      // float32 GEMM anyway; about 2x faster in V8 than one accumulator.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < dim; k += 4) {
        s0 += h[hi + k]! * g[gj + k]!;
        s1 += h[hi + k + 1]! * g[gj + k + 1]!;
        s2 += h[hi + k + 2]! * g[gj + k + 2]!;
        s3 += h[hi + k + 3]! * g[gj + k + 3]!;
      }
      for (; k < dim; k++) s0 += h[hi + k]! * g[gj + k]!;
      const s = s0 + s1 + (s2 + s3);
      // Math.max, not a comparison: a NaN similarity must win, as torch's max propagates NaN.
      hypMax[i] = Math.max(hypMax[i]!, s);
      refMax[j] = Math.max(refMax[j]!, s);
    }
  }
  return {
    p: weightedMean(hypMax, hyp.ids, special, false),
    r: weightedMean(refMax, ref.ids, special, false),
    pPad: weightedMean(hypMax, hyp.ids, special, true),
    rPad: weightedMean(refMax, ref.ids, special, true),
    hypLen: n,
    refLen: m,
  };
}

/**
 * What `bert_score.score` returns for these pairs in this order: P, R and F per pair, float32.
 * Pairs are matched in consecutive batches of `batchSize`; inside a batch a pair uses `pPad` when its
 * ref is shorter than the batch's longest ref (else `p`), and `rPad` when its hyp is shorter than the
 * batch's longest hyp. F = 2PR/(P+R) in float32; then P = R = 0 when the hyp or the ref has 2 tokens;
 * then a NaN F becomes 0.
 * @default batchSize 64 ({@link BERTSCORE_BATCH_SIZE})
 * @throws ClueError INVALID_ARGUMENT when `batchSize` is not a positive integer.
 */
export function bertBatchScores(pairs: readonly BertPairStats[], batchSize: number = BERTSCORE_BATCH_SIZE): BertScores {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ClueError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}`);
  }
  const out: BertScores = { p: [], r: [], f: [] };
  for (let start = 0; start < pairs.length; start += batchSize) {
    const batch = pairs.slice(start, start + batchSize);
    let maxHyp = 0;
    let maxRef = 0;
    for (const s of batch) {
      maxHyp = Math.max(maxHyp, s.hypLen);
      maxRef = Math.max(maxRef, s.refLen);
    }
    for (const s of batch) {
      let p = Math.fround(s.refLen < maxRef ? s.pPad : s.p);
      let r = Math.fround(s.hypLen < maxHyp ? s.rPad : s.r);
      // torch's `2 * P * R / (P + R)` on float32 tensors: each step rounded to float32.
      let f = Math.fround(Math.fround(2 * p * r) / Math.fround(p + r));
      if (s.hypLen === 2 || s.refLen === 2) {
        p = 0;
        r = 0;
      }
      if (Number.isNaN(f)) f = 0;
      out.p.push(p);
      out.r.push(r);
      out.f.push(f);
    }
  }
  return out;
}

function checkEmbeddings(e: TokenEmbeddings, side: string): void {
  if (!Number.isSafeInteger(e.dim) || e.dim < 1) throw new ClueError('INVALID_ARGUMENT', `${side}: dim must be a positive integer, got ${e.dim}`);
  if (e.ids.length === 0) throw new ClueError('INVALID_ARGUMENT', `${side}: no tokens (a BERT encoding has at least [CLS] and [SEP])`);
  if (e.vectors.length !== e.ids.length * e.dim) {
    throw new ClueError('INVALID_ARGUMENT', `${side}: ${e.vectors.length} vector values for ${e.ids.length} tokens of dim ${e.dim}`);
  }
}

/** The vectors divided by their L2 norms, in float64 (a zero vector gives NaN, as in torch). */
function normalizedRows(e: TokenEmbeddings): Float64Array {
  const { vectors: v, dim } = e;
  const out = new Float64Array(v.length);
  for (let off = 0; off < v.length; off += dim) {
    let ss = 0;
    for (let k = 0; k < dim; k++) ss += v[off + k]! * v[off + k]!;
    const norm = Math.sqrt(ss);
    for (let k = 0; k < dim; k++) out[off + k] = v[off + k]! / norm;
  }
  return out;
}

/**
 * Mean of `maxima` over the tokens whose id is neither [CLS] nor [SEP] (the idf-off weights normalized
 * to sum 1); 0/0 = NaN when every token is special. With `withZero`, each max is also taken over 0.
 */
function weightedMean(maxima: Float64Array, ids: readonly number[] | Int32Array, special: SpecialIds, withZero: boolean): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < maxima.length; i++) {
    const id = ids[i]!;
    if (id === special.cls || id === special.sep) continue;
    sum += withZero ? Math.max(maxima[i]!, 0) : maxima[i]!;
    count++;
  }
  return sum / count;
}
