import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyFloatRepr, pyRepr, pyStr, pyStrRepr } from './str.js';
import { isPyPrintable } from './unicode-printable.js';
import type { PyValue } from './value.js';
import { runPython } from '../test-support.js';
import { PY_DECODE, TestRng, doubleHex, encodeForPython } from './py-test-values.js';

test('float repr layout matches the documented Python examples', () => {
  const cases: [number, string][] = [
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [1.5e300, '1.5e+300'],
    [0.0001, '0.0001'],
    [1234567890123456, '1234567890123456.0'],
    [12345678901234568, '1.2345678901234568e+16'],
    [1, '1.0'],
    [-2.5, '-2.5'],
    [0.1, '0.1'],
    [NaN, 'nan'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [-0, '-0.0'],
    [0, '0.0'],
    [5e-324, '5e-324'],
  ];
  for (const [x, s] of cases) assert.equal(pyFloatRepr(x), s, String(x));
});

test('repr of scalars, lists and dicts', () => {
  const d: PyValue = new Map<string, PyValue>([
    ['b', 1n],
    ['a', [true, null, 2.0, "it's"]],
  ]);
  assert.equal(pyRepr(d), `{'b': 1, 'a': [True, None, 2.0, "it's"]}`);
  assert.equal(pyStr('plain'), 'plain');
  assert.equal(pyStr(["a'b\"c"]), `['a\\'b"c']`);
  assert.equal(pyStrRepr('tab\there\n\\ \x7f \u00a0 \u2028 \ud800 \u{1f600}'), `'tab\\there\\n\\\\ \\x7f \\xa0 \\u2028 \\ud800 \u{1f600}'`);
  assert.equal(pyStr(123456789012345678901234567890n), '123456789012345678901234567890');
  assert.equal(pyStr(-7n), '-7');
});

test('float repr equals python3 for random bit patterns and plain values', () => {
  const rng = new TestRng(11);
  const xs: number[] = [];
  for (let i = 0; i < 15000; i++) xs.push(rng.bitsDouble());
  for (let i = 0; i < 5000; i++) xs.push(rng.plainDouble());
  for (let e = -330; e <= 310; e++) xs.push(10 ** e, 2 ** (e % 1100), 9.999999999999998 * 10 ** e, -(10 ** e) * 1.5);
  for (let i = 0; i < 200; i++) xs.push(2 ** 53 + i, 2 ** 53 - i, i / 8, -i * 1e15);
  const py = runPython(
    `import sys, json, struct
hs = json.load(sys.stdin)
print(json.dumps([repr(struct.unpack('>d', bytes.fromhex(h))[0]) for h in hs]))`,
    JSON.stringify(xs.map(doubleHex)),
  );
  const expected = JSON.parse(py) as string[];
  xs.forEach((x, i) => assert.equal(pyFloatRepr(x), expected[i], `bits ${doubleHex(x)}`));
});

/**
 * python3's view of every code point as runs [start, state]: 0 not printable, 1 printable, 2 unassigned in
 * its Unicode database (which may be older than 3.12's 15.0). Computed once.
 */
let pyRunsCache: [number, number][] | undefined;
function pythonRuns(): [number, number][] {
  pyRunsCache ??= JSON.parse(
    runPython(`import json, unicodedata
runs = []
prev = None
for c in range(0x110000):
    ch = chr(c)
    state = 2 if unicodedata.category(ch) == 'Cn' else int(ch.isprintable())
    if state != prev:
        runs.append([c, state]); prev = state
print(json.dumps(runs))`),
  ) as [number, number][];
  return pyRunsCache;
}

/** Whether python3 here has the code point as unassigned (binary search over the runs). */
function pythonUnassigned(cp: number): boolean {
  const runs = pythonRuns();
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((runs[mid] as [number, number])[0] <= cp) lo = mid;
    else hi = mid - 1;
  }
  return (runs[lo] as [number, number])[1] === 2;
}

function randomString(rng: TestRng): string {
  const pools = [
    () => rng.below(0x80),
    () => rng.pick([0x22, 0x27, 0x5c, 0x09, 0x0a, 0x0d, 0x00, 0x7f, 0x20]),
    () => 0x80 + rng.below(0x780),
    () => rng.below(0x10000),
    () => 0xd800 + rng.below(0x800),
    () => 0x10000 + rng.below(0x100000),
    () => rng.pick([0xa0, 0xad, 0x2028, 0x2029, 0x200b, 0xfeff, 0xe000, 0xfffd, 0x1f600, 0x3000]),
  ];
  let s = '';
  const len = rng.below(12);
  for (let i = 0; i < len; i++) {
    const cp = rng.pick(pools)();
    // A character new in Unicode 15.0 would be printable for 3.12 but escaped by an older python3.
    if (isPyPrintable(cp) && pythonUnassigned(cp)) continue;
    // A lone low surrogate after a lone high one forms a pair: check the combined character too.
    const last = s.charCodeAt(s.length - 1);
    if (cp >= 0xdc00 && cp <= 0xdfff && last >= 0xd800 && last <= 0xdbff) {
      const pair = 0x10000 + ((last - 0xd800) << 10) + (cp - 0xdc00);
      if (isPyPrintable(pair) && pythonUnassigned(pair)) continue;
    }
    s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
  }
  return s;
}

function randomValue(rng: TestRng, depth: number): PyValue {
  const k = rng.below(depth > 2 ? 6 : 8);
  switch (k) {
    case 0:
    case 1:
      return randomString(rng);
    case 2:
      return BigInt(rng.u32()) * BigInt(rng.u32()) * (rng.below(2) ? 1n : -1n);
    case 3:
      return rng.below(2) ? rng.bitsDouble() : rng.plainDouble();
    case 4:
      return rng.below(2) === 1;
    case 5:
      return null;
    case 6:
      return Array.from({ length: rng.below(4) }, () => randomValue(rng, depth + 1));
    default: {
      const m = new Map<string, PyValue>();
      const n = rng.below(4);
      for (let i = 0; i < n; i++) m.set(randomString(rng), randomValue(rng, depth + 1));
      return m;
    }
  }
}

test('str() and repr() equal python3 for random nested values and strings', () => {
  const rng = new TestRng(5);
  const values: PyValue[] = [];
  for (let i = 0; i < 4000; i++) values.push(randomValue(rng, 0));
  const py = runPython(
    `import sys, json
${PY_DECODE}
vs = [dec(x) for x in json.load(sys.stdin)]
print(json.dumps([[str(v), repr(v)] for v in vs]))`,
    JSON.stringify(values.map(encodeForPython)),
  );
  const expected = JSON.parse(py) as [string, string][];
  values.forEach((v, i) => {
    const [s, r] = expected[i] as [string, string];
    assert.equal(pyRepr(v), r);
    assert.equal(pyStr(v), s);
  });
});

test('printable table agrees with python3 isprintable on every code point Python knows', () => {
  // python3 here may have an older Unicode database than 3.12's 15.0: skip the code points it has as
  // unassigned (Cn); everything else must agree exactly.
  const runs = pythonRuns();
  let mismatches = 0;
  for (let r = 0; r < runs.length; r++) {
    const [start, state] = runs[r] as [number, number];
    const end = r + 1 < runs.length ? (runs[r + 1] as [number, number])[0] : 0x110000;
    if (state === 2) continue;
    for (let c = start; c < end; c++) if (isPyPrintable(c) !== (state === 1)) mismatches++;
  }
  assert.equal(mismatches, 0);
  // Unicode 15.0 additions are printable for 3.12 (e.g. U+1F6DC WIRELESS, U+11F00 KAWI SIGN).
  assert.equal(isPyPrintable(0x1f6dc), true);
  assert.equal(isPyPrintable(0x11f00), true);
  // Unassigned in 15.0, assigned later: not printable for 3.12.
  assert.equal(isPyPrintable(0x1fa89), false);
});
