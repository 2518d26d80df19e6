/**
 * Python's `template.format(**fields)` for the templates CLUE uses: `{name}` fields rendered with `str()`,
 * optional `!s` / `!r` / `!a` conversions, `{{` and `}}` escapes. Parsing follows CPython's
 * `Objects/stringlib/unicode_format.h` so that the same templates succeed or fail with the same error, in
 * the same order (a missing key is reported before a syntax error later in the template).
 *
 * Not supported (rejected with a {@link PyFormatError} of kind `'unsupported'`): format specs after `:`,
 * attribute and index access (`{a.b}`, `{a[0]}`), positional and auto-numbered fields (`{0}`, `{}`).
 */
import { ClueError } from '../errors.js';
import { pyRepr, pyStr } from './str.js';
import type { PyDict, PyValue } from './value.js';

/** What went wrong in a {@link PyFormatError}. */
export type PyFormatErrorKind = 'missing-key' | 'syntax' | 'unsupported';

/**
 * A template that Python's `str.format` would reject, or that uses a feature this port does not implement.
 * `key` names the missing field for kind `'missing-key'`; `pyException` is what Python raises for the same
 * template and fields (e.g. `KeyError: 'Summary'`, `ValueError: Single '}' encountered in format string`),
 * undefined for kind `'unsupported'` (Python may well accept those templates).
 */
export class PyFormatError extends ClueError {
  readonly kind: PyFormatErrorKind;
  readonly key: string | undefined;
  readonly pyException: string | undefined;
  constructor(kind: PyFormatErrorKind, message: string, pyException: string | undefined, key?: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'PyFormatError';
    this.kind = kind;
    this.key = key;
    this.pyException = pyException;
  }
}

/** One replacement field as parsed. */
interface Field {
  /** The whole field name text (before `!` / `:`). */
  readonly fieldName: string;
  /** The part before the first `.` or `[`: the keyword looked up. */
  readonly first: string;
  /** Whether `.attr` / `[index]` follows `first`. */
  readonly hasRest: boolean;
  /** Conversion character after `!`, or '' for none. */
  readonly conversion: string;
  /** Text after `:`. */
  readonly spec: string;
}

/** A compiled template: literal text, fields, and possibly a syntax error reached at the end. */
interface Compiled {
  readonly parts: readonly (string | Field)[];
  readonly error: PyFormatError | undefined;
}

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 256;

/**
 * Python `template.format(**fields)`: every `{name}` replaced by `str(fields[name])` (or `repr`/`ascii` with
 * `!r`/`!a`), `{{`/`}}` unescaped.
 * @throws PyFormatError kind `'missing-key'` naming the key when a field has no value, `'syntax'` for a
 * template Python rejects, `'unsupported'` for format specs, attribute/index access and positional fields.
 */
export function pyFormat(template: string, fields: PyDict | Readonly<Record<string, PyValue>>): string {
  const compiled = compile(template);
  const lookup =
    fields instanceof Map
      ? (k: string) => fields.get(k)
      : (k: string) => (Object.hasOwn(fields, k) ? fields[k] : undefined);
  let out = '';
  for (const part of compiled.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    out += renderField(part, lookup(part.first), template);
  }
  if (compiled.error) throw compiled.error;
  return out;
}

/**
 * The keyword names a template uses, unique, in order of first use (for checking a dataset has them all).
 * @throws PyFormatError when the template is malformed or uses an unsupported feature.
 */
export function parseTemplateFields(template: string): string[] {
  const compiled = compile(template);
  const names: string[] = [];
  for (const part of compiled.parts) {
    if (typeof part === 'string') continue;
    const unsupported = fieldProblem(part, template);
    if (unsupported) throw unsupported;
    if (!names.includes(part.first)) names.push(part.first);
  }
  if (compiled.error) throw compiled.error;
  return names;
}

function renderField(f: Field, value: PyValue | undefined, template: string): string {
  if (positional(f)) throw fieldProblem(f, template) as PyFormatError;
  if (value === undefined) {
    throw new PyFormatError(
      'missing-key',
      `no value for template field '${f.first}' (Python: KeyError: ${pyRepr(f.first)})`,
      `KeyError: ${pyRepr(f.first)}`,
      f.first,
    );
  }
  const unsupported = fieldProblem(f, template);
  if (unsupported) throw unsupported;
  switch (f.conversion) {
    case '':
    case 's':
      return pyStr(value);
    case 'r':
      return pyRepr(value);
    default:
      return pyAscii(pyRepr(value));
  }
}

function positional(f: Field): boolean {
  return f.first === '' || /^\p{Nd}+$/u.test(f.first);
}

/**
 * Why a parsed field cannot be rendered (an unsupported feature, or a conversion Python rejects), checked
 * in Python's order; undefined if it can.
 */
function fieldProblem(f: Field, template: string): PyFormatError | undefined {
  const where = `field {${f.fieldName}} of template ${JSON.stringify(abbreviate(template))}`;
  if (positional(f)) {
    return new PyFormatError('unsupported', `positional replacement ${where} is not supported (keyword fields only)`, undefined);
  }
  if (f.hasRest) {
    return new PyFormatError('unsupported', `attribute or index access in ${where} is not supported`, undefined);
  }
  if (f.conversion !== '' && f.conversion !== 's' && f.conversion !== 'r' && f.conversion !== 'a') {
    const shown = /^[\x21-\x7e]$/.test(f.conversion)
      ? f.conversion
      : '\\x' + (f.conversion.codePointAt(0) ?? 0).toString(16);
    const msg = `Unknown conversion specifier ${shown}`;
    return new PyFormatError('syntax', `${msg} in ${where}`, `ValueError: ${msg}`);
  }
  if (f.spec !== '') {
    return new PyFormatError('unsupported', `format spec ':${f.spec}' in ${where} is not supported`, undefined);
  }
  return undefined;
}

function abbreviate(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Python `ascii()` applied to a repr: non-ASCII code points become `\xhh`, `\uhhhh` or `\Uhhhhhhhh`. */
function pyAscii(repr: string): string {
  let out = '';
  for (const ch of repr) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) out += ch;
    else if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out;
}

function syntaxError(msg: string, template: string): PyFormatError {
  return new PyFormatError(
    'syntax',
    `invalid template ${JSON.stringify(abbreviate(template))}: ${msg}`,
    `ValueError: ${msg}`,
  );
}

function compile(template: string): Compiled {
  const hit = cache.get(template);
  if (hit) return hit;
  const parts: (string | Field)[] = [];
  let error: PyFormatError | undefined;
  let literal = '';
  const n = template.length;
  let i = 0;
  // CPython's MarkupIterator_next: literal text up to a brace, then either an escaped brace or a field.
  while (i < n) {
    let pos = i;
    let c = 0;
    let markup = false;
    while (pos < n) {
      c = template.charCodeAt(pos++);
      if (c === 0x7b || c === 0x7d) {
        markup = true;
        break;
      }
    }
    const atEnd = pos >= n;
    let len = pos - i;
    if (markup && c === 0x7d && (atEnd || template.charCodeAt(pos) !== 0x7d)) {
      error = syntaxError("Single '}' encountered in format string", template);
      break;
    }
    if (markup && atEnd) {
      error = syntaxError("Single '{' encountered in format string", template);
      break;
    }
    if (markup) {
      if (template.charCodeAt(pos) === c) {
        pos++;
        markup = false;
      } else {
        len--;
      }
    }
    literal += template.slice(i, i + len);
    i = pos;
    if (!markup) continue;
    if (literal) parts.push(literal);
    literal = '';
    const parsed = parseField(template, i);
    if (typeof parsed === 'string') {
      error = syntaxError(parsed, template);
      break;
    }
    parts.push(parsed.field);
    i = parsed.next;
  }
  if (literal && !error) parts.push(literal);
  const compiled: Compiled = { parts, error };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(template, compiled);
  return compiled;
}

/**
 * CPython's `parse_field` (reading on from just after the opening brace) plus the `first`/rest split of
 * `field_name_split`. Returns the field and the index after its closing brace, or Python's error message.
 */
function parseField(t: string, start: number): { field: Field; next: number } | string {
  const n = t.length;
  let i = start;
  let c = '';
  while (i < n) {
    c = t[i++] as string;
    if (c === '{') return "unexpected '{' in field name";
    if (c === '[') {
      while (i < n && t[i] !== ']') i++;
      continue;
    }
    if (c === '}' || c === ':' || c === '!') break;
  }
  const fieldName = t.slice(start, i - 1);
  let conversion = '';
  let spec = '';
  if (c === '!' || c === ':') {
    if (c === '!') {
      if (i >= n) return 'end of string while looking for conversion specifier';
      conversion = String.fromCodePoint(t.codePointAt(i) as number);
      i += conversion.length;
      if (i < n) {
        c = t[i++] as string;
        if (c === '}') return { field: makeField(fieldName, conversion, ''), next: i };
        if (c !== ':') return "expected ':' after conversion specifier";
      }
    }
    const specStart = i;
    let depth = 1;
    while (i < n) {
      c = t[i++] as string;
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        spec = t.slice(specStart, i - 1);
        return { field: makeField(fieldName, conversion, spec), next: i };
      }
    }
    return "unmatched '{' in format spec";
  }
  if (c !== '}') return "expected '}' before end of string";
  return { field: makeField(fieldName, conversion, spec), next: i };
}

function makeField(fieldName: string, conversion: string, spec: string): Field {
  const cut = fieldName.search(/[.[]/);
  const first = cut < 0 ? fieldName : fieldName.slice(0, cut);
  return { fieldName, first, hasRest: cut >= 0, conversion, spec };
}
