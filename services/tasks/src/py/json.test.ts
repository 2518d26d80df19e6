import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PY_JSON_MAX_DEPTH, PyJsonError, parsePyJson } from './json.js';
import { pyFloatRepr } from './str.js';
import type { PyValue } from './value.js';
import { runPython } from '../test-support.js';
import { TestRng, encodeForPython } from './py-test-values.js';

const PY_ENCODE = `
import struct
def enc(v):
    if isinstance(v, bool): return ['b', v]
    if v is None: return ['n']
    if isinstance(v, str): return ['s', v]
    if isinstance(v, int): return ['i', str(v)]
    if isinstance(v, float): return ['f', struct.pack('>d', v).hex()]
    if isinstance(v, list): return ['l', [enc(e) for e in v]]
    return ['d', [[k, enc(e)] for k, e in v.items()]]
`;

/** Runs python3 json.loads on every text: ['ok', encoded] or ['err', msg, line, col, pos] or ['exc', str]. */
function pythonLoads(texts: string[]): unknown[] {
  const py = runPython(
    `import sys, json
${PY_ENCODE}
out = []
for t in json.load(sys.stdin):
    try:
        out.append(['ok', enc(json.loads(t))])
    except json.JSONDecodeError as e:
        out.append(['err', e.msg, e.lineno, e.colno, e.pos])
    except (RecursionError, ValueError) as e:
        out.append(['exc', str(e)])
print(json.dumps(out))`,
    JSON.stringify(texts),
  );
  return JSON.parse(py) as unknown[];
}

function ours(text: string): unknown {
  try {
    return ['ok', encodeForPython(parsePyJson(text))];
  } catch (e) {
    assert.ok(e instanceof PyJsonError, `${JSON.stringify(text)} threw ${String(e)}`);
    if (e.msg.startsWith('maximum recursion') || e.msg.startsWith('Exceeds the limit')) return ['exc', e.msg];
    return ['err', e.msg, e.line, e.column, e.pos];
  }
}

function ws(rng: TestRng): string {
  let s = '';
  while (rng.below(3) === 0) s += rng.pick([' ', '\t', '\n', '\r', '  ']);
  return s;
}

function jsonString(rng: TestRng): string {
  let s = '"';
  const len = rng.below(10);
  for (let i = 0; i < len; i++) {
    switch (rng.below(9)) {
      case 0:
        s += rng.pick(['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t']);
        break;
      case 1:
        s += '\\u' + rng.pick(['d83d', 'D83D', 'de00', 'dbff', 'dc00', '00e9', '0000', '001f', 'FFFF', 'abcd']);
        break;
      case 2:
        s += String.fromCodePoint(rng.pick([0xe9, 0x20ac, 0x1f600, 0x7f, 0xa0, 0x2028]));
        break;
      default:
        s += String.fromCharCode(0x20 + rng.below(0x5f)).replace(/["\\]/, 'x');
    }
  }
  return s + '"';
}

function jsonNumber(rng: TestRng): string {
  switch (rng.below(6)) {
    case 0:
      return String(BigInt(rng.u32()) * BigInt(rng.u32()) * BigInt(rng.u32()) * (rng.below(2) ? 1n : -1n));
    case 1:
      return rng.pick(['0', '-0', '1', '-1', '0.0', '-0.0', '1e400', '-1e400', '1e-400', '1E5', '1e+5', '2.5E-3', '10.50', '123456789012345678901234567890']);
    case 2: {
      const x = rng.bitsDouble();
      return Number.isFinite(x) ? pyFloatRepr(x) : rng.pick(['NaN', 'Infinity', '-Infinity']);
    }
    default:
      return pyFloatRepr(rng.plainDouble()).replace('e', rng.pick(['e', 'E']));
  }
}

function jsonText(rng: TestRng, depth: number): string {
  const k = rng.below(depth > 3 ? 5 : 8);
  let body: string;
  if (k === 0) body = rng.pick(['null', 'true', 'false']);
  else if (k <= 2) body = jsonNumber(rng);
  else if (k <= 4) body = jsonString(rng);
  else if (k <= 5) {
    const items = Array.from({ length: rng.below(4) }, () => jsonText(rng, depth + 1));
    body = '[' + (items.length ? items.join(',') : ws(rng)) + ']';
  } else {
    const keys = ['"a"', '"b"', '"\\u0061"', '"\\ud83d\\ude00"', '"1"', '"10"', '"2"', '""'];
    const items = Array.from({ length: rng.below(5) }, () => rng.pick(keys) + ws(rng) + ':' + jsonText(rng, depth + 1));
    body = '{' + (items.length ? items.join(',') : ws(rng)) + '}';
  }
  return ws(rng) + body + ws(rng);
}

test('python error messages and positions for hand-picked bad inputs', () => {
  const bad = ['', '[', '{', '{"a":1,}', '[1,]', '"\\u12"', '"\\ud800\\uZZZZ"', '"abc', '"a\\', '01', '1.', '-',
    'nul', '\ufeff1', ' 1 2', '"\x01"', '[1 2]', '{"a" 1}', '{"a":}', '"\\x"', '1e', '-Infinit', '"\\u1234',
    '[\n  1,\n  2 3]', '{"\u{1f600}": x}', '\u{1f600}', '"\u{1f600}" x', '1' + '0'.repeat(4300), '-' + '1'.repeat(4301)];
  const expected = pythonLoads(bad);
  bad.forEach((t, i) => assert.deepEqual(ours(t), expected[i], JSON.stringify(t)));
  assert.throws(() => parsePyJson('[1 2]'), { message: "Expecting ',' delimiter: line 1 column 4 (char 3)", code: 'DATASET_INVALID' });
});

test('values, int/float typing, duplicate keys and surrogates equal python3 for random documents', () => {
  const rng = new TestRng(21);
  const texts: string[] = [];
  for (let i = 0; i < 4000; i++) texts.push(jsonText(rng, 0));
  const expected = pythonLoads(texts);
  let ok = 0;
  texts.forEach((t, i) => {
    const e = expected[i] as unknown[];
    if (e[0] === 'ok') ok++;
    assert.deepEqual(ours(t), e, JSON.stringify(t));
  });
  assert.ok(ok > 3900, `only ${ok} valid documents`);
  const dup = parsePyJson('{"a": 1, "b": 2, "a": 3.0}') as Map<string, PyValue>;
  assert.deepEqual([...dup], [['a', 3], ['b', 2n]]);
});

test('mutated documents fail or succeed exactly like python3', () => {
  const rng = new TestRng(8);
  const texts: string[] = [];
  const noise = ['', ',', ':', '"', '\\', '{', '}', '[', ']', 'x', '\n', '\x00', '1', '.', 'e', '-', ' ', 'N', '\\u'];
  for (let i = 0; i < 5000; i++) {
    let t = jsonText(rng, 0);
    const edits = 1 + rng.below(3);
    for (let k = 0; k < edits; k++) {
      const at = rng.below(t.length + 1);
      const cut = rng.below(3);
      t = t.slice(0, at) + rng.pick(noise) + t.slice(at + cut);
    }
    texts.push(t);
  }
  const expected = pythonLoads(texts);
  let errors = 0;
  texts.forEach((t, i) => {
    const e = expected[i] as unknown[];
    if (e[0] !== 'ok') errors++;
    assert.deepEqual(ours(t), e, JSON.stringify(t));
  });
  assert.ok(errors > 2500, `only ${errors} invalid documents`);
});

test('nesting is limited with a clear error instead of a stack overflow', () => {
  const ok = '['.repeat(PY_JSON_MAX_DEPTH) + ']'.repeat(PY_JSON_MAX_DEPTH);
  assert.ok(Array.isArray(parsePyJson(ok)));
  assert.throws(() => parsePyJson('['.repeat(100000)), /maximum recursion depth exceeded while decoding a JSON array/);
  assert.throws(() => parsePyJson('{"a":'.repeat(5000)), /maximum recursion depth exceeded while decoding a JSON object/);
});

test('a 50 MB array of records parses in well under a few seconds', () => {
  const record = (i: number) =>
    `{"id": ${i}, "score": ${i / 7}, "text": "${'Patient presents with chest pain and shortness of breath. '.repeat(8)}\\n${i}", "tags": ["a", "b\\u00e9"], "ok": true}`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 50e6; i++) {
    const r = record(i);
    parts.push(r);
    size += r.length + 2;
  }
  const text = '[' + parts.join(',\n') + ']';
  const t0 = performance.now();
  const v = parsePyJson(text) as PyValue[];
  const ms = performance.now() - t0;
  assert.equal(v.length, parts.length);
  const last = v[v.length - 1] as Map<string, PyValue>;
  assert.equal(last.get('id'), BigInt(parts.length - 1));
  assert.ok(ms < 3000, `took ${Math.round(ms)} ms`);
});
