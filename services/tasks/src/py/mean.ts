/**
 * The two means CLUE's Python code takes, reproduced bit for bit:
 * - `statistics.mean` (eval/utils.py aggregation): exact rational arithmetic, correctly rounded, and an
 *   `int` result when every input is an int and the mean is whole;
 * - `np.mean` (MeDiSumQA / ProblemSummary / MeQSum averages, numpy 1.26): float64 pairwise summation in
 *   buffer-sized blocks, then one division;
 * - `np.mean` of a float32 array (the BERT_P/R/F1 averages over `bert_score`'s tensors): the same
 *   summation with float32 accumulators, see {@link numpyMeanFloat32}.
 * Plus {@link exactMean}, the correctly rounded mean used where the port computes "correct arithmetic".
 */
import { ClueError } from '../errors.js';

/** numpy's reduction buffer size (`np.getbufsize()`, 8192 elements): 1.x sums each block pairwise. */
const NPY_BUFSIZE = 8192;
/** numpy's `PW_BLOCKSIZE`: blocks up to this size use the 8-accumulator loop. */
const PW_BLOCKSIZE = 128;

/**
 * Python `statistics.mean(values)` (CPython 3.12) for ints (bigint), bools (counted as ints, as Python does)
 * and floats (number). The sum is exact;
 * the result is an int (bigint) when no input is a float and the mean is a whole number, else the float
 * nearest to the exact mean (ties to even). A NaN or infinity among the inputs gives what Python gives:
 * the IEEE sum of the non-finite values divided by the count.
 * @throws ClueError INVALID_ARGUMENT for an empty list (Python: StatisticsError) or an int mean too large
 * for a float (Python: OverflowError).
 */
export function statisticsMean(values: readonly (number | bigint | boolean)[]): number | bigint {
  const n = values.length;
  if (n < 1) throw new ClueError('INVALID_ARGUMENT', 'mean requires at least one data point');
  let allInts = true;
  let nonFinite: number | undefined;
  for (const v of values) {
    if (typeof v === 'number') {
      allInts = false;
      if (!Number.isFinite(v)) nonFinite = (nonFinite ?? 0) + v;
    }
  }
  if (nonFinite !== undefined) return nonFinite / n;
  const { sum, exp } = exactSum(values);
  // The mean is sum * 2^exp / n.
  if (allInts && sum % BigInt(n) === 0n) return sum / BigInt(n);
  const x = exp >= 0 ? ratioToDouble(sum << BigInt(exp), BigInt(n)) : ratioToDouble(sum, BigInt(n) << BigInt(-exp));
  if (!Number.isFinite(x)) throw new ClueError('INVALID_ARGUMENT', 'integer division result too large for a float');
  return x;
}

/**
 * The mean of doubles correctly rounded (ties to even) from the exact sum, as `statistics.mean` computes it
 * for floats; NaN or infinities propagate as IEEE arithmetic would.
 * @throws ClueError INVALID_ARGUMENT for an empty list.
 */
export function exactMean(values: readonly number[]): number {
  // With no int among the inputs, statistics.mean always returns a float.
  return statisticsMean(values) as number;
}

/**
 * `np.mean(values)` on a 1-D float64 array with numpy 1.26: the reduction starts from 0.0 and adds, block
 * by block of {@link NPY_BUFSIZE} elements, numpy's `pairwise_sum` of each block; the total is divided by
 * the count. An empty array gives NaN (numpy warns and returns nan). Python ints and bools must be turned
 * into numbers first (numpy casts them to float64 the same way).
 */
export function numpyMean(values: readonly number[]): number {
  const n = values.length;
  let total = 0;
  for (let off = 0; off < n; off += NPY_BUFSIZE) total += pairwiseSum(values, off, Math.min(NPY_BUFSIZE, n - off), keep);
  return total / n;
}

/**
 * `np.mean(x)` for a 1-D float32 array `x` with numpy 1.26, bit for bit (CLUE's BERT_P/R/F1: `np.mean` of
 * `P.cpu().numpy()`). For float32 input `_methods._mean` keeps the float32 dtype, so `add.reduce` runs
 * `FLOAT_add`, whose reduce branch is `FLOAT_pairwise_sum` with `npy_float` accumulators: the algorithm of
 * {@link numpyMean} with every addition rounded to float32, starting from +0 and block by block of
 * {@link NPY_BUFSIZE} elements. The float32 sum is then divided by `np.intp(n)`, which promotes to float64,
 * and cast back to float32 (`ret.dtype.type(ret / rcount)`); rounding the double quotient of two floats
 * to float32 equals the correctly rounded float32 quotient, so this is `Math.fround(sum / n)`.
 *
 * Each value is first rounded to float32 (what `np.asarray(values, dtype=np.float32)` does); pass a
 * `Float32Array` or float32 values to mean the array itself. An empty array gives NaN. The result is the
 * float32 value as a number, which is what `"{:.2f}".format(...)` formats (see `formatFixed`).
 * numpy >= 2.3 no longer splits arrays longer than 8192 elements into blocks, so for those lengths this
 * differs from newer numpy (CLUE pins numpy 1.26.4).
 */
export function numpyMeanFloat32(values: ArrayLike<number>): number {
  const n = values.length;
  const a = values instanceof Float32Array ? values : Float32Array.from(values);
  let total = 0;
  for (let off = 0; off < n; off += NPY_BUFSIZE) {
    total = Math.fround(total + pairwiseSum(a, off, Math.min(NPY_BUFSIZE, n - off), Math.fround));
  }
  return Math.fround(total / n);
}

/** Leaves a double as it is: float64 accumulation. */
function keep(x: number): number {
  return x;
}

/**
 * numpy's `@TYPE@_pairwise_sum` (numpy/core/src/umath/loops_utils.h.src) over values[start, start + n),
 * every addition rounded by `round`: identity for `DOUBLE_pairwise_sum`, `Math.fround` for
 * `FLOAT_pairwise_sum` (a float64 sum of two floats rounded to float32 is the float32 sum).
 */
function pairwiseSum(a: ArrayLike<number>, start: number, n: number, round: (x: number) => number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = round(res + (a[start + i] as number));
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start] as number;
    let r1 = a[start + 1] as number;
    let r2 = a[start + 2] as number;
    let r3 = a[start + 3] as number;
    let r4 = a[start + 4] as number;
    let r5 = a[start + 5] as number;
    let r6 = a[start + 6] as number;
    let r7 = a[start + 7] as number;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = start + i;
      r0 = round(r0 + (a[p] as number));
      r1 = round(r1 + (a[p + 1] as number));
      r2 = round(r2 + (a[p + 2] as number));
      r3 = round(r3 + (a[p + 3] as number));
      r4 = round(r4 + (a[p + 4] as number));
      r5 = round(r5 + (a[p + 5] as number));
      r6 = round(r6 + (a[p + 6] as number));
      r7 = round(r7 + (a[p + 7] as number));
    }
    // numpy's grouping of the eight accumulators.
    let res = round(round(round(r0 + r1) + round(r2 + r3)) + round(round(r4 + r5) + round(r6 + r7)));
    for (; i < n; i++) res = round(res + (a[start + i] as number));
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(pairwiseSum(a, start, n2, round) + pairwiseSum(a, start + n2, n - n2, round));
}

/** Exact sum of finite doubles and ints as sum * 2^exp. */
function exactSum(values: readonly (number | bigint | boolean)[]): { sum: bigint; exp: number } {
  const parts: { m: bigint; e: number }[] = [];
  let minExp = 0;
  for (const v of values) {
    const p = typeof v === 'number' ? decompose(v) : { m: typeof v === 'bigint' ? v : v ? 1n : 0n, e: 0 };
    if (p.e < minExp) minExp = p.e;
    parts.push(p);
  }
  let sum = 0n;
  for (const p of parts) sum += p.e === minExp ? p.m : p.m << BigInt(p.e - minExp);
  return { sum, exp: minExp };
}

const scratch = new DataView(new ArrayBuffer(8));

/** A finite double as m * 2^e with integer m. */
function decompose(x: number): { m: bigint; e: number } {
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;
  if (biased !== 0) {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  return { m: hi >>> 31 ? -m : m, e };
}

/** Number of bits of a positive bigint. */
function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/** num / den (den > 0) rounded to the nearest double, ties to even; ±Infinity when it overflows. */
export function ratioToDouble(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const negative = num < 0n;
  const a = negative ? -num : num;
  // Choose e so that q = a / den / 2^e has 53 significant bits (or is on the subnormal grid).
  let e = Math.max(bitLength(a) - bitLength(den) - 53, -1074);
  for (;;) {
    const N = e < 0 ? a << BigInt(-e) : a;
    const D = e > 0 ? den << BigInt(e) : den;
    let q = N / D;
    if (q >= 1n << 53n) {
      e++;
      continue;
    }
    const r2 = (N - q * D) * 2n;
    if (r2 > D || (r2 === D && (q & 1n) === 1n)) q++;
    const x = e > 971 ? Infinity : Number(q) * 2 ** e;
    return negative ? -x : x;
  }
}
