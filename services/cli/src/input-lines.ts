/** Reading JSONL input (a file or stdin) with errors that name the line and field. */
import { readFileSync } from 'node:fs';
import { ClueError } from '@clue/tasks';

/** One parsed input line with its 1-based line number. */
export interface InputLine {
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/** Reads all of a file, or stdin for "-". */
export function readInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ClueError('INVALID_ARGUMENT', `${path}: cannot read input file${code === 'ENOENT' ? ': no such file' : `: ${String(e)}`}`);
  }
}

/** Parses JSONL into objects; blank lines are skipped. Throws ClueError naming file and line. */
export function parseJsonLines(text: string, file: string): InputLine[] {
  const out: InputLine[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new ClueError('INVALID_ARGUMENT', `${file}, line ${i + 1}: invalid JSON: ${(e as Error).message}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new ClueError('INVALID_ARGUMENT', `${file}, line ${i + 1}: each line must be a JSON object`);
    }
    out.push({ line: i + 1, value: v as Record<string, unknown> });
  });
  return out;
}

/** A string field of an input line; throws naming the file, line and field. */
export function stringField(l: InputLine, field: string, file: string): string {
  const v = l.value[field];
  if (typeof v !== 'string') {
    const found = v === undefined ? 'missing' : `a ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}, not a string`;
    throw new ClueError('INVALID_ARGUMENT', `${file}, line ${l.line}, field '${field}': ${found}`);
  }
  return v;
}
