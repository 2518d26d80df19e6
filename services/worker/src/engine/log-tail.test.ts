import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogTail } from './log-tail.js';

test('keeps only the last N lines, joining lines split across chunks', () => {
  const t = new LogTail({ maxLines: 3 });
  t.push('one\ntw');
  t.push('o\nthree\r\nfour\nfi');
  assert.deepEqual(t.lines(), ['two', 'three', 'four']);
  t.end();
  assert.deepEqual(t.lines(), ['three', 'four', 'fi']);
  assert.deepEqual(t.last(2), ['four', 'fi']);
});

test('cuts long lines, masks secrets and drops request-content lines', () => {
  const seen: string[] = [];
  const t = new LogTail({ maxLines: 10, maxLineLength: 20, redact: ['s3cr3t'] });
  t.onLine((l) => seen.push(l));
  t.push('key s3cr3t here\n');
  t.push("INFO Received request chatcmpl-1: prompt: 'patient has fever', params: ...\n");
  t.push('x'.repeat(50) + '\n\n');
  assert.deepEqual(t.lines(), ['key *** here', 'x'.repeat(20) + '…']);
  assert.deepEqual(seen, t.lines());
});
