/**
 * Loader for LongHealth's `benchmark_v5.json` (kbressem/LongHealth), read the way CLUE's `json.load` sees it:
 * a dict `patient_id -> {texts: {text_id: str}, questions: [...], name, birthday, diagnosis, ...}`. Key order of
 * patients, texts and question keys is kept, because CLUE's prompt order, distractor pool and gold letters
 * depend on it.
 */
import { DatasetError } from '../errors.js';
import { PyJsonError, parsePyJson } from '../py/json.js';
import { pyTypeName, type PyDict, type PyValue } from '../py/value.js';

/** Relative span(s) of the answer inside one answer document (only used by CLUE for logging). */
export interface AnswerSpan {
  readonly start: readonly number[];
  readonly end: readonly number[];
}

/** One multiple-choice question. */
export interface LongHealthQuestion {
  /** 0-based position in the patient's `questions` list (CLUE's `i`). */
  readonly index: number;
  /** The question text. */
  readonly question: string;
  /** The `correct` field: the text of the right option (CLUE maps it to a letter by substring search). */
  readonly correct: string;
  /**
   * Every key starting with "answer" that does not end with "location" (`answer_a`..`answer_e`, and any other such
   * key the file has), with its text, in file order, as `get_correct_answer` walks them.
   */
  readonly answers: ReadonlyMap<string, string>;
  /** `answer_location`: the answer documents (text ids of this patient) in file order, with their spans. */
  readonly answerLocation: ReadonlyMap<string, AnswerSpan>;
  /** The question dict as loaded (all keys, file order). */
  readonly raw: PyDict;
}

/** One patient (case) of the benchmark. */
export interface LongHealthPatient {
  /** The patient's key in the file, e.g. `patient_01`. */
  readonly id: string;
  /** `texts`: text id -> document, in file order. */
  readonly texts: ReadonlyMap<string, string>;
  readonly questions: readonly LongHealthQuestion[];
}

/** The whole benchmark, patients in file order. */
export interface LongHealthBenchmark {
  /** The file name given to the loader, for messages. */
  readonly file: string;
  readonly patients: readonly LongHealthPatient[];
}

/** Option keys every question must have (task 1 uses labels "abcde"). */
const REQUIRED_OPTIONS = ['answer_a', 'answer_b', 'answer_c', 'answer_d', 'answer_e'] as const;

/** Appends a key to a readable field path: `.key` for plain names, `["odd key"]` otherwise. */
function child(path: string, key: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key);
  if (path === '') return plain ? key : JSON.stringify(key);
  return plain ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A short description of a value's type for messages, e.g. "list" or "int". */
function typeOf(v: PyValue | undefined): string {
  return v === undefined ? 'nothing' : pyTypeName(v);
}

class Checker {
  constructor(readonly file: string) {}

  fail(field: string | undefined, reason: string): never {
    throw new DatasetError(field === undefined ? { file: this.file } : { file: this.file, field }, reason);
  }

  dict(v: PyValue | undefined, field: string, what: string): PyDict {
    if (v instanceof Map) return v;
    return this.fail(field, `expected ${what} (a JSON object), got ${typeOf(v)}`);
  }

  str(v: PyValue | undefined, field: string): string {
    if (typeof v === 'string') return v;
    return this.fail(field, v === undefined ? 'missing (a string is required)' : `expected a string, got ${typeOf(v)}`);
  }

  numbers(v: PyValue | undefined, field: string): number[] {
    if (!Array.isArray(v)) {
      return this.fail(field, v === undefined ? 'missing (a list of numbers is required)' : `expected a list of numbers, got ${typeOf(v)}`);
    }
    return v.map((x, i) => {
      if (typeof x === 'number') return x;
      if (typeof x === 'bigint') return Number(x);
      if (typeof x === 'boolean') return x ? 1 : 0;
      return this.fail(`${field}[${i}]`, `expected a number, got ${typeOf(x)}`);
    });
  }
}

function loadQuestion(c: Checker, v: PyValue, path: string, index: number, texts: ReadonlyMap<string, string>): LongHealthQuestion {
  const q = c.dict(v, path, 'a question');
  const question = c.str(q.get('question'), child(path, 'question'));
  const correct = c.str(q.get('correct'), child(path, 'correct'));
  for (const key of REQUIRED_OPTIONS) c.str(q.get(key), child(path, key));
  const answers = new Map<string, string>();
  for (const [key, value] of q) {
    if (!key.startsWith('answer') || key.endsWith('location')) continue;
    // CLUE tests `correct in question[key]` on every such key, which needs a string.
    answers.set(key, c.str(value, child(path, key)));
  }
  const locPath = child(path, 'answer_location');
  const loc = q.get('answer_location');
  if (loc === undefined) c.fail(locPath, 'missing (a JSON object text_id -> {start, end} is required)');
  const locDict = c.dict(loc, locPath, 'an object text_id -> {start, end}');
  const answerLocation = new Map<string, AnswerSpan>();
  for (const [textId, spanValue] of locDict) {
    const spanPath = child(locPath, textId);
    if (!texts.has(textId)) {
      const known = [...texts.keys()];
      const shown = known.length > 8 ? `${known.slice(0, 8).join(', ')}, ...` : known.join(', ');
      c.fail(spanPath, `names text '${textId}', which this patient does not have (texts: ${shown || 'none'})`);
    }
    const span = c.dict(spanValue, spanPath, 'a span {start: [...], end: [...]}');
    answerLocation.set(textId, {
      start: c.numbers(span.get('start'), child(spanPath, 'start')),
      end: c.numbers(span.get('end'), child(spanPath, 'end')),
    });
  }
  return { index, question, correct, answers, answerLocation, raw: q };
}

function loadPatient(c: Checker, id: string, v: PyValue): LongHealthPatient {
  const p = c.dict(v, id, 'a patient');
  const textsPath = child(id, 'texts');
  const textsValue = p.get('texts');
  if (textsValue === undefined) c.fail(textsPath, 'missing (a JSON object text_id -> document is required)');
  const texts = new Map<string, string>();
  for (const [textId, text] of c.dict(textsValue, textsPath, 'an object text_id -> document')) {
    texts.set(textId, c.str(text, child(textsPath, textId)));
  }
  const qPath = child(id, 'questions');
  const qValue = p.get('questions');
  if (!Array.isArray(qValue)) {
    c.fail(qPath, qValue === undefined ? 'missing (a list of questions is required)' : `expected a list of questions, got ${typeOf(qValue)}`);
  }
  const questions = qValue.map((q, i) => loadQuestion(c, q, `${qPath}[${i}]`, i, texts));
  if (questions.length > 0 && texts.size === 0) {
    c.fail(textsPath, 'is empty, but the patient has questions: task 1 would build a prompt without documents, on which CLUE fails');
  }
  return { id, texts, questions };
}

/**
 * Parses and checks `benchmark_v5.json`. Every question needs `question`, `answer_a`..`answer_e` and `correct`
 * (strings) and an `answer_location` whose keys are text ids of the same patient, each with `start`/`end` number
 * lists. Throws {@link DatasetError} naming the file and a field path such as
 * `patient_03.questions[4].answer_c` (question index 0-based, as in Python).
 */
export function loadLongHealth(text: string, file: string): LongHealthBenchmark {
  const c: Checker = new Checker(file);
  let root: PyValue;
  try {
    root = parsePyJson(text);
  } catch (e) {
    if (e instanceof PyJsonError) {
      throw new DatasetError({ file, line: e.line }, `not valid JSON: ${e.msg} (column ${e.column})`, { cause: e });
    }
    throw e;
  }
  if (!(root instanceof Map)) {
    c.fail(undefined, `expected a JSON object mapping patient ids to patients, got ${typeOf(root)}`);
  }
  const patients: LongHealthPatient[] = [];
  for (const [id, v] of root) patients.push(loadPatient(c, id, v));
  if (patients.length === 0) c.fail(undefined, 'has no patients');
  checkDistractorPool(c, patients);
  return { file, patients };
}

/**
 * Tasks 2/3 build every prompt of a patient from texts of the OTHER patients; a task 3 prompt with none would have
 * no documents, on which CLUE's `create_prompt` fails. Requires such texts for every patient with questions.
 */
function checkDistractorPool(c: Checker, patients: readonly LongHealthPatient[]): void {
  const total = patients.reduce((n, p) => n + p.texts.size, 0);
  for (const p of patients) {
    if (p.questions.length > 0 && total - p.texts.size === 0) {
      c.fail(
        p.id,
        'no other patient has texts, so tasks 2 and 3 have no distractor documents for this patient (CLUE fails on that)',
      );
    }
  }
}
