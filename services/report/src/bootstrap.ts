/**
 * The paired bootstrap: resample n paired observations with replacement, recompute a statistic on every
 * resample, and take the percentile interval of the replicates. The resampling is bit-identical to
 * Python's
 *
 *     rng = random.Random(seed)
 *     for _ in range(iterations):
 *         idx = [rng.randrange(n) for _ in range(n)]
 *         replicates.append(statistic(idx))
 *     low, high = numpy.percentile(replicates, [100 * (1 - c) / 2, 100 * (1 + c) / 2])
 *
 * (`randrange(n)` is `_randbelow(n)`, which {@link PyRandom.randbelow} ports; the interval uses numpy's
 * default `linear` method), so a Python script given the same data, statistic and seed finds the same
 * interval. The test checks this against python3 with numpy.
 */
import { PyRandom } from '@clue/tasks';
import { ReportError } from './errors.js';

/** How the bootstrap runs. */
export interface BootstrapOptions {
  /** Number of resamples. @default 1000 */
  readonly iterations?: number;
  /** Seed of `random.Random(seed)` (an integer; negative seeds act as their absolute value, as in Python). @default 0 */
  readonly seed?: number;
  /** Coverage of the percentile interval, in (0, 1). @default 0.95 */
  readonly confidence?: number;
  /** Keep every replicate in the result (`replicates`), for checks and plots. @default false */
  readonly keepReplicates?: boolean;
}

/** Defaults of {@link BootstrapOptions}. */
export const BOOTSTRAP_DEFAULTS = { iterations: 1000, seed: 0, confidence: 0.95 } as const;

/** A bootstrap estimate and its percentile interval. */
export interface BootstrapResult {
  /** The statistic over all observations, indices 0..n-1 in order. */
  readonly estimate: number;
  /** The interval's bounds; NaN when a replicate is NaN (as numpy.percentile gives). */
  readonly low: number;
  readonly high: number;
  readonly iterations: number;
  readonly seed: number;
  readonly confidence: number;
  /** Every replicate in resampling order, when `keepReplicates` was set. */
  readonly replicates?: Float64Array;
}

/** Options with defaults applied and checked. @throws ReportError INVALID_ARGUMENT naming the option. */
export function bootstrapSettings(options: BootstrapOptions = {}): { iterations: number; seed: number; confidence: number } {
  const iterations = options.iterations ?? BOOTSTRAP_DEFAULTS.iterations;
  const seed = options.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const confidence = options.confidence ?? BOOTSTRAP_DEFAULTS.confidence;
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new ReportError('INVALID_ARGUMENT', `bootstrap iterations must be a positive integer, got ${iterations}`);
  }
  if (!Number.isSafeInteger(seed)) throw new ReportError('INVALID_ARGUMENT', `bootstrap seed must be an integer, got ${seed}`);
  if (!(confidence > 0 && confidence < 1)) {
    throw new ReportError('INVALID_ARGUMENT', `bootstrap confidence must be between 0 and 1 (exclusive), got ${confidence}`);
  }
  return { iterations, seed, confidence };
}

/**
 * Paired bootstrap of `statistic` over n paired observations (e.g. the samples both runs scored).
 * `statistic` receives the resampled indices (each in 0..n-1, n of them); the array is reused between
 * calls, so it must not be kept.
 * @throws ReportError INVALID_ARGUMENT when n is not a positive integer below 2**32 or an option is bad.
 */
export function pairedBootstrap(n: number, statistic: (indices: readonly number[]) => number, options: BootstrapOptions = {}): BootstrapResult {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
    throw new ReportError('INVALID_ARGUMENT', `the bootstrap needs at least one observation (n must be a positive integer), got ${n}`);
  }
  const { iterations, seed, confidence } = bootstrapSettings(options);
  const indices = Array.from({ length: n }, (_, i) => i);
  const estimate = statistic(indices);
  const rng = new PyRandom(seed);
  // rng.randbelow(n), inlined: getrandbits(k) is the next 32-bit output's top k bits, k = n.bit_length().
  const shift = Math.clz32(n);
  const replicates = new Float64Array(iterations);
  for (let it = 0; it < iterations; it++) {
    for (let j = 0; j < n; j++) {
      let r = rng.nextUint32() >>> shift;
      while (r >= n) r = rng.nextUint32() >>> shift;
      indices[j] = r;
    }
    replicates[it] = statistic(indices);
  }
  const [low, high] = numpyPercentiles(replicates, [(100 * (1 - confidence)) / 2, (100 * (1 + confidence)) / 2]);
  return { estimate, low: low!, high: high!, iterations, seed, confidence, ...(options.keepReplicates ? { replicates } : {}) };
}

/**
 * `numpy.percentile(values, qs)` with the default `linear` method (numpy >= 1.22): the virtual index
 * `(n - 1) * (q / 100)` into the sorted values, interpolated as numpy's `_lerp` does (from the upper
 * neighbour when the fraction is >= 0.5). A NaN among the values gives NaN for every q, as numpy does.
 * @throws ReportError INVALID_ARGUMENT for no values or a q outside [0, 100].
 */
export function numpyPercentiles(values: ArrayLike<number>, qs: readonly number[]): number[] {
  if (values.length === 0) throw new ReportError('INVALID_ARGUMENT', 'percentile of an empty array');
  for (const q of qs) if (!(q >= 0 && q <= 100)) throw new ReportError('INVALID_ARGUMENT', `percentiles must be in the range [0, 100], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[sorted.length - 1])) return qs.map(() => Number.NaN);
  return qs.map((q) => percentileOfSorted(sorted, q));
}

function percentileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * (q / 100);
  if (virtual >= n - 1) return sorted[n - 1]!;
  if (virtual < 0) return sorted[0]!;
  const lo = Math.floor(virtual);
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  const t = virtual - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
