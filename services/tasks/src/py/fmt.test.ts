import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFixed } from './fmt.js';
import { runPython } from '../test-support.js';
import { TestRng, doubleHex } from './py-test-values.js';

test('ties round half to even on the exact binary value, unlike toFixed', () => {
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal((0.125).toFixed(2), '0.13');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(2.5, 2), '2.50');
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(3.5, 0), '4');
  assert.equal(formatFixed(1.005, 2), '1.00'); // 1.005 is stored as 1.00499999999999989...
  assert.equal(formatFixed(-0.001, 2), '-0.00');
  assert.equal(formatFixed(-0, 2), '-0.00');
  assert.equal(formatFixed(0, 3), '0.000');
  assert.equal(formatFixed(NaN, 2), 'nan');
  assert.equal(formatFixed(-Infinity, 2), '-inf');
  assert.equal(formatFixed(1e22, 1), '10000000000000000000000.0');
  assert.equal(formatFixed(42n, 2), '42.00');
  assert.throws(() => formatFixed(1, -1), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => formatFixed(10n ** 400n, 2), { code: 'INVALID_ARGUMENT' });
});

test('equals python3 "{:.Nf}".format for random doubles, ties and precisions', () => {
  const rng = new TestRng(99);
  const cases: [number, number][] = [];
  for (let i = 0; i < 4000; i++) cases.push([rng.plainDouble(), rng.below(6)]);
  for (let i = 0; i < 2000; i++) cases.push([rng.bitsDouble(), rng.below(25)]);
  // Exact ties at the rounding digit: k / 2^j has a finite binary expansion ending in 5 in decimal.
  for (let i = 0; i < 3000; i++) {
    const j = 1 + rng.below(12);
    const x = (rng.below(200000) - 100000) / 2 ** j;
    cases.push([x, rng.below(j + 1)]);
  }
  for (let i = 0; i < 1000; i++) cases.push([(rng.below(2001) - 1000) / 1000, 2]); // scores like 0.345
  cases.push([5e-324, 0], [5e-324, 330], [1.7976931348623157e308, 2], [-1e-300, 5]);
  const py = runPython(
    `import sys, json, struct
out = []
for h, d in json.load(sys.stdin):
    out.append('{:.{}f}'.format(struct.unpack('>d', bytes.fromhex(h))[0], d))
print(json.dumps(out))`,
    JSON.stringify(cases.map(([x, d]) => [doubleHex(x), d])),
  );
  const expected = JSON.parse(py) as string[];
  cases.forEach(([x, d], i) => assert.equal(formatFixed(x, d), expected[i], `${doubleHex(x)} .${d}f`));
});
