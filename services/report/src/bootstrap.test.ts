import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PyRandom } from '@clue/tasks';
import { numpyPercentiles, pairedBootstrap } from './bootstrap.js';
import { ReportError } from './errors.js';
import { numpyPython, runPythonFile } from './test-support.js';

const PYTHON = numpyPython();

/**
 * The reference: the paired bootstrap written in Python exactly as the module comment of bootstrap.ts
 * states it (random.Random(seed), randrange(n) per draw, numpy.percentile with its default method), for
 * two statistics. Sums are explicit left-to-right loops, which the TypeScript statistics repeat, so the
 * replicates agree to the last bit (checked with numpy 1.24 and 2.4); the test allows 1e-12.
 */
const REFERENCE_PY = `import json, random, sys
import numpy

d = json.load(sys.stdin)
a, b, seed, iterations, c = d["a"], d["b"], d["seed"], d["iterations"], d["confidence"]
n = len(a)

def total(x, idx):
    s = 0.0
    for i in idx:
        s += x[i]
    return s

stats = {
    "mean_diff": lambda idx: total(b, idx) / n - total(a, idx) / n,
    "ratio": lambda idx: total(b, idx) / total(a, idx),
}
out = {}
for name, stat in stats.items():
    rng = random.Random(seed)
    reps = []
    first = None
    for _ in range(iterations):
        idx = [rng.randrange(n) for _ in range(n)]
        if first is None:
            first = idx
        reps.append(stat(idx))
    low, high = numpy.percentile(reps, [100 * (1 - c) / 2, 100 * (1 + c) / 2])
    out[name] = {"estimate": stat(list(range(n))), "low": float(low), "high": float(high), "reps": reps, "first": first}
print(json.dumps(out))
`;

function fixedData(): { a: number[]; b: number[] } {
  const r = new PyRandom(2024);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 200; i++) {
    const x = r.random();
    a.push(x);
    b.push(Math.min(1, Math.max(0, x + (r.random() - 0.4) * 0.2)));
  }
  return { a, b };
}

const total = (x: readonly number[], idx: readonly number[]): number => {
  let s = 0;
  for (const i of idx) s += x[i]!;
  return s;
};

test('pairedBootstrap equals the Python reference (random.Random + numpy.percentile) on fixed data', { skip: !PYTHON && 'no python3 with numpy (apt-get install python3-numpy)' }, () => {
  const { a, b } = fixedData();
  const n = a.length;
  const cases = [
    { seed: 0, iterations: 1000, confidence: 0.95 },
    { seed: 12345, iterations: 333, confidence: 0.9 },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'clue-report-bootstrap-'));
  try {
    const script = join(dir, 'reference.py');
    writeFileSync(script, REFERENCE_PY);
    for (const opts of cases) {
      const py = JSON.parse(runPythonFile(PYTHON!, script, JSON.stringify({ a, b, ...opts }))) as Record<
        string,
        { estimate: number; low: number; high: number; reps: number[]; first: number[] }
      >;
      const stats: Record<string, (idx: readonly number[]) => number> = {
        mean_diff: (idx) => total(b, idx) / n - total(a, idx) / n,
        ratio: (idx) => total(b, idx) / total(a, idx),
      };
      for (const [name, stat] of Object.entries(stats)) {
        const ref = py[name]!;
        let first: number[] | undefined;
        const res = pairedBootstrap(n, (idx) => {
          if (first === undefined && idx.some((v, i) => v !== i)) first = [...idx];
          return stat(idx);
        }, { ...opts, keepReplicates: true });
        const where = `${name}, seed ${opts.seed}`;
        assert.deepEqual(first, ref.first, `${where}: the first resample's indices`);
        assert.equal(res.iterations, opts.iterations);
        assert.equal(res.replicates!.length, ref.reps.length);
        res.replicates!.forEach((v, i) => assert.ok(Math.abs(v - ref.reps[i]!) <= 1e-12, `${where}: replicate ${i}: ${v} vs ${ref.reps[i]}`));
        assert.ok(Math.abs(res.estimate - ref.estimate) <= 1e-12, `${where}: estimate ${res.estimate} vs ${ref.estimate}`);
        assert.ok(Math.abs(res.low - ref.low) <= 1e-12, `${where}: low ${res.low} vs ${ref.low}`);
        assert.ok(Math.abs(res.high - ref.high) <= 1e-12, `${where}: high ${res.high} vs ${ref.high}`);
        assert.ok(res.low < res.estimate && res.estimate < res.high, `${where}: the estimate lies inside the interval`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('numpyPercentiles equals numpy.percentile for odd sizes, ties and the extremes', { skip: !PYTHON && 'no python3 with numpy (apt-get install python3-numpy)' }, () => {
  const r = new PyRandom(7);
  const arrays = [[5], [1, 2], [3, 1, 2], Array.from({ length: 17 }, () => Math.round(r.random() * 5)), Array.from({ length: 1000 }, () => r.random() - 0.5)];
  const qs = [0, 2.5, 2.5000000000000044, 25, 50, 97.5, 99.99, 100];
  const dir = mkdtempSync(join(tmpdir(), 'clue-report-pct-'));
  try {
    const script = join(dir, 'pct.py');
    writeFileSync(script, 'import json, sys, numpy\nd = json.load(sys.stdin)\nprint(json.dumps([[float(v) for v in numpy.percentile(x, d["qs"])] for x in d["arrays"]]))\n');
    const ref = JSON.parse(runPythonFile(PYTHON!, script, JSON.stringify({ arrays, qs }))) as number[][];
    arrays.forEach((x, i) => assert.deepEqual(numpyPercentiles(x, qs), ref[i], `array ${i}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a NaN replicate gives a NaN interval, as numpy does', () => {
  assert.deepEqual(numpyPercentiles([1, Number.NaN, 3], [2.5, 97.5]), [Number.NaN, Number.NaN]);
});

test('a constant statistic has a zero-width interval; defaults are 1000 iterations, seed 0, 95 %', () => {
  const res = pairedBootstrap(10, () => 4.25);
  assert.deepEqual([res.estimate, res.low, res.high, res.iterations, res.seed, res.confidence], [4.25, 4.25, 4.25, 1000, 0, 0.95]);
  assert.equal(res.replicates, undefined);
});

test('the same seed gives the same interval, another seed another one', () => {
  const x = Array.from({ length: 50 }, (_, i) => (i * 37) % 11);
  const mean = (idx: readonly number[]): number => total(x, idx) / idx.length;
  assert.deepEqual(pairedBootstrap(50, mean, { seed: 3 }), pairedBootstrap(50, mean, { seed: 3 }));
  assert.notDeepEqual(pairedBootstrap(50, mean, { seed: 3 }), pairedBootstrap(50, mean, { seed: 4 }));
});

test('bad arguments are ReportErrors naming what is wrong', () => {
  const stat = (): number => 0;
  const bad: [number, object, RegExp][] = [
    [0, {}, /at least one observation/],
    [1.5, {}, /positive integer/],
    [5, { iterations: 0 }, /iterations must be a positive integer/],
    [5, { confidence: 1 }, /confidence must be between 0 and 1/],
    [5, { confidence: Number.NaN }, /confidence/],
    [5, { seed: 0.5 }, /seed must be an integer/],
  ];
  for (const [n, opts, re] of bad) {
    assert.throws(() => pairedBootstrap(n, stat, opts), (e: unknown) => e instanceof ReportError && e.code === 'INVALID_ARGUMENT' && re.test(e.message));
  }
  assert.throws(() => numpyPercentiles([], [50]), ReportError);
  assert.throws(() => numpyPercentiles([1], [101]), /range \[0, 100\]/);
});
