/** Field checks shared by the task definitions. */
import { DatasetError, type DatasetLocation } from '../errors.js';
import { pyTypeName, type PyRecord, type PyValue } from '../py/value.js';

/** The value of a field that must exist (CLUE would raise KeyError). */
export function requireField(record: PyRecord, field: string, loc: DatasetLocation): PyValue {
  if (!record.has(field)) {
    const have = [...record.keys()].map((k) => `'${k}'`).join(', ');
    throw new DatasetError({ ...loc, field }, `missing field (the record has ${have || 'no fields'})`);
  }
  return record.get(field) as PyValue;
}

/** A field that must be a string (a gold answer, or text CLUE manipulates as str). */
export function requireString(record: PyRecord, field: string, loc: DatasetLocation): string {
  const v = requireField(record, field, loc);
  if (typeof v !== 'string') {
    const shown = typeof v === 'number' && Number.isNaN(v) ? 'an empty cell (NaN)' : `a ${pyTypeName(v)}`;
    throw new DatasetError({ ...loc, field }, `must be a string, found ${shown}`);
  }
  return v;
}

/** Checks that every template field exists; values of any type are rendered with Python's str(). */
export function requireFields(record: PyRecord, fields: readonly string[], loc: DatasetLocation): void {
  for (const f of fields) requireField(record, f, loc);
}
