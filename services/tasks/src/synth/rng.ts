/**
 * The random source of the synthetic-data generator: a thin layer over `PyRandom` (CPython's
 * MT19937) with the few draws the text builders need. Every draw goes through `randbelow` or
 * `random()`, so a seed always gives the same sequence on every platform.
 */
import { PyRandom } from '../pyrandom.js';

/** Deterministic draws for building synthetic records. */
export class SynthRandom {
  private readonly py: PyRandom;

  /** Seeds a generator; `stream` separates independent sequences drawn from one user seed. */
  constructor(seed: number | bigint, stream = 0) {
    this.py = new PyRandom(BigInt(seed) * 64n + BigInt(stream));
  }

  /** A uniform integer in [lo, hi] (both inclusive). Throws RangeError if hi < lo. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`SynthRandom.int: empty range [${lo}, ${hi}]`);
    return lo + this.py.randbelow(hi - lo + 1);
  }

  /** A float in [0, 1) (`random.random()`). */
  float(): number {
    return this.py.random();
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.py.random() < p;
  }

  /** One element of a non-empty list. Throws RangeError on an empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SynthRandom.pick: empty list');
    return items[this.py.randbelow(items.length)]!;
  }

  /** k distinct elements (by position) in random order (`random.sample`). */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.py.sample(items, Math.min(k, items.length));
  }

  /** A shuffled copy (`random.shuffle` on a copy). */
  shuffled<T>(items: readonly T[]): T[] {
    return this.py.shuffle(items.slice());
  }

  /** `n` random lowercase hex digits. */
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += this.py.randbelow(16).toString(16);
    return s;
  }

  /** `n` random decimal digits, the first one non-zero. */
  digits(n: number): string {
    let s = String(this.int(1, 9));
    for (let i = 1; i < n; i++) s += String(this.py.randbelow(10));
    return s;
  }

  /** A number in [lo, hi] rounded to `decimals` places, as text (e.g. "1.7"). */
  decimal(lo: number, hi: number, decimals: number): string {
    const scale = 10 ** decimals;
    const v = this.int(Math.round(lo * scale), Math.round(hi * scale));
    return (v / scale).toFixed(decimals);
  }
}
