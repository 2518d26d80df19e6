/**
 * Number parsing exactly as the Python code behind `pd.read_excel` does it:
 *
 * - {@link pyInt} / {@link pyFloat}: Python's `int(str)` and `float(str)` (what openpyxl applies to a
 *   cell's `<v>` text), including surrounding whitespace, a sign and `_` digit separators;
 * - {@link pandasFloatify}: pandas' C `floatify` (the `precise_xstrtod` parser) that pandas' type inference
 *   applies to text cells, replayed operation by operation in IEEE doubles so the result is bit-identical,
 *   and its `maybe_int` flag.
 */

// Python's str.strip() whitespace (str.isspace code points).
const PY_WS = '[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*';
const PY_INT_RE = new RegExp(`^${PY_WS}([+-]?)(\\d(?:_?\\d)*)${PY_WS}$`);
const DIGITS = '\\d(?:_?\\d)*';
const PY_FLOAT_RE = new RegExp(
  `^${PY_WS}([+-]?)(?:((?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.?)([eE][+-]?${DIGITS})?|(inf|infinity|nan))${PY_WS}$`,
  'i',
);

/** Python `int(s)` for ASCII digits; undefined where Python raises ValueError. */
export function pyInt(s: string): bigint | undefined {
  const m = PY_INT_RE.exec(s);
  if (!m) return undefined;
  const v = BigInt(m[2]!.replace(/_/g, ''));
  return m[1] === '-' ? -v : v;
}

/** Python `float(s)`; undefined where Python raises ValueError. */
export function pyFloat(s: string): number | undefined {
  const m = PY_FLOAT_RE.exec(s);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const word = m[4]?.toLowerCase();
  if (word !== undefined) return word === 'nan' ? NaN : sign * Infinity;
  // JavaScript's Number() is correctly rounded, like Python's float().
  return sign * Number((m[2]! + (m[3] ?? '')).replace(/_/g, ''));
}

const POW10: number[] = Array.from({ length: 309 }, (_, i) => Number(`1e${i}`));

/** Result of pandas' `floatify`: the double and whether the text looked like an integer. */
export interface Floatified {
  readonly value: number;
  readonly maybeInt: boolean;
}

const isAsciiSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isAsciiDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * pandas' `floatify(str)` (decimal '.', exponent 'e'/'E', no thousands separator); undefined where pandas
 * raises "Unable to parse string". Works on the UTF-8 bytes as C does (a NUL ends the string).
 */
export function pandasFloatify(s: string): Floatified | undefined {
  let data = new TextEncoder().encode(s);
  const nul = data.indexOf(0);
  if (nul >= 0) data = data.subarray(0, nul);
  const r = preciseXstrtod(data);
  if (r !== undefined) return r;
  // inf / -inf / +inf / infinity / -infinity / +infinity, case-insensitive, nothing around them.
  const word = new TextDecoder().decode(data).toLowerCase();
  if (word === 'inf' || word === '+inf' || word === 'infinity' || word === '+infinity') return { value: Infinity, maybeInt: false };
  if (word === '-inf' || word === '-infinity') return { value: -Infinity, maybeInt: false };
  return undefined;
}

/** pandas' `precise_xstrtod` followed by `to_double`'s "no error and whole string used" check. */
function preciseXstrtod(d: Uint8Array): Floatified | undefined {
  const at = (i: number): number => (i < d.length ? d[i]! : 0);
  const maxDigits = 17;
  let maybeInt = true;
  let p = 0;
  while (isAsciiSpace(at(p))) p++;
  let negative = false;
  if (at(p) === 45) {
    negative = true;
    p++;
  } else if (at(p) === 43) p++;
  let num = 0;
  let exponent = 0;
  let numDigits = 0;
  let numDecimals = 0;
  while (isAsciiDigit(at(p))) {
    if (numDigits < maxDigits) {
      num = num * 10 + (at(p) - 48);
      numDigits++;
    } else exponent++;
    p++;
  }
  if (at(p) === 46) {
    maybeInt = false;
    p++;
    while (numDigits < maxDigits && isAsciiDigit(at(p))) {
      num = num * 10 + (at(p) - 48);
      p++;
      numDigits++;
      numDecimals++;
    }
    if (numDigits >= maxDigits) while (isAsciiDigit(at(p))) p++;
    exponent -= numDecimals;
  }
  if (numDigits === 0) return undefined;
  if (negative) num = -num;
  if (at(p) === 69 || at(p) === 101) {
    maybeInt = false;
    p++;
    let expNegative = false;
    if (at(p) === 45) {
      expNegative = true;
      p++;
    } else if (at(p) === 43) p++;
    let expDigits = 0;
    let n = 0;
    while (expDigits < maxDigits && isAsciiDigit(at(p))) {
      n = n * 10 + (at(p) - 48);
      expDigits++;
      p++;
    }
    exponent += expNegative ? -n : n;
    if (expDigits === 0) p--;
  }
  if (exponent > 308) return undefined;
  if (exponent > 0) num *= POW10[exponent]!;
  else if (exponent < -308) {
    if (exponent < -616) num = 0;
    else {
      num /= POW10[-308 - exponent]!;
      num /= POW10[308]!;
    }
  } else num /= POW10[-exponent]!;
  if (num === Infinity || num === -Infinity) return undefined;
  while (isAsciiSpace(at(p))) p++;
  if (p !== d.length) return undefined;
  return { value: num, maybeInt };
}
