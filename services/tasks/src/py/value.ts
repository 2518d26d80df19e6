/**
 * Python values as the task library sees them after loading a dataset, so that prompt templates can
 * render them exactly as Python's `str()` / `str.format` would.
 *
 * Mapping: `str` -> string, `int` -> bigint, `float` -> number (NaN for pandas' missing cells),
 * `bool` -> boolean, `None` -> null, `list` -> PyValue[], `dict` -> PyDict (insertion-ordered Map).
 */
export type PyValue = string | bigint | number | boolean | null | PyValue[] | PyDict;

/** A Python dict: a Map keeps key order exactly as the file had it (JS objects reorder integer-like keys). */
export type PyDict = Map<string, PyValue>;

/** A record as loaded from a dataset: field name -> value, in file order. */
export type PyRecord = PyDict;

/** Python's `type(v).__name__` for error messages. */
export function pyTypeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}
