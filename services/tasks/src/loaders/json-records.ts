/**
 * JSON and JSONL dataset files read as CLUE reads them: `json.load(f)` for a JSON array, and
 * `[json.loads(line) for line in f]` for JSONL (text mode, so \n, \r\n and \r all end a line).
 * Values keep Python's types (int vs float, key order) through `parsePyJson`.
 * Blank JSONL lines, which make CLUE fail, are skipped.
 */
import { DatasetError, type DatasetLocation } from '../errors.js';
import { parsePyJson } from '../py/json.js';
import { pyTypeName, type PyValue } from '../py/value.js';
import type { LoadedRecords } from '../tasks/task.js';
import { decodeUtf8 } from './text.js';

interface JsonErrorPosition {
  line?: number;
  column?: number;
}

function parseAt(text: string, loc: DatasetLocation, lineOffset: number): PyValue {
  try {
    return parsePyJson(text);
  } catch (e) {
    const pos = e as JsonErrorPosition;
    const line = pos.line !== undefined ? pos.line + lineOffset : loc.line;
    const reason = e instanceof Error ? e.message : String(e);
    const col = pos.column !== undefined ? ` column ${pos.column}:` : '';
    throw new DatasetError({ ...loc, ...(line !== undefined ? { line } : {}) }, `invalid JSON:${col} ${reason}`, { cause: e });
  }
}

function mustBeObject(v: PyValue, loc: DatasetLocation): asserts v is Map<string, PyValue> {
  if (!(v instanceof Map)) throw new DatasetError(loc, `each record must be a JSON object, found a ${pyTypeName(v)}`);
}

/** Reads a JSONL file: one JSON object per non-blank line. */
export function loadJsonLines(bytes: Uint8Array, file: string): LoadedRecords {
  let text = decodeUtf8(bytes, file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = [];
  const locations: DatasetLocation[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const loc = { file, record: records.length + 1, line: i + 1 };
    const v = parseAt(line, loc, i);
    mustBeObject(v, loc);
    records.push(v);
    locations.push(loc);
  }
  return { file, records, locations };
}

/** Reads a JSON file holding an array of objects. */
export function loadJsonArray(bytes: Uint8Array, file: string): LoadedRecords {
  let text = decodeUtf8(bytes, file);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const v = parseAt(text, { file }, 0);
  if (!Array.isArray(v)) {
    const hint = v instanceof Map ? ' (JSONL or a dict? CLUE reads this file with json.load and expects a list)' : '';
    throw new DatasetError({ file }, `must be a JSON array of objects, found a ${pyTypeName(v)}${hint}`);
  }
  const locations: DatasetLocation[] = [];
  v.forEach((rec, i) => {
    const loc = { file, record: i + 1 };
    mustBeObject(rec, loc);
    locations.push(loc);
  });
  return { file, records: v as Map<string, PyValue>[], locations };
}

/**
 * Reads either form: a JSON array (what CLUE's eval scripts `json.load`) or JSONL (what CLUE's own
 * dataset generators write, one `json.dumps` per line). The first non-blank character decides.
 */
export function loadJsonRecords(bytes: Uint8Array, file: string): LoadedRecords {
  const text = decodeUtf8(bytes, file);
  const first = /[^\s\ufeff]/.exec(text)?.[0];
  if (first === undefined) throw new DatasetError({ file }, 'empty file: no records');
  if (first === '[') return loadJsonArray(bytes, file);
  try {
    return loadJsonLines(bytes, file);
  } catch (e) {
    // A pretty-printed JSON object is neither form: say so rather than report a JSONL syntax error.
    let whole: PyValue | undefined;
    try {
      whole = parsePyJson(text.replace(/^\ufeff/, ''));
    } catch {
      throw e;
    }
    throw new DatasetError({ file }, `must be a JSON array of objects or JSONL (one object per line), found one ${pyTypeName(whole)} spanning several lines`);
  }
}
