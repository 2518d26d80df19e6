/* eslint-disable @typescript-eslint/no-explicit-any -- the tests mutate parsed JSON freely to build malformed files */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetError } from '../errors.js';
import { loadLongHealth } from './loader.js';
import { benchmarkJson, synthPatients } from './fixtures.js';

const FILE = 'benchmark_v5.json';

/** Loads JSON built from `mutate(plain object)` and returns the DatasetError it throws. */
function errorOf(mutate: (root: Record<string, any>) => unknown): DatasetError {
  const root = JSON.parse(benchmarkJson(synthPatients())) as Record<string, any>;
  const replaced = mutate(root);
  const text = JSON.stringify(replaced === undefined ? root : replaced);
  try {
    loadLongHealth(text, FILE);
  } catch (e) {
    assert.ok(e instanceof DatasetError, `expected DatasetError, got ${String(e)}`);
    return e;
  }
  assert.fail('no error thrown');
}

test('loads patients, texts and questions in file order', () => {
  const b = loadLongHealth(benchmarkJson(synthPatients()), FILE);
  assert.equal(b.file, FILE);
  assert.deepEqual(
    b.patients.map((p) => p.id),
    ['patient_01', 'patient_02', 'patient_03', 'patient_04'],
  );
  const p3 = b.patients[2]!;
  assert.deepEqual([...p3.texts.keys()], ['text_0', 'text_1', 'text_2', 'text_3']);
  const q = p3.questions[0]!;
  assert.equal(q.index, 0);
  assert.equal(q.question, 'What is known about the follow-up?');
  assert.equal(q.correct, 'provided documents');
  assert.deepEqual([...q.answers.keys()], ['answer_a', 'answer_b', 'answer_c', 'answer_d', 'answer_e']);
  assert.deepEqual([...q.answerLocation.keys()], ['text_3', 'text_1']);
  assert.deepEqual(q.answerLocation.get('text_3'), { start: [0.25], end: [0.5] });
  assert.equal(q.raw.get('No'), 1n);
});

test('keeps key order even for integer-like keys and extra answer keys', () => {
  const text =
    '{"2": {"texts": {"10": "ten", "2": "two"}, "questions": [{"answer_b": "y", "question": "q", "answer_a": "x",' +
    ' "answer_c": "z", "answer_d": "w", "answer_e": "v", "answer_x": "u", "correct": "y",' +
    ' "answer_location": {"2": {"start": [0], "end": [1]}}}]}, "1": {"texts": {"t": "other"}, "questions": []}}';
  const b = loadLongHealth(text, FILE);
  assert.deepEqual(
    b.patients.map((p) => p.id),
    ['2', '1'],
  );
  assert.deepEqual([...b.patients[0]!.texts.keys()], ['10', '2']);
  assert.deepEqual([...b.patients[0]!.questions[0]!.answers.keys()], ['answer_b', 'answer_a', 'answer_c', 'answer_d', 'answer_e', 'answer_x']);
});

test('error: not a dict at the top', () => {
  const e = errorOf(() => [1, 2]);
  assert.match(e.message, /^benchmark_v5\.json: expected a JSON object mapping patient ids to patients, got list$/);
});

test('error: invalid JSON names the line', () => {
  assert.throws(
    () => loadLongHealth('{\n "patient_01": {,\n}', FILE),
    (e: unknown) => e instanceof DatasetError && e.location.line === 2 && /not valid JSON: Expecting property name/.test(e.message),
  );
});

test('error: missing option field', () => {
  const e = errorOf((r) => {
    delete r['patient_03'].questions[1].answer_c;
  });
  assert.equal(e.location.field, 'patient_03.questions[1].answer_c');
  assert.equal(e.message, "benchmark_v5.json, field 'patient_03.questions[1].answer_c': missing (a string is required)");
});

test('error: wrong types', () => {
  assert.equal(
    errorOf((r) => {
      r['patient_01'].questions[0].correct = 3;
    }).message,
    "benchmark_v5.json, field 'patient_01.questions[0].correct': expected a string, got int",
  );
  assert.equal(
    errorOf((r) => {
      r['patient_01'].questions[0].answer_z = ['a'];
    }).location.field,
    'patient_01.questions[0].answer_z',
  );
  assert.equal(
    errorOf((r) => {
      r['patient_02'].texts.text_1 = null;
    }).message,
    "benchmark_v5.json, field 'patient_02.texts.text_1': expected a string, got NoneType",
  );
  assert.equal(
    errorOf((r) => {
      r['patient_02'].questions = {};
    }).message,
    "benchmark_v5.json, field 'patient_02.questions': expected a list of questions, got dict",
  );
  assert.equal(
    errorOf((r) => {
      r['patient_02'].questions[0] = 'q';
    }).message,
    "benchmark_v5.json, field 'patient_02.questions[0]': expected a question (a JSON object), got str",
  );
  assert.equal(
    errorOf((r) => {
      r['patient_02'] = [];
    }).message,
    "benchmark_v5.json, field 'patient_02': expected a patient (a JSON object), got list",
  );
  assert.equal(
    errorOf((r) => {
      delete r['patient_04'].texts;
    }).location.field,
    'patient_04.texts',
  );
});

test('error: answer_location names a text the patient does not have', () => {
  const e = errorOf((r) => {
    r['patient_02'].questions[0].answer_location = { text_1: { start: [0], end: [1] }, 'text 9': { start: [], end: [] } };
  });
  assert.equal(e.location.field, 'patient_02.questions[0].answer_location["text 9"]');
  assert.match(e.reason, /names text 'text 9', which this patient does not have \(texts: text_0, text_1\)/);
});

test('error: malformed answer spans', () => {
  assert.equal(
    errorOf((r) => {
      r['patient_01'].questions[1].answer_location.text_0 = { start: [0.1] };
    }).location.field,
    'patient_01.questions[1].answer_location.text_0.end',
  );
  assert.equal(
    errorOf((r) => {
      r['patient_01'].questions[1].answer_location.text_0 = { start: ['x'], end: [1] };
    }).location.field,
    'patient_01.questions[1].answer_location.text_0.start[0]',
  );
  assert.equal(
    errorOf((r) => {
      delete r['patient_01'].questions[1].answer_location;
    }).location.field,
    'patient_01.questions[1].answer_location',
  );
});

test('error: prompts without any document (where CLUE fails)', () => {
  assert.match(
    errorOf((r) => {
      r['patient_02'].texts = {};
      r['patient_02'].questions[0].answer_location = {};
    }).message,
    /field 'patient_02\.texts': is empty, but the patient has questions/,
  );
  assert.match(
    errorOf((r) => ({ patient_01: r['patient_01'] })).message,
    /field 'patient_01': no other patient has texts/,
  );
  assert.match(errorOf(() => ({})).message, /has no patients/);
});
