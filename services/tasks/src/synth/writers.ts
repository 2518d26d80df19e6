/**
 * Serializers that produce the bytes Python's standard library would write for the same data:
 * `json.dumps` (default separators, optional `indent`, `ensure_ascii` either way) and `csv.writer`
 * with the excel dialect (`,`, `"` doubled, QUOTE_MINIMAL, `\r\n` row endings).
 *
 * Value mapping follows the task library's Python convention: bigint is a Python int, number a
 * Python float (written with Python's `repr`), plain objects and Maps are dicts in insertion order.
 */

/** A value `pyJsonDumps` can write. */
export type SynthJson =
  | string
  | bigint
  | number
  | boolean
  | null
  | readonly SynthJson[]
  | ReadonlyMap<string, SynthJson>
  | { readonly [key: string]: SynthJson };

/** Options of `pyJsonDumps`, named after `json.dumps`' keyword arguments. */
export interface PyJsonOptions {
  /** `indent=`: spaces per nesting level, or undefined for one line. @default undefined */
  readonly indent?: number;
  /** `ensure_ascii=`: escape every non-ASCII character as `\uXXXX`. @default true */
  readonly ensureAscii?: boolean;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function unicodeEscape(unit: number): string {
  return '\\u' + unit.toString(16).padStart(4, '0');
}

/** A JSON string literal exactly as Python's `json.dumps(s, ensure_ascii=...)` writes it. */
export function pyJsonString(s: string, ensureAscii = true): string {
  // Python escapes per UTF-16 code unit too: astral characters become surrogate-pair escapes.
  // Control characters are exactly what must be matched here, hence the lint exception.
  // eslint-disable-next-line no-control-regex
  const pattern = ensureAscii ? /[^\x20-\x7e]|["\\]/g : /[\x00-\x1f"\\]/g;
  return (
    '"' +
    s.replace(pattern, (c) => SHORT_ESCAPES[c] ?? unicodeEscape(c.charCodeAt(0))) +
    '"'
  );
}

/** Python's `repr(float)`: shortest round-trip digits, `.0` on whole numbers, `e-05` style exponents. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return sign + '0.' + '0'.repeat(-exp - 1) + digits;
    const whole = digits.padEnd(exp + 1, '0').slice(0, exp + 1);
    const frac = digits.slice(exp + 1);
    return sign + whole + '.' + (frac === '' ? '0' : frac);
  }
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return sign + m + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
}

interface ResolvedJsonOptions {
  readonly indent: number | undefined;
  readonly ensureAscii: boolean;
}

function isMap(v: SynthJson): v is ReadonlyMap<string, SynthJson> {
  return v instanceof Map;
}

function dumpValue(v: SynthJson, opts: ResolvedJsonOptions, level: number): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return pyJsonString(v, opts.ensureAscii);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return pyFloatRepr(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const indent = opts.indent;
  const open = indent === undefined ? '' : '\n' + ' '.repeat(indent * (level + 1));
  const close = indent === undefined ? '' : '\n' + ' '.repeat(indent * level);
  const sep = indent === undefined ? ', ' : ',' + open;
  if (Array.isArray(v)) {
    const items = v as readonly SynthJson[];
    if (items.length === 0) return '[]';
    return '[' + open + items.map((x) => dumpValue(x, opts, level + 1)).join(sep) + close + ']';
  }
  const entries: [string, SynthJson][] = isMap(v as SynthJson)
    ? [...(v as ReadonlyMap<string, SynthJson>).entries()]
    : Object.entries(v as { readonly [key: string]: SynthJson });
  if (entries.length === 0) return '{}';
  const parts = entries.map(([k, x]) => pyJsonString(k, opts.ensureAscii) + ': ' + dumpValue(x, opts, level + 1));
  return '{' + open + parts.join(sep) + close + '}';
}

/** `json.dumps(value, indent=..., ensure_ascii=...)` with Python's default separators. */
export function pyJsonDumps(value: SynthJson, options: PyJsonOptions = {}): string {
  return dumpValue(value, { indent: options.indent, ensureAscii: options.ensureAscii ?? true }, 0);
}

/** JSONL as `for r in records: f.write(json.dumps(r) + "\n")` writes it. */
export function toJsonLines(records: readonly SynthJson[], options: PyJsonOptions = {}): string {
  const oneLine = { ensureAscii: options.ensureAscii ?? true };
  return records.map((r) => pyJsonDumps(r, oneLine) + '\n').join('');
}

/** One field as `csv.writer` (excel dialect, QUOTE_MINIMAL) writes it. */
export function csvField(field: string): string {
  return /[,"\r\n]/.test(field) ? '"' + field.replace(/"/g, '""') + '"' : field;
}

/** Rows as Python's `csv.writer(f)` writes them (excel dialect): `\r\n` after every row. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows
    .map((row) => {
      // csv.writer quotes a row made of one empty field, so that the line is not blank.
      if (row.length === 1 && row[0] === '') return '""\r\n';
      return row.map(csvField).join(',') + '\r\n';
    })
    .join('');
}
