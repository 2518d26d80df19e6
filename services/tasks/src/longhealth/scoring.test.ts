import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPython } from '../test-support.js';
import {
  PY_WORD_CHAR,
  getCorrectAnswer,
  longHealthAccuracy,
  longHealthCorrect,
  parseModelChoice,
  pyContains,
} from './scoring.js';
import { clueLongHealthSource, runClue } from './clue-reference.js';

const opts = (entries: [string, string][], correct: string) => ({ correct, answers: new Map(entries) });

test('getCorrectAnswer: substring match, case-sensitive', () => {
  const q = opts(
    [
      ['answer_a', 'Acute pneumonia'],
      ['answer_b', 'Chronic bronchitis'],
    ],
    'bronchitis',
  );
  assert.equal(getCorrectAnswer(q), 'B');
  assert.equal(getCorrectAnswer({ ...q, correct: 'Pneumonia' }), undefined);
  assert.equal(getCorrectAnswer({ ...q, correct: 'pneumonia' }), 'A');
});

test('getCorrectAnswer: first match in key order, not in label order', () => {
  const q = opts(
    [
      ['answer_d', 'Aspirin 100 mg'],
      ['answer_a', 'Heparin'],
      ['answer_b', 'Aspirin'],
    ],
    'Aspirin',
  );
  assert.equal(getCorrectAnswer(q), 'D');
});

test('getCorrectAnswer: skips answer_location and keys not starting with "answer"', () => {
  const q = opts(
    [
      ['correct', 'Lung'],
      ['question', 'Lung?'],
      ['answer_location', 'Lung'],
      ['answers_location', 'Lung'],
      ['Answer_a', 'Lung'],
      ['answer_c', 'Lung'],
    ],
    'Lung',
  );
  assert.equal(getCorrectAnswer(q), 'C');
});

test('getCorrectAnswer: none found gives undefined; empty correct matches the first option', () => {
  const q = opts(
    [
      ['answer_a', 'x'],
      ['answer_b', 'y'],
    ],
    'z',
  );
  assert.equal(getCorrectAnswer(q), undefined);
  assert.equal(getCorrectAnswer({ ...q, correct: '' }), 'A');
  // key[-1].upper() is literally the last character of the key
  assert.equal(getCorrectAnswer(opts([['answer', 'z']], 'z')), 'R');
});

test('getCorrectAnswer: answer_f only matches when added (tasks 2/3)', () => {
  const base: [string, string][] = [
    ['answer_a', 'Weekly'],
    ['answer_e', 'Daily'],
  ];
  assert.equal(getCorrectAnswer(opts(base, 'provided documents')), undefined);
  const withF: [string, string][] = [...base, ['answer_f', 'Question cannot be answered with provided documents']];
  assert.equal(getCorrectAnswer(opts(withF, 'provided documents')), 'F');
});

test('pyContains: code-point substring semantics', () => {
  assert.equal(pyContains('abc', 'bc'), true);
  assert.equal(pyContains('abc', ''), true);
  assert.equal(pyContains('a\u{1F600}b', '\uD83D'), false); // a lone high surrogate is not part of U+1F600 in Python
  assert.equal(pyContains('a\uD83Db', '\uD83D'), true);
  assert.equal(pyContains('\u{1F600}\uDE00', '\uDE00'), true); // the second, unpaired occurrence matches
});

test('parseModelChoice: first occurrence, case and colon', () => {
  assert.equal(parseModelChoice('The correct answer is B: Influenza.'), 'B');
  assert.equal(parseModelChoice('The correct answer is C: x. The correct answer is A: y.'), 'C');
  assert.equal(parseModelChoice('The correct answer is b: lower'), 'b');
  assert.equal(parseModelChoice('the correct answer is B: x'), '');
  assert.equal(parseModelChoice('The correct answer is B. Influenza'), '');
  assert.equal(parseModelChoice('The correct answer is BC: x'), '');
  assert.equal(parseModelChoice('The correct answer is  B: x'), '');
  // a non-word char makes the first occurrence fail; the search goes on
  assert.equal(parseModelChoice('The correct answer is -: x The correct answer is E: y'), 'E');
  assert.equal(parseModelChoice('The correct answer is _: x'), '_');
  assert.equal(parseModelChoice(''), '');
});

test('parseModelChoice: Unicode \\w like Python 3.12', () => {
  assert.equal(parseModelChoice('The correct answer is é: x'), 'é');
  assert.equal(parseModelChoice('The correct answer is ²: x'), '²'); // No, isdigit
  assert.equal(parseModelChoice('The correct answer is ½: x'), '½'); // No, isnumeric
  assert.equal(parseModelChoice('The correct answer is Ⅻ: x'), 'Ⅻ'); // Nl
  assert.equal(parseModelChoice('The correct answer is 𝐀: x'), '𝐀'); // astral letter, one code point
  assert.equal(parseModelChoice('The correct answer is e\u0301: x'), ''); // combining mark is not \w
  // U+1E5D0 (Ol Onal, Unicode 16) is a letter for JS but not for Python 3.12 (Unicode 15.0)
  assert.equal(parseModelChoice('The correct answer is \u{1E5D0}: x The correct answer is D: y'), 'D');
});

test('PY_WORD_CHAR equals python3 \\w on every code point python3 knows', () => {
  const out = runPython(String.raw`
import re, unicodedata, json
w = re.compile(r'\w').match
def ranges(pred):
    out = []; start = None
    for c in range(0x110000):
        if pred(c):
            if start is None: start = c
        elif start is not None:
            out.append([start, c - 1]); start = None
    if start is not None: out.append([start, 0x10ffff])
    return out
print(json.dumps({'version': unicodedata.unidata_version,
  'word': ranges(lambda c: w(chr(c)) is not None),
  'assigned': ranges(lambda c: unicodedata.category(chr(c)) != 'Cn')}))
`);
  const { word, assigned } = JSON.parse(out) as { version: string; word: [number, number][]; assigned: [number, number][] };
  const isWord = new Uint8Array(0x110000);
  for (const [a, b] of word) isWord.fill(1, a, b + 1);
  const re = new RegExp(`^${PY_WORD_CHAR}$`, 'u');
  const mismatches: string[] = [];
  let checked = 0;
  for (const [a, b] of assigned) {
    for (let c = a; c <= b; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      checked++;
      if (re.test(String.fromCodePoint(c)) !== (isWord[c] === 1)) mismatches.push(c.toString(16));
    }
  }
  assert.ok(checked > 200000);
  assert.deepEqual(mismatches.slice(0, 20), []);
});

test('PY_WORD_CHAR matches exactly as many code points as Python 3.12 (Unicode 15.0) has \\w', () => {
  // 137,936 = |{c : Python 3.12 re \w}|, derived from UCD 15.0. If this fails, Node's Unicode version changed and
  // the exclusion table in scoring.ts needs the new letters/numbers added.
  const re = new RegExp(`^${PY_WORD_CHAR}$`, 'u');
  let n = 0;
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (re.test(String.fromCodePoint(c))) n++;
  }
  assert.equal(n, 137936, `Node Unicode ${process.versions.unicode}`);
});

test('longHealthCorrect = compute_metrics', () => {
  assert.equal(longHealthCorrect('The correct answer is B: x', 'B', false), true);
  assert.equal(longHealthCorrect('The correct answer is A: x', 'B', false), false);
  assert.equal(longHealthCorrect('B', 'B', false), false);
  assert.equal(longHealthCorrect('The correct answer is b: x', 'B', false), false);
  // gold None: nothing is correct
  assert.equal(longHealthCorrect('The correct answer is A: x', '', false), false);
  assert.equal(longHealthCorrect('The correct answer is A: x', undefined, false), false);
  // task 3
  assert.equal(longHealthCorrect('The correct answer is F: x', 'F', true), true);
  assert.equal(longHealthCorrect('The correct answer is F: x', 'A', true), true);
  assert.equal(longHealthCorrect('The correct answer is A: x', 'A', true), false);
  assert.equal(longHealthCorrect('no answer', 'F', true), false);
});

test('longHealthAccuracy: (np.sum(scores) / len(scores)) * 100 as float64', () => {
  const cases: [number, number][] = [];
  for (let n = 1; n <= 60; n++) for (let c = 0; c <= n; c++) cases.push([c, n]);
  cases.push([1, 3], [2, 3], [667, 2000], [1999, 2000], [7, 400]);
  const py = runPython('import sys,json\nprint(json.dumps([repr((c/n)*100) for c,n in json.load(sys.stdin)]))', JSON.stringify(cases));
  const expected = (JSON.parse(py) as string[]).map(Number);
  const got = cases.map(([c, n]) => longHealthAccuracy(Array.from({ length: n }, (_, i) => i < c)));
  assert.deepEqual(got, expected);
  assert.equal(longHealthAccuracy([true, false, false]), 33.33333333333333);
  assert.equal(longHealthAccuracy([true, true, false]), 66.66666666666666);
  assert.ok(Number.isNaN(longHealthAccuracy([])));
});

const source = clueLongHealthSource();

test('scoring agrees with CLUE\'s own functions', { skip: source === undefined ? 'CLUE mirror not available' : false }, () => {
  const questions: { keys: [string, string][]; correct: string }[] = [
    { keys: [['answer_a', 'Acute pneumonia'], ['answer_b', 'pneumonia']], correct: 'pneumonia' },
    { keys: [['answer_location', 'x'], ['answer_b', 'y']], correct: 'x' },
    { keys: [['answer_c', 'x'], ['answer_a', 'x']], correct: 'x' },
    { keys: [['answer_a', 'x']], correct: 'q' },
    { keys: [['answer_a', 'x'], ['answer_f', 'Question cannot be answered with provided documents']], correct: 'documents' },
  ];
  const preds = [
    'The correct answer is B: x',
    'The correct answer is é: x The correct answer is A:',
    'x The correct answer is -: The correct answer is C: y',
    'The correct answer is F: none',
    'The correct answer isA:',
    'The correct answer is ٣: digit',
    '',
  ];
  const golds = ['A', 'B', 'F', null];
  const r = runClue<{ gold: (string | null)[]; choice: string[]; metrics: boolean[][] }>(
    { source, questions: questions.map((q) => [Object.fromEntries(q.keys), q.correct]), preds, golds },
    String.raw`
gold = []
for keys, correct in req['questions']:
    d = dict(keys); d['correct'] = correct
    gold.append(clue.get_correct_answer(d))
choice = [clue.parse_model_choice(p) for p in req['preds']]
metrics = [[clue.compute_metrics(p, g, t3) for g in req['golds'] for t3 in (False, True)] for p in req['preds']]
print(json.dumps({'gold': gold, 'choice': choice, 'metrics': metrics}))
`,
  );
  assert.deepEqual(
    questions.map((q) => getCorrectAnswer({ correct: q.correct, answers: new Map([...q.keys, ['correct', q.correct]]) }) ?? null),
    r.gold,
  );
  assert.deepEqual(preds.map(parseModelChoice), r.choice);
  assert.deepEqual(
    preds.map((p) => golds.flatMap((g) => [false, true].map((t3) => longHealthCorrect(p, g ?? undefined, t3)))),
    r.metrics,
  );
});
