/**
 * LongHealth scoring, ported from CLUE's `eval/eval_LongHealth.py`: the gold letter of a question
 * (`get_correct_answer`), the letter a model chose (`parse_model_choice`), whether a prediction is correct
 * (`compute_metrics`) and the task accuracy (`(np.sum(scores) / len(scores)) * 100`).
 */

/** What `get_correct_answer` needs: the `correct` text and the question's keys in file order. */
export interface GoldSource {
  /** The question's `correct` field: an answer TEXT (not a letter). */
  readonly correct: string;
  /**
   * The question's string-valued keys in JSON order (at least every key starting with "answer" that does not end
   * with "location"). Other keys are skipped, as CLUE skips them.
   */
  readonly answers: ReadonlyMap<string, string>;
}

/**
 * Python's `needle in haystack` for `str`: a substring test on code points. JS `includes` works on UTF-16 units,
 * which differs only when the needle starts with a lone low surrogate or ends with a lone high surrogate and the
 * match would split a surrogate pair of the haystack; such matches are rejected here.
 */
export function pyContains(haystack: string, needle: string): boolean {
  if (needle.length === 0) return true;
  const first = needle.charCodeAt(0);
  const last = needle.charCodeAt(needle.length - 1);
  const startsLow = first >= 0xdc00 && first <= 0xdfff;
  const endsHigh = last >= 0xd800 && last <= 0xdbff;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = at > 0 ? haystack.charCodeAt(at - 1) : 0;
    const after = at + needle.length < haystack.length ? haystack.charCodeAt(at + needle.length) : 0;
    const splitsBefore = startsLow && before >= 0xd800 && before <= 0xdbff;
    const splitsAfter = endsHigh && after >= 0xdc00 && after <= 0xdfff;
    if (!splitsBefore && !splitsAfter) return true;
    from = at + 1;
  }
}

/** Python's `key[-1].upper()`: the last code point, upper-cased with full case mapping. */
function lastCodePointUpper(key: string): string {
  const cps = Array.from(key);
  const lastCp = cps[cps.length - 1];
  return lastCp === undefined ? '' : lastCp.toUpperCase();
}

/**
 * CLUE's `get_correct_answer(sample)`: walks the question's keys in order, skips keys that do not start with
 * "answer" or that end with "location", and returns `key[-1].upper()` for the first option whose text contains
 * `correct` as a substring. Returns `undefined` where CLUE returns `None` (no option contains it); CLUE still
 * scores such a question, and every prediction then counts as wrong.
 */
export function getCorrectAnswer(question: GoldSource): string | undefined {
  for (const [key, text] of question.answers) {
    if (!key.startsWith('answer') || key.endsWith('location')) continue;
    if (pyContains(text, question.correct)) return lastCodePointUpper(key);
  }
  return undefined;
}

/**
 * Code points that JS `[\p{L}\p{N}]` matches under Node's Unicode 17.0 but Python 3.12's `\w` does not, because
 * they were added after Unicode 15.0 (CPython 3.12's Unicode database). Derived from UCD 15.0 `UnicodeData.txt` and
 * `Unihan_NumericValues.txt` (Python's `str.isalnum`: categories Lu/Ll/Lt/Lm/Lo or any numeric value) against the
 * runtime's property escapes; there is no code point the other way round. `longhealth/scoring.test.ts` re-checks
 * the table against the local python3 and fails if Node's Unicode version changes the counts.
 */
const NOT_PYTHON_WORD =
  '\\u{88f}\\u{c5c}\\u{cdc}\\u{1c89}-\\u{1c8a}\\u{a7cb}-\\u{a7cf}\\u{a7d2}\\u{a7d4}\\u{a7da}-\\u{a7dc}\\u{a7f1}' +
  '\\u{105c0}-\\u{105f3}\\u{10940}-\\u{10959}\\u{10d40}-\\u{10d65}\\u{10d6f}-\\u{10d85}\\u{10ec2}-\\u{10ec7}' +
  '\\u{11380}-\\u{11389}\\u{1138b}\\u{1138e}\\u{11390}-\\u{113b5}\\u{113b7}\\u{113d1}\\u{113d3}' +
  '\\u{116d0}-\\u{116e3}\\u{11bc0}-\\u{11be0}\\u{11bf0}-\\u{11bf9}\\u{11db0}-\\u{11ddb}\\u{11de0}-\\u{11de9}' +
  '\\u{13460}-\\u{143fa}\\u{16100}-\\u{1611d}\\u{16130}-\\u{16139}\\u{16d40}-\\u{16d6c}\\u{16d70}-\\u{16d79}' +
  '\\u{16ea0}-\\u{16eb8}\\u{16ebb}-\\u{16ed3}\\u{16ff2}-\\u{16ff6}\\u{187f8}-\\u{187ff}\\u{18cff}' +
  '\\u{18d09}-\\u{18d1e}\\u{18d80}-\\u{18df2}\\u{1ccf0}-\\u{1ccf9}\\u{1e5d0}-\\u{1e5ed}\\u{1e5f0}-\\u{1e5fa}' +
  '\\u{1e6c0}-\\u{1e6de}\\u{1e6e0}-\\u{1e6e2}\\u{1e6e4}-\\u{1e6e5}\\u{1e6e7}-\\u{1e6ed}\\u{1e6f0}-\\u{1e6f4}' +
  '\\u{1e6fe}-\\u{1e6ff}\\u{2b73a}-\\u{2b73f}\\u{2cea2}-\\u{2cead}\\u{2ebf0}-\\u{2ee5d}\\u{323b0}-\\u{33479}';

/** Python 3.12's `\w` (str pattern, no flags) as a JS class matching one code point. */
export const PY_WORD_CHAR = `(?![${NOT_PYTHON_WORD}])[\\p{L}\\p{N}_]`;

const CHOICE_RE = new RegExp(`The correct answer is (${PY_WORD_CHAR}):`, 'u');

/**
 * CLUE's `parse_model_choice(pred)`: the first capture of `The correct answer is (\w):` (case-sensitive, Python's
 * Unicode `\w`, one code point), or "" when there is none.
 */
export function parseModelChoice(prediction: string): string {
  const m = CHOICE_RE.exec(prediction);
  return m?.[1] ?? '';
}

/**
 * CLUE's `compute_metrics(model_prediction, correct_answer, task3)`. `gold` is the reference letter, or ""
 * / `undefined` for a question whose letter CLUE could not find (`None`): no prediction matches it.
 * With `task3` the answer is correct iff the model chose "F" (CLUE's own call never passes `task3`, but task 3's
 * gold is "F", which gives the same result).
 */
export function longHealthCorrect(prediction: string, gold: string | undefined, task3: boolean): boolean {
  const choice = parseModelChoice(prediction);
  if (!choice) return false;
  if (task3) return choice === 'F';
  return gold !== undefined && gold !== '' && choice === gold;
}

/**
 * A task's accuracy as CLUE computes it: `(np.sum(scores) / len(scores)) * 100` in float64 (an int64 count over an
 * int length, then times 100). An empty list gives NaN, as numpy's `0.0 / 0` does (with a warning).
 */
export function longHealthAccuracy(scores: readonly boolean[]): number {
  let correct = 0;
  for (const s of scores) if (s) correct++;
  return (correct / scores.length) * 100;
}
