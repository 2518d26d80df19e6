import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { RESULTS_SCHEMA_FILE, RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION, resultsDocument } from './json-export.js';
import type { ResultsMsg } from './shapes.js';
import type { RunReply } from '../run-data.js';

const schema = JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')) as { $id: string };
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const errorsOf = (doc: unknown): string => (validate(doc) ? '' : ajv.errorsText(validate.errors));

const sha = (c: string): string => c.repeat(64);
const run: RunReply = {
  id: 'r0123456789ab',
  state: 'RUN_STATE_PARTIAL',
  createdAt: '2026-12-04T01:00:00.000Z',
  finishedAt: '2026-12-04T03:00:00.000Z',
  reason: '1 cell failed',
  spec: {
    name: 'nightly',
    models: ['llama-3-70b-instruct', 'mistral-7b-v0-1'],
    tasks: ['mednli', 'meqsum'],
    datasets: { mednli: sha('a'), meqsum: sha('b') },
    sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 7 },
    maxSamples: 0,
    idempotencyKey: 'nightly-2026-12-04',
    preset: '',
  },
};
const results: ResultsMsg = {
  runId: run.id,
  state: run.state,
  cells: [
    { model: 'llama-3-70b-instruct', task: 'mednli', complete: true, metrics: { ACCURACY: 0.7937 }, notComputed: {}, score: 79.37, missingReason: '', samples: 1419, gpuSeconds: 12.5, unitsFailed: 0, unitsTotal: 3 },
    {
      model: 'llama-3-70b-instruct',
      task: 'meqsum',
      complete: true,
      metrics: { ROUGE_L: 0.3657, ROUGE1: 0.402, ROUGE2: 0.193 },
      notComputed: { BERT_F1: 'not computed: switched off by the spec' },
      score: 32.02,
      missingReason: '',
      samples: 997,
      gpuSeconds: 30,
      unitsFailed: 0,
      unitsTotal: 2,
    },
    { model: 'mistral-7b-v0-1', task: 'mednli', complete: false, metrics: {}, notComputed: {}, missingReason: 'unit dead-lettered: bad data', samples: 0, gpuSeconds: 0, unitsFailed: 1, unitsTotal: 3 },
    { model: 'mistral-7b-v0-1', task: 'meqsum', complete: true, metrics: { ROUGE_L: 0.0628, ROUGE1: 0.0786, ROUGE2: 0.0249 }, notComputed: {}, score: 5.54, missingReason: '', samples: 997, gpuSeconds: 20, unitsFailed: 0, unitsTotal: 2 },
  ],
  models: [{ model: 'llama-3-70b-instruct', level1: 55.7 }, { model: 'mistral-7b-v0-1' }],
};

test('the results document matches its schema and carries the run, its versions, spec, dataset hashes and every cell', () => {
  const doc = resultsDocument(run, results, '2026-12-04T04:00:00.000Z');
  assert.equal(errorsOf(doc), '');
  assert.equal(doc.$schema, RESULTS_SCHEMA_ID);
  assert.equal(doc.$schema, schema.$id);
  assert.equal(doc.schema_version, RESULTS_SCHEMA_VERSION);
  assert.deepEqual(doc.run, { id: run.id, name: 'nightly', state: 'partial', created_at: run.createdAt, finished_at: run.finishedAt, reason: '1 cell failed' });
  assert.match(doc.versions.clue_orchestrator, /^\d+\.\d+\.\d+/);
  assert.deepEqual(doc.datasets, { mednli: { sha256: sha('a') }, meqsum: { sha256: sha('b') } });
  assert.deepEqual(doc['n-shot'], { mednli: 3, meqsum: 3 });
  assert.equal(doc.config.idempotency_key, 'nightly-2026-12-04');
  assert.equal(doc.config.sampling['seed'], 7);
  assert.equal(doc.models['llama-3-70b-instruct']!.hf_id, 'meta-llama/Meta-Llama-3-70B-Instruct');
  // Exact values, in CLUE's units, and levels that are absent stay null.
  assert.equal(doc.results['llama-3-70b-instruct']!['mednli']!.metrics['ACCURACY'], 0.7937);
  assert.equal(doc.results['llama-3-70b-instruct']!['meqsum']!.not_computed['BERT_F1'], 'not computed: switched off by the spec');
  assert.deepEqual(doc.levels['llama-3-70b-instruct'], { level1: 55.7, level2: null, clue_avg: null });
  assert.deepEqual(doc.levels['mistral-7b-v0-1'], { level1: null, level2: null, clue_avg: null });
  assert.equal(doc.results['mistral-7b-v0-1']!['mednli']!.score, null);
  assert.deepEqual(doc.failures, [{ model: 'mistral-7b-v0-1', task: 'mednli', units_failed: 1, reason: 'unit dead-lettered: bad data' }]);
  assert.deepEqual(doc['n-samples']['mistral-7b-v0-1'], { mednli: { effective: 0 }, meqsum: { effective: 997 } });
  assert.deepEqual(doc.totals, { cells: 4, cells_complete: 3, samples: 3413, gpu_seconds: 62.5 });
});

test('the schema refuses what a consumer must not see: a numeric score as text, an unknown task, a missing field, a level over 100', () => {
  const base = (): ReturnType<typeof resultsDocument> => resultsDocument(run, results, '2026-12-04T04:00:00.000Z');
  const a = base();
  (a.results['llama-3-70b-instruct']!['mednli'] as unknown as { score: string }).score = '79.37';
  assert.match(errorsOf(a), /score/);
  const b = base() as unknown as { results: Record<string, Record<string, unknown>> };
  b.results['mistral-7b-v0-1']!['medqa'] = b.results['mistral-7b-v0-1']!['meqsum'];
  assert.match(errorsOf(b), /property name|propertyName/i);
  const c = base() as unknown as Record<string, unknown>;
  delete c['levels'];
  assert.match(errorsOf(c), /levels/);
  const d = base();
  d.levels['llama-3-70b-instruct']!.level1 = 5570;
  assert.match(errorsOf(d), /level1/);
});
