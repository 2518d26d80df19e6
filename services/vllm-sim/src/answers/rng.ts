/**
 * A small deterministic random generator (xoshiro128**) seeded from a SHA-256 of any string, so the
 * simulator's "sampling" is a pure function of its inputs.
 */
import { createHash } from 'node:crypto';

/** Deterministic random source. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A uniformly chosen element (the array must not be empty). */
  pick<T>(items: readonly T[]): T;
}

/** Creates a generator from seed material. */
export function createRng(material: string): Rng {
  const h = createHash('sha256').update(material, 'utf8').digest();
  let a = h.readUInt32LE(0) | 1;
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
