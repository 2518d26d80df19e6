/** GetSamples and the per-cell accounting of GetResults, over real gRPC, JetStream and a fake worker. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadClueProto, type SampleMessage, type UnitMessage } from '@clue/common';
import { FAKE_GPU_SECONDS_PER_SAMPLE, FakeWorker, clientAs, registerSynthetic, rpc, startCluster, waitForRun, type TestCluster } from '../testing/harness.js';

let c: TestCluster;
let runId: string;

const metricsFor = (unit: UnitMessage, i: number) =>
  unit.task === 'mednli' ? { metrics: { ACCURACY: i % 2 } } : { metrics: { ROUGE_L: i / 100, ROUGE1: i / 50, ROUGE2: i / 200 } };

before(async () => {
  c = await startCluster({ unitsTargetGpuSeconds: 0.05 });
  const datasets = await registerSynthetic(c.clients.coordinator, ['mednli', 'meqsum'], 7);
  const spec = { name: 'samples', models: ['llama-3-8b-instruct'], tasks: ['mednli', 'meqsum'], datasets, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 1 }, idempotencyKey: 'samples' };
  runId = (await rpc<{ run: { id: string } }>(c.clients.coordinator, 'SubmitRun', { spec })).run.id;
  const w = new FakeWorker({ id: 'w-samples', nats: c.nats, workerApi: c.clients.workerApi, metrics: metricsFor });
  await w.start();
  await w.drain();
  await w.stop();
  await waitForRun(c.clients.coordinator, runId, (r: { state: string }) => r.state === 'RUN_STATE_SUCCEEDED', 30000);
});
after(async () => {
  await c?.stop();
});

function samples(client: grpc.Client, req: unknown): Promise<SampleMessage[]> {
  const call = (client as unknown as { GetSamples(r: unknown): grpc.ClientReadableStream<SampleMessage> }).GetSamples(req);
  return new Promise((resolve, reject) => {
    const out: SampleMessage[] = [];
    call.on('data', (m: SampleMessage) => out.push(m));
    call.on('end', () => resolve(out));
    call.on('error', reject);
  });
}

test("GetSamples streams a cell's records in index order, across its units, with the metric values the worker wrote", async () => {
  const reader = clientAs(loadClueProto().Coordinator, c.address, c.nats.security, 'reader');
  try {
    const got = await samples(reader, { runId, model: 'llama-3-8b-instruct', task: 'meqsum' });
    assert.deepEqual(got.map((s) => s.index), [0, 1, 2, 3, 4, 5, 6]);
    got.forEach((s, i) => {
      assert.equal(s.metrics['ROUGE_L'], i / 100);
      assert.match(s.promptSha256, /^[0-9a-f]{64}$/);
      assert.ok(s.bertscore && s.bertscore.hypTokens > 0, 'BERTScore statistics travel along');
    });
    const mednli = await samples(reader, { runId, model: 'llama-3-8b-instruct', task: 'mednli' });
    assert.deepEqual(mednli.map((s) => s.metrics['ACCURACY']), [0, 1, 0, 1, 0, 1, 0]);
  } finally {
    reader.close();
  }
});

test('GetSamples refuses a model or task the run does not have, and an unknown run', async () => {
  await assert.rejects(samples(c.clients.coordinator, { runId, model: 'mistral-7b-instruct-v0-2', task: 'meqsum' }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^model: run \S+ has no model 'mistral-7b-instruct-v0-2'/.test(e.details));
  await assert.rejects(samples(c.clients.coordinator, { runId, model: 'llama-3-8b-instruct', task: 'longhealth' }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^task:/.test(e.details));
  await assert.rejects(samples(c.clients.coordinator, { runId: 'r000000000000', model: 'x', task: 'mednli' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
});

test("GetResults reports each cell's GPU-seconds and units", async () => {
  const res = await rpc<{ cells: { task: string; gpuSeconds: number; unitsFailed: number; unitsTotal: number; samples: number }[] }>(c.clients.coordinator, 'GetResults', { runId });
  for (const cell of res.cells) {
    assert.ok(Math.abs(cell.gpuSeconds - cell.samples * FAKE_GPU_SECONDS_PER_SAMPLE) < 1e-9, `${cell.task}: ${cell.gpuSeconds}`);
    assert.equal(cell.unitsFailed, 0);
    assert.ok(cell.unitsTotal >= 1);
  }
});
