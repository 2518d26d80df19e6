import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyFormatError, parseTemplateFields, pyFormat } from './format.js';
import type { PyValue } from './value.js';
import { runPython } from '../test-support.js';
import { PY_DECODE, TestRng, encodeForPython } from './py-test-values.js';

const FIELDS = new Map<string, PyValue>([
  ['a', 'Ä "quoted" it\'s'],
  ['b', [1n, 2.5, null, true, new Map<string, PyValue>([['k', 'v']])]],
  ['name', 0.1],
  ['x y', 'spaced key'],
  ['n', NaN],
]);

test('plain fields, escapes and conversions', () => {
  assert.equal(pyFormat('Hi {a}!', { a: 'there' }), 'Hi there!');
  assert.equal(pyFormat('{{literal}} {name} }}{{', FIELDS), '{literal} 0.1 }{');
  assert.equal(pyFormat('{b}', FIELDS), "[1, 2.5, None, True, {'k': 'v'}]");
  assert.equal(pyFormat('{a!r}|{a!s}|{a!a}', FIELDS), `'Ä "quoted" it\\'s'|Ä "quoted" it's|'\\xc4 "quoted" it\\'s'`);
  assert.equal(pyFormat('{n} {x y} {name:}', FIELDS), 'nan spaced key 0.1');
  assert.equal(pyFormat('no fields', {}), 'no fields');
  assert.equal(pyFormat('{v}', { v: 3n }), '3');
  assert.deepEqual(parseTemplateFields('{a} and {b} and {a!r} {{c}}'), ['a', 'b']);
});

test('a missing key names the key; a record object is looked up by own properties only', () => {
  assert.throws(
    () => pyFormat('Patient: {Summary}', { summary: 'x' }),
    (e: unknown) => e instanceof PyFormatError && e.kind === 'missing-key' && e.key === 'Summary' && e.code === 'INVALID_ARGUMENT' && /Summary/.test(e.message),
  );
  assert.throws(() => pyFormat('{toString}', {}), (e: unknown) => e instanceof PyFormatError && e.key === 'toString');
});

test('unsupported features are rejected clearly', () => {
  for (const t of ['{}', '{0}', '{a.b}', '{a[0]}', '{a:>10}', '{a:{b}}']) {
    assert.throws(() => pyFormat(t, { a: 'x', b: 'y' }), (e: unknown) => e instanceof PyFormatError && e.kind === 'unsupported', t);
    assert.throws(() => parseTemplateFields(t), PyFormatError, t);
  }
  assert.throws(() => parseTemplateFields('{a'), /expected '}' before end of string/);
});

test('outcomes equal python3 str.format for random templates', () => {
  const rng = new TestRng(3);
  const tokens = ['{', '}', '{{', '}}', 'a', 'b', 'c', 'name', 'x y', 'n', '!', 'r', 's', 'a', 'q', ':', '[', ']', '.', '0', ' ', 'txt', '\u00e9', '{a}', '{b}', '{c}'];
  const templates: string[] = [];
  for (let i = 0; i < 6000; i++) {
    let t = '';
    const len = 1 + rng.below(8);
    for (let k = 0; k < len; k++) t += rng.pick(tokens);
    templates.push(t);
  }
  const py = runPython(
    `import sys, json
${PY_DECODE}
data = json.load(sys.stdin)
fields = dec(data['fields'])
out = []
for t in data['templates']:
    try:
        out.append(['ok', t.format(**fields)])
    except Exception as e:
        out.append(['err', type(e).__name__ + ': ' + str(e)])
print(json.dumps(out))`,
    JSON.stringify({ fields: encodeForPython(FIELDS), templates }),
  );
  const expected = JSON.parse(py) as [string, string][];
  let compared = 0;
  templates.forEach((t, i) => {
    const [status, value] = expected[i] as [string, string];
    let ours: [string, string];
    try {
      ours = ['ok', pyFormat(t, FIELDS)];
    } catch (e) {
      assert.ok(e instanceof PyFormatError, `template ${JSON.stringify(t)} threw ${String(e)}`);
      if (e.kind === 'unsupported') return;
      ours = ['err', String(e.pyException)];
    }
    compared++;
    assert.deepEqual(ours, [status, value], `template ${JSON.stringify(t)}`);
  });
  assert.ok(compared > 3000, `only ${compared} templates compared`);
});
