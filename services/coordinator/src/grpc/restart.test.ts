import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { KV_RUNS, KV_UNITS, startNatsServer, type UnitMessage } from '@clue/common';
import { getModel } from '@clue/tasks';
import { FakeWorker, registerSynthetic, rpc, startCoordinator, waitForRun, type TestCoordinator } from '../testing/harness.js';
import { planRun } from '../planner.js';
import { plannedUnitRecords } from '../submit.js';
import { runIdFor } from '../spec.js';
import { cellKey, type CellPlanRecord, type StoredRunRecord } from '../records.js';

interface RunReply {
  id: string;
  state: string;
  cells: { task: string; unitsTotal: number; unitsDone: number }[];
}
interface ResultsReply {
  cells: { model: string; task: string; complete: boolean; metrics: Record<string, number>; score?: number; samples: number }[];
}

const metricsFor = (unit: UnitMessage, i: number) =>
  unit.task === 'mednli' ? { metrics: { ACCURACY: i % 2 } } : { metrics: { ROUGE_L: (i % 10) / 10, ROUGE1: (i % 7) / 7, ROUGE2: (i % 5) / 5 } };

const specFor = (key: string, datasets: Record<string, string>) => ({
  name: key,
  models: ['llama-3-8b-instruct'],
  tasks: ['mednli', 'meqsum'],
  datasets,
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 1 },
  maxSamples: 0,
  idempotencyKey: key,
  preset: '',
});

/** Processes up to `n` units (null = until idle), riding out gRPC/NATS errors while things restart. */
async function work(w: FakeWorker, model: string, n: number | null, timeoutMs = 30000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let done = 0;
  let idle = 0;
  while (Date.now() < deadline && (n === null ? idle < 1 : done < n)) {
    try {
      const id = await w.processOne(model, 1000);
      if (id) {
        done++;
        idle = 0;
      } else idle++;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return done;
}

const table = (r: ResultsReply) => r.cells.map((c) => ({ task: c.task, complete: c.complete, metrics: c.metrics, score: c.score, samples: c.samples }));

test('a coordinator restart continues the run; the table equals an undisturbed run', async () => {
  const nats = await startNatsServer();
  let a: TestCoordinator | undefined = await startCoordinator(nats, { unitsTargetGpuSeconds: 0.1 });
  let b: TestCoordinator | undefined;
  try {
    const datasets = await registerSynthetic(a.clients.coordinator, ['mednli', 'meqsum'], 20);
    const reference = await rpc<{ run: RunReply }>(a.clients.coordinator, 'SubmitRun', { spec: specFor('reference', datasets) });
    const wa = new FakeWorker({ id: 'w1', nats: nats, workerApi: a.clients.workerApi, metrics: metricsFor });
    await wa.start();
    await work(wa, 'llama-3-8b-instruct', null);
    await waitForRun<RunReply>(a.clients.coordinator, reference.run.id, (r) => r.state === 'RUN_STATE_SUCCEEDED');
    const expected = table(await rpc<ResultsReply>(a.clients.coordinator, 'GetResults', { runId: reference.run.id }));

    const sub = await rpc<{ run: RunReply }>(a.clients.coordinator, 'SubmitRun', { spec: specFor('disturbed', datasets) });
    const total = sub.run.cells.reduce((s, c) => s + c.unitsTotal, 0);
    assert.ok(total >= 4, `enough units to interrupt: ${total}`);
    assert.equal(await work(wa, 'llama-3-8b-instruct', 2), 2);
    await a.stop();
    a = undefined;
    await wa.stop();

    b = await startCoordinator(nats, { unitsTargetGpuSeconds: 0.1 });
    const wb = new FakeWorker({ id: 'w1', nats: nats, workerApi: b.clients.workerApi, metrics: metricsFor });
    await wb.start();
    await work(wb, 'llama-3-8b-instruct', null);
    const run = await waitForRun<RunReply>(b.clients.coordinator, sub.run.id, (r) => r.state === 'RUN_STATE_SUCCEEDED');
    assert.equal(run.cells.reduce((s, c) => s + c.unitsDone, 0), total);
    // the two units done before the restart are not run again
    assert.equal(wb.completed.length, total - 2);
    assert.deepEqual(table(await rpc<ResultsReply>(b.clients.coordinator, 'GetResults', { runId: sub.run.id })), expected);
    await wb.stop();
  } finally {
    await a?.stop();
    await b?.stop();
    await nats.stop();
  }
});

test('recovery: a run left pending by a crash mid-submit is published on start-up; units done without cells are aggregated', async () => {
  const nats = await startNatsServer();
  let a: TestCoordinator | undefined = await startCoordinator(nats);
  let b: TestCoordinator | undefined;
  try {
    const datasets = await registerSynthetic(a.clients.coordinator, ['mednli'], 6);
    const profile = await a.coordinator.context!.datasets.profile(datasets['mednli']!);
    await a.stop();
    a = undefined;
    // What a coordinator killed right after creating the run record leaves behind: a pending run, no units.
    const spec = { name: 'crash', models: ['llama-3-8b-instruct'], tasks: ['mednli' as const], datasets, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 0 }, maxSamples: 0, idempotencyKey: 'crash' };
    const runId = runIdFor('crash');
    const [cell] = planRun(runId, [{ model: getModel('llama-3-8b-instruct'), task: 'mednli', dataset: datasets['mednli']!, profile }], { targetGpuSeconds: 120, maxSamples: 0, maxTokens: 0 });
    const plan: CellPlanRecord = { units: cell!.units.map((u) => u.id), samples: cell!.samples, model: cell!.model, task: cell!.task, dataset: cell!.dataset, bounds: cell!.bounds, gpuSeconds: cell!.gpuSeconds };
    const record: StoredRunRecord = { id: runId, spec, state: 'pending', createdAt: new Date().toISOString(), cells: { [cellKey(plan.model, plan.task)]: plan } };
    const nc = await connect(nats.connectOptions('coordinator'));
    const kvm = new Kvm(jetstream(nc));
    await (await kvm.open(KV_RUNS)).create(runId, JSON.stringify(record));

    b = await startCoordinator(nats);
    const published = await waitForRun<RunReply>(b.clients.coordinator, runId, (r) => r.state === 'RUN_STATE_RUNNING');
    assert.equal(published.cells[0]!.unitsTotal, 1);
    // A crash after the units were marked done but before the cell was written: the tick repairs it.
    const w = new FakeWorker({ id: 'w2', nats: nats, workerApi: b.clients.workerApi, metrics: metricsFor });
    await w.start();
    const consumer = await jetstream(nc).consumers.get('CLUE_UNITS', 'units-llama-3-8b-instruct');
    const m = await consumer.next({ expires: 2000 });
    const unit = m!.json<UnitMessage>();
    await w.writeResults(unit);
    const units = await kvm.open(KV_UNITS);
    const [rec] = plannedUnitRecords(runId, plan, new Date().toISOString());
    await units.put(unit.unitId, JSON.stringify({ ...rec, state: 'done', resultsObject: unit.unitId }));
    await m!.ackAck();
    const run = await waitForRun<RunReply>(b.clients.coordinator, runId, (r) => r.state === 'RUN_STATE_SUCCEEDED', 10000);
    assert.equal(run.cells[0]!.unitsDone, 1);
    const res = await rpc<ResultsReply>(b.clients.coordinator, 'GetResults', { runId });
    assert.equal(res.cells[0]!.metrics['ACCURACY'], 3 / 6);
    await w.stop();
    await nc.close();
  } finally {
    await a?.stop();
    await b?.stop();
    await nats.stop();
  }
});

test('nats-server killed and restarted on the same store and port: the coordinator reconnects and the run completes', async () => {
  const first = await startNatsServer();
  let nats = first;
  const c = await startCoordinator(first, { unitsTargetGpuSeconds: 0.1 });
  try {
    const datasets = await registerSynthetic(c.clients.coordinator, ['mednli', 'meqsum'], 20);
    const sub = await rpc<{ run: RunReply }>(c.clients.coordinator, 'SubmitRun', { spec: specFor('nats-restart', datasets) });
    const total = sub.run.cells.reduce((s, x) => s + x.unitsTotal, 0);
    const w = new FakeWorker({ id: 'w3', nats: first, workerApi: c.clients.workerApi, metrics: metricsFor });
    await w.start();
    assert.equal(await work(w, 'llama-3-8b-instruct', 2), 2);
    await first.kill();
    nats = await startNatsServer({ storeDir: first.storeDir, port: first.port, security: first.security });
    await work(w, 'llama-3-8b-instruct', null, 60000);
    const run = await waitForRun<RunReply>(c.clients.coordinator, sub.run.id, (r) => r.state === 'RUN_STATE_SUCCEEDED', 30000);
    assert.equal(run.cells.reduce((s, x) => s + x.unitsDone, 0), total);
    const res = await rpc<ResultsReply>(c.clients.coordinator, 'GetResults', { runId: sub.run.id });
    assert.ok(res.cells.every((x) => x.complete));
    await w.stop();
  } finally {
    await c.stop();
    await nats.stop();
    await first.stop();
  }
});
