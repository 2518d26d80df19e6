/**
 * Python's fixed-point float formatting, `"{:.Nf}".format(x)` / `"%.Nf" % x`, as CLUE writes its logged
 * scores ("{:.2f}"). Unlike JavaScript's `toFixed`, Python rounds the exact binary value half to even
 * (`0.125 -> "0.12"`, `0.375 -> "0.38"`), keeps the sign of negative zero and of negatives that round to
 * zero (`-0.001 -> "-0.00"`), and never switches to exponent notation.
 */
import { ClueError } from '../errors.js';

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Python `"{:.{digits}f}".format(x)`. An int (bigint) is converted to float first, as Python does.
 * `nan`, `inf` and `-inf` print as Python prints them (a NaN never shows a sign).
 * @throws ClueError INVALID_ARGUMENT when `digits` is not a non-negative integer, or an int is too large
 * for a float (Python: OverflowError).
 */
export function formatFixed(x: number | bigint, digits: number): string {
  if (!Number.isSafeInteger(digits) || digits < 0) {
    throw new ClueError('INVALID_ARGUMENT', `formatFixed: digits must be a non-negative integer, got ${digits}`);
  }
  let v: number;
  if (typeof x === 'bigint') {
    v = Number(x);
    if (!Number.isFinite(v)) throw new ClueError('INVALID_ARGUMENT', 'int too large to convert to float');
  } else {
    v = x;
  }
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';

  scratch.setFloat64(0, v);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;
  if (biased !== 0) {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  // |v| = m * 2^e exactly; q = |v| * 10^digits rounded half to even.
  let q: bigint;
  if (e >= 0) {
    q = (m << BigInt(e)) * 10n ** BigInt(digits);
  } else {
    const k = BigInt(-e);
    const scaled = m * 10n ** BigInt(digits);
    q = scaled >> k;
    const rem = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  const s = q.toString().padStart(digits + 1, '0');
  if (digits === 0) return sign + s;
  return sign + s.slice(0, s.length - digits) + '.' + s.slice(s.length - digits);
}
