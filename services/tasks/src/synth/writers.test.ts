import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPython } from '../test-support.js';
import { PyRandom } from '../pyrandom.js';
import { csvField, pyFloatRepr, pyJsonDumps, toCsv, toJsonLines, type SynthJson } from './writers.js';

/** Tags Python ints and floats so that python3 can rebuild exactly the same value from JSON. */
function tagged(v: SynthJson): unknown {
  if (typeof v === 'bigint') return { $i: v.toString() };
  if (typeof v === 'number') return { $f: Object.is(v, -0) ? '-0.0' : Number.isFinite(v) ? JSON.stringify(v) : String(v) };
  if (Array.isArray(v)) return (v as SynthJson[]).map(tagged);
  if (v instanceof Map) return { $m: [...v.entries()].map(([k, x]) => [k, tagged(x)]) };
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagged(x as SynthJson)]));
  return v;
}

const PY_UNTAG = String.raw`
import json, sys
def hook(d):
    if '$i' in d: return int(d['$i'])
    if '$f' in d: return float(d['$f'])
    if '$m' in d: return {k: v for k, v in d['$m']}
    return d
cases = json.loads(sys.stdin.read(), object_hook=hook)
`;

const STRINGS = [
  '',
  'plain ascii',
  'quote " backslash \\ slash /',
  'controls \n \r \t \b \f \u0000 \u0001 \u001f \u007f',
  'Ménière µg 38.5 °C naïve Zoë',
  'astral 🙂 𝔘 and CJK 漢字',
  '\u2028\u2029 line separators',
];

test('pyJsonDumps equals json.dumps for strings, ints, floats, nesting, indent and ensure_ascii', () => {
  const value: SynthJson = {
    strings: STRINGS,
    ints: [0n, 1n, -7n, 12345678901234567890n],
    floats: [0, -0, 1, 0.5, -2.25, 1e-5, 0.0001, 1.5e-7, 1e16, 123456789.123, 0.1 + 0.2, 1e300, 5e-324, 2 ** 53],
    misc: [true, false, null, [], {}, [[]], { 'k é': 'v' }],
    map: new Map<string, SynthJson>([['2', 'int-like key kept in order'], ['1', 1n]]),
  };
  const variants = [{}, { indent: 4 }, { indent: 2, ensureAscii: false }, { ensureAscii: false }];
  const ours = variants.map((o) => pyJsonDumps(value, o));
  const py = runPython(
    PY_UNTAG +
      `v = cases
out = [json.dumps(v), json.dumps(v, indent=4), json.dumps(v, indent=2, ensure_ascii=False), json.dumps(v, ensure_ascii=False)]
sys.stdout.write(json.dumps(out))`,
    JSON.stringify(tagged(value)),
  );
  assert.deepEqual(ours, JSON.parse(py));
});

test('pyFloatRepr equals repr(float) on edge cases and random doubles', () => {
  const rng = new PyRandom(7);
  const xs = [0.1, 1 / 3, 100, 1e15, 9999999999999998, 1e16, 1.25e-4, 9.9e-5, -3.5e21, Number.MAX_VALUE, Number.MIN_VALUE];
  for (let i = 0; i < 200; i++) xs.push((rng.random() - 0.5) * 10 ** (rng.randbelow(40) - 20));
  const py = runPython(
    `import json, sys
sys.stdout.write(json.dumps([repr(float(x)) for x in json.loads(sys.stdin.read())]))`,
    JSON.stringify(xs.map((x) => JSON.stringify(x))),
  );
  assert.deepEqual(xs.map(pyFloatRepr), JSON.parse(py));
  assert.equal(pyFloatRepr(NaN), 'NaN');
  assert.equal(pyFloatRepr(-Infinity), '-Infinity');
});

test('toJsonLines writes one json.dumps per line with \\n endings', () => {
  const text = toJsonLines([{ a: 'é' }, { b: [1n, 2.5] }]);
  assert.equal(text, '{"a": "\\u00e9"}\n{"b": [1, 2.5]}\n');
});

test('toCsv equals csv.writer (excel dialect) byte for byte', () => {
  const rows = [
    ['File ID', 'Subjectives', 'Summary'],
    ['1', 'plain', 'a;b;'],
    ['2', 'comma, inside', 'quote " inside'],
    ['3', 'line\nbreak', 'crlf\r\nbreak'],
    ['4', 'lone\rcr', ' spaced '],
    ['5', '', 'é µ °'],
    [''],
    ['', ''],
    ['"starts with quote', 'ends with quote"', "single ' quote"],
  ];
  const py = runPython(
    `import csv, io, json, sys
buf = io.StringIO(newline='')
w = csv.writer(buf)
for row in json.loads(sys.stdin.read()): w.writerow(row)
sys.stdout.write(json.dumps(buf.getvalue()))`,
    JSON.stringify(rows),
  );
  assert.equal(toCsv(rows), JSON.parse(py));
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('ab'), 'ab');
});
