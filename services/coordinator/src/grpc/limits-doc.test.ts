import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LIMITS_BEGIN, LIMITS_END, limitsMarkdown, withLimits } from './limits-doc.js';
import { REQUEST_LIMITS } from './limits.js';

const DOC = fileURLToPath(new URL('../../../../docs/limits.md', import.meta.url));

test('docs/limits.md carries the bounds table as the code has it (npm run docs:limits rewrites it)', () => {
  const doc = readFileSync(DOC, 'utf8');
  assert.equal(withLimits(doc), doc, 'docs/limits.md is behind grpc/limits.ts: run `npx tsc -b && npm run docs:limits`');
});

test('the generated table has a row for every method and names each bound', () => {
  const md = limitsMarkdown();
  for (const limits of Object.values(REQUEST_LIMITS)) {
    for (const [method, l] of Object.entries(limits)) assert.ok(md.includes(`| ${method} | (request) | ≤ `), `${method} (${l.message}) has its row`);
  }
  assert.match(md, /^\| SubmitRun \| `spec\.models` \| ≤ 256 elements \|$/m);
  assert.match(md, /^\| SubmitRun \| `spec\.models\[\]` \| ≤ 200 characters \|$/m);
  assert.match(md, /^\| GetRun \| `run_id` \| ≤ 128 characters; letters, digits, '_' and '-' only \|$/m);
  assert.match(md, /^\| RegisterDataset \| `content` \| ≤ 64 MiB \|$/m);
  assert.throws(() => withLimits(`${LIMITS_END}\n${LIMITS_BEGIN}`), /lacks the markers/);
});
