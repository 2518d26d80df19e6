/**
 * Python's `str()` and `repr()` of the values in {@link PyValue}, byte for byte as CPython 3.12 prints them:
 * what a prompt template shows when it interpolates a dataset field.
 */
import type { PyValue } from './value.js';
import { isPyPrintable } from './unicode-printable.js';

/**
 * Python `str(v)`: a string as is, everything else as {@link pyRepr} (Python 3's `str` of int, float, bool,
 * None, list and dict equals its `repr`).
 */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/**
 * Python `repr(v)`: strings quoted and escaped like `repr(str)`, ints in decimal, floats as `repr(float)`,
 * `True`/`False`, `None`, lists as `[a, b]` and dicts as `{'k': v}` with the repr of every element.
 */
export function pyRepr(v: PyValue): string {
  switch (typeof v) {
    case 'string':
      return pyStrRepr(v);
    case 'bigint':
      return v.toString();
    case 'number':
      return pyFloatRepr(v);
    case 'boolean':
      return v ? 'True' : 'False';
    default:
      break;
  }
  if (v === null) return 'None';
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  const parts: string[] = [];
  for (const [k, val] of v) parts.push(pyStrRepr(k) + ': ' + pyRepr(val));
  return '{' + parts.join(', ') + '}';
}

/**
 * Python `repr(float)`: the shortest digits that round-trip (as JavaScript finds them), laid out as Python
 * does: scientific notation when the decimal exponent is below -4 or at least 16 (`1e-05`, `1e+16`,
 * `1.5e+300`), otherwise positional with at least one fractional digit (`0.0001`, `1234567890123456.0`);
 * `nan`, `inf`, `-inf`, `-0.0`.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest round-tripping digits: "-1.2345e+25".
  const s = x.toExponential();
  const sign = s.startsWith('-') ? '-' : '';
  const body = sign ? s.slice(1) : s;
  const ePos = body.indexOf('e');
  const mantissa = body.slice(0, ePos);
  const exp = Number(body.slice(ePos + 1));
  const digits = mantissa.replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const absExp = Math.abs(exp);
    return sign + m + 'e' + (exp < 0 ? '-' : '+') + (absExp < 10 ? '0' : '') + String(absExp);
  }
  if (exp < 0) return sign + '0.' + '0'.repeat(-exp - 1) + digits;
  const intLen = exp + 1;
  if (digits.length <= intLen) return sign + digits + '0'.repeat(intLen - digits.length) + '.0';
  return sign + digits.slice(0, intLen) + '.' + digits.slice(intLen);
}

/**
 * Python `repr(str)`: single quotes unless the text has a `'` and no `"`; backslash, the chosen quote, `\t`,
 * `\n`, `\r` escaped; other non-printable code points (per Python 3.12's `str.isprintable`, including lone
 * surrogates) as `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
 */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  let runStart = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // Fast path: printable ASCII other than the quote and the backslash stays as is.
    if (c >= 0x20 && c < 0x7f && c !== 0x5c && c !== 0x27 && c !== 0x22) continue;
    let cp = c;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        width = 2;
      }
    }
    const esc = escapeCodePoint(cp, quote);
    if (esc !== undefined) {
      out += s.slice(runStart, i) + esc;
      runStart = i + width;
    }
    i += width - 1;
  }
  return out + s.slice(runStart) + quote;
}

/** The escape Python's repr uses for one code point, or undefined when it is printed as is. */
function escapeCodePoint(cp: number, quote: string): string | undefined {
  switch (cp) {
    case 0x5c:
      return '\\\\';
    case 0x09:
      return '\\t';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x27:
    case 0x22:
      return String.fromCharCode(cp) === quote ? '\\' + quote : undefined;
    default:
      break;
  }
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x7f || isPyPrintable(cp)) return undefined;
  if (cp <= 0xff) return '\\x' + hex(cp, 2);
  if (cp <= 0xffff) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Python's `str.isspace()` characters (`Py_UNICODE_ISSPACE`): what `str.strip()` removes. */
const PY_SPACE = '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/** Python's `s.strip()` (JS `trim()` differs: it strips U+FEFF and keeps U+001C–U+001F and U+0085). */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && PY_SPACE.includes(s[a]!)) a++;
  while (b > a && PY_SPACE.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}
