/**
 * Python's `json.loads(text)` (CPython 3.12's C scanner, `Modules/_json.c`), producing {@link PyValue}s:
 * `1` is an int (bigint, exact at any size), `1.0` / `1e2` a float (number), `NaN`, `Infinity` and
 * `-Infinity` are accepted, objects become insertion-ordered Maps where a repeated key keeps its first
 * position and takes the last value (dict semantics), `\ud83d\ude00` escape pairs combine and lone
 * surrogate escapes are kept. Control characters inside strings are rejected (Python's `strict=True`).
 * Errors carry Python's message and position.
 */
import { ClueError } from '../errors.js';
import type { PyDict, PyValue } from './value.js';

/** Deepest nesting of arrays/objects accepted; Python raises RecursionError near this depth too. */
export const PY_JSON_MAX_DEPTH = 1000;

/** Python's `sys.get_int_max_str_digits()` default: longer int literals raise ValueError in Python. */
const INT_MAX_STR_DIGITS = 4300;

/**
 * Text that Python's `json.loads` rejects. `msg` is Python's message ("Expecting value",
 * "Expecting ',' delimiter", "Extra data", ...); `line` and `column` are 1-based and `pos` is the 0-based
 * character offset, all counted in code points as Python counts them. The error `message` reads like
 * Python's `str(JSONDecodeError)`: `Expecting value: line 1 column 5 (char 4)`.
 */
export class PyJsonError extends ClueError {
  readonly msg: string;
  readonly line: number;
  readonly column: number;
  readonly pos: number;
  constructor(msg: string, line: number, column: number, pos: number) {
    super('DATASET_INVALID', `${msg}: line ${line} column ${column} (char ${pos})`);
    this.name = 'PyJsonError';
    this.msg = msg;
    this.line = line;
    this.column = column;
    this.pos = pos;
  }
}

/**
 * Python `json.loads(text)`.
 * @throws PyJsonError for anything Python rejects (including a leading BOM, too-long int literals and
 * nesting deeper than {@link PY_JSON_MAX_DEPTH}).
 */
export function parsePyJson(text: string): PyValue {
  if (text.charCodeAt(0) === 0xfeff) throw errorAt(text, 'Unexpected UTF-8 BOM (decode using utf-8-sig)', 0);
  const p = new Parser(text);
  const start = skipWs(text, 0);
  const value = p.value(start, 0);
  const end = skipWs(text, p.end);
  if (end !== text.length) throw errorAt(text, 'Extra data', end);
  return value;
}

function skipWs(t: string, i: number): number {
  const n = t.length;
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
  }
  return i;
}

/** Builds the error with Python's line/column/char numbers for UTF-16 index `at`. */
function errorAt(t: string, msg: string, at: number): PyJsonError {
  const lastNl = at > 0 ? t.lastIndexOf('\n', at - 1) : -1;
  let line = 1;
  for (let k = t.indexOf('\n'); k >= 0 && k < at; k = t.indexOf('\n', k + 1)) line++;
  const column = codePoints(t, lastNl + 1, at) + 1;
  return new PyJsonError(msg, line, column, codePoints(t, 0, at));
}

/** Number of code points in t[from, to): UTF-16 units minus the surrogate pairs. */
function codePoints(t: string, from: number, to: number): number {
  let count = to - from;
  for (let k = from; k + 1 < to; k++) {
    const c = t.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = t.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        count--;
        k++;
      }
    }
  }
  return count;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Reads 4 hex digits at t[i..i+3]; -1 if any is not hex. */
function hex4(t: string, i: number): number {
  const a = hexValue(t.charCodeAt(i));
  const b = hexValue(t.charCodeAt(i + 1));
  const c = hexValue(t.charCodeAt(i + 2));
  const d = hexValue(t.charCodeAt(i + 3));
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

class Parser {
  private readonly t: string;
  private readonly n: number;
  /** Index just after the last value parsed. */
  end = 0;

  constructor(text: string) {
    this.t = text;
    this.n = text.length;
  }

  /** CPython `scan_once_unicode`: one value starting exactly at `i`. */
  value(i: number, depth: number): PyValue {
    const t = this.t;
    const n = this.n;
    if (i >= n) throw errorAt(t, 'Expecting value', i);
    const c = t.charCodeAt(i);
    switch (c) {
      case 0x22: // "
        return this.string(i + 1);
      case 0x7b: // {
        if (depth >= PY_JSON_MAX_DEPTH) throw this.tooDeep('object', i);
        return this.object(i + 1, depth + 1);
      case 0x5b: // [
        if (depth >= PY_JSON_MAX_DEPTH) throw this.tooDeep('array', i);
        return this.array(i + 1, depth + 1);
      case 0x6e: // n
        if (i + 3 < n && t.startsWith('null', i)) {
          this.end = i + 4;
          return null;
        }
        break;
      case 0x74: // t
        if (i + 3 < n && t.startsWith('true', i)) {
          this.end = i + 4;
          return true;
        }
        break;
      case 0x66: // f
        if (i + 4 < n && t.startsWith('false', i)) {
          this.end = i + 5;
          return false;
        }
        break;
      case 0x4e: // N
        if (i + 2 < n && t.startsWith('NaN', i)) {
          this.end = i + 3;
          return NaN;
        }
        break;
      case 0x49: // I
        if (i + 7 < n && t.startsWith('Infinity', i)) {
          this.end = i + 8;
          return Infinity;
        }
        break;
      case 0x2d: // -
        if (i + 8 < n && t.startsWith('-Infinity', i)) {
          this.end = i + 9;
          return -Infinity;
        }
        break;
      default:
        break;
    }
    return this.number(i);
  }

  private tooDeep(kind: string, i: number): PyJsonError {
    return errorAt(this.t, `maximum recursion depth exceeded while decoding a JSON ${kind} from a unicode string`, i);
  }

  /** CPython `_match_number_unicode`, starting at `start`. */
  private number(start: number): PyValue {
    const t = this.t;
    const last = this.n - 1;
    let i = start;
    if (t.charCodeAt(i) === 0x2d) {
      i++;
      if (i > last) throw errorAt(t, 'Expecting value', start);
    }
    let c = t.charCodeAt(i);
    if (c >= 0x31 && c <= 0x39) {
      i++;
      while (i <= last && isDigit(t.charCodeAt(i))) i++;
    } else if (c === 0x30) {
      i++;
    } else {
      throw errorAt(t, 'Expecting value', start);
    }
    let isFloat = false;
    if (i < last && t.charCodeAt(i) === 0x2e && isDigit(t.charCodeAt(i + 1))) {
      isFloat = true;
      i += 2;
      while (i <= last && isDigit(t.charCodeAt(i))) i++;
    }
    c = t.charCodeAt(i);
    if (i < last && (c === 0x65 || c === 0x45)) {
      const eStart = i;
      i++;
      c = t.charCodeAt(i);
      if (i < last && (c === 0x2d || c === 0x2b)) i++;
      while (i <= last && isDigit(t.charCodeAt(i))) i++;
      if (isDigit(t.charCodeAt(i - 1))) isFloat = true;
      else i = eStart;
    }
    this.end = i;
    const lexeme = t.slice(start, i);
    if (isFloat) return Number(lexeme);
    const digits = lexeme.charCodeAt(0) === 0x2d ? lexeme.length - 1 : lexeme.length;
    if (digits > INT_MAX_STR_DIGITS) {
      throw errorAt(
        t,
        `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
        start,
      );
    }
    return BigInt(lexeme);
  }

  /** CPython `scanstring_unicode`: the string whose opening quote is at `begin - 1`. */
  private string(begin: number): string {
    const t = this.t;
    const n = this.n;
    let out = '';
    let chunk = begin;
    for (;;) {
      let j = chunk;
      let c = 0;
      for (; j < n; j++) {
        c = t.charCodeAt(j);
        if (c === 0x22 || c === 0x5c) break;
        if (c < 0x20) throw errorAt(t, 'Invalid control character at', j);
      }
      if (j >= n) throw errorAt(t, 'Unterminated string starting at', begin - 1);
      if (c === 0x22) {
        this.end = j + 1;
        return chunk === begin ? t.slice(begin, j) : out + t.slice(chunk, j);
      }
      out += t.slice(chunk, j);
      let next = j + 1;
      if (next >= n) throw errorAt(t, 'Unterminated string starting at', begin - 1);
      c = t.charCodeAt(next);
      if (c !== 0x75) {
        switch (c) {
          case 0x22:
            out += '"';
            break;
          case 0x5c:
            out += '\\';
            break;
          case 0x2f:
            out += '/';
            break;
          case 0x62:
            out += '\b';
            break;
          case 0x66:
            out += '\f';
            break;
          case 0x6e:
            out += '\n';
            break;
          case 0x72:
            out += '\r';
            break;
          case 0x74:
            out += '\t';
            break;
          default:
            throw errorAt(t, 'Invalid \\escape', j);
        }
        chunk = next + 1;
        continue;
      }
      next++;
      let end = next + 4;
      if (end >= n) throw errorAt(t, 'Invalid \\uXXXX escape', next - 1);
      const u = hex4(t, next);
      if (u < 0) throw errorAt(t, 'Invalid \\uXXXX escape', next - 1);
      out += String.fromCharCode(u);
      if (u >= 0xd800 && u <= 0xdbff && end + 6 < n && t.charCodeAt(end) === 0x5c && t.charCodeAt(end + 1) === 0x75) {
        const u2 = hex4(t, end + 2);
        if (u2 < 0) throw errorAt(t, 'Invalid \\uXXXX escape', end + 1);
        if (u2 >= 0xdc00 && u2 <= 0xdfff) {
          out += String.fromCharCode(u2);
          end += 6;
        }
      }
      chunk = end;
    }
  }

  /** CPython `_parse_object_unicode`, just after the `{`. */
  private object(i: number, depth: number): PyDict {
    const t = this.t;
    const n = this.n;
    const obj: PyDict = new Map();
    i = skipWs(t, i);
    if (i >= n || t.charCodeAt(i) !== 0x7d) {
      for (;;) {
        if (i >= n || t.charCodeAt(i) !== 0x22) {
          throw errorAt(t, 'Expecting property name enclosed in double quotes', i);
        }
        const key = this.string(i + 1);
        i = skipWs(t, this.end);
        if (i >= n || t.charCodeAt(i) !== 0x3a) throw errorAt(t, "Expecting ':' delimiter", i);
        i = skipWs(t, i + 1);
        const val = this.value(i, depth);
        obj.set(key, val);
        i = skipWs(t, this.end);
        if (i < n && t.charCodeAt(i) === 0x7d) break;
        if (i >= n || t.charCodeAt(i) !== 0x2c) throw errorAt(t, "Expecting ',' delimiter", i);
        i = skipWs(t, i + 1);
      }
    }
    this.end = i + 1;
    return obj;
  }

  /** CPython `_parse_array_unicode`, just after the `[`. */
  private array(i: number, depth: number): PyValue[] {
    const t = this.t;
    const n = this.n;
    const arr: PyValue[] = [];
    i = skipWs(t, i);
    if (i >= n || t.charCodeAt(i) !== 0x5d) {
      for (;;) {
        arr.push(this.value(i, depth));
        i = skipWs(t, this.end);
        if (i < n && t.charCodeAt(i) === 0x5d) break;
        if (i >= n || t.charCodeAt(i) !== 0x2c) throw errorAt(t, "Expecting ',' delimiter", i);
        i = skipWs(t, i + 1);
      }
    }
    this.end = i + 1;
    return arr;
  }
}
