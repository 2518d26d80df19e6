import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, CSV_FIELD_SIZE_LIMIT } from './csv.js';
import { DatasetError } from '../errors.js';
import { runPython } from '../test-support.js';

/** Python's csv.reader over the same text, blank rows dropped (we skip them on purpose). */
function pythonRows(text: string): string[][] {
  const out = runPython(
    `import csv, io, json, sys
data = sys.stdin.buffer.read().decode('utf-8')
rows = [r for r in csv.reader(io.StringIO(data, newline='')) if r != []]
print(json.dumps(rows))`,
    text,
  );
  return JSON.parse(out) as string[][];
}

const cases: Record<string, string> = {
  simple: 'a,b,c\r\n1,2,3\r\n',
  lf: 'a,b\n1,2\n',
  'lone cr': 'a,b\r1,2\r',
  'no final newline': 'a,b\r\n1,2',
  'quoted multi-line': 'id,text\r\n1,"line one\r\nline two\nthree\rfour"\r\n2,x\r\n',
  'doubled quotes': 'a,b\r\n"he said ""hi""",2\r\n',
  'text after closing quote': 'a,b\r\n"ab"c,"x" y\r\n',
  'quote inside unquoted field': 'a,b\r\nab"c,d"\r\n',
  'empty fields': ',,\r\n,"",\r\n',
  'blank lines': 'a,b\r\n\r\n1,2\r\n\n\n3,4\r\n',
  'short and long rows': 'a,b,c\r\n1\r\n1,2,3,4,5\r\n',
  'spaces kept': ' a , b \r\n "x" ,y\r\n',
  unicode: 'a,b\r\nµg,°C é\r\n',
  'trailing comma': 'a,b,\r\n1,2,\r\n',
  'quoted comma and semicolons': 'a,Summary\r\n"x, y","Dx1;Dx2;"\r\n',
};

for (const [name, text] of Object.entries(cases)) {
  test(`parseCsv equals python csv.reader: ${name}`, () => {
    assert.deepEqual(
      parseCsv(text, 't.csv').map((r) => r.fields),
      pythonRows(text),
    );
  });
}

test('rows carry the line they start on', () => {
  const rows = parseCsv('h1,h2\r\n"a\r\nb",c\r\nd,e\r\n', 't.csv');
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 4]);
});

test('unterminated quote is an error naming file and line', () => {
  assert.throws(
    () => parseCsv('a,b\r\n1,"open\r\nmore\r\n', 'bad.csv'),
    (e: unknown) => e instanceof DatasetError && /bad\.csv/.test(e.message) && /line 2/.test(e.message) && /unterminated/.test(e.message),
  );
});

test('fields over the Python field size limit are rejected', () => {
  const big = 'x'.repeat(CSV_FIELD_SIZE_LIMIT + 1);
  assert.throws(() => parseCsv(`a\r\n${big}\r\n`, 'big.csv'), /field limit/);
  assert.equal(parseCsv(`a\r\n${'x'.repeat(CSV_FIELD_SIZE_LIMIT)}\r\n`, 'ok.csv').length, 2);
});
