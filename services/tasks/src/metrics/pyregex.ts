/**
 * The pieces of Python's `re` semantics (str patterns, no flags) that CLUE's metrics rely on, for use
 * with JavaScript regexes and plain string search:
 *
 * - Python's `\b` is Unicode-aware (a word character is `str.isalnum()` or `_`); JavaScript's `\b` is
 *   ASCII-only even with the `u` flag. {@link PY_WORD_START} / {@link PY_WORD_END} give Python's `\b`
 *   as lookarounds.
 * - A pattern that is plain literal text can be searched without a regex engine:
 *   {@link pyLiteralPattern} decodes it (or refuses), {@link pyCountLiteralMatches} counts what
 *   `len(re.findall(pattern, text))` counts.
 *
 * Python strings are sequences of code points, so positions and lengths here are in code points.
 */
import { ClueError } from '../errors.js';
import { PY_WORD_CLASS } from './pyunicode.js';

/**
 * Python's `\b` before a token that starts with a word character: "not preceded by a Python word
 * character". Use in a RegExp with the `u` flag.
 */
export const PY_WORD_START = `(?<!${PY_WORD_CLASS})`;

/**
 * Python's `\b` after a token that ends with a word character: "not followed by a Python word
 * character". Use in a RegExp with the `u` flag.
 */
export const PY_WORD_END = `(?!${PY_WORD_CLASS})`;

const ASCII_ALNUM = /^[A-Za-z0-9]$/;
// Outside a character class these start regex syntax in Python; `]` and `}` alone are literals.
const META = new Set(['.', '^', '$', '*', '+', '?', '[', '|', '(', ')']);
// After `{`: `m}`, `m,}`, `,n}`, `m,n}` (ASCII digits, possibly empty) make a repeat (sre_parse).
const REPEAT_BODY = /^[0-9]*(?:,[0-9]*)?\}/;

function notPlain(pattern: string, what: string, index: number): ClueError {
  return new ClueError(
    'INVALID_ARGUMENT',
    `the Python regex pattern ${JSON.stringify(pattern)} is not plain text (${what} at position ${index}); ` +
      'only literal characters and backslash-escaped punctuation are supported',
  );
}

/**
 * Decodes a Python `re` pattern (str pattern, no flags) that consists only of literal text, returning
 * the exact string it matches. Accepted: any character that is not regex syntax (`]`, `}`, `#` and
 * whitespace are literals in Python; `{` is a literal unless it starts a repeat such as `{2}`), and a
 * backslash followed by a character that is not an ASCII letter or digit (Python reads `\.` as `.`).
 *
 * @throws ClueError `INVALID_ARGUMENT` for anything else (metacharacters such as `.`, `*`, `(`, `[`,
 *   repeats, and escapes with letters or digits like `\D`, `\N{...}`, `\1`, or a trailing backslash):
 *   such a pattern is not a plain string, and emulating Python's regex engine for it is out of scope.
 */
export function pyLiteralPattern(pattern: string): string {
  const chars = Array.from(pattern);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) throw notPlain(pattern, 'a trailing backslash', i);
      if (ASCII_ALNUM.test(next)) throw notPlain(pattern, `the escape \\${next}`, i);
      out += next;
      i++;
    } else if (META.has(c)) {
      throw notPlain(pattern, `the metacharacter '${c}'`, i);
    } else if (c === '{') {
      const rest = chars.slice(i + 1).join('');
      if (!rest.startsWith('}') && REPEAT_BODY.test(rest)) throw notPlain(pattern, 'a {m,n} repeat', i);
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * `len(re.findall(re.escape(literal), text))` in Python: the number of non-overlapping occurrences of
 * `literal` in `text`, scanning left to right, compared code point by code point (so a lone surrogate
 * never matches half of a surrogate pair). An empty literal matches at every position: the result is
 * the number of code points plus one. Counting stops early once `stopAfter` matches are found.
 */
export function pyCountLiteralMatches(literal: string, text: string, stopAfter = Infinity): number {
  const hay = Array.from(text, (c) => c.codePointAt(0)!);
  const needle = Array.from(literal, (c) => c.codePointAt(0)!);
  if (needle.length === 0) return Math.min(hay.length + 1, stopAfter);
  let count = 0;
  const last = hay.length - needle.length;
  for (let i = 0; i <= last && count < stopAfter; ) {
    let k = 0;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) {
      count++;
      i += needle.length;
    } else {
      i++;
    }
  }
  return count;
}
