/**
 * Typed errors of the task library. Every error carries a stable `code` so callers (CLI, gRPC adapters)
 * can map it to an exit code or a status without matching message text.
 */

/** Stable error codes of the task library. */
export type ClueErrorCode =
  | 'DATASET_INVALID'
  | 'DATASET_UNREADABLE'
  | 'UNKNOWN_TASK'
  | 'UNKNOWN_MODEL'
  | 'UNKNOWN_PRESET'
  | 'INVALID_ARGUMENT'
  | 'SCORER_UNAVAILABLE'
  | 'ICD_TABLE_INVALID';

/** Base class: a message for humans plus a machine-readable code. */
export class ClueError extends Error {
  readonly code: ClueErrorCode;
  constructor(code: ClueErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClueError';
    this.code = code;
  }
}

/** Where in a dataset file a problem was found. All parts but `file` are optional. */
export interface DatasetLocation {
  /** Path of the file as the user gave it. */
  readonly file: string;
  /** 1-based record number (data row, JSON array element, JSONL line of data). */
  readonly record?: number;
  /** 1-based physical line in the file, where the format has lines. */
  readonly line?: number;
  /** 1-based spreadsheet row, for XLSX files. */
  readonly row?: number;
  /** Field (column, JSON key) concerned. */
  readonly field?: string;
}

/** Formats a location as `file, record 3 (line 7), field 'Summary'`. */
export function formatLocation(loc: DatasetLocation): string {
  let s = loc.file;
  if (loc.record !== undefined) s += `, record ${loc.record}`;
  if (loc.line !== undefined) s += loc.record !== undefined ? ` (line ${loc.line})` : `, line ${loc.line}`;
  if (loc.row !== undefined) s += loc.record !== undefined ? ` (sheet row ${loc.row})` : `, sheet row ${loc.row}`;
  if (loc.field !== undefined) s += `, field '${loc.field}'`;
  return s;
}

/** A dataset file that cannot be used: names the file, the record/line and the field. */
export class DatasetError extends ClueError {
  readonly location: DatasetLocation;
  readonly reason: string;
  constructor(location: DatasetLocation, reason: string, options?: ErrorOptions) {
    super('DATASET_INVALID', `${formatLocation(location)}: ${reason}`, options);
    this.name = 'DatasetError';
    this.location = location;
    this.reason = reason;
  }
}

/** Turns anything thrown into an Error (for `catch (e: unknown)` boundaries). */
export function coerceError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
