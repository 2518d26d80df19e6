/**
 * Reads an XLSX sheet into records exactly as CLUE's `pd.read_excel(path).to_dict('records')` does
 * (pandas 2.x with the openpyxl engine, all defaults).
 *
 * The worksheet is replayed as openpyxl's read-only `WorkSheetParser` and `ReadOnlyWorksheet._cells_by_row`
 * see it: `<row>` elements in document order numbered by their `r` attribute (or the previous row + 1),
 * missing rows yielded as empty, rows that go backwards skipped, cells placed by their `r` reference or, when
 * it is absent, after the previous cell, each row as wide as its last cell. Cell values follow openpyxl
 * (`t="s"` shared strings, `t="inlineStr"`, `t="str"`, `t="b"`, `t="e"`, numbers `int` when the text has no
 * `.`/`e`, else `float`; cached values of formulas, never the formulas) and then pandas' `_convert_cell`
 * (empty -> '', error -> NaN, integral floats -> int). See `xlsx-frame.ts` for the rest of the pandas side.
 *
 * Dates are refused with a clear error: openpyxl would turn a date-formatted number (or a `t="d"` cell)
 * into a `datetime`, which a dataset record here cannot represent.
 */
import { ClueError, DatasetError } from '../errors.js';
import { readBytes } from './text.js';
import { columnLetter, sheetRowsToTable, type SheetCell, type XlsxTable } from './xlsx-frame.js';
import { pyFloat, pyInt } from './xlsx-numbers.js';
import { openXlsxPackage, readWorkbook, richTextContent, SHEET_MAIN_NS, type XlsxWorkbook } from './xlsx-package.js';
import { xmlAttr, xmlChildElements, xmlFirstChild, xmlText, type XmlElement } from './xml.js';

export type { XlsxTable } from './xlsx-frame.js';

/** Which sheet to read: a name, or a 0-based index in workbook order (negative counts from the end). */
export interface XlsxReadOptions {
  readonly sheet?: string | number;
}

/**
 * `pd.read_excel(bytes, sheet_name=options.sheet ?? 0).to_dict('records')`, with each record's sheet row.
 * `file` names the workbook in errors. Bad input gives a {@link DatasetError} naming the file (and the sheet
 * row and cell where there is one).
 */
export function readXlsxRecords(bytes: Uint8Array, file: string, options: XlsxReadOptions = {}): XlsxTable {
  const wb = readWorkbook(openXlsxPackage(bytes, file));
  const sheet = pickSheet(wb, file, options.sheet ?? 0);
  const rows = readSheetRows(wb, sheet.part, sheet.name, file);
  return sheetRowsToTable(rows, file);
}

/** Reads the file at `path` and calls {@link readXlsxRecords}; the path is the file name in errors. */
export function readXlsxFile(path: string, options: XlsxReadOptions = {}): XlsxTable {
  return readXlsxRecords(readBytes(path), path, options);
}

function pickSheet(wb: XlsxWorkbook, file: string, which: string | number): { name: string; part: string } {
  const worksheets = wb.sheets.filter((s) => s.kind === 'worksheet');
  if (typeof which === 'number') {
    if (!Number.isInteger(which)) throw new ClueError('INVALID_ARGUMENT', `sheet index must be an integer, got ${which}`);
    const s = worksheets[which < 0 ? worksheets.length + which : which];
    if (!s) throw new DatasetError({ file }, `worksheet index ${which} is invalid: the workbook has ${worksheets.length} worksheet(s)`);
    return s;
  }
  const s = wb.sheets.find((x) => x.name === which);
  if (!s) {
    const names = wb.sheets.map((x) => `'${x.name}'`).join(', ') || 'none';
    throw new DatasetError({ file }, `worksheet named '${which}' not found (sheets: ${names})`);
  }
  if (s.kind !== 'worksheet') throw new DatasetError({ file }, `sheet '${which}' is a chart sheet, not a worksheet`);
  return s;
}

/** Excel's row limit; a larger row number means a broken file (and would allocate millions of rows). */
const MAX_ROWS = 1_048_576;

/** A parsed `<c>`: its column and openpyxl's (value, data_type). */
interface ParsedCell {
  readonly column: number;
  readonly value: string | bigint | number | boolean | null;
  readonly type: string;
}

/** The rows openpyxl's read-only worksheet yields, already passed through pandas' `_convert_cell`. */
function readSheetRows(wb: XlsxWorkbook, part: string, sheetName: string, file: string): SheetCell[][] {
  const root = wb.pkg.readXml(part, `worksheet '${sheetName}'`);
  const out: SheetCell[][] = [];
  let counter = 1;
  let rowCounter = 0;
  const visit = (el: XmlElement): void => {
    for (const child of xmlChildElements(el)) {
      if (child.local === 'row' && child.ns === SHEET_MAIN_NS) {
        rowCounter = rowNumber(child, rowCounter, file);
        if (rowCounter > MAX_ROWS) {
          throw new DatasetError({ file, row: rowCounter }, `row number ${rowCounter} is beyond Excel's maximum of ${MAX_ROWS} rows`);
        }
        const cells = parseRow(child, rowCounter, wb, file);
        for (; counter < rowCounter; counter++) out.push([]);
        if (counter <= rowCounter) {
          out.push(widenRow(cells, rowCounter, file));
          counter++;
        }
      } else visit(child);
    }
  };
  visit(root);
  return out;
}

function rowNumber(row: XmlElement, previous: number, file: string): number {
  const r = xmlAttr(row, 'r');
  if (r === undefined) return previous + 1;
  const asInt = pyInt(r);
  if (asInt !== undefined) return Number(asInt);
  const f = pyFloat(r);
  if (f !== undefined && Number.isInteger(f)) return f;
  throw new DatasetError({ file, row: previous + 1 }, `<row r="${r}"> is not a valid row number`);
}

/** openpyxl's `parse_row` + `parse_cell` for every child element of the row. */
function parseRow(row: XmlElement, rowNum: number, wb: XlsxWorkbook, file: string): ParsedCell[] {
  let colCounter = 0;
  return xmlChildElements(row).map((c) => {
    const ref = xmlAttr(c, 'r');
    const column = ref ? refColumn(ref, rowNum, file) : colCounter + 1;
    colCounter = column;
    return parseCell(c, ref || `${columnLetter(column - 1)}${rowNum}`, rowNum, wb, file, column);
  });
}

/** openpyxl's `coordinate_to_tuple`, keeping only the column (read-only mode ignores the row part). */
function refColumn(ref: string, rowNum: number, file: string): number {
  let i = 0;
  while (i < ref.length - 1 && !/[0-9]/.test(ref[i]!)) i++;
  const letters = ref.slice(0, i).toUpperCase();
  if (!/^[A-Z]{1,3}$/.test(letters) || pyInt(ref.slice(i)) === undefined) {
    throw new DatasetError({ file, row: rowNum }, `cell reference r="${ref}" is not a valid A1-style reference`);
  }
  let col = 0;
  for (const ch of letters) col = col * 26 + (ch.charCodeAt(0) - 64);
  return col;
}

function parseCell(c: XmlElement, ref: string, rowNum: number, wb: XlsxWorkbook, file: string, column: number): ParsedCell {
  const where = { file, row: rowNum };
  const bad = (what: string): never => {
    throw new DatasetError(where, `cell ${ref}: ${what}`);
  };
  const type = xmlAttr(c, 't') ?? 'n';
  const s = xmlAttr(c, 's');
  let style: number | undefined;
  if (s) {
    const si = pyInt(s);
    if (si === undefined) bad(`style index s="${s}" is not an integer`);
    style = Number(si);
  }
  let text: string | null = null;
  if (type !== 'inlineStr') {
    const v = xmlFirstChild(c, SHEET_MAIN_NS, 'v');
    text = v ? xmlText(v) || null : null;
  }
  if (text !== null) {
    switch (type) {
      case 'n': {
        const num = /[.eE]/.test(text) ? pyFloat(text) : pyInt(text);
        if (num === undefined) return bad(`numeric cell value '${text}' is not a number`);
        if (style !== undefined && wb.dateStyles.has(style)) {
          return bad('the cell holds a date or time (a number with a date format); date cells are not supported in datasets');
        }
        return { column, value: num, type };
      }
      case 's': {
        const idx = pyInt(text);
        const strings = wb.sharedStrings;
        const at = idx === undefined ? undefined : Number(idx < 0n ? BigInt(strings.length) + idx : idx);
        if (at === undefined || at < 0 || at >= strings.length) {
          return bad(`shared string index '${text}' is out of range (the table has ${strings.length} strings)`);
        }
        return { column, value: strings[at]!, type };
      }
      case 'b': {
        const b = pyInt(text);
        if (b === undefined) return bad(`boolean cell value '${text}' is not 0 or 1`);
        return { column, value: b !== 0n, type };
      }
      case 'd':
        return bad(`the cell holds a date (t="d", '${text}'); date cells are not supported in datasets`);
      case 'str':
        return { column, value: text, type: 's' };
      default:
        return { column, value: text, type };
    }
  }
  if (type === 'inlineStr') {
    const is = xmlFirstChild(c, SHEET_MAIN_NS, 'is');
    if (is) return { column, value: richTextContent(is), type: 's' };
  }
  return { column, value: null, type };
}

/** openpyxl's `_get_row` (as wide as the last cell's column) and pandas' `_convert_cell`. */
function widenRow(cells: readonly ParsedCell[], rowNum: number, file: string): SheetCell[] {
  const last = cells[cells.length - 1];
  if (!last) return [];
  const out: SheetCell[] = new Array<SheetCell>(last.column).fill('');
  for (const cell of cells) {
    if (cell.column >= 1 && cell.column <= last.column) out[cell.column - 1] = convertCell(cell, rowNum, file);
  }
  return out;
}

function convertCell(cell: ParsedCell, rowNum: number, file: string): SheetCell {
  const v = cell.value;
  if (v === null) return '';
  if (cell.type === 'e') return NaN;
  if (cell.type === 'n' && typeof v === 'number') {
    if (!Number.isFinite(v)) {
      throw new DatasetError({ file, row: rowNum }, `cell ${columnLetter(cell.column - 1)}${rowNum}: the number overflows to infinity (pandas cannot read it)`);
    }
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  return v;
}
