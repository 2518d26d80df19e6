import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { zipSync } from 'fflate';
import { readXlsxFile, readXlsxRecords, type XlsxReadOptions, type XlsxTable } from './xlsx.js';
import { writeXlsx } from './xlsx-writer.js';
import { ClueError, DatasetError } from '../errors.js';
import { pyFloatRepr } from '../py/str.js';
import type { PyValue } from '../py/value.js';
import { runPython, sharedDatasetsDir } from '../test-support.js';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

interface Parts {
  /** `<sheetData>` content of each sheet (name -> rows XML), in workbook order. */
  sheets?: Record<string, string>;
  /** Shared strings: plain texts, or the raw `<si>` XML when it starts with '<'. */
  sst?: string[];
  styles?: string;
  /** Replace or add raw parts (a null value removes the part). */
  override?: Record<string, string | null>;
}

/** Builds XLSX bytes from raw XML pieces. */
function xlsx(parts: Parts): Uint8Array {
  const sheets = parts.sheets ?? { Sheet1: '' };
  const names = Object.keys(sheets);
  const files: Record<string, string> = {
    '[Content_Types].xml':
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
      `<Override PartName="/xl/workbook.xml" ContentType="${CT}.sheet.main+xml"/>` +
      names.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${CT}.worksheet+xml"/>`).join('') +
      (parts.sst ? `<Override PartName="/xl/sharedStrings.xml" ContentType="${CT}.sharedStrings+xml"/>` : '') +
      '</Types>',
    '_rels/.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    'xl/workbook.xml': `<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>${names.map((n, i) => `<sheet name="${n}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels':
      `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      names.map((_, i) => `<Relationship Id="rId${i + 1}" Type="${REL}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join('') +
      '</Relationships>',
  };
  names.forEach((n, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>${sheets[n]}</sheetData></worksheet>`;
  });
  if (parts.sst) files['xl/sharedStrings.xml'] = `<sst xmlns="${MAIN}">${parts.sst.map((s) => (s.startsWith('<') ? s : `<si><t>${s}</t></si>`)).join('')}</sst>`;
  if (parts.styles) files['xl/styles.xml'] = parts.styles;
  for (const [k, v] of Object.entries(parts.override ?? {})) {
    if (v === null) delete files[k];
    else files[k] = v;
  }
  const enc = new TextEncoder();
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, enc.encode(v)])));
}

/** Rows XML from a compact spec: each row is a list of raw `<c>` contents keyed by cell reference. */
const row = (r: number, cells: string): string => `<row r="${r}">${cells}</row>`;
const s = (ref: string, i: number): string => `<c r="${ref}" t="s"><v>${i}</v></c>`;
const n = (ref: string, v: string): string => `<c r="${ref}"><v>${v}</v></c>`;
const str = (ref: string, v: string): string => `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>`;

/** Records as plain arrays of [key, value] pairs for deepEqual (NaN compares equal to NaN there). */
const recs = (t: XlsxTable): [string, PyValue][][] => t.records.map((r) => [...r]);

/** Every workbook the tests read, with our outcome, for the pandas cross-check at the end. */
interface Fixture {
  readonly bytes: Uint8Array;
  readonly options: XlsxReadOptions;
  readonly outcome: XlsxTable | 'error';
  /** 'pandas-differs': a deliberate difference (dates, colliding header names); 'pandas2': pandas >= 2 only. */
  readonly note: 'pandas-differs' | 'pandas2' | undefined;
}
const FIXTURES: Fixture[] = [];

/** readXlsxRecords, remembering the workbook and the outcome. */
function read(bytes: Uint8Array, file: string, options: XlsxReadOptions = {}, note?: Fixture['note']): XlsxTable {
  try {
    const t = readXlsxRecords(bytes, file, options);
    FIXTURES.push({ bytes, options, outcome: t, note });
    return t;
  } catch (e) {
    FIXTURES.push({ bytes, options, outcome: 'error', note });
    throw e;
  }
}

function assertDatasetError(fn: () => unknown, pattern: RegExp, file = 'book.xlsx'): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected DatasetError, got ${String(e)}`);
    assert.equal(e.location.file, file);
    assert.match(e.message, pattern);
    return true;
  });
}

test('round trip: writeXlsx then readXlsxRecords gives the values pandas would', () => {
  const bytes = writeXlsx([
    {
      name: 'Data',
      rows: [
        ['text', 'ints', 'ints_missing', 'floats', 'bools', 'bools_missing', 'mixed', 'empty'],
        ['a <&> "q"', 1, 5, 1.5, true, true, 'x', null],
        [' padded \r\n CR ', 2, null, 2, false, null, 7, null],
        ['émoji 😀\ttab', -3, 7, -0.25, true, false, true, null],
      ],
    },
    { name: 'Second', rows: [['k'], ['v']] },
  ]);
  const t = read(bytes, 'book.xlsx');
  assert.deepEqual(t.columns, ['text', 'ints', 'ints_missing', 'floats', 'bools', 'bools_missing', 'mixed', 'empty']);
  assert.deepEqual(t.rows, [2, 3, 4]);
  assert.deepEqual(recs(t), [
    [['text', 'a <&> "q"'], ['ints', 1n], ['ints_missing', 5], ['floats', 1.5], ['bools', true], ['bools_missing', 1], ['mixed', 'x'], ['empty', NaN]],
    [['text', ' padded \r\n CR '], ['ints', 2n], ['ints_missing', NaN], ['floats', 2], ['bools', false], ['bools_missing', NaN], ['mixed', 7n], ['empty', NaN]],
    [['text', 'émoji 😀\ttab'], ['ints', -3n], ['ints_missing', 7], ['floats', -0.25], ['bools', true], ['bools_missing', 0], ['mixed', true], ['empty', NaN]],
  ]);
  assert.deepEqual(recs(read(bytes, 'book.xlsx', { sheet: 'Second' })), [[['k', 'v']]]);
  assert.deepEqual(recs(read(bytes, 'book.xlsx', { sheet: 1 })), [[['k', 'v']]]);
  assert.deepEqual(recs(read(bytes, 'book.xlsx', { sheet: -1 })), [[['k', 'v']]]);
});

test('the writer refuses what XLSX cannot hold', () => {
  assert.throws(() => writeXlsx([]), /at least one sheet/);
  assert.throws(() => writeXlsx([{ name: 'a/b', rows: [] }]), /forbids/);
  assert.throws(() => writeXlsx([{ name: 'S', rows: [] }, { name: 's', rows: [] }]), /duplicate sheet name/);
  assert.throws(() => writeXlsx([{ name: 'S', rows: [['\u0001']] }]), /U\+0001/);
  assert.throws(() => writeXlsx([{ name: 'S', rows: [[NaN]] }]), /NaN cannot be stored/);
});

const MEQSUM = join(sharedDatasetsDir(), 'MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx');

test('the real MeQSum workbook: 1000 records equal an independent stdlib zipfile+ElementTree reading', { skip: !existsSync(MEQSUM) && 'MeQSum file not present' }, () => {
  const t = readXlsxFile(MEQSUM);
  assert.deepEqual(t.columns, ['File', 'CHQ', 'Summary']);
  assert.equal(t.records.length, 1000);
  assert.equal(t.records[0]!.get('File'), '1-131188152.xml.txt');
  assert.deepEqual([t.rows[0], t.rows[999]], [2, 1001]);
  for (const r of t.records) {
    assert.deepEqual([...r.keys()], ['File', 'CHQ', 'Summary']);
    for (const v of r.values()) {
      assert.equal(typeof v, 'string');
      assert.ok(!(v as string).includes('\r'), 'XML end-of-line normalisation leaves no CR');
    }
  }
  const ref = JSON.parse(
    runPython(
      `import json, sys, zipfile, xml.etree.ElementTree as ET
M = '{${MAIN}}'
z = zipfile.ZipFile(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read().strip())
sst = []
for si in ET.fromstring(z.read('xl/sharedStrings.xml')).iter(M + 'si'):
    parts = [c.text or '' for c in si if c.tag == M + 't']
    parts += [t.text or '' for r in si if r.tag == M + 'r' for t in r if t.tag == M + 't']
    sst.append(''.join(parts))
rows = []
for row in ET.fromstring(z.read('xl/worksheets/sheet1.xml')).iter(M + 'row'):
    cells = {}
    for c in row:
        col = ''.join(ch for ch in c.get('r') if ch.isalpha())
        v = c.find(M + 'v')
        if v is not None and c.get('t') == 's':
            cells[col] = sst[int(v.text)]
    rows.append(cells)
header = [rows[0][k] for k in 'ABC']
print(json.dumps([[[h, r.get(k)] for h, k in zip(header, 'ABC')] for r in rows[1:]]))`,
      MEQSUM,
    ),
  ) as [string, string | null][][];
  assert.equal(ref.length, 1000);
  assert.deepEqual(recs(t), ref);
});

test('shared strings: plain and rich-text runs concatenated, phonetic runs ignored, x005F_ removed, _x000D_ kept', () => {
  const bytes = xlsx({
    sst: [
      'Head',
      '<si><r><rPr><b/></rPr><t>bold</t></r><r><t xml:space="preserve"> and plain</t></r></si>',
      '<si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>',
      '<si><t>a_x000D_b _x005F_x000D_ x005F_</t></si>',
      '<si><t/></si>',
    ],
    sheets: { S: row(1, s('A1', 0)) + row(2, s('A2', 1)) + row(3, s('A3', 2)) + row(4, s('A4', 3)) + row(5, s('A5', 4) + n('B5', '1')) },
  });
  const t = read(bytes, 'book.xlsx');
  assert.deepEqual(t.columns, ['Head', 'Unnamed: 1']);
  assert.deepEqual(
    t.records.map((r) => r.get('Head')),
    ['bold and plain', '漢字', 'a_x000D_b _x000D_ ', NaN],
  );
});

test('inline strings, t="str" formula results, formulas ignored in favour of cached values, errors -> NaN', () => {
  const rows =
    row(1, str('A1', 'inline') + str('B1', 'str') + str('C1', 'formula') + str('D1', 'err')) +
    row(2, '<c r="A2" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c><c r="B2" t="str"><f>A2&amp;""</f><v>rich</v></c><c r="C2"><f>1+1</f><v>2</v></c><c r="D2" t="e"><v>#DIV/0!</v></c>') +
    row(3, '<c r="A3" t="inlineStr"/><c r="B3" t="str"><v>x</v></c><c r="C3"><f>1/2</f><v>0.5</v></c><c r="D3" t="e"><v>#N/A</v></c>');
  const t = read(xlsx({ sheets: { S: rows } }), 'book.xlsx');
  assert.deepEqual(recs(t), [
    [['inline', 'rich'], ['str', 'rich'], ['formula', 2], ['err', NaN]],
    [['inline', NaN], ['str', 'x'], ['formula', 0.5], ['err', NaN]],
  ]);
});

test('cells and rows without r attributes are placed after the previous one', () => {
  const rows =
    '<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c><c r="D1" t="inlineStr"><is><t>d</t></is></c><c t="inlineStr"><is><t>e</t></is></c></row>' +
    '<row><c><v>1</v></c><c r="C2"><v>3</v></c><c><v>4</v></c></row>' +
    '<row r="4"><c><v>5</v></c></row>';
  const t = read(xlsx({ sheets: { S: rows } }), 'book.xlsx');
  assert.deepEqual(t.columns, ['a', 'b', 'Unnamed: 2', 'd', 'e']);
  assert.deepEqual(t.rows, [2, 3, 4]);
  assert.deepEqual(recs(t), [
    [['a', 1], ['b', NaN], ['Unnamed: 2', 3], ['d', 4], ['e', NaN]],
    [['a', NaN], ['b', NaN], ['Unnamed: 2', NaN], ['d', NaN], ['e', NaN]],
    [['a', 5], ['b', NaN], ['Unnamed: 2', NaN], ['d', NaN], ['e', NaN]],
  ]);
});

test('openpyxl row quirks: a row numbered backwards is skipped, a row without r follows the previous number', () => {
  const rows =
    '<row><c><v>1</v></c><c><v>2.0</v></c></row><row r="3"><c r="B3" t="b"><v>1</v></c></row>' +
    '<row r="2"><c><v>9</v></c></row><row><c><v>-1e-7</v></c></row><row r="5.0"><c><v>4</v></c></row>';
  const t = read(xlsx({ sheets: { S: rows } }), 'book.xlsx');
  assert.deepEqual(t.columns, ['1', '2']);
  assert.deepEqual(t.rows, [2, 3, 4, 5]);
  assert.deepEqual(recs(t), [
    [['1', NaN], ['2', NaN]],
    [['1', NaN], ['2', 1]],
    [['1', NaN], ['2', NaN]],
    [['1', 4], ['2', NaN]],
  ]);
});

test('header: empty cells -> Unnamed: i, duplicates mangled (named first), numbers as str, BOM removed', () => {
  const hdr = (cells: string): XlsxTable => read(xlsx({ sheets: { S: row(1, cells) + row(2, n('A2', '1')) } }), 'book.xlsx');
  assert.deepEqual(hdr(str('A1', 'a') + str('B1', 'a') + str('D1', 'a.1') + str('E1', 'a')).columns, ['a', 'a.2', 'Unnamed: 2', 'a.1', 'a.3']);
  assert.deepEqual(hdr(str('B1', 'Unnamed: 2') + str('D1', 'x')).columns, ['Unnamed: 0', 'Unnamed: 2', 'Unnamed: 2.1', 'x']);
  assert.deepEqual(hdr(str('A1', '\uFEFFid') + n('B1', '5') + '<c r="C1" t="b"><v>1</v></c>' + n('D1', '5')).columns, ['id', '5', 'True', '5.1']);
  assert.deepEqual(hdr(n('A1', '5') + n('B1', '2.5')).columns, ['5.0', '2.5'], 'an all-numeric header with a float is a float64 Index');
  assertDatasetError(() => read(xlsx({ sheets: { S: row(1, n('A1', '5') + str('B1', '5')) } }), 'book.xlsx', {}, 'pandas-differs'), /header cells A1 and B1 .* both read as column '5'/);
});

test('column dtypes: numeric text becomes numbers, NA strings NaN, bool text booleans, mixed columns keep types', () => {
  const sst = ['ints', 'floats', 'numtext', 'na', 'booltext', 'object', 'big', '05', ' 7 ', '1e3', 'NA', 'None', 'true', 'FALSE', 'abc', '', 'nan'];
  const rows =
    row(1, [0, 1, 2, 3, 4, 5, 6].map((i) => s(`${'ABCDEFG'[i]}1`, i)).join('')) +
    row(2, n('A2', '1') + n('B2', '1.0') + s('C2', 7) + s('D2', 10) + s('E2', 12) + s('F2', 14) + n('G2', '9223372036854775808')) +
    row(3, n('A3', '-2') + n('B3', '2.5') + s('C3', 8) + s('D3', 11) + s('E3', 13) + n('F3', '3') + n('G3', '1')) +
    row(4, n('A4', '30') + n('B4', '1E2') + s('C4', 9) + s('D4', 16) + s('E4', 15) + s('F4', 16));
  const t = read(xlsx({ sst, sheets: { S: rows } }), 'book.xlsx', {}, 'pandas2');
  assert.deepEqual(recs(t), [
    [['ints', 1n], ['floats', 1], ['numtext', 5], ['na', NaN], ['booltext', true], ['object', 'abc'], ['big', 9223372036854775808n]],
    [['ints', -2n], ['floats', 2.5], ['numtext', 7], ['na', NaN], ['booltext', false], ['object', 3n], ['big', 1n]],
    [['ints', 30n], ['floats', 100], ['numtext', 1000], ['na', NaN], ['booltext', NaN], ['object', NaN], ['big', '']],
  ]);
  // (uint64 values next to a missing one make pandas keep the column's raw objects, so the empty cell stays ''.)
  // Integer-looking text only: an int64 column, so '05' reads as 5.
  const t2 = read(xlsx({ sst: ['id', '05', ' 7 '], sheets: { S: row(1, s('A1', 0)) + row(2, s('A2', 1)) + row(3, s('A3', 2)) } }), 'book.xlsx');
  assert.deepEqual(recs(t2), [[['id', 5n]], [['id', 7n]]]);
  // The other default NA strings, next to numeric text: a float column.
  const na = ['v', '-nan', '#N/A', 'NULL', '&lt;NA&gt;', '1.#IND', 'n/a', ' 2 '];
  const t3 = read(xlsx({ sst: na, sheets: { S: na.map((_, i) => row(i + 1, s(`A${i + 1}`, i))).join('') } }), 'book.xlsx');
  assert.deepEqual(recs(t3), [[['v', NaN]], [['v', NaN]], [['v', NaN]], [['v', NaN]], [['v', NaN]], [['v', NaN]], [['v', 2]]]);
});

test('CRLF in text reads as LF, &#13; stays CR', () => {
  const bytes = xlsx({
    sst: ['h', '<si><t>a\r\nb\rc\nd</t></si>', '<si><t>x&#13;&#10;y&#13;</t></si>'],
    sheets: { S: row(1, s('A1', 0)) + row(2, s('A2', 1)) + row(3, s('A3', 2)) + row(4, '<c r="A4" t="inlineStr"><is><t>p\r\nq</t></is></c>') },
  });
  assert.deepEqual(read(bytes, 'book.xlsx').records.map((r) => r.get('h')), ['a\nb\nc\nd', 'x\r\ny\r', 'p\nq']);
});

test('trailing empty rows/columns vanish; blank rows in between stay as NaN records; a blank first row is the header', () => {
  const styledEmpty = (ref: string): string => `<c r="${ref}" s="1"/>`;
  const rows =
    row(1, str('A1', 'a') + str('B1', 'b') + styledEmpty('D1')) +
    row(2, str('A2', 'x') + styledEmpty('E2')) +
    row(4, n('B4', '2') + '<c r="C4" t="s"><v>0</v></c>') +
    row(5, styledEmpty('A5') + styledEmpty('F5')) +
    row(7, styledEmpty('B7'));
  const t = read(xlsx({ sst: [''], sheets: { S: rows } }), 'book.xlsx');
  assert.deepEqual(t.columns, ['a', 'b']);
  assert.deepEqual(t.rows, [2, 3, 4]);
  assert.deepEqual(recs(t), [
    [['a', 'x'], ['b', NaN]],
    [['a', NaN], ['b', NaN]],
    [['a', NaN], ['b', 2]],
  ]);
  const blankFirst = read(xlsx({ sheets: { S: row(2, str('B2', 'h')) + row(3, n('A3', '1')) } }), 'book.xlsx');
  assert.deepEqual(blankFirst.columns, ['Unnamed: 0', 'Unnamed: 1']);
  assert.deepEqual(recs(blankFirst), [
    [['Unnamed: 0', NaN], ['Unnamed: 1', 'h']],
    [['Unnamed: 0', 1], ['Unnamed: 1', NaN]],
  ]);
  assert.deepEqual(read(xlsx({ sheets: { S: row(3, styledEmpty('A3')) } }), 'book.xlsx'), { columns: [], records: [], rows: [] });
});

test('sheet selection by workbook order and name; unknown sheets and dates are clear errors', () => {
  const bytes = xlsx({ sheets: { First: row(1, str('A1', 'f')), Second: row(1, str('A1', 's')) } });
  assert.deepEqual(read(bytes, 'book.xlsx').columns, ['f']);
  assert.deepEqual(read(bytes, 'book.xlsx', { sheet: 'Second' }).columns, ['s']);
  assertDatasetError(() => read(bytes, 'book.xlsx', { sheet: 'QS' }), /worksheet named 'QS' not found \(sheets: 'First', 'Second'\)/);
  assertDatasetError(() => read(bytes, 'book.xlsx', { sheet: 2 }), /worksheet index 2 is invalid: the workbook has 2 worksheet/);
  const styles = `<styleSheet xmlns="${MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>`;
  const withDate = (style: number): Uint8Array => xlsx({ styles, sheets: { S: row(1, str('A1', 'd')) + row(2, `<c r="A2" s="${style}"><v>44000</v></c>`) } });
  assert.deepEqual(recs(read(withDate(0), 'book.xlsx')), [[['d', 44000n]]]);
  assertDatasetError(() => read(withDate(1), 'book.xlsx', {}, 'pandas-differs'), /sheet row 2: cell A2: .*date/);
  assertDatasetError(() => read(withDate(2), 'book.xlsx', {}, 'pandas-differs'), /cell A2: .*date/);
});

test('bad input gives a DatasetError naming the file and what is wrong', () => {
  const enc = new TextEncoder();
  assertDatasetError(() => read(enc.encode('File,CHQ\n1,2\n'), 'book.xlsx'), /not an XLSX workbook \(the file is not a ZIP archive\)/);
  assertDatasetError(() => read(new Uint8Array(), 'book.xlsx'), /empty/);
  assertDatasetError(() => read(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'book.xlsx'), /old binary Excel \(\.xls\)/);
  assertDatasetError(() => read(zipSync({ 'a.txt': enc.encode('x') }), 'book.xlsx'), /without xl\/workbook\.xml/);
  const good = xlsx({ sheets: { S: row(1, str('A1', 'a')) } });
  assertDatasetError(() => read(good.subarray(0, good.length - 30), 'book.xlsx'), /ZIP archive is damaged/);
  assertDatasetError(
    () => read(xlsx({ sheets: { S: '<row r="1">\n<c r="A1"><v>1</v></row>' } }), 'book.xlsx'),
    /xl\/worksheets\/sheet1\.xml is not well-formed XML: mismatched tag: <\/row> closes <c> \(line 3, column 19\)/,
  );
  assertDatasetError(() => read(xlsx({ sst: ['a'], sheets: { S: row(1, s('A1', 3)) } }), 'book.xlsx'), /sheet row 1: cell A1: shared string index '3' is out of range \(the table has 1 strings\)/);
  assertDatasetError(() => read(xlsx({ sheets: { S: row(1, n('B1', 'abc')) } }), 'book.xlsx'), /cell B1: numeric cell value 'abc' is not a number/);
  assertDatasetError(() => read(xlsx({ sheets: { S: row(1, '<c r="1A"><v>1</v></c>') } }), 'book.xlsx'), /r="1A" is not a valid A1-style reference/);
  assertDatasetError(
    () => read(xlsx({ sheets: { S: '' }, override: { 'xl/worksheets/sheet1.xml': null } }), 'book.xlsx'),
    /worksheet index 0 is invalid: the workbook has 0 worksheet/,
  );
  assertDatasetError(
    () => read(xlsx({ sst: ['a'], sheets: { S: '' }, override: { 'xl/sharedStrings.xml': null } }), 'book.xlsx'),
    /no part 'xl\/sharedStrings\.xml'/,
  );
  assertDatasetError(() => readXlsxRecords(xlsx({ sheets: { S: row(2000000, n('A2000000', '1')) } }), 'book.xlsx'), /sheet row 2000000: row number 2000000 is beyond Excel's maximum/);
  assertDatasetError(() => read(xlsx({ override: { '[Content_Types].xml': null } }), 'book.xlsx'), /no part '\[Content_Types\]\.xml'/);
  assert.throws(() => readXlsxFile('/nonexistent/book.xlsx'), (e: unknown) => e instanceof ClueError && e.code === 'DATASET_UNREADABLE' && e.message.includes('/nonexistent/book.xlsx'));
});

/** A python3 with pandas and openpyxl, if this machine has one (optional cross-check). */
function pandasPython(): string | undefined {
  for (const exe of [process.env['CLUE_PANDAS_PYTHON'], 'python3', '/usr/bin/python3']) {
    if (!exe) continue;
    const r = spawnSync(exe, ['-c', 'import pandas, openpyxl'], { encoding: 'utf8' });
    if (r.status === 0) return exe;
  }
  return undefined;
}
const PANDAS = pandasPython();

test('cross-check: every workbook above read by pandas.read_excel itself, when pandas is installed', { skip: !PANDAS && 'no python3 with pandas+openpyxl' }, () => {
  const checked = FIXTURES.filter((f) => f.note !== 'pandas-differs');
  assert.ok(checked.length > 30, 'the tests above registered their workbooks');
  const out = spawnSync(
    PANDAS!,
    [
      '-c',
      `import base64, io, json, math, sys, warnings
import pandas as pd
warnings.simplefilter('ignore')
def tag(v):
    if isinstance(v, bool): return ['bool', v]
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float): return ['float', 'nan' if math.isnan(v) else repr(v)]
    if isinstance(v, str): return ['str', v]
    return ['other', repr(v)]
res = {'major': int(pd.__version__.split('.')[0]), 'results': []}
for f in json.load(sys.stdin):
    try:
        df = pd.read_excel(io.BytesIO(base64.b64decode(f['b64'])), sheet_name=f['sheet'])
        res['results'].append({'columns': [str(c) for c in df.columns], 'records': [[[str(k), tag(v)] for k, v in r.items()] for r in df.to_dict('records')]})
    except Exception as e:
        res['results'].append({'error': type(e).__name__})
print(json.dumps(res))`,
    ],
    { input: JSON.stringify(checked.map((f) => ({ b64: Buffer.from(f.bytes).toString('base64'), sheet: f.options.sheet ?? 0 }))), encoding: 'utf8' },
  );
  assert.equal(out.status, 0, out.stderr);
  const ref = JSON.parse(out.stdout) as { major: number; results: ({ error: string } | { columns: string[]; records: unknown })[] };
  let compared = 0;
  checked.forEach((f, i) => {
    const theirs = ref.results[i]!;
    if (f.note === 'pandas2' && ref.major < 2) return;
    compared++;
    if (f.outcome === 'error') {
      assert.ok('error' in theirs, `fixture ${i}: we refuse it, pandas reads it`);
      return;
    }
    const ours = { columns: f.outcome.columns, records: recs(f.outcome).map((r) => r.map(([k, v]) => [k, tagged(v)])) };
    assert.deepEqual(ours, theirs, `fixture ${i}`);
  });
  assert.ok(compared > 25);
});

/** The value tagged with its Python type, floats as Python's repr. */
function tagged(v: PyValue): [string, unknown] {
  if (typeof v === 'boolean') return ['bool', v];
  if (typeof v === 'bigint') return ['int', v.toString()];
  if (typeof v === 'number') return ['float', Number.isNaN(v) ? 'nan' : pyFloatRepr(v)];
  return ['str', v];
}
