import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { DEAD_STREAM, type UnitMessage } from '@clue/common';
import { aggregateSamples, bertBatchScores, levelScores, taskScore } from '@clue/tasks';
import { FakeWorker, fakeBertScore, registerSynthetic, rpc, startCluster, waitForRun, type TestCluster } from '../testing/harness.js';

let c: TestCluster;
let datasets: Record<string, string>;

before(async () => {
  c = await startCluster();
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli', 'meqsum', 'longhealth'], 9);
});
after(async () => {
  await c?.stop();
});

interface RunReply {
  id: string;
  state: string;
  reason: string;
  samplesDone: number;
  samplesTotal: number;
  cells: { model: string; task: string; state: string; unitsTotal: number; unitsDone: number; unitsFailed: number; reason: string }[];
}
interface ResultsReply {
  state: string;
  cells: { model: string; task: string; complete: boolean; metrics: Record<string, number>; notComputed: Record<string, string>; score?: number; missingReason: string; samples: number }[];
  models: { model: string; level1?: number; level2?: number }[];
}

/** Deterministic per-sample metrics the fake worker reports. */
function metricsFor(unit: UnitMessage, i: number): { metrics: Record<string, number>; subtask?: number } {
  if (unit.task === 'mednli') return { metrics: { ACCURACY: i % 3 === 0 ? 1 : 0 } };
  if (unit.task === 'longhealth') {
    const sub = i < 45 ? 1 : i < 90 ? 2 : 3; // 9 questions: 45 task-1 prompts, then 45 + 45
    return { metrics: { [`Task${sub}_Accuracy`]: i % 4 === 0 ? 0 : 100 }, subtask: sub };
  }
  return { metrics: { ROUGE_L: ((i * 37) % 100) / 100, ROUGE1: ((i * 53) % 100) / 100, ROUGE2: ((i * 11) % 100) / 100 } };
}

const spec = (key: string, tasks: string[], model = 'llama-3-8b-instruct') => ({
  name: key,
  models: [model],
  tasks,
  datasets: Object.fromEntries(tasks.map((t) => [t, datasets[t]])),
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 1 },
  maxSamples: 0,
  idempotencyKey: key,
  preset: '',
});

test('a full run: aggregated cells equal @clue/tasks on the same samples; watch ends when final', async () => {
  const sub = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec: spec('full', ['mednli', 'meqsum', 'longhealth']) });
  const runId = sub.run.id;
  const seen: string[] = [];
  const stream = (c.clients.coordinator as unknown as { WatchRun(req: unknown): ClientReadableStream<RunReply> }).WatchRun({ runId });
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('data', (r: RunReply) => seen.push(r.state));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const w = new FakeWorker({ id: 'w-full', nats: c.nats, workerApi: c.clients.workerApi, metrics: metricsFor });
  await w.start();
  await w.drain();
  await ended;
  assert.equal(seen[0], 'RUN_STATE_RUNNING');
  assert.equal(seen.at(-1), 'RUN_STATE_SUCCEEDED');
  const run = await rpc<RunReply>(c.clients.coordinator, 'GetRun', { runId });
  assert.equal(run.samplesDone, run.samplesTotal);
  const res = await rpc<ResultsReply>(c.clients.coordinator, 'GetResults', { runId });
  assert.equal(res.state, 'RUN_STATE_SUCCEEDED');
  const byTask = new Map(res.cells.map((x) => [x.task, x]));
  const n = { mednli: 9, meqsum: 9, longhealth: 135 };
  const fake = (task: string, i: number) => metricsFor({ task } as UnitMessage, i);
  const mednli = aggregateSamples('mednli', Array.from({ length: n.mednli }, (_, i) => fake('mednli', i).metrics));
  assert.equal(byTask.get('mednli')!.metrics['ACCURACY'], mednli['ACCURACY']!.value);
  // MeQSum units carry BERTScore statistics (the fake worker's fakeBertScore): bert_score's batches over them.
  const stats = Array.from({ length: n.meqsum }, (_, i) => fakeBertScore(i));
  const bert = bertBatchScores(stats.map((s) => ({ p: s.p!, r: s.r!, pPad: s.pPad!, rPad: s.rPad!, hypLen: s.hypTokens, refLen: s.refTokens })));
  const meq = aggregateSamples('meqsum', Array.from({ length: n.meqsum }, (_, i) => ({ ...fake('meqsum', i).metrics, BERT_P: bert.p[i]!, BERT_R: bert.r[i]!, BERT_F1: bert.f[i]! })));
  for (const k of ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_P', 'BERT_R', 'BERT_F1']) assert.equal(byTask.get('meqsum')!.metrics[k], meq[k]!.value, k);
  const values = Object.fromEntries(Object.entries(meq).map(([k, v]) => [k, v.value]));
  assert.equal(byTask.get('meqsum')!.score, taskScore('meqsum', values).score);
  assert.deepEqual(taskScore('meqsum', values).missing, [], 'BERT F1 is in the task score');
  assert.equal(byTask.get('meqsum')!.notComputed['BERT_F1'], undefined);
  for (const t of [1, 2, 3]) {
    const rows = Array.from({ length: n.longhealth }, (_, i) => fake('longhealth', i)).filter((r) => r.subtask === t).map((r) => r.metrics);
    assert.equal(byTask.get('longhealth')!.metrics[`Task${t}_Accuracy`], aggregateSamples('longhealth', rows)[`Task${t}_Accuracy`]!.value);
  }
  assert.equal(byTask.get('longhealth')!.samples, 135);
  // levels need all three tasks of a level: not here
  assert.deepEqual(res.models, [{ model: 'llama-3-8b-instruct' }]);
  assert.equal(levelScores({}).level1, null);
  await w.stop();
});

test('completing a unit twice: the second is accepted=false and the unit is counted once', async () => {
  const sub = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec: spec('twice', ['mednli'], 'mistral-7b-instruct-v0-2') });
  const w = new FakeWorker({ id: 'w-twice', nats: c.nats, workerApi: c.clients.workerApi, metrics: metricsFor });
  await w.start();
  const nc = await connect(c.nats.connectOptions('coordinator'));
  const consumer = await jetstream(nc).consumers.get('CLUE_UNITS', 'units-mistral-7b-instruct-v0-2');
  const m = await consumer.next({ expires: 2000 });
  assert.ok(m);
  const unit = m.json<UnitMessage>();
  assert.equal(unit.runId, sub.run.id);
  await w.writeResults(unit);
  const req = { workerId: 'w-twice', unitId: unit.unitId, resultsObject: unit.unitId, samples: unit.end - unit.start };
  const [a, b] = await Promise.all([rpc<{ accepted: boolean }>(c.clients.workerApi, 'CompleteUnit', req), rpc<{ accepted: boolean }>(c.clients.workerApi, 'CompleteUnit', req)]);
  assert.deepEqual([a.accepted, b.accepted].sort(), [false, true]);
  const again = await rpc<{ accepted: boolean }>(c.clients.workerApi, 'CompleteUnit', req);
  assert.equal(again.accepted, false);
  await m.ackAck();
  await w.drain();
  const run = await waitForRun<RunReply>(c.clients.coordinator, sub.run.id, (r) => r.state === 'RUN_STATE_SUCCEEDED');
  assert.equal(run.samplesDone, 9);
  assert.equal(run.cells[0]!.unitsDone, run.cells[0]!.unitsTotal);
  const counted = await c.coordinator.context!.metrics.samplesCompleted.get();
  assert.equal(counted.values.find((v) => v.labels['model'] === 'mistral-7b-instruct-v0-2')?.value, 9);
  await nc.close();
  await w.stop();
});

test('a deterministic failure dead-letters the unit and the run ends PARTIAL naming the cell and reason', async () => {
  const sub = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec: spec('partial', ['mednli', 'meqsum'], 'zephyr-7b-beta') });
  const w = new FakeWorker({
    id: 'w-partial',
    nats: c.nats,
    workerApi: c.clients.workerApi,
    metrics: metricsFor,
    outcome: (u) => (u.task === 'meqsum' ? { fail: 'deterministic', reason: 'bad record 4: empty CHQ' } : 'complete'),
  });
  await w.start();
  await w.drain();
  const run = await waitForRun<RunReply>(c.clients.coordinator, sub.run.id, (r) => r.state === 'RUN_STATE_PARTIAL');
  assert.match(run.reason, /1 of 2 cell\(s\) failed: zephyr-7b-beta\/meqsum: .*bad record 4: empty CHQ/);
  const cell = run.cells.find((x) => x.task === 'meqsum')!;
  assert.equal(cell.state, 'failed');
  assert.equal(cell.unitsFailed, cell.unitsTotal);
  const res = await rpc<ResultsReply>(c.clients.coordinator, 'GetResults', { runId: sub.run.id });
  const missing = res.cells.find((x) => x.task === 'meqsum')!;
  assert.equal(missing.complete, false);
  assert.match(missing.missingReason, /bad record 4: empty CHQ/);
  assert.equal(res.cells.find((x) => x.task === 'mednli')!.complete, true);

  const nc = await connect(c.nats.connectOptions('coordinator'));
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(DEAD_STREAM);
  assert.equal(info.state.messages, cell.unitsTotal);
  const last = await jsm.streams.getMessage(DEAD_STREAM, { last_by_subj: 'clue.dead.zephyr-7b-beta.meqsum' });
  const letter = last!.json<{ unitId: string; reason: string; kind: string; runId: string }>();
  assert.equal(letter.kind, 'deterministic');
  assert.equal(letter.reason, 'bad record 4: empty CHQ');
  assert.equal(letter.runId, sub.run.id);
  await nc.close();
  await w.stop();
});

test('error failures spend attempts; infrastructure failures do not', async () => {
  const sub = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec: { ...spec('attempts', ['mednli'], 'phi-3-mini-128k-instruct'), maxSamples: 2 } });
  const runId = sub.run.id;
  const unitId = `${runId}.phi-3-mini-128k-instruct.mednli.0`;
  const fail = (kind: string) => rpc<{ deadLettered: boolean }>(c.clients.workerApi, 'FailUnit', { workerId: 'w-x', unitId, kind, reason: `${kind} boom` });
  await rpc(c.clients.workerApi, 'Register', { workerId: 'w-x', gpus: [{ index: 0, gpuClass: 'H100-80GB', memoryGib: 80 }] });
  for (let i = 0; i < 5; i++) assert.equal((await fail('infrastructure')).deadLettered, false);
  assert.equal((await fail('error')).deadLettered, false);
  assert.equal((await fail('error')).deadLettered, false);
  assert.equal((await fail('error')).deadLettered, true); // --max-attempts 3
  assert.equal((await fail('error')).deadLettered, true); // already failed: idempotent
  const run = await waitForRun<RunReply>(c.clients.coordinator, runId, (r) => r.state === 'RUN_STATE_FAILED');
  assert.match(run.reason, /failed 3 attempt\(s\); last: error boom/);
  await assert.rejects(fail('bogus'), /kind: must be one of infrastructure, deterministic, error/);
});

test('cancel: the run is CANCELLED, its units are failed so workers skip them, its queued messages purged', async () => {
  const nc = await connect(c.nats.connectOptions('coordinator'));
  const jsm = await jetstreamManager(nc);
  const sub = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec: spec('cancel-me', ['longhealth'], 'biomistral-7b') });
  const subject = 'clue.units.biomistral-7b.longhealth';
  const queued = async (): Promise<number> => {
    const info = await jsm.streams.info('CLUE_UNITS', { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };
  assert.equal(await queued(), sub.run.cells[0]!.unitsTotal);
  const run = await rpc<RunReply>(c.clients.coordinator, 'CancelRun', { runId: sub.run.id, reason: 'wrong datasets' });
  assert.equal(run.state, 'RUN_STATE_CANCELLED');
  assert.equal(run.reason, 'cancelled: wrong datasets');
  assert.ok(run.cells.every((x) => x.state === 'failed'));
  const again = await rpc<RunReply>(c.clients.coordinator, 'CancelRun', { runId: sub.run.id, reason: 'twice' });
  assert.equal(again.reason, 'cancelled: wrong datasets');
  assert.equal(await queued(), 0);
  const results = await rpc<ResultsReply>(c.clients.coordinator, 'GetResults', { runId: sub.run.id });
  assert.equal(results.cells[0]!.missingReason, 'cancelled: wrong datasets');
  await nc.close();
});
