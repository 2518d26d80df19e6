import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, xmlAttr, xmlChildren, xmlDescendants, xmlFirstChild, xmlText, type XmlElement } from './xml.js';
import { DatasetError } from '../errors.js';
import { runPython } from '../test-support.js';

const SRC = { file: 'book.xlsx', part: 'xl/test.xml' };
const parse = (s: string | Uint8Array): XmlElement => parseXml(s, SRC);

/** ElementTree-style dump: {tag, attrib (sorted), text, children: [..., with tail]}. */
interface Dumped {
  tag: string;
  attrib: [string, string][];
  text: string | null;
  tail: string | null;
  children: Dumped[];
}
function dump(el: XmlElement, tail: string | null = null): Dumped {
  const children: Dumped[] = [];
  el.children.forEach((c, i) => {
    if (typeof c === 'string') return;
    const next = el.children[i + 1];
    children.push(dump(c, typeof next === 'string' ? next : null));
  });
  const name = (ns: string, local: string): string => (ns ? `{${ns}}${local}` : local);
  return {
    tag: name(el.ns, el.local),
    attrib: el.attributes.map((a): [string, string] => [name(a.ns, a.local), a.value]).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    text: xmlText(el),
    tail,
    children,
  };
}

/** Python's xml.etree.ElementTree (expat) on the same bytes, dumped the same way; 'ERROR' if it refuses. */
function pythonDump(docs: string[]): (Dumped | 'ERROR')[] {
  const out = runPython(
    `import json, sys, xml.etree.ElementTree as ET
def d(e):
    return {'tag': e.tag, 'attrib': sorted([k, v] for k, v in e.attrib.items()), 'text': e.text, 'tail': e.tail,
            'children': [d(c) for c in e]}
res = []
for doc in json.loads(sys.stdin.read()):
    try:
        root = ET.fromstring(doc.encode('utf-8'))
        r = d(root); r['tail'] = None; res.append(r)
    except ET.ParseError:
        res.append('ERROR')
print(json.dumps(res))`,
    JSON.stringify(docs),
  );
  return JSON.parse(out) as (Dumped | 'ERROR')[];
}

const docs: Record<string, string> = {
  'elements and attributes': '<a x="1" y=\'two\'><b/><c k="v">text</c>tail</a>',
  'default and prefixed namespaces': '<w xmlns="urn:m" xmlns:r="urn:r"><sheet name="S" r:id="rId1"/><r:x/></w>',
  'namespace undeclared with xmlns=""': '<a xmlns="urn:m"><b xmlns=""><c/></b></a>',
  'predefined entities': '<a v="&lt;&amp;&gt;&quot;&apos;">&lt;tag&gt; &amp; &quot;q&quot; &apos;s&apos;</a>',
  'character references': '<a>&#65;&#x42;&#x1F600;&#233;</a>',
  'CDATA joined with text': '<a>x<![CDATA[<not & markup>]]>y</a>',
  'comments and PIs dropped, text joined': '<a>one<!-- c -->two<?pi data?>three<b/>t1<!--x-->t2</a>',
  'CRLF and lone CR in text': '<a>line1\r\nline2\rline3\n</a>',
  'char ref CR survives': '<a>x&#13;&#10;y&#13;z</a>',
  'attribute whitespace normalised': '<a v="a\tb\r\nc\nd" w="&#9;&#10;&#13;"/>',
  'xml:space attribute': '<t xml:space="preserve">  padded  </t>',
  'declaration and BOM-less UTF-8': '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a>µ é 😀</a>',
  'whitespace around root': '\n  <a/>\n  <!-- after -->\n',
  'mismatched tag': '<a><b></a></b>',
  'undefined entity': '<a>&nbsp;</a>',
  'bare ampersand': '<a>AT&T</a>',
  'invalid char ref': '<a>&#1;</a>',
  'raw control char': '<a>\u0001</a>',
  'duplicate attribute': '<a x="1" x="2"/>',
  'duplicate attribute through namespaces': '<a xmlns:p="urn:x" xmlns:q="urn:x" p:k="1" q:k="2"/>',
  'unbound prefix': '<p:a/>',
  'two roots': '<a/><b/>',
  'text after root': '<a/>junk',
  'lt in attribute': '<a x="<"/>',
  'cdata end in text': '<a>]]></a>',
  'unclosed root': '<a><b/>',
  'empty document': '',
};

test('parseXml matches Python ElementTree on the same documents (structure, text, tails, errors)', () => {
  const names = Object.keys(docs);
  const expected = pythonDump(Object.values(docs));
  names.forEach((name, i) => {
    let got: Dumped | 'ERROR';
    try {
      got = dump(parse(docs[name]!));
    } catch (e) {
      assert.ok(e instanceof DatasetError, `${name}: ${String(e)}`);
      got = 'ERROR';
    }
    assert.deepEqual(got, expected[i], name);
  });
});

test('end-of-line normalisation: CRLF/CR become LF, &#13; stays CR, attributes get spaces', () => {
  const root = parse('<a v="1\r\n2\r3\t4" w="&#13;&#10;">x\r\ny\rz&#13;</a>');
  assert.equal(xmlText(root), 'x\ny\nz\r');
  assert.equal(xmlAttr(root, 'v'), '1 2 3 4');
  assert.equal(xmlAttr(root, 'w'), '\r\n');
});

test('helpers: children, first child, descendants, namespaced attributes', () => {
  const root = parse('<w xmlns="urn:m" xmlns:r="urn:r"><s r:id="a"/><x><s r:id="b"/></x><s r:id="c">t</s></w>');
  assert.deepEqual(xmlChildren(root, 'urn:m', 's').map((e) => xmlAttr(e, 'id', 'urn:r')), ['a', 'c']);
  assert.deepEqual(xmlDescendants(root, 'urn:m', 's').map((e) => xmlAttr(e, 'id', 'urn:r')), ['a', 'b', 'c']);
  assert.equal(xmlAttr(xmlFirstChild(root, 'urn:m', 's')!, 'id'), undefined, 'a prefixed attribute is not the unprefixed one');
  assert.equal(xmlFirstChild(root, 'urn:other', 's'), undefined);
  assert.equal(xmlText(xmlChildren(root, 'urn:m', 's')[1]!), 't');
});

test('encodings: UTF-8 BOM, UTF-16 LE/BE with BOM, declared ISO-8859-1', () => {
  const text = '<a>µé😀</a>';
  const utf8 = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
  assert.equal(xmlText(parse(utf8)), 'µé😀');
  const le = new Uint8Array(2 + text.length * 2);
  const be = new Uint8Array(2 + text.length * 2);
  le.set([0xff, 0xfe]);
  be.set([0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    le.set([u & 0xff, u >> 8], 2 + 2 * i);
    be.set([u >> 8, u & 0xff], 2 + 2 * i);
  }
  assert.equal(xmlText(parse(le)), 'µé😀');
  assert.equal(xmlText(parse(be)), 'µé😀');
  const latin = new Uint8Array([...new TextEncoder().encode('<?xml version="1.0" encoding="ISO-8859-1"?><a>'), 0xb5, 0xe9, 0x80, ...new TextEncoder().encode('</a>')]);
  assert.equal(xmlText(parse(latin)), 'µé\u0080');
});

function assertXmlError(doc: string | Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => parse(doc),
    (e: unknown) => {
      assert.ok(e instanceof DatasetError, String(e));
      assert.equal(e.location.file, 'book.xlsx');
      assert.match(e.message, /^book\.xlsx: xl\/test\.xml/);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('well-formedness errors name the part, the problem, the line and the column', () => {
  assertXmlError('<a>\n  <b>\n</a>', /mismatched tag: <\/a> closes <b> \(line 3, column 1\)/);
  assertXmlError('<a>&nbsp;</a>', /undefined entity &nbsp; \(line 1, column 4\)/);
  assertXmlError('<a>&#1;</a>', /invalid character number/);
  assertXmlError('<a>\u0001</a>', /U\+0001 is not allowed/);
  assertXmlError('<a x="1" x="2"/>', /duplicate attribute 'x'/);
  assertXmlError('<p:a/>', /unbound namespace prefix 'p'/);
  assertXmlError('<a/><b/>', /second root element/);
  assertXmlError('<a/>x', /text after the root element/);
  assertXmlError('<a><b/>', /unclosed element <a>/);
  assertXmlError('', /no root element/);
  assertXmlError('<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', /DOCTYPE declarations are not supported/);
  assertXmlError('<a x=1/>', /attribute value must be quoted/);
  assertXmlError(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), /not valid utf-8/);
  assertXmlError('<a>'.repeat(1001) + '</a>'.repeat(1001), /nested deeper than 1000 levels/);
  assertXmlError(new TextEncoder().encode('<?xml version="1.0" encoding="EBCDIC"?><a/>'), /unsupported XML encoding 'EBCDIC'/);
});

test('a large document parses in linear time', () => {
  const rows = Array.from({ length: 20000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}"><v>${i}</v></c></row>`).join('');
  const t0 = Date.now();
  const root = parse(`<sheetData>${rows}</sheetData>`);
  assert.equal(root.children.length, 20000);
  assert.ok(Date.now() - t0 < 3000, 'parsing 20000 rows took too long');
});
