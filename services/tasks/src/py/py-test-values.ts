/**
 * Test helpers for the py/ tests: a seeded generator of doubles and Python values, and a lossless way to
 * hand {@link PyValue}s to python3 (floats as bit patterns, ints as decimal text). Not part of the runtime API.
 */
import type { PyValue } from './value.js';

/** A small seeded PRNG (xoshiro128**) so test inputs are reproducible. */
export class TestRng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Seeds the generator; the same seed always yields the same sequence. */
  constructor(seed: number) {
    this.s0 = seed | 0 || 1;
    this.s1 = 0x9e3779b9;
    this.s2 = 0x243f6a88;
    this.s3 = 0xb7e15162;
    for (let i = 0; i < 16; i++) this.u32();
  }
  /** A uniformly random unsigned 32-bit integer (xoshiro128**). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
  /** A random integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  /** A random element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
  /** A double with uniformly random bits (any sign, exponent, NaN and infinities included). */
  bitsDouble(): number {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, this.u32());
    view.setUint32(4, this.u32());
    return view.getFloat64(0);
  }
  /** A double of moderate size with a random number of significant digits, as scores and counts look. */
  plainDouble(): number {
    const digits = 1 + this.below(17);
    const scale = this.below(12) - 4;
    const m = Math.floor((this.u32() / 2 ** 32) * 10 ** digits);
    const x = m / 10 ** (digits - scale);
    return this.below(4) === 0 ? -x : x;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The 16 hex digits of a double's IEEE-754 bits, for `struct.unpack('>d', bytes.fromhex(h))`. */
export function doubleHex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

/**
 * Encodes a PyValue as JSON that python3 turns back into the identical object with the `PY_DECODE` helper:
 * floats travel as bit patterns, ints as decimal strings, strings as JSON strings (lone surrogates escaped).
 */
export function encodeForPython(v: PyValue): unknown {
  if (typeof v === 'string') return ['s', v];
  if (typeof v === 'bigint') return ['i', v.toString()];
  if (typeof v === 'number') return ['f', doubleHex(v)];
  if (typeof v === 'boolean') return ['b', v];
  if (v === null) return ['n'];
  if (Array.isArray(v)) return ['l', v.map(encodeForPython)];
  return ['d', [...v].map(([k, x]) => [k, encodeForPython(x)])];
}

/** Python source defining `dec(x)`, the inverse of {@link encodeForPython}. */
export const PY_DECODE = `
import struct
def dec(x):
    t = x[0]
    if t == 's': return x[1]
    if t == 'i': return int(x[1])
    if t == 'f': return struct.unpack('>d', bytes.fromhex(x[1]))[0]
    if t == 'b': return x[1]
    if t == 'n': return None
    if t == 'l': return [dec(e) for e in x[1]]
    return {k: dec(e) for k, e in x[1]}
`;
