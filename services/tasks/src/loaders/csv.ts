/**
 * CSV parsing as Python's `csv.reader` (excel dialect) reads a file opened with `newline=""`:
 * `,` delimiter, `"` quote with doubling, quoted fields keep embedded \r and \n, and outside quotes
 * \r, \n and \r\n all end a record. Non-strict quirks are kept: text after a closing quote joins the
 * field (`"ab"c` -> `abc`).
 *
 * Two deliberate differences from Python, where CLUE itself would crash or silently corrupt data:
 * an unterminated quoted field is an error (Python would swallow the rest of the file into it), and
 * blank lines (which Python returns as empty rows that make CLUE fail with KeyError) are skipped.
 * Python's default 131072-character field limit is enforced like Python does.
 */
import { DatasetError } from '../errors.js';

/** A parsed CSV row with the physical line it starts on (1-based). */
export interface CsvRow {
  readonly fields: string[];
  readonly line: number;
}

/** Python's `csv.field_size_limit()` default. */
export const CSV_FIELD_SIZE_LIMIT = 131072;

/** Splits CSV text into rows. Blank lines are skipped. */
export function parseCsv(text: string, file: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let blank = true;
    let endOfRecord = false;
    // One record.
    while (!endOfRecord) {
      if (i >= n) {
        if (!blank) fields.push(field);
        break;
      }
      let c = text[i]!;
      if (c === '"' && field === '' && isFieldStart(text, i)) {
        blank = false;
        const quoteLine = line;
        i++;
        // Quoted section.
        for (;;) {
          if (i >= n) {
            throw new DatasetError(
              { file, record: rows.length, line: quoteLine, field: `column ${fields.length + 1}` },
              'unterminated quoted field (a " opens a field that never closes)',
            );
          }
          c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
          field += c;
          i++;
        }
        continue;
      }
      if (c === ',') {
        blank = false;
        checkSize(field, file, rows.length, startLine, fields.length);
        fields.push(field);
        field = '';
        i++;
        continue;
      }
      if (c === '\r' || c === '\n') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        if (!blank) fields.push(field);
        endOfRecord = true;
        continue;
      }
      blank = false;
      // Unquoted text (also text after a closing quote, as non-strict Python does).
      let j = i;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 44 || d === 13 || d === 10) break;
        if (d === 34 && field === '' && j === i && isFieldStart(text, j)) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
    }
    if (fields.length > 0) {
      checkSize(fields[fields.length - 1]!, file, rows.length, startLine, fields.length - 1);
      rows.push({ fields, line: startLine });
    }
  }
  return rows;
}

/** A quote only opens a quoted field at the start of a field (after a delimiter or line start). */
function isFieldStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const p = text[i - 1];
  return p === ',' || p === '\n' || p === '\r';
}

function checkSize(field: string, file: string, record: number, line: number, col: number): void {
  if (field.length > CSV_FIELD_SIZE_LIMIT) {
    throw new DatasetError(
      { file, record, line, field: `column ${col + 1}` },
      `field larger than field limit (${CSV_FIELD_SIZE_LIMIT}), as Python's csv module enforces`,
    );
  }
}
