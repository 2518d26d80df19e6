import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClueError } from '../errors.js';
import { mednliAccuracy } from './mednli.js';
import { runPython } from '../test-support.js';

test('exactly one occurrence of the upper-cased label scores 1', () => {
  assert.equal(mednliAccuracy('entailment', 'entailment'), 1);
  assert.equal(mednliAccuracy('The answer is: CONTRADICTION.', 'contradiction'), 1);
  assert.equal(mednliAccuracy('NOT ENTAILMENT', 'entailment'), 1);
  assert.equal(mednliAccuracy('Neutral', 'contradiction'), 0);
  assert.equal(mednliAccuracy('ENTAILMENT ... ENTAILMENT', 'entailment'), 0);
  assert.equal(mednliAccuracy('entailmententailment', 'entailment'), 0);
  assert.equal(mednliAccuracy('', 'neutral'), 0);
});

test('upper-casing is Python str.upper(), not JavaScript toUpperCase', () => {
  assert.equal(mednliAccuracy('STRASSE', 'straße'), 1); // ß -> SS on both sides
  assert.equal(mednliAccuracy('strasse', 'STRAßE'), 1);
  // U+0264 has no uppercase in CPython 3.12 (Unicode 15.0); Node's ICU maps it to U+A7CB
  assert.equal(mednliAccuracy('\ua7cb', '\u0264'), 0);
  assert.equal(mednliAccuracy('\u0264', '\u0264'), 1);
});

test('an empty label matches at every position, as Python findall does', () => {
  assert.equal(mednliAccuracy('', ''), 1);
  assert.equal(mednliAccuracy('x', ''), 0);
});

test('escaped punctuation in a label is literal; regex syntax is refused', () => {
  assert.equal(mednliAccuracy('see e.g. this', 'e\\.g\\.'), 1);
  for (const label of ['entail.ent', 'a+b', '(neutral)', 'x|y', 'n{2}', '\\d']) {
    assert.throws(
      () => mednliAccuracy('anything', label),
      (e: unknown) =>
        e instanceof ClueError &&
        e.code === 'INVALID_ARGUMENT' &&
        e.message.includes(JSON.stringify(label)) &&
        e.message.includes('not plain text'),
      label,
    );
  }
});

test('equals CLUE compute_metrics evaluated by python3 on many outputs', () => {
  const labels = ['entailment', 'neutral', 'contradiction', 'straße', 'ﬀ', 'İ', ''];
  const outputs = [
    'ENTAILMENT',
    'entailment',
    ' Entailment\n',
    'The relation is neutral.',
    'NEUTRAL or CONTRADICTION',
    'contradiction contradiction',
    'no entailment',
    'neutralneutral',
    'STRASSE',
    'strasse straße',
    'ff',
    'FF',
    'i̇',
    'İ',
    'ı',
    '',
    'x',
  ];
  const pairs = labels.flatMap((l) => outputs.map((o) => [o, l] as const));
  const expected = JSON.parse(
    runPython(
      'import json, re, sys\nprint(json.dumps([1 if len(re.findall(l.upper(), o.upper())) == 1 else 0 for o, l in json.load(sys.stdin)]))',
      JSON.stringify(pairs),
    ),
  ) as number[];
  assert.ok(expected.includes(1) && expected.includes(0));
  pairs.forEach(([o, l], i) => assert.equal(mednliAccuracy(o, l), expected[i], `${JSON.stringify(o)} vs ${JSON.stringify(l)}`));
});
