import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactMean, numpyMean, numpyMeanFloat32, ratioToDouble, statisticsMean } from './mean.js';
import { pyRepr } from './str.js';
import { ClueError } from '../errors.js';
import { numpyPython, runPython, runPythonExe } from '../test-support.js';
import { PY_DECODE, TestRng, doubleHex, encodeForPython } from './py-test-values.js';

const B = 2 ** 54; // ulp 4: adding 1 to it is lost, adding 3 rounds up to B + 4.

test('numpyMean: n < 8 is a plain loop from 0.0', () => {
  // 1e16 + 1 == 1e16 (tie to even), so the 1 is lost; the exact mean is 1/3.
  assert.equal(numpyMean([1e16, 1, -1e16]), 0);
  assert.equal(exactMean([1e16, 1, -1e16]), 1 / 3);
  assert.ok(Object.is(numpyMean([-0]), 0), 'the reduction starts from +0.0');
  assert.ok(Number.isNaN(numpyMean([])));
});

test('numpyMean: 8 <= n <= 128 uses eight strided accumulators, then the remainder in order', () => {
  // r0 = B + (-B) = 0 and r1..r7 = 2 each: 14. A naive loop loses the first seven ones: 7.
  const a = [B, 1, 1, 1, 1, 1, 1, 1, -B, 1, 1, 1, 1, 1, 1, 1];
  assert.equal(numpyMean(a), 14 / 16);
  assert.equal(a.reduce((s, x) => s + x, 0) / 16, 7 / 16);
  // n = 19: the three trailing ones are the remainder, each added to B and lost; exact is (B + 3) / 19.
  const b = [B, ...Array<number>(15).fill(0), 1, 1, 1];
  assert.equal(numpyMean(b), B / 19);
  assert.equal(exactMean(b), ratioToDouble(2n ** 54n + 3n, 19n));
  assert.notEqual(exactMean(b), B / 19);
});

test('numpyMean: n > 128 splits at n/2 rounded down to a multiple of 8', () => {
  // n = 200: halves [0, 96) and [96, 200). B at 0 and -B at 96 land in r0 of each half.
  // Left: r0 = B (its 11 ones are lost), r1..r7 = 12 each: ((B + 12) + 24) + 48 = B + 84, all exact.
  // Right: r0 = -B (its 12 ones are lost: -B + 1 is a tie that rounds back to -B), r1..r7 = 13 each;
  // -B + 13 rounds to -B + 12 (spacing 2 below 2^54), then + 26 + 52 = -B + 90. Total 174.
  const a = Array<number>(200).fill(1);
  a[0] = B;
  a[96] = -B;
  assert.equal(numpyMean(a), 174 / 200);
  // (A split at exactly 100 would have made -B one of the left half's remainder elements instead.)
  assert.notEqual(numpyMean(a), exactMean(a));
});

test('numpyMean: arrays longer than 8192 are summed buffer block by buffer block', () => {
  // Blocks [0, 8192), [8192, 16384), [16384, 24576) sum to B, 1 and 2; 0 + B + 1 + 2 == B in sequence,
  // while one pairwise sum over the whole array would add 1 + 2 first and give B + 4.
  const a = Array<number>(24576).fill(0);
  a[0] = B;
  a[12288] = 1;
  a[16384] = 1;
  a[16385] = 1;
  assert.equal(numpyMean(a), B / 24576);
  assert.equal(exactMean(a), ratioToDouble(2n ** 54n + 3n, 24576n));
  assert.notEqual(exactMean(a), B / 24576);
});

test('numpyMean equals a python3 transliteration of numpy 1.26 pairwise_sum for random arrays', () => {
  const rng = new TestRng(17);
  const sizes = [1, 2, 7, 8, 9, 15, 16, 17, 63, 127, 128, 129, 130, 255, 256, 257, 300, 1000, 1023, 4097, 8191, 8192, 8193, 16385, 20000];
  const arrays = sizes.map((n) => Array.from({ length: n }, () => (rng.below(3) ? rng.plainDouble() : rng.plainDouble() * 10 ** (rng.below(30) - 10))));
  const py = runPython(
    `import sys, json, struct
def pw(a, s, n):
    if n < 8:
        res = 0.0
        for i in range(n): res += a[s + i]
        return res
    if n <= 128:
        r = [a[s + k] for k in range(8)]
        i = 8
        while i < n - (n % 8):
            for k in range(8): r[k] += a[s + i + k]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[s + i]; i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return pw(a, s, n2) + pw(a, s + n2, n - n2)
def np_mean(a):
    total = 0.0
    for off in range(0, len(a), 8192):
        total += pw(a, off, min(8192, len(a) - off))
    return total / len(a)
out = []
for hs in json.load(sys.stdin):
    a = [struct.unpack('>d', bytes.fromhex(h))[0] for h in hs]
    out.append(struct.pack('>d', np_mean(a)).hex())
print(json.dumps(out))`,
    JSON.stringify(arrays.map((a) => a.map(doubleHex))),
  );
  const expected = JSON.parse(py) as string[];
  arrays.forEach((a, i) => assert.equal(doubleHex(numpyMean(a)), expected[i], `n = ${a.length}`));
});

test('statisticsMean equals python3 statistics.mean in value and int/float type', () => {
  const rng = new TestRng(4);
  const lists: (number | bigint | boolean)[][] = [
    [true, true],
    [true, false],
    [true, 1n, 2.0],
    [1n, 1n],
    [1n, 2n],
    [1n, 1],
    [-0],
    [5e-324, 5e-324, 5e-324],
    [1.7976931348623157e308, 1.7976931348623157e308],
    [Infinity, 1],
    [Infinity, -Infinity],
    [NaN, 2n],
    [0.1, 0.2, 0.3],
    [10n ** 30n, 1n, 2n],
    [-(10n ** 30n), 1.5],
  ];
  for (let i = 0; i < 1500; i++) {
    const len = 1 + rng.below(i % 10 === 0 ? 300 : 8);
    const kind = rng.below(4);
    lists.push(
      Array.from({ length: len }, () => {
        if (kind === 0) return BigInt(rng.u32()) - 2n ** 31n;
        if (kind === 1) return rng.bitsDouble();
        if (kind === 2) return rng.below(2) ? BigInt(rng.below(100)) : rng.plainDouble();
        return rng.plainDouble();
        // Keep about a quarter of the NaNs and infinities that random bits produce.
      }).map((x) => (typeof x === 'number' && !Number.isFinite(x) && rng.below(4) ? 1.5 : x)),
    );
  }
  const py = runPython(
    `import sys, json, statistics
${PY_DECODE}
out = []
for x in json.load(sys.stdin):
    try:
        out.append(repr(statistics.mean(dec(x))))
    except OverflowError as e:
        out.append('OverflowError')
print(json.dumps(out))`,
    JSON.stringify(lists.map(encodeForPython)),
  );
  const expected = JSON.parse(py) as string[];
  lists.forEach((l, i) => {
    let ours: string;
    try {
      ours = pyRepr(statisticsMean(l));
    } catch (e) {
      assert.ok(e instanceof ClueError);
      ours = 'OverflowError';
    }
    assert.equal(ours, expected[i], `list ${i}`);
  });
  assert.equal(statisticsMean([1n, 1n]), 1n);
  assert.equal(statisticsMean([1n, 2n]), 1.5);
  assert.throws(() => statisticsMean([]), { code: 'INVALID_ARGUMENT', message: /at least one data point/ });
  assert.throws(() => statisticsMean([10n ** 400n, 1n]), { code: 'INVALID_ARGUMENT' });
});

test('ratioToDouble rounds ties to even, into subnormals and to infinity', () => {
  assert.equal(ratioToDouble(2n ** 53n + 1n, 1n), 2 ** 53);
  assert.equal(ratioToDouble(2n ** 53n + 3n, 1n), 2 ** 53 + 4);
  assert.equal(ratioToDouble(-1n, 3n), -1 / 3);
  assert.equal(ratioToDouble(1n, 2n ** 1075n), 0);
  assert.equal(ratioToDouble(3n, 2n ** 1076n), 5e-324);
  assert.equal(ratioToDouble(2n ** 1024n, 1n), Infinity);
});

const F = 2 ** 24; // float32 ulp 2 above it: adding 1 is lost (a tie, to even), adding 3 rounds up to F + 4.

test('numpyMeanFloat32: every addition is rounded to float32, from +0', () => {
  // n < 8: F + 1 + 1 == F in float32; float64 accumulation would keep F + 2.
  assert.equal(numpyMeanFloat32([F, 1, 1]), Math.fround(F / 3));
  assert.equal(numpyMean([F, 1, 1]), (F + 2) / 3);
  assert.ok(Object.is(numpyMeanFloat32([-0]), 0), 'the reduction starts from +0.0');
  assert.ok(Number.isNaN(numpyMeanFloat32([])));
  // Inputs are float32 first: 0.1 becomes 0.100000001490116...
  assert.equal(numpyMeanFloat32([0.1]), Math.fround(0.1));
  assert.equal(numpyMeanFloat32(new Float32Array([0.1, 0.2])), Math.fround((Math.fround(0.1) + Math.fround(0.2)) / 2));
});

test('numpyMeanFloat32: eight strided float32 accumulators for 8 <= n <= 128, split at n/2 above', () => {
  // r0 = F + (-F) = 0, r1..r7 = 2 each: 14. A sequential float32 loop loses the first seven ones: 7.
  const a = [F, 1, 1, 1, 1, 1, 1, 1, -F, 1, 1, 1, 1, 1, 1, 1];
  assert.equal(numpyMeanFloat32(a), 14 / 16);
  // n = 200 splits at 96. Left [0, 96): r0 = F (its 11 ones are lost, F + 1 ties back to F), r1..r7 = 12
  // each: F + 84. Right [96, 200): r0 = -F + 12 (below 2^24 in magnitude the ulp is 1, so nothing is
  // lost), r1..r7 = 13 each: -F + 103. Total 187, where exact (and float64) arithmetic gives 198.
  const b = Array<number>(200).fill(1);
  b[0] = F;
  b[96] = -F;
  assert.equal(numpyMeanFloat32(b), Math.fround(187 / 200));
  assert.equal(numpyMean(b), 198 / 200);
});

test('numpyMeanFloat32: the quotient is the float32 nearest sum / n', () => {
  // 1 / 3 in float32, not the double 1/3.
  assert.equal(numpyMeanFloat32([1, 0, 0]), Math.fround(1 / 3));
  assert.notEqual(numpyMeanFloat32([1, 0, 0]), 1 / 3);
});

const NUMPY = numpyPython();
const NUMPY_1 = NUMPY?.version.startsWith('1.') === true;

test('numpyMeanFloat32 equals np.mean of float32 arrays bit for bit', { skip: !NUMPY && 'no python3 with numpy (apt-get install python3-numpy)' }, (t) => {
  const rng = new TestRng(32);
  const sizes = [1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129, 130, 255, 256, 257, 1000];
  for (let i = 0; i < 600; i++) sizes.push(1 + rng.below(1000));
  // numpy >= 2.3 no longer sums arrays longer than its 8192-element buffer block by block (CLUE pins 1.26).
  if (NUMPY_1) sizes.push(8191, 8192, 8193, 9000, 16385, 20000);
  else t.diagnostic(`numpy ${NUMPY!.version}: arrays longer than 8192 not compared (numpy 1.x blocking)`);
  const scale = (): number => 10 ** (rng.below(9) - 4);
  const arrays = sizes.map((n) => {
    const kind = rng.below(4);
    const s = scale();
    // Scores in [0, 1) like BERTScore's, mixed signs, wide magnitudes, and near-cancelling pairs.
    return Float32Array.from({ length: n }, (_, k) => {
      const u = rng.u32() / 2 ** 32;
      if (kind === 0) return u;
      if (kind === 1) return (u - 0.5) * s;
      if (kind === 2) return u * 10 ** (rng.below(12) - 6);
      return k % 2 ? -F * u : F * u + rng.below(3);
    });
  });
  const hex = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  const py = runPythonExe(
    NUMPY!.exe,
    [
      '-c',
      `import sys, json, numpy as np
out = []
for h in json.load(sys.stdin):
    m = np.mean(np.frombuffer(bytes.fromhex(h), dtype='<f4'))
    assert m.dtype == np.float32
    out.append(np.asarray(m, dtype='<f4').tobytes().hex())
print(json.dumps(out))`,
    ],
    JSON.stringify(arrays.map(hex)),
  );
  const expected = JSON.parse(py) as string[];
  let differing = 0;
  arrays.forEach((a, i) => {
    const ours = numpyMeanFloat32(a);
    assert.equal(hex(new Float32Array([ours])), expected[i], `n = ${a.length}, array ${i}`);
    if (ours !== Math.fround(numpyMean(Array.from(a)))) differing++;
  });
  t.diagnostic(`${arrays.length} arrays bit-exact against numpy ${NUMPY!.version} (${NUMPY!.exe}); ${differing} differ from a float64 mean rounded to float32`);
  assert.ok(differing > 0, 'float32 accumulation must matter for some arrays, or the test proves nothing');
});
