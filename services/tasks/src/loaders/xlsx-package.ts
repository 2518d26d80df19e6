/**
 * The OOXML package layer of an XLSX workbook, read the way openpyxl's `load_workbook(read_only=True,
 * data_only=True)` (as called by pandas) reads it: the ZIP container, `[Content_Types].xml`, the workbook
 * part and its relationships (sheet order and sheet parts), the shared strings table and the cell styles
 * that make a number a date.
 */
import { unzipSync } from 'fflate';
import { DatasetError } from '../errors.js';
import { parseXml, xmlAttr, xmlChildElements, xmlDescendants, xmlText, type XmlElement } from './xml.js';

/** SpreadsheetML main namespace (transitional), the one openpyxl matches cell and row tags against. */
export const SHEET_MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const CT = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
const WORKBOOK_TYPES = [
  'application/vnd.ms-excel.template.macroEnabled.main+xml',
  `${CT}.template.main+xml`,
  'application/vnd.ms-excel.sheet.macroEnabled.main+xml',
  `${CT}.sheet.main+xml`,
];
const SHARED_STRINGS_TYPE = `${CT}.sharedStrings+xml`;

/** A ZIP archive whose members are decompressed on demand. */
export class ZipPackage {
  /** Member names in archive order (openpyxl's `valid_files`). */
  readonly names: readonly string[];
  private readonly nameSet: ReadonlySet<string>;

  constructor(
    private readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    const names: string[] = [];
    this.unzip(() => {}, (n) => (names.push(n), false));
    this.names = names;
    this.nameSet = new Set(names);
  }

  /** Whether the archive has a member with exactly this name. */
  has(name: string): boolean {
    return this.nameSet.has(name);
  }

  /** The bytes of a member; a missing member is an error that says who wanted it. */
  read(name: string, wantedBy: string): Uint8Array {
    if (!this.has(name)) throw new DatasetError({ file: this.file }, `the workbook has no part '${name}' (${wantedBy})`);
    let out: Uint8Array | undefined;
    this.unzip((files) => (out = files[name]), (n) => n === name);
    if (!out) throw new DatasetError({ file: this.file }, `cannot extract part '${name}' from the ZIP archive`);
    return out;
  }

  /** Parses a member as XML. */
  readXml(name: string, wantedBy: string): XmlElement {
    return parseXml(this.read(name, wantedBy), { file: this.file, part: name });
  }

  private unzip(take: (files: Record<string, Uint8Array>) => void, filter: (name: string) => boolean): void {
    try {
      take(unzipSync(this.bytes, { filter: (f) => filter(f.name) }));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new DatasetError({ file: this.file }, `not a readable XLSX file: the ZIP archive is damaged (${why})`, { cause: e });
    }
  }
}

/** Opens the container as pandas would choose it: a ZIP (PK signature) holding `xl/workbook.xml`. */
export function openXlsxPackage(bytes: Uint8Array, file: string): ZipPackage {
  const sig = (...b: number[]): boolean => b.every((x, i) => bytes[i] === x);
  if (sig(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) {
    throw new DatasetError({ file }, 'this is an old binary Excel (.xls) file; only .xlsx workbooks are supported');
  }
  if (!sig(0x50, 0x4b, 0x03, 0x04)) {
    throw new DatasetError({ file }, bytes.length === 0 ? 'the file is empty, not an XLSX workbook' : 'not an XLSX workbook (the file is not a ZIP archive)');
  }
  const pkg = new ZipPackage(bytes, file);
  const lower = new Set(pkg.names.map((n) => n.replace(/\\/g, '/').toLowerCase()));
  if (!lower.has('xl/workbook.xml')) {
    const what = lower.has('xl/workbook.bin') ? 'a binary .xlsb workbook, which is not supported' : lower.has('content.xml') ? 'an OpenDocument spreadsheet, which is not supported' : 'a ZIP archive without xl/workbook.xml';
    throw new DatasetError({ file }, `not an XLSX workbook: ${what}`);
  }
  return pkg;
}

/** A sheet of the workbook, in workbook order. */
export interface SheetEntry {
  readonly name: string;
  /** The worksheet part inside the package. */
  readonly part: string;
  readonly kind: 'worksheet' | 'chartsheet';
}

/** The workbook as openpyxl sees it: its sheets, shared strings and date styles. */
export interface XlsxWorkbook {
  readonly pkg: ZipPackage;
  /** Sheets whose part exists, in workbook order (openpyxl's `_sheets`). */
  readonly sheets: readonly SheetEntry[];
  readonly sharedStrings: readonly string[];
  /** Indexes into `cellXfs` whose number format is a date, time or duration. */
  readonly dateStyles: ReadonlySet<number>;
}

const local = (el: XmlElement, name: string): XmlElement[] => xmlChildElements(el).filter((c) => c.local === name);

/** Reads content types, workbook, relationships, shared strings and styles. */
export function readWorkbook(pkg: ZipPackage): XlsxWorkbook {
  const types = pkg.readXml('[Content_Types].xml', 'every OOXML package needs its content types');
  const overrides = local(types, 'Override');
  const findOverride = (ct: string): string | undefined => {
    const el = overrides.find((o) => xmlAttr(o, 'ContentType') === ct);
    return el ? (xmlAttr(el, 'PartName') ?? '').slice(1) : undefined;
  };
  let wbPart: string | undefined;
  for (const ct of WORKBOOK_TYPES) wbPart ??= findOverride(ct) || undefined;
  if (wbPart === undefined) {
    const defaults = new Set(local(types, 'Default').map((d) => xmlAttr(d, 'ContentType')));
    if (WORKBOOK_TYPES.some((t) => defaults.has(t))) wbPart = 'xl/workbook.xml';
  }
  if (wbPart === undefined) throw new DatasetError({ file: pkg.file }, '[Content_Types].xml declares no workbook part');

  const ssPart = findOverride(SHARED_STRINGS_TYPE);
  const sharedStrings = ssPart === undefined ? [] : readSharedStrings(pkg.readXml(ssPart, 'the shared strings table named in [Content_Types].xml'));

  const wb = pkg.readXml(wbPart, 'the workbook part named in [Content_Types].xml');
  const childSheets = local(wb, 'sheets').flatMap((s) => local(s, 'sheet'));
  const sheets: SheetEntry[] = [];
  let rels: Map<string, { type: string; target: string }> | undefined;
  for (const s of childSheets) {
    const name = xmlAttr(s, 'name');
    if (name === undefined) throw new DatasetError({ file: pkg.file }, `${wbPart}: a <sheet> element has no name`);
    const id = xmlAttr(s, 'id', REL_NS);
    if (!id) continue; // openpyxl drops such sheets with a warning
    rels ??= readRelationships(pkg, wbPart);
    const rel = rels.get(id);
    if (!rel) throw new DatasetError({ file: pkg.file }, `${wbPart}: sheet '${name}' refers to relationship '${id}', which is not defined`);
    if (!pkg.has(rel.target)) continue; // openpyxl skips sheets whose part is missing
    sheets.push({ name, part: rel.target, kind: rel.type.includes('chartsheet') ? 'chartsheet' : 'worksheet' });
  }
  const dateStyles = pkg.has('xl/styles.xml') ? readDateStyles(pkg.readXml('xl/styles.xml', 'styles')) : new Set<number>();
  return { pkg, sheets, sharedStrings, dateStyles };
}

/** openpyxl's `get_dependents`: relationship Id -> (Type, Target resolved to a package path). */
function readRelationships(pkg: ZipPackage, part: string): Map<string, { type: string; target: string }> {
  const slash = part.lastIndexOf('/');
  const folder = part.slice(0, slash + 1);
  const relsPath = `${folder}_rels/${part.slice(slash + 1)}.rels`;
  const root = pkg.readXml(relsPath, `the relationships of ${part}`);
  const parent = folder.replace(/\/$/, '');
  const out = new Map<string, { type: string; target: string }>();
  for (const r of local(root, 'Relationship')) {
    const id = xmlAttr(r, 'Id');
    let target = xmlAttr(r, 'Target') ?? '';
    if (xmlAttr(r, 'TargetMode') !== 'External') {
      target = target.startsWith('/') ? target.slice(1) : normPath(parent === '' ? target : `${parent}/${target}`);
    }
    if (id !== undefined && !out.has(id)) out.set(id, { type: xmlAttr(r, 'Type') ?? '', target });
  }
  return out;
}

/** Python's `posixpath.normpath` for relative paths. */
function normPath(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/') || '.';
}

/**
 * The text of a rich-text container (`<si>` or `<is>`) as openpyxl's `Text.content`: the direct `<t>`
 * (the last one if repeated) followed by the `<t>` of each `<r>` run; phonetic runs (`<rPh>`) are ignored.
 */
export function richTextContent(el: XmlElement): string {
  let plain: string | null = null;
  const runs: string[] = [];
  for (const c of xmlChildElements(el)) {
    if (c.local === 't') plain = xmlText(c);
    else if (c.local === 'r') {
      let t: string | null = null;
      for (const rc of xmlChildElements(c)) if (rc.local === 't') t = xmlText(rc);
      if (t !== null) runs.push(t);
    }
  }
  return (plain ?? '') + runs.join('');
}

/** openpyxl's `read_string_table`: every `<si>`, with the literal `x005F_` removed. */
function readSharedStrings(root: XmlElement): string[] {
  return xmlDescendants(root, SHEET_MAIN_NS, 'si').map((si) => richTextContent(si).replaceAll('x005F_', ''));
}

/** openpyxl's built-in number formats that `is_date_format` accepts (ids 14-22, 45-47). */
const BUILTIN_FORMATS: Readonly<Record<number, string>> = {
  0: 'General', 1: '0', 2: '0.00', 3: '#,##0', 4: '#,##0.00', 9: '0%', 10: '0.00%', 11: '0.00E+00', 12: '# ?/?', 13: '# ??/??',
  14: 'mm-dd-yy', 15: 'd-mmm-yy', 16: 'd-mmm', 17: 'mmm-yy', 18: 'h:mm AM/PM', 19: 'h:mm:ss AM/PM', 20: 'h:mm', 21: 'h:mm:ss',
  22: 'm/d/yy h:mm', 45: 'mm:ss', 46: '[h]:mm:ss', 47: 'mmss.0', 48: '##0.0E+0', 49: '@',
};
const STRIP_RE = /".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]/g;

/** openpyxl 3.1's `is_date_format`. */
export function isDateFormat(fmt: string | undefined): boolean {
  if (fmt === undefined) return false;
  const first = fmt.split(';')[0]!.replace(STRIP_RE, '');
  return /(?<![_\\])[dmhysDMHYS]/.test(first);
}

/** Style indexes (cellXfs order) whose number format is a date (openpyxl's `date_formats`). */
function readDateStyles(root: XmlElement): Set<number> {
  const toInt = (s: string | undefined): number => (s !== undefined && /^\s*\d+\s*$/.test(s) ? Number(s) : 0);
  const custom = new Map<number, string>();
  for (const nf of local(root, 'numFmts').flatMap((n) => local(n, 'numFmt'))) {
    custom.set(toInt(xmlAttr(nf, 'numFmtId')), xmlAttr(nf, 'formatCode') ?? '');
  }
  const out = new Set<number>();
  local(root, 'cellXfs')
    .flatMap((c) => local(c, 'xf'))
    .forEach((xf, idx) => {
      const id = toInt(xmlAttr(xf, 'numFmtId'));
      if (isDateFormat(custom.get(id) ?? BUILTIN_FORMATS[id])) out.add(idx);
    });
  return out;
}
