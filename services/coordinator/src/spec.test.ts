import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RunSpecRecord } from '@clue/common';
import { CoordinatorError } from './errors.js';
import { DEFAULT_SAMPLING, specDigest, runIdFor, validateSpec, type RunSpecMessage } from './spec.js';
import type { DatasetDescription } from './records.js';
import { unitMessage } from './submit.js';

const SHA_MEDNLI = 'a'.repeat(64);
const SHA_MEQSUM = 'b'.repeat(64);
const registered: Record<string, DatasetDescription> = {
  [SHA_MEDNLI]: { task: 'mednli', fileName: 'mli_test_v1.jsonl', samples: 10, size: 100 },
  [SHA_MEQSUM]: { task: 'meqsum', fileName: 'x.xlsx', samples: 10, size: 100 },
};
const lookup = async (sha: string): Promise<DatasetDescription | null> => registered[sha] ?? null;
const good: RunSpecMessage = {
  name: 'nightly',
  models: ['llama-3-8b-instruct', 'meta-llama/Meta-Llama-3-70B-Instruct'],
  tasks: ['mednli', 'MeQSum'],
  datasets: { mednli: SHA_MEDNLI, meqsum: SHA_MEQSUM },
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 7 },
  maxSamples: 0,
  idempotencyKey: '',
  preset: '',
};

test('a valid spec resolves HF ids to catalog keys, normalises task ids and derives a stable key', async () => {
  const s = await validateSpec(good, lookup);
  assert.deepEqual(s.models, ['llama-3-8b-instruct', 'llama-3-70b-instruct']);
  assert.deepEqual(s.tasks, ['mednli', 'meqsum']);
  assert.deepEqual(s.datasets, { mednli: SHA_MEDNLI, meqsum: SHA_MEQSUM });
  assert.equal(s.idempotencyKey, specDigest(s));
  assert.equal((await validateSpec(good, lookup)).idempotencyKey, s.idempotencyKey);
  assert.notEqual((await validateSpec({ ...good, maxSamples: 5 }, lookup)).idempotencyKey, s.idempotencyKey);
  assert.equal((await validateSpec({ ...good, idempotencyKey: 'nightly-2026-11-25' }, lookup)).idempotencyKey, 'nightly-2026-11-25');
  assert.match(runIdFor('nightly-2026-11-25'), /^r[0-9a-f]{12}$/);
  assert.deepEqual((await validateSpec({ ...good, sampling: null }, lookup)).sampling, DEFAULT_SAMPLING);
  const preset = await validateSpec({ ...good, models: [], preset: 'clue-v3' }, lookup);
  assert.equal(preset.models.length, 25);
});

test('the spec digest is sha256 of the canonical JSON of the normalised spec, without the key (pinned: derived keys and bound keys depend on it)', async () => {
  const s = await validateSpec(good, lookup);
  const json =
    `{"name":"nightly","models":["llama-3-8b-instruct","llama-3-70b-instruct"],"tasks":["mednli","meqsum"],` +
    `"datasets":{"mednli":"${SHA_MEDNLI}","meqsum":"${SHA_MEQSUM}"},"sampling":{"temperature":0,"topP":1,"maxTokens":0,"seed":7},"maxSamples":0}`;
  assert.equal(specDigest(s), createHash('sha256').update(json).digest('hex'));
  const keyed: RunSpecRecord = { ...s, idempotencyKey: 'nightly-2026-11-25' };
  assert.equal(specDigest(keyed), specDigest(s));
  assert.equal(specDigest({ ...s, datasets: { meqsum: SHA_MEQSUM, mednli: SHA_MEDNLI } }), specDigest(s));
  const off = await validateSpec({ ...good, disableBertscore: true }, lookup);
  assert.equal(specDigest(off), createHash('sha256').update(`${json.slice(0, -1)},"disableBertscore":true}`).digest('hex'));
  for (const other of [{ ...good, maxSamples: 5 }, { ...good, name: 'other' }, { ...good, tasks: ['MeQSum', 'mednli'] }, { ...good, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 8 } }]) {
    assert.notEqual(specDigest(await validateSpec(other, lookup)), specDigest(s));
  }
});

test('several problems are reported together, each naming its field', async () => {
  await assert.rejects(
    validateSpec({ ...good, models: ['gpt-5', 'llama-3-8b-instruct'], sampling: { temperature: 3, topP: 1, maxTokens: 0, seed: 0 } }, lookup),
    (e: unknown) => {
      assert.ok(e instanceof CoordinatorError);
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.equal(e.field, 'spec.models[0]');
      assert.match(e.message, /^spec\.models\[0\]: unknown model 'gpt-5'/m);
      assert.match(e.message, /^spec\.sampling\.temperature: must be in \[0, 2\], got 3$/m);
      return true;
    },
  );
});

test('past ten problems unknown model names are counted, not each given a suggestion; known names still resolve', async () => {
  const models = [...Array.from({ length: 255 }, (_, i) => `no-such-model-${i}`), 'llama-3-8b-instruct'];
  await assert.rejects(validateSpec({ ...good, models }, lookup), (e: unknown) => {
    assert.ok(e instanceof CoordinatorError);
    const lines = e.message.split('\n');
    assert.equal(lines.filter((l) => /^spec\.models\[\d+\]: unknown model/.test(l)).length, 10);
    assert.match(e.message, /^spec\.models: 245 more unknown model name\(s\) not listed; `clue models` lists the catalog$/m);
    assert.doesNotMatch(e.message, /llama-3-8b-instruct'/, 'the known name is not a problem');
    return true;
  });
  await assert.rejects(validateSpec({ ...good, models: ['x1', 'x2', 'llama-3-8b-instruct'] }, lookup), (e: unknown) => {
    assert.ok(e instanceof CoordinatorError);
    assert.doesNotMatch(e.message, /not listed/);
    return true;
  });
});

test('disable_bertscore: kept in the record, part of the derived key only when set; units of BERTScore tasks carry bertscore unless it is set', async () => {
  const on = await validateSpec(good, lookup);
  const off = await validateSpec({ ...good, disableBertscore: true }, lookup);
  assert.equal(on.disableBertscore, undefined);
  assert.equal(off.disableBertscore, true);
  assert.notEqual(off.idempotencyKey, on.idempotencyKey, 'switching BERTScore off is another run');
  assert.equal((await validateSpec({ ...good, disableBertscore: false }, lookup)).idempotencyKey, on.idempotencyKey, 'false = the key of a spec without the field');
  const unit = (task: 'mednli' | 'meqsum') => ({ id: `r1.llama-3-8b-instruct.${task}.0`, runId: 'r1', model: 'llama-3-8b-instruct', task, shard: 0, start: 0, end: 5, state: 'queued' as const, attempts: 0, updatedAt: '' });
  const run = (spec: typeof on) => ({ id: 'r1', spec, state: 'running' as const, createdAt: '', cells: {} });
  assert.equal(unitMessage(run(on), unit('meqsum')).bertscore, true);
  assert.equal(unitMessage(run(on), unit('mednli')).bertscore, undefined);
  assert.equal(unitMessage(run(off), unit('meqsum')).bertscore, undefined);
});
