/**
 * What pandas does with the cell values openpyxl hands it, up to `DataFrame.to_dict('records')`
 * (pandas 2.x, `read_excel` defaults: header=0, default NA strings, python TextParser, skip_blank_lines=False):
 *
 * 1. `OpenpyxlReader.get_sheet_data`: each row loses its trailing empty cells, rows after the last row with
 *    data are dropped, all rows are padded with '' to the widest row;
 * 2. the first row (sheet row 1, even if blank) is the header: '' -> `Unnamed: {i}`, duplicates mangled to
 *    `X.1`, `X.2`, ... (named columns first, then unnamed ones), a BOM at the start of the first cell removed;
 * 3. every other row is a record; blank rows in between stay as all-NaN records;
 * 4. each column's dtype is inferred as pandas' `_infer_types` does (`maybe_convert_numeric`, then
 *    `sanitize_objects` + `maybe_convert_bool` when that fails): numeric text becomes numbers, NA strings
 *    (`''`, `NA`, `nan`, `None`, ...) NaN, `True`/`false`-style text booleans, and an int column with a
 *    missing value turns float.
 *
 * Values come back as {@link PyValue}: int64/uint64 -> bigint, float64 -> number (NaN for missing),
 * bool -> boolean, object columns keep each cell's own Python type.
 */
import { DatasetError } from '../errors.js';
import { pyStr } from '../py/str.js';
import type { PyRecord, PyValue } from '../py/value.js';
import { pandasFloatify } from './xlsx-numbers.js';

/**
 * A cell after openpyxl and pandas' `_convert_cell`: '' for an empty cell, NaN for an error cell,
 * bigint for integral numbers, number for other floats, boolean, or text.
 */
export type SheetCell = string | bigint | number | boolean;

/** The records of a sheet as `to_dict('records')` gives them. */
export interface XlsxTable {
  /** Column names in order (header cells as `str()` would print them). */
  readonly columns: string[];
  /** One Map per data row, keys in column order. */
  readonly records: PyRecord[];
  /** 1-based spreadsheet row number of each record, for error messages. */
  readonly rows: number[];
}

/** pandas 2.x `STR_NA_VALUES`: text read as missing by default. */
export const PANDAS_NA_STRINGS: ReadonlySet<string> = new Set([
  '-1.#IND', '1.#QNAN', '1.#IND', '-1.#QNAN', '#N/A N/A', '#N/A', 'N/A', 'n/a', 'NA', '<NA>', '#NA',
  'NULL', 'null', 'NaN', '-NaN', 'nan', '-nan', 'None', '',
]);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Builds the table from the sheet rows openpyxl yields (row i of `sheetRows` is spreadsheet row i + 1).
 * `file` names the workbook in errors.
 */
export function sheetRowsToTable(sheetRows: readonly (readonly SheetCell[])[], file: string): XlsxTable {
  const data: SheetCell[][] = [];
  let lastWithData = -1;
  for (const row of sheetRows) {
    const r = row.slice();
    while (r.length > 0 && r[r.length - 1] === '') r.pop();
    if (r.length > 0) lastWithData = data.length;
    data.push(r);
  }
  data.length = lastWithData + 1;
  if (data.length === 0) return { columns: [], records: [], rows: [] };
  const width = data.reduce((w, r) => Math.max(w, r.length), 0);
  for (const r of data) while (r.length < width) r.push('');

  const columns = headerNames(data[0]!, file);
  const body = data.slice(1);
  const converted = columns.map((_, j) => inferColumn(body.map((r) => r[j]!)));
  const records: PyRecord[] = body.map((_, i) => new Map(columns.map((c, j) => [c, converted[j]![i]!])));
  return { columns, records, rows: body.map((_, i) => i + 2) };
}

/** Python-equality key: 1 == 1.0 == True, strings by content, NaN (pandas' single np.nan object) by itself. */
function eqKey(v: SheetCell): string {
  if (typeof v === 'string') return 's' + v;
  if (typeof v === 'boolean') return v ? 'n1' : 'n0';
  if (typeof v === 'bigint') return 'n' + v.toString();
  if (Number.isNaN(v)) return 'nan';
  return Number.isInteger(v) ? 'n' + BigInt(v).toString() : 'n' + String(v);
}

/** pandas' `_check_for_bom` and `_infer_columns` for header=0 (no MultiIndex), then `str()` of each name. */
function headerNames(line: readonly SheetCell[], file: string): string[] {
  const cells = line.slice();
  const first = cells[0];
  if (typeof first === 'string' && first.startsWith('\uFEFF')) {
    if (first.length > 1 && first[1] === '"') {
      const end = first.indexOf('"', 2);
      if (end === -1) throw new DatasetError({ file, row: 1 }, 'the first header cell starts with a byte-order mark and an unclosed quote (pandas fails on it)');
      cells[0] = first.slice(2, end) + first.slice(end + 1);
    } else cells[0] = first.slice(1);
  }
  const names: SheetCell[] = [];
  const unnamed: number[] = [];
  cells.forEach((c, i) => {
    if (c === '') {
      unnamed.push(i);
      names.push(`Unnamed: ${i}`);
    } else names.push(c);
  });
  const unnamedSet = new Set(unnamed);
  const order = [...names.keys()].filter((i) => !unnamedSet.has(i)).concat(unnamed);
  const counts = new Map<string, number>();
  const count = (v: SheetCell): number => counts.get(eqKey(v)) ?? 0;
  for (const i of order) {
    const oldCol = names[i]!;
    let col: SheetCell = oldCol;
    let cur = count(col);
    if (cur > 0) {
      while (cur > 0) {
        counts.set(eqKey(oldCol), cur + 1);
        col = `${pyStr(oldCol)}.${cur}`;
        const candidate: string = col;
        if (names.some((n) => n === candidate)) cur++;
        else cur = count(col);
      }
    }
    names[i] = col;
    counts.set(eqKey(col), cur + 1);
  }
  // The DataFrame's column Index infers a dtype: all-numeric labels with any float become float64 (5 -> 5.0).
  const allNumeric = names.every((n) => typeof n === 'bigint' || typeof n === 'number');
  const anyFloat = names.some((n) => typeof n === 'number');
  const out = names.map((n) => pyStr(allNumeric && anyFloat && typeof n === 'bigint' ? Number(n) : n));
  const seen = new Map<string, number>();
  out.forEach((name, i) => {
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new DatasetError(
        { file, row: 1 },
        `header cells ${columnLetter(prev)}1 and ${columnLetter(i)}1 are different values that both read as column '${name}' (e.g. the number 5 and the text "5")`,
      );
    }
    seen.set(name, i);
  });
  return out;
}

/** Spreadsheet column letters of a 0-based index (0 -> A). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** pandas' `_infer_types` for one object column (no dtype, default NA values, try_num_bool). */
function inferColumn(values: SheetCell[]): PyValue[] {
  if (values.length === 0) return [];
  const numeric = maybeConvertNumeric(values);
  if (numeric !== 'not-numeric') {
    if (numeric !== 'uint64-conflict') return numeric;
    // maybe_convert_numeric returned the original object array; only maybe_convert_bool is tried.
    return maybeConvertBool(values) ?? values;
  }
  // sanitize_objects: NA strings -> NaN; equal values replaced by the first one seen (1 == True).
  const memo = new Map<string, SheetCell>();
  const sanitized = values.map((v) => {
    if (typeof v === 'string' && PANDAS_NA_STRINGS.has(v)) return NaN;
    const k = eqKey(v);
    const seen = memo.get(k);
    if (seen !== undefined) return seen;
    memo.set(k, v);
    return v;
  });
  return maybeConvertBool(sanitized) ?? sanitized;
}

/** pandas' `lib.maybe_convert_numeric(values, na_values, convert_empty=False)`. */
function maybeConvertNumeric(values: readonly SheetCell[]): PyValue[] | 'not-numeric' | 'uint64-conflict' {
  // Fast path: first value an int, and astype('i8') equal to every value (ints in range, or bools).
  const first = values[0];
  if (typeof first === 'bigint') {
    const ok = values.every((v) => (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) || typeof v === 'boolean');
    if (ok) return values.map((v) => (typeof v === 'boolean' ? (v ? 1n : 0n) : v));
  }
  let sawNull = false;
  let sawFloat = false;
  let sawInt = false;
  let sawBool = false;
  let sint = false;
  let uint = false;
  const floats: number[] = [];
  const ints: bigint[] = [];
  const sawInteger = (v: bigint): void => {
    sawInt = true;
    sint ||= v >= INT64_MIN && v < 0n;
    uint ||= v > INT64_MAX && v <= UINT64_MAX;
  };
  for (const v of values) {
    if (typeof v === 'string' && PANDAS_NA_STRINGS.has(v)) {
      sawNull = sawFloat = true;
      floats.push(NaN);
      ints.push(0n);
    } else if (typeof v === 'number') {
      if (Number.isNaN(v)) sawNull = true;
      sawFloat = true;
      floats.push(v);
      ints.push(0n);
    } else if (typeof v === 'bigint') {
      floats.push(Number(v));
      sawInteger(v);
      if (v > UINT64_MAX) sawFloat = true;
      if (v < INT64_MIN || (sint && uint)) sawFloat = true;
      ints.push(v);
    } else if (typeof v === 'boolean') {
      floats.push(v ? 1 : 0);
      ints.push(v ? 1n : 0n);
      sawBool = true;
    } else {
      const f = pandasFloatify(v);
      if (f === undefined) return 'not-numeric';
      floats.push(f.value);
      if (f.maybeInt) {
        // Python int(val) of the same text: floatify accepted it, so it is [ws][sign]digits[ws].
        const asInt = BigInt(v.trim().replace(/^\+/, ''));
        sawInteger(asInt);
        if (asInt < INT64_MIN || asInt > UINT64_MAX) return 'not-numeric'; // "Integer out of range."
        ints.push(asInt);
        sawFloat ||= uint && sint;
      } else {
        sawFloat = true;
        ints.push(0n);
      }
    }
  }
  if (uint && (sawNull || sint)) return 'uint64-conflict';
  if (sawFloat) return floats;
  if (sawInt) return ints;
  if (sawBool) return ints.map((i) => i === 1n);
  return ints;
}

/** pandas' `libops.maybe_convert_bool` with the default true/false strings; undefined = unchanged. */
function maybeConvertBool(values: readonly SheetCell[]): PyValue[] | undefined {
  const out: PyValue[] = [];
  for (const v of values) {
    if (typeof v === 'boolean') out.push(v);
    else if (v === 'True' || v === 'TRUE' || v === 'true') out.push(true);
    else if (v === 'False' || v === 'FALSE' || v === 'false') out.push(false);
    else if (typeof v === 'number' && Number.isNaN(v)) out.push(NaN);
    else return undefined;
  }
  return out;
}
