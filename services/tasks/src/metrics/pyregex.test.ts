import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClueError } from '../errors.js';
import { PY_WORD_END, PY_WORD_START, pyCountLiteralMatches, pyLiteralPattern } from './pyregex.js';
import { runPython } from '../test-support.js';

const LITERAL_PATTERNS: [string, string][] = [
  ['ENTAILMENT', 'ENTAILMENT'],
  ['NOT ENTAILMENT', 'NOT ENTAILMENT'],
  ['A]', 'A]'],
  ['A}', 'A}'],
  ['A{', 'A{'],
  ['A{x}', 'A{x}'],
  ['A{1,2', 'A{1,2'],
  ['A{}', 'A{}'],
  ['{}', '{}'],
  ['#1 ', '#1 '],
  ['\\-', '-'],
  ['E\\.G\\.', 'E.G.'],
  ['\\\\', '\\'],
  ['\\é', 'é'],
  ['\\\u{1f600}', '\u{1f600}'],
  ['', ''],
];

const NOT_LITERAL = ['.', 'A*', 'A+', 'A?', '^A', 'A$', '(A)', '[A]', 'A|B', 'A{2}', 'A{,}', '{,}', 'A{1,2}', '\\D', '\\N{DASH}', '\\1', '\\0', '\\', 'A\\X41'];

test('pyLiteralPattern decodes plain patterns', () => {
  for (const [pattern, literal] of LITERAL_PATTERNS) assert.equal(pyLiteralPattern(pattern), literal, JSON.stringify(pattern));
});

test('pyLiteralPattern refuses regex syntax with INVALID_ARGUMENT', () => {
  for (const pattern of NOT_LITERAL) {
    assert.throws(
      () => pyLiteralPattern(pattern),
      (e: unknown) => e instanceof ClueError && e.code === 'INVALID_ARGUMENT' && e.message.includes('not plain text'),
      JSON.stringify(pattern),
    );
  }
});

test('accepted patterns match in Python exactly what their literal matches', () => {
  const texts = ['', 'ENTAILMENT', 'NOT ENTAILMENT, ENTAILMENT', 'A]A}A{A{x}A{1,2A{}{}', '#1 #1 ', 'E.G. E-G -', '\\\\\\', 'éé', '\u{1f600}x\u{1f600}'];
  const patterns = LITERAL_PATTERNS.map(([p]) => p);
  const expected = JSON.parse(
    runPython(
      'import json, re, sys\nps, ts = json.load(sys.stdin)\nprint(json.dumps([[len(re.findall(p, t)) for t in ts] for p in ps]))',
      JSON.stringify([patterns, texts]),
    ),
  ) as number[][];
  patterns.forEach((p, i) => {
    texts.forEach((t, j) => {
      assert.equal(pyCountLiteralMatches(pyLiteralPattern(p), t), expected[i]![j], `${JSON.stringify(p)} in ${JSON.stringify(t)}`);
    });
  });
});

test('pyCountLiteralMatches: non-overlapping, empty literal, code points', () => {
  assert.equal(pyCountLiteralMatches('AAA', 'AAAAAAA'), 2);
  assert.equal(pyCountLiteralMatches('ABA', 'ABABA'), 1);
  assert.equal(pyCountLiteralMatches('', 'abc'), 4);
  assert.equal(pyCountLiteralMatches('', ''), 1);
  assert.equal(pyCountLiteralMatches('', '\u{1f600}'), 2); // one code point
  assert.equal(pyCountLiteralMatches('\ud83d', '\u{1f600}'), 0); // a lone surrogate is not half a pair
  assert.equal(pyCountLiteralMatches('\ud83d', '\ud83d!'), 1);
  assert.equal(pyCountLiteralMatches('x', 'xxxxx', 2), 2);
  assert.equal(pyCountLiteralMatches('x', 'y'), 0);
});

test('pyCountLiteralMatches equals python3 len(re.findall(re.escape(lit), text)) on random strings', () => {
  const pool = Array.from('AB. \u00e9\u{1f600}') as string[];
  pool.push('\ud83d', '\ude00');
  let seed = 3;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const word = (max: number): string => {
    let s = '';
    const len = Math.floor(next() * max);
    for (let k = 0; k < len; k++) s += pool[Math.floor(next() * pool.length)]!;
    return s;
  };
  const pairs: [string, string][] = Array.from({ length: 1500 }, () => [word(3), word(12)]);
  const expected = JSON.parse(
    runPython(
      'import json, re, sys\nprint(json.dumps([len(re.findall(re.escape(l), t)) for l, t in json.load(sys.stdin)]))',
      JSON.stringify(pairs),
    ),
  ) as number[];
  pairs.forEach(([l, t], i) => assert.equal(pyCountLiteralMatches(l, t), expected[i], `${JSON.stringify(l)} in ${JSON.stringify(t)}`));
});

test('PY_WORD_START / PY_WORD_END behave as Python \\b around a word', () => {
  const re = new RegExp(`${PY_WORD_START}AB${PY_WORD_END}`, 'gu');
  const count = (s: string): number => [...s.matchAll(re)].length;
  assert.equal(count('AB AB'), 2);
  assert.equal(count('éAB ABé _AB AB_ 1AB'), 0);
  assert.equal(count('\u{1f600}AB\u{1f600}'), 1);
  assert.equal(count('\u{1d400}AB'), 0); // a letter outside the BMP
});
