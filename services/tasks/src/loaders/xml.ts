/**
 * A small, strict XML 1.0 parser for the parts of an OOXML package (workbook, worksheets, shared strings,
 * styles, relationships, content types). It builds a light element tree the way Python's ElementTree
 * (expat) sees the document, which is what openpyxl reads:
 *
 * - end-of-line normalisation first: `\r\n` and a lone `\r` become `\n` everywhere, so a literal CR never
 *   reaches text or attribute values, while a character reference `&#13;` still yields `\r`;
 * - attribute values: each literal tab or newline becomes a space (references are not normalised);
 * - the five predefined entities, decimal and hexadecimal character references, CDATA sections;
 * - comments and processing instructions are dropped, and text around them is joined (as ElementTree does);
 * - namespaces resolved to URIs (`xmlns`, `xmlns:p`, the predefined `xml` prefix); an unbound prefix is an
 *   error, as in expat with namespace processing;
 * - well-formedness errors (mismatched tags, undefined entities, characters XML 1.0 forbids, duplicate
 *   attributes, text outside the root, ...) are a {@link DatasetError} naming the file, the part, the line
 *   and the column. A DOCTYPE is refused: OOXML parts have none and entity declarations are unsafe.
 *
 * Encodings: UTF-8 (with or without BOM), UTF-16 (BOM), ISO-8859-1, US-ASCII and windows-1252 as declared.
 */
import { DatasetError } from '../errors.js';

/** An attribute with its namespace resolved (`ns` is '' for unprefixed attributes). */
export interface XmlAttribute {
  /** The name as written, e.g. `r:id`. */
  readonly qname: string;
  /** The local part, e.g. `id`. */
  readonly local: string;
  /** Namespace URI, '' when none. */
  readonly ns: string;
  /** The normalised value. */
  readonly value: string;
}

/** An element: its name, attributes and children (elements and text runs in document order). */
export interface XmlElement {
  readonly qname: string;
  readonly local: string;
  /** Namespace URI, '' when the element is in no namespace. */
  readonly ns: string;
  readonly attributes: readonly XmlAttribute[];
  /** Child elements and text; adjacent text, CDATA and references are merged into one string. */
  readonly children: readonly XmlNode[];
}

/** A child node: an element or a run of character data. */
export type XmlNode = XmlElement | string;

/** Names the document in error messages. */
export interface XmlSource {
  /** The dataset file (the workbook on disk). */
  readonly file: string;
  /** The part inside the package, e.g. `xl/sharedStrings.xml`. */
  readonly part: string;
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// Characters XML 1.0 does not allow anywhere (lone surrogates included).
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
// The ranges include combining marks and joiners on purpose (XML name characters), hence the disable.
// eslint-disable-next-line no-misleading-character-class
const NAME_RE = new RegExp(`[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]*`, 'uy');
const WS = new Set([' ', '\t', '\n', '\r']);
/** Deeper nesting than this is refused (OOXML parts nest a handful of levels; callers walk trees recursively). */
const MAX_DEPTH = 1000;

/** Parses a whole XML document (bytes or already decoded text) into its root element. */
export function parseXml(input: Uint8Array | string, source: XmlSource): XmlElement {
  const decoded = typeof input === 'string' ? input : decodeXmlBytes(input, source);
  const text = decoded.replace(/\r\n?/g, '\n');
  const bad = INVALID_CHAR.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0) ?? 0;
    fail(source, text, bad.index, `character U+${cp.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
  }
  return new Parser(text, source).parseDocument();
}

/** The first attribute with this local name and namespace ('' = unprefixed), or undefined. */
export function xmlAttr(el: XmlElement, local: string, ns = ''): string | undefined {
  for (const a of el.attributes) if (a.local === local && a.ns === ns) return a.value;
  return undefined;
}

/** Direct child elements with this namespace and local name. */
export function xmlChildren(el: XmlElement, ns: string, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string' && c.local === local && c.ns === ns) out.push(c);
  return out;
}

/** Direct child elements of any name. */
export function xmlChildElements(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (typeof c !== 'string') out.push(c);
  return out;
}

/** The first direct child element with this namespace and local name (ElementTree's `find`). */
export function xmlFirstChild(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  for (const c of el.children) if (typeof c !== 'string' && c.local === local && c.ns === ns) return c;
  return undefined;
}

/** ElementTree's `element.text`: the character data before the first child element, or null if none. */
export function xmlText(el: XmlElement): string | null {
  const first = el.children[0];
  return typeof first === 'string' ? first : null;
}

/** All descendant elements (not `el` itself) with this namespace and local name, in document order. */
export function xmlDescendants(el: XmlElement, ns: string, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (typeof c === 'string') continue;
      if (c.local === local && c.ns === ns) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

/** Decodes the bytes of an XML entity by BOM or encoding declaration. */
function decodeXmlBytes(bytes: Uint8Array, source: XmlSource): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  const strict = (label: string, data: Uint8Array): string => {
    try {
      return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(data);
    } catch (e) {
      throw new DatasetError({ file: source.file }, `${source.part}: not valid ${label} text`, { cause: e });
    }
  };
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) return strict('utf-8', bytes.subarray(3));
  if (b0 === 0xff && b1 === 0xfe) return strict('utf-16le', bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return strict('utf-16be', bytes.subarray(2));
  if (b0 === 0x3c && b1 === 0x00 && bytes[2] === 0x3f && bytes[3] === 0x00) return strict('utf-16le', bytes);
  if (b0 === 0x00 && b1 === 0x3c && bytes[2] === 0x00 && bytes[3] === 0x3f) return strict('utf-16be', bytes);
  // The declaration is ASCII; look for encoding="..." in it.
  let head = '';
  for (let i = 0; i < Math.min(bytes.length, 200); i++) head += String.fromCharCode(bytes[i]!);
  const m = /^<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(head);
  const enc = (m?.[1] ?? 'utf-8').toLowerCase();
  switch (enc) {
    case 'utf-8':
    case 'utf8':
      return strict('utf-8', bytes);
    case 'iso-8859-1':
    case 'iso8859-1':
    case 'latin-1':
    case 'latin1': {
      let s = '';
      for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
      return s;
    }
    case 'us-ascii':
    case 'ascii': {
      const i = bytes.findIndex((b) => b > 0x7f);
      if (i >= 0) throw new DatasetError({ file: source.file }, `${source.part}: byte 0x${bytes[i]!.toString(16)} at offset ${i} is not US-ASCII`);
      return strict('utf-8', bytes);
    }
    case 'windows-1252':
    case 'cp1252':
      return strict('windows-1252', bytes);
    default:
      throw new DatasetError({ file: source.file }, `${source.part}: unsupported XML encoding '${m?.[1] ?? enc}'`);
  }
}

/** Throws a DatasetError for a well-formedness problem at `pos` in the normalised text. */
function fail(source: XmlSource, text: string, pos: number, what: string): never {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const column = pos - lineStart + 1;
  throw new DatasetError({ file: source.file }, `${source.part} is not well-formed XML: ${what} (line ${line}, column ${column})`);
}

interface OpenElement {
  readonly qname: string;
  readonly prefix: string;
  readonly local: string;
  readonly rawAttrs: { qname: string; value: string; pos: number }[];
  readonly children: XmlNode[];
  readonly scope: Map<string, string>;
  readonly pos: number;
  text: string;
}

class Parser {
  private pos = 0;
  private readonly stack: OpenElement[] = [];
  private root: XmlElement | undefined;

  constructor(
    private readonly text: string,
    private readonly source: XmlSource,
  ) {}

  private error(what: string, at = this.pos): never {
    fail(this.source, this.text, at, what);
  }

  parseDocument(): XmlElement {
    const t = this.text;
    if (t.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (t.startsWith('<?xml', this.pos) && WS.has(t[this.pos + 5] ?? '')) this.skipDeclaration();
    const n = t.length;
    let amp = t.indexOf('&', this.pos);
    while (this.pos < n) {
      const lt = t.indexOf('<', this.pos);
      if (amp !== -1 && amp < this.pos) amp = t.indexOf('&', this.pos);
      const stop = lt === -1 ? (amp === -1 ? n : amp) : amp === -1 ? lt : Math.min(lt, amp);
      if (stop > this.pos) this.addText(t.slice(this.pos, stop), this.pos);
      this.pos = stop;
      if (stop >= n) break;
      if (t[stop] === '&') {
        const at = this.pos;
        this.addText(this.reference(), at);
      } else if (t.startsWith('<!--', stop)) this.comment();
      else if (t.startsWith('<![CDATA[', stop)) this.cdata();
      else if (t.startsWith('<!', stop)) this.error(t.startsWith('<!DOCTYPE', stop) ? 'DOCTYPE declarations are not supported' : 'invalid markup after <!');
      else if (t.startsWith('<?', stop)) this.processingInstruction();
      else if (t.startsWith('</', stop)) this.endTag();
      else this.startTag();
    }
    if (this.stack.length > 0) {
      const open = this.stack[this.stack.length - 1]!;
      this.error(`unclosed element <${open.qname}> (opened at offset ${open.pos}) at end of document`, n);
    }
    if (!this.root) this.error('no root element', n);
    return this.root;
  }

  private skipDeclaration(): void {
    const end = this.text.indexOf('?>', this.pos);
    if (end === -1) this.error('unterminated XML declaration');
    const decl = this.text.slice(this.pos + 5, end);
    if (!/^\s+version\s*=\s*(["'])1\.[0-9]+\1/.test(decl)) this.error('XML declaration without a valid version');
    this.pos = end + 2;
  }

  private addText(s: string, at: number): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (/[^ \t\n]/.test(s)) this.error(this.root ? 'text after the root element' : 'text before the root element', at);
      return;
    }
    if (s.includes(']]>')) this.error("']]>' is not allowed in text", at + s.indexOf(']]>'));
    top.text += s;
  }

  private reference(): string {
    const t = this.text;
    const start = this.pos;
    const semi = t.indexOf(';', start);
    if (semi === -1 || semi - start > 40) this.error('& not followed by a reference (write &amp;)');
    const body = t.slice(start + 1, semi);
    this.pos = semi + 1;
    if (body.startsWith('#')) {
      const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
      if (!m) this.error(`malformed character reference &${body};`, start);
      const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
      const ch = cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      if (ch === '' || INVALID_CHAR.test(ch)) this.error(`reference to invalid character number &${body};`, start);
      return ch;
    }
    const v = PREDEFINED[body];
    if (v === undefined) this.error(`undefined entity &${body};`, start);
    return v;
  }

  private comment(): void {
    const end = this.text.indexOf('--', this.pos + 4);
    if (end === -1) this.error('unterminated comment');
    if (this.text[end + 2] !== '>') this.error("'--' is not allowed inside a comment", end);
    this.pos = end + 3;
  }

  private cdata(): void {
    const start = this.pos;
    const end = this.text.indexOf(']]>', start + 9);
    if (end === -1) this.error('unterminated CDATA section');
    const top = this.stack[this.stack.length - 1];
    if (!top) this.error('CDATA section outside the root element', start);
    top.text += this.text.slice(start + 9, end);
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    const start = this.pos;
    this.pos += 2;
    const target = this.name('processing instruction target');
    if (target.toLowerCase() === 'xml') this.error('XML declaration not at the start of the document', start);
    const end = this.text.indexOf('?>', this.pos);
    if (end === -1) this.error('unterminated processing instruction', start);
    if (end > this.pos && !WS.has(this.text[this.pos]!)) this.error('invalid processing instruction');
    this.pos = end + 2;
  }

  private name(what: string): string {
    NAME_RE.lastIndex = this.pos;
    const m = NAME_RE.exec(this.text);
    if (!m) this.error(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  private skipWs(): boolean {
    const start = this.pos;
    while (WS.has(this.text[this.pos] ?? '')) this.pos++;
    return this.pos > start;
  }

  private startTag(): void {
    const t = this.text;
    const tagPos = this.pos;
    this.pos++;
    const qname = this.name('element name');
    const rawAttrs: { qname: string; value: string; pos: number }[] = [];
    for (;;) {
      const hadWs = this.skipWs();
      const c = t[this.pos];
      if (c === '>' || c === '/') break;
      if (c === undefined) this.error(`unterminated start tag <${qname}>`, tagPos);
      if (!hadWs) this.error('whitespace required between attributes');
      const attrPos = this.pos;
      const aname = this.name('attribute name');
      this.skipWs();
      if (t[this.pos] !== '=') this.error(`attribute '${aname}' without a value`);
      this.pos++;
      this.skipWs();
      rawAttrs.push({ qname: aname, value: this.attributeValue(), pos: attrPos });
    }
    const selfClosing = t[this.pos] === '/';
    if (selfClosing && t[this.pos + 1] !== '>') this.error("expected '>' after '/'");
    this.pos += selfClosing ? 2 : 1;
    if (this.root && this.stack.length === 0) this.error('a second root element', tagPos);
    const parentScope = this.stack[this.stack.length - 1]?.scope;
    const scope = new Map(parentScope ?? [['xml', XML_NS]]);
    for (const a of rawAttrs) {
      if (a.qname === 'xmlns') scope.set('', a.value);
      else if (a.qname.startsWith('xmlns:')) {
        const p = a.qname.slice(6);
        if (a.value === '') this.error(`namespace prefix '${p}' bound to an empty URI`, a.pos);
        scope.set(p, a.value);
      }
    }
    const [prefix, local] = this.splitQName(qname, tagPos);
    const open: OpenElement = { qname, prefix, local, rawAttrs, children: [], scope, pos: tagPos, text: '' };
    if (selfClosing) this.close(open);
    else if (this.stack.length >= MAX_DEPTH) this.error(`elements nested deeper than ${MAX_DEPTH} levels`, tagPos);
    else this.stack.push(open);
  }

  private attributeValue(): string {
    const t = this.text;
    const quote = t[this.pos];
    if (quote !== '"' && quote !== "'") this.error('attribute value must be quoted');
    this.pos++;
    let value = '';
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) this.error('unterminated attribute value');
      if (c === quote) break;
      if (c === '<') this.error("'<' is not allowed in an attribute value");
      if (c === '&') value += this.reference();
      else {
        value += c === '\t' || c === '\n' ? ' ' : c;
        this.pos++;
      }
    }
    this.pos++;
    return value;
  }

  private splitQName(qname: string, at: number): [string, string] {
    const colon = qname.indexOf(':');
    if (colon === -1) return ['', qname];
    const prefix = qname.slice(0, colon);
    const local = qname.slice(colon + 1);
    if (prefix === '' || local === '' || local.includes(':')) this.error(`invalid qualified name '${qname}'`, at);
    return [prefix, local];
  }

  private endTag(): void {
    const tagPos = this.pos;
    this.pos += 2;
    const qname = this.name('element name in end tag');
    this.skipWs();
    if (this.text[this.pos] !== '>') this.error(`expected '>' to end </${qname}`);
    this.pos++;
    const open = this.stack.pop();
    if (!open) this.error(`end tag </${qname}> without a start tag`, tagPos);
    if (open.qname !== qname) this.error(`mismatched tag: </${qname}> closes <${open.qname}>`, tagPos);
    this.close(open);
  }

  /** Resolves names of a finished element and attaches it to its parent (or makes it the root). */
  private close(open: OpenElement): void {
    this.flushText(open);
    const ns = open.prefix === '' ? (open.scope.get('') ?? '') : open.scope.get(open.prefix);
    if (ns === undefined) this.error(`unbound namespace prefix '${open.prefix}'`, open.pos);
    const attributes: XmlAttribute[] = [];
    const seen = new Set<string>();
    for (const a of open.rawAttrs) {
      if (a.qname === 'xmlns' || a.qname.startsWith('xmlns:')) continue;
      const [p, local] = this.splitQName(a.qname, a.pos);
      const ans = p === '' ? '' : open.scope.get(p);
      if (ans === undefined) this.error(`unbound namespace prefix '${p}' on attribute '${a.qname}'`, a.pos);
      if (ans === XMLNS_NS) continue;
      const key = `{${ans}}${local}`;
      if (seen.has(key)) this.error(`duplicate attribute '${a.qname}'`, a.pos);
      seen.add(key);
      attributes.push({ qname: a.qname, local, ns: ans, value: a.value });
    }
    const el: XmlElement = { qname: open.qname, local: open.local, ns, attributes, children: open.children };
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      this.flushText(parent);
      parent.children.push(el);
    } else this.root = el;
  }

  private flushText(open: OpenElement): void {
    if (open.text !== '') {
      open.children.push(open.text);
      open.text = '';
    }
  }
}
