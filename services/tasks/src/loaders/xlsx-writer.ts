/**
 * Writes a minimal, valid XLSX workbook (for synthetic datasets and tests): content types, package and
 * workbook relationships, a workbook listing the sheets, one worksheet part per sheet, a shared strings
 * table for text cells and a one-style stylesheet, zipped with deflate. Excel, LibreOffice and openpyxl
 * open it.
 *
 * Cells: text -> shared string (`t="s"`), number -> `<v>` (integers written without a decimal point so
 * openpyxl reads them back as `int`), boolean -> `t="b"`, null -> no cell. Every row and cell carries its
 * `r` reference. A `\r` in text is written as `&#13;` so it survives XML end-of-line normalisation.
 * The output is deterministic (fixed timestamps).
 */
import { zipSync } from 'fflate';
import { ClueError } from '../errors.js';
import { columnLetter } from './xlsx-frame.js';

/** A cell value to write; null leaves the cell out. */
export type XlsxCellInput = string | number | boolean | null;

/** A sheet to write: its name and its rows (the first row is usually the header). */
export interface XlsxSheetInput {
  readonly name: string;
  readonly rows: readonly (readonly XlsxCellInput[])[];
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
const DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
// Characters XML 1.0 cannot carry, even as references.
// eslint-disable-next-line no-control-regex
const UNWRITABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Writes the sheets as an XLSX workbook and returns the file's bytes. */
export function writeXlsx(sheets: readonly XlsxSheetInput[]): Uint8Array {
  if (sheets.length === 0) throw new ClueError('INVALID_ARGUMENT', 'an XLSX workbook needs at least one sheet');
  const seen = new Set<string>();
  for (const s of sheets) {
    checkSheetName(s.name);
    const key = s.name.toLowerCase();
    if (seen.has(key)) throw new ClueError('INVALID_ARGUMENT', `duplicate sheet name '${s.name}' (Excel compares names case-insensitively)`);
    seen.add(key);
  }

  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const sharedIndex = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  let stringRefs = 0;
  const sheetXml = sheets.map((sheet) => {
    const rows: string[] = [];
    sheet.rows.forEach((row, r) => {
      const cells: string[] = [];
      row.forEach((v, c) => {
        if (v === null) return;
        const ref = `${columnLetter(c)}${r + 1}`;
        if (typeof v === 'string') {
          checkText(v, `sheet '${sheet.name}', cell ${ref}`);
          stringRefs++;
          cells.push(`<c r="${ref}" t="s"><v>${sharedIndex(v)}</v></c>`);
        } else if (typeof v === 'boolean') cells.push(`<c r="${ref}" t="b"><v>${v ? 1 : 0}</v></c>`);
        else cells.push(`<c r="${ref}"><v>${numberText(v, `sheet '${sheet.name}', cell ${ref}`)}</v></c>`);
      });
      if (cells.length > 0) rows.push(`<row r="${r + 1}">${cells.join('')}</row>`);
    });
    return `${DECL}<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheetData>${rows.join('')}</sheetData></worksheet>`;
  });

  const files: Record<string, Uint8Array> = {};
  const put = (name: string, xml: string): void => {
    files[name] = new TextEncoder().encode(xml);
  };
  const sheetOverrides = sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${CT}.worksheet+xml"/>`);
  put(
    '[Content_Types].xml',
    `${DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
      sheetOverrides.join('') +
      `<Override PartName="/xl/styles.xml" ContentType="${CT}.styles+xml"/>` +
      `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT}.sharedStrings+xml"/></Types>`,
  );
  put(
    '_rels/.rels',
    `${DECL}<Relationships xmlns="${PKG_REL_NS}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  );
  put(
    'xl/workbook.xml',
    `${DECL}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><bookViews><workbookView/></bookViews><sheets>` +
      sheets.map((s, i) => `<sheet name="${escapeXml(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('') +
      '</sheets></workbook>',
  );
  const n = sheets.length;
  put(
    'xl/_rels/workbook.xml.rels',
    `${DECL}<Relationships xmlns="${PKG_REL_NS}">` +
      sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      `<Relationship Id="rId${n + 1}" Type="${REL_NS}/styles" Target="styles.xml"/>` +
      `<Relationship Id="rId${n + 2}" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
  );
  sheetXml.forEach((xml, i) => put(`xl/worksheets/sheet${i + 1}.xml`, xml));
  put(
    'xl/styles.xml',
    `${DECL}<styleSheet xmlns="${MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
      '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
      '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>' +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
  );
  put(
    'xl/sharedStrings.xml',
    `${DECL}<sst xmlns="${MAIN_NS}" count="${stringRefs}" uniqueCount="${strings.length}">` +
      strings.map((s) => `<si><t${/^\s|\s$/.test(s) ? ' xml:space="preserve"' : ''}>${escapeXml(s)}</t></si>`).join('') +
      '</sst>',
  );
  return zipSync(files, { level: 6, mtime: new Date(Date.UTC(2000, 0, 1)) });
}

function checkSheetName(name: string): void {
  if (name.length === 0 || name.length > 31) throw new ClueError('INVALID_ARGUMENT', `sheet name '${name}' must have 1 to 31 characters`);
  if (/[[\]:*?/\\]/.test(name) || name.startsWith("'") || name.endsWith("'")) {
    throw new ClueError('INVALID_ARGUMENT', `sheet name '${name}' contains a character Excel forbids ([ ] : * ? / \\ or a leading/trailing ')`);
  }
  checkText(name, `sheet name '${name}'`);
}

function checkText(s: string, where: string): void {
  const m = UNWRITABLE.exec(s);
  if (m) {
    const cp = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new ClueError('INVALID_ARGUMENT', `${where}: character U+${cp} at offset ${m.index} cannot be stored in XLSX`);
  }
}

/** The `<v>` text of a number: integers without a decimal point, others in round-trip form. */
function numberText(v: number, where: string): string {
  if (!Number.isFinite(v)) throw new ClueError('INVALID_ARGUMENT', `${where}: ${v} cannot be stored in XLSX`);
  if (Number.isInteger(v)) return BigInt(v).toString();
  return String(v);
}

/** Escapes text for element content and double-quoted attributes; CR as a reference. */
function escapeXml(s: string): string {
  return s.replace(/[&<>"\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#13;'));
}
