/**
 * Python 3.12's Unicode string semantics that CLUE's metrics depend on: `str.lower()` (rouge_score's
 * tokenizer), `str.upper()` (MedNLI) and `str.isalnum()` (the Unicode `\w`/`\b` of Python's `re`).
 *
 * The tables come from CPython 3.12 itself (Unicode 15.0.0, see `pyunicode-data.ts` and its generator),
 * not from JavaScript's `toLowerCase`/`toUpperCase`/`\p{...}`: Node's ICU is newer (Unicode 16/17 at the
 * time of writing) and maps or classifies characters assigned after 15.0 differently (e.g. U+A7CB, the
 * Garay script), and the difference would move with every Node upgrade.
 */
import {
  LOWER_MULTI,
  LOWER_RUNS,
  SIGMA_CASED_RANGES,
  SIGMA_IGNORABLE_RANGES,
  UPPER_MULTI,
  UPPER_RUNS,
  WORD_RANGES,
} from './pyunicode-data.js';

export { PY_UNICODE_VERSION } from './pyunicode-data.js';

/** Sorted, disjoint inclusive ranges as parallel arrays for binary search. */
interface RangeTable {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

function decodeRanges(encoded: string): RangeTable {
  const nums = encoded.split(',').map((x) => parseInt(x, 16));
  const n = nums.length / 2;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const start = prev + nums[2 * i]!;
    const end = start + nums[2 * i + 1]!;
    starts[i] = start;
    ends[i] = end;
    prev = end + 1;
  }
  return { starts, ends };
}

function inRanges(t: RangeTable, cp: number): boolean {
  let lo = 0;
  let hi = t.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cp < t.starts[mid]!) hi = mid - 1;
    else if (cp > t.ends[mid]!) lo = mid + 1;
    else return true;
  }
  return false;
}

function decodeCaseMap(runs: string, multi: ReadonlyArray<readonly [number, string]>): Map<number, string> {
  const nums = runs.split(',').map((x) => parseInt(x, 16));
  const map = new Map<number, string>();
  let prev = 0;
  for (let i = 0; i < nums.length; i += 4) {
    const start = prev + nums[i]!;
    const count = nums[i + 1]!;
    const stride = nums[i + 2]!;
    const delta = nums[i + 3]!;
    for (let k = 0; k < count; k++) {
      const cp = start + k * stride;
      map.set(cp, String.fromCodePoint(cp + delta));
    }
    prev = start + (count - 1) * stride + 1;
  }
  for (const [cp, s] of multi) map.set(cp, s);
  return map;
}

const WORD = decodeRanges(WORD_RANGES);
const IGNORABLE = decodeRanges(SIGMA_IGNORABLE_RANGES);
const CASED = decodeRanges(SIGMA_CASED_RANGES);
const LOWER = decodeCaseMap(LOWER_RUNS, LOWER_MULTI);
const UPPER = decodeCaseMap(UPPER_RUNS, UPPER_MULTI);

const CAPITAL_SIGMA = 0x3a3;
// ASCII-only strings take the fast path: there Python and JavaScript case mappings agree.
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** True iff Python 3.12's regex `\w` (Unicode, str patterns) matches the code point: `isalnum()` or `_`. */
export function isPyWordChar(cp: number): boolean {
  return inRanges(WORD, cp);
}

function hex(cp: number): string {
  return cp.toString(16).padStart(4, '0');
}

/**
 * Source text of a regex character class (for a `u`-flag RegExp) matching exactly Python 3.12's Unicode
 * `\w`, e.g. to build Python's `\b` as lookarounds.
 */
export const PY_WORD_CLASS: string = (() => {
  const parts: string[] = [];
  for (let i = 0; i < WORD.starts.length; i++) {
    const a = WORD.starts[i]!;
    const b = WORD.ends[i]!;
    parts.push(a === b ? `\\u{${hex(a)}}` : `\\u{${hex(a)}}-\\u{${hex(b)}}`);
  }
  return `[${parts.join('')}]`;
})();

/** Python's final-sigma rule for U+03A3 at code point index `i` of `cps` (CPython `handle_capital_sigma`). */
function sigmaAt(cps: readonly number[], i: number): string {
  let j = i - 1;
  while (j >= 0 && inRanges(IGNORABLE, cps[j]!)) j--;
  let final = j >= 0 && inRanges(CASED, cps[j]!);
  if (final) {
    j = i + 1;
    while (j < cps.length && inRanges(IGNORABLE, cps[j]!)) j++;
    final = j === cps.length || !inRanges(CASED, cps[j]!);
  }
  return final ? '\u03c2' : '\u03c3';
}

function mapCodePoints(s: string, table: ReadonlyMap<number, string>, sigma: boolean): string {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  const out: string[] = [];
  let run = 0; // start (in UTF-16 units) of the current stretch of unchanged characters
  let pos = 0;
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const width = cp > 0xffff ? 2 : 1;
    const mapped = sigma && cp === CAPITAL_SIGMA ? sigmaAt(cps, i) : table.get(cp);
    if (mapped !== undefined) {
      if (run < pos) out.push(s.slice(run, pos));
      out.push(mapped);
      run = pos + width;
    }
    pos += width;
  }
  if (run < pos) out.push(s.slice(run, pos));
  return out.join('');
}

/**
 * Python 3.12's `str.lower()`: full Unicode lowercasing (U+0130 'İ' becomes "i\u0307") with the
 * final-sigma rule for U+03A3. Lone surrogates are kept as they are, as in Python.
 */
export function pyLower(s: string): string {
  if (ASCII_ONLY.test(s)) return s.toLowerCase();
  return mapCodePoints(s, LOWER, true);
}

/** Python 3.12's `str.upper()`: full Unicode uppercasing ('ß' becomes "SS", 'ŉ' becomes "ʼN"). */
export function pyUpper(s: string): string {
  if (ASCII_ONLY.test(s)) return s.toUpperCase();
  return mapCodePoints(s, UPPER, false);
}
