import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { UNITS_STREAM } from '@clue/common';
import { registerSynthetic, rpc, startCluster, type TestCluster } from '../testing/harness.js';

let c: TestCluster;
let datasets: Record<string, string>;

before(async () => {
  c = await startCluster();
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli', 'meqsum', 'longhealth'], 12);
});
after(async () => {
  await c?.stop();
});

interface RunReply {
  id: string;
  state: string;
  samplesTotal: number;
  cells: { model: string; task: string; unitsTotal: number; samplesTotal: number }[];
}

const goodSpec = () => ({
  name: 'smoke',
  models: ['llama-3-8b-instruct'],
  tasks: ['mednli', 'meqsum'],
  datasets: { mednli: datasets['mednli'], meqsum: datasets['meqsum'] },
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 1 },
  maxSamples: 0,
  idempotencyKey: '',
  preset: '',
});

test('RegisterDataset counts CLUE samples (LongHealth: questions x 15) and is idempotent', async () => {
  const bytes = Buffer.from(`{"sentence1": "a", "sentence2": "b", "gold_label": "entailment"}\n`.repeat(5));
  const a = await rpc<{ sha256: string; samples: number; size: number }>(c.clients.coordinator, 'RegisterDataset', { task: 'mednli', fileName: 'mli.jsonl', content: bytes });
  const b = await rpc<{ sha256: string; samples: number }>(c.clients.coordinator, 'RegisterDataset', { task: 'mednli', fileName: 'mli.jsonl', content: bytes });
  assert.equal(a.sha256, b.sha256);
  assert.equal(a.samples, 2); // 5 records - 3 few-shot
  assert.equal(a.size, bytes.length);
  const spec = { ...goodSpec(), tasks: ['longhealth'], datasets: { longhealth: datasets['longhealth'] }, idempotencyKey: 'lh-count' };
  const r = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec });
  assert.equal(r.run.cells[0]!.samplesTotal, 12 * 15);
});

test('RegisterDataset with a bad file is INVALID_ARGUMENT naming the file, record and field', async () => {
  const bad = Buffer.from(
    ['{"sentence1": "a", "sentence2": "b", "gold_label": "entailment"}', '{"sentence1": "a", "gold_label": "neutral"}', '{"sentence1": "c", "sentence2": "d", "gold_label": "neutral"}', '{"sentence1": "e", "sentence2": "f", "gold_label": "neutral"}', '{"sentence1": "g", "sentence2": "h", "gold_label": "neutral"}'].join('\n'),
  );
  await assert.rejects(rpc(c.clients.coordinator, 'RegisterDataset', { task: 'mednli', fileName: 'mli_bad.jsonl', content: bad }), (e: ServiceError) => {
    assert.equal(e.code, status.INVALID_ARGUMENT);
    assert.match(e.details, /mli_bad\.jsonl, record 2 \(line 2\), field 'sentence2'/);
    return true;
  });
  await assert.rejects(rpc(c.clients.coordinator, 'RegisterDataset', { task: 'nope', fileName: 'x', content: bad }), (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /^task: unknown task 'nope'/.test(e.details));
});

test('spec validation table: each bad field is INVALID_ARGUMENT naming it', async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown model', { models: ['llama-3-8b-instruct', 'gpt-5'] }, /^spec\.models\[1\]: unknown model 'gpt-5'/],
    ['no models', { models: [] }, /^spec\.models: at least one model/],
    ['unknown preset', { preset: 'clue-v9' }, /^spec\.preset: unknown model preset 'clue-v9'/],
    ['unknown task', { tasks: ['mednli', 'radqa'] }, /^spec\.tasks\[1\]: unknown task 'radqa'/],
    ['no tasks', { tasks: [] }, /^spec\.tasks: at least one task/],
    ['no dataset for a task', { tasks: ['mednli', 'medisumqa'] }, /^spec\.datasets\.medisumqa: no dataset given/],
    ['unregistered dataset', { datasets: { mednli: 'c'.repeat(64), meqsum: 'd'.repeat(64) } }, /^spec\.datasets\.mednli: no dataset with sha256 c{64} is registered/],
    ['not a sha256', { datasets: { mednli: 'x', meqsum: 'y' } }, /^spec\.datasets\.mednli: 'x' is not a sha256/],
    ['temperature', { sampling: { temperature: 2.5, topP: 1, maxTokens: 0, seed: 0 } }, /^spec\.sampling\.temperature: must be in \[0, 2\], got 2\.5/],
    ['top_p 0', { sampling: { temperature: 1, topP: 0, maxTokens: 0, seed: 0 } }, /^spec\.sampling\.top_p: must be in \(0, 1\], got 0/],
    ['max_tokens', { sampling: { temperature: 1, topP: 1, maxTokens: -1, seed: 0 } }, /^spec\.sampling\.max_tokens: must be a whole number from 0 to 131072 \(0 = the task's CLUE value\), got -1/],
    ['seed', { sampling: { temperature: 1, topP: 1, maxTokens: 0, seed: -5 } }, /^spec\.sampling\.seed: must be a whole number from 0 to 9007199254740991, got -5/],
    ['max_samples', { maxSamples: -1 }, /^spec\.max_samples: must be a whole number from 0 to 10000000 \(0 = all\), got -1/],
  ];
  for (const [name, patch, re] of cases) {
    await assert.rejects(rpc(c.clients.coordinator, 'SubmitRun', { spec: { ...goodSpec(), ...patch } }), (e: ServiceError) => {
      assert.equal(e.code, status.INVALID_ARGUMENT, name);
      assert.match(e.details, re, name);
      return true;
    });
  }
  const swapped = { datasets: { mednli: datasets['meqsum'], meqsum: datasets['mednli'] } };
  await assert.rejects(rpc(c.clients.coordinator, 'SubmitRun', { spec: { ...goodSpec(), ...swapped } }), (e: ServiceError) =>
    /^spec\.datasets\.mednli: dataset [0-9a-f]{64} is registered for task 'meqsum', not 'mednli'/.test(e.details),
  );
});

test('idempotent submit: the same key twice gives one run and one set of published units', async () => {
  const nc = await connect(c.nats.connectOptions('coordinator'));
  const jsm = await jetstreamManager(nc);
  const before = (await jsm.streams.info(UNITS_STREAM)).state.messages;
  const spec = { ...goodSpec(), idempotencyKey: 'nightly-2026-11-25' };
  const first = await rpc<{ run: RunReply; created: boolean }>(c.clients.coordinator, 'SubmitRun', { spec });
  assert.equal(first.created, true);
  assert.equal(first.run.state, 'RUN_STATE_RUNNING');
  const units = first.run.cells.reduce((n, cell) => n + cell.unitsTotal, 0);
  assert.ok(units >= 2);
  assert.equal(first.run.samplesTotal, 24);
  const second = await rpc<{ run: RunReply; created: boolean }>(c.clients.coordinator, 'SubmitRun', { spec });
  assert.equal(second.created, false);
  assert.equal(second.run.id, first.run.id);
  assert.equal((await jsm.streams.info(UNITS_STREAM)).state.messages - before, units);
  // a derived key: the same spec without a key is idempotent too
  const d1 = await rpc<{ run: RunReply; created: boolean }>(c.clients.coordinator, 'SubmitRun', { spec: goodSpec() });
  const d2 = await rpc<{ run: RunReply; created: boolean }>(c.clients.coordinator, 'SubmitRun', { spec: goodSpec() });
  assert.deepEqual([d1.created, d2.created, d1.run.id === d2.run.id], [true, false, true]);
  const runs = await rpc<{ runs: RunReply[] }>(c.clients.coordinator, 'ListRuns', { limit: 10 });
  assert.ok(runs.runs.some((r) => r.id === first.run.id));
  await nc.close();
});

test('unknown runs are NOT_FOUND', async () => {
  await assert.rejects(rpc(c.clients.coordinator, 'GetRun', { runId: 'r000000000000' }), (e: ServiceError) => e.code === status.NOT_FOUND && /run 'r000000000000' does not exist/.test(e.details));
  await assert.rejects(rpc(c.clients.coordinator, 'GetResults', { runId: '' }), (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /^run_id/.test(e.details));
  await assert.rejects(rpc(c.clients.coordinator, 'CancelRun', { runId: 'r404' }), (e: ServiceError) => e.code === status.NOT_FOUND);
  const stream = (c.clients.coordinator as unknown as { WatchRun(req: unknown): ClientReadableStream<unknown> }).WatchRun({ runId: 'r404' });
  const err = await new Promise<ServiceError>((resolve) => {
    stream.on('data', () => undefined);
    stream.on('error', resolve);
  });
  assert.equal(err.code, status.NOT_FOUND);
  assert.match(err.details, /run 'r404' does not exist/);
});
