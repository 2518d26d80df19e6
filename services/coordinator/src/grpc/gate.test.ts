/**
 * RecordGateVerdict on a real coordinator (real nats-server, TLS, tokens): only operators record, only on
 * finished runs, every field is checked; the verdict shows on GetRun/ListRuns and in the
 * clue_nightly_gate_* gauges (newest night per name wins), and a restarted coordinator restores them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadClueProto, startNatsServer, type UnitMessage } from '@clue/common';
import { FakeWorker, clientAs, registerSynthetic, rpc, startCoordinator, waitForRun, type TestCoordinator } from '../testing/harness.js';

interface RunReply {
  id: string;
  state: string;
  gate?: { passed: boolean; againstRunId: string; violations: number; summary: string; recordedAt: string } | null;
}

const metricsFor = (unit: UnitMessage, i: number) => (unit.task === 'mednli' ? { metrics: { ACCURACY: i % 2 } } : { metrics: {} });
const spec = (key: string, datasets: Record<string, string>, model = 'llama-3-8b-instruct') => ({
  name: 'nightly',
  models: [model],
  tasks: ['mednli'],
  datasets,
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 1 },
  maxSamples: 0,
  idempotencyKey: key,
});

async function gauges(c: TestCoordinator): Promise<{ passed: Record<string, number>; at: Record<string, number> }> {
  const reg = c.coordinator.context!.metrics;
  const byName = async (g: typeof reg.gatePassed) => Object.fromEntries((await g.get()).values.map((v) => [String(v.labels['name']), v.value]));
  return { passed: await byName(reg.gatePassed), at: await byName(reg.gateTimestamp) };
}

async function refused(p: Promise<unknown>, code: grpc.status, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: grpc.ServiceError) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.details, re);
    return true;
  });
}

test('gate verdicts: operators record them on finished runs; the gauges follow the newest night and survive a restart', { timeout: 120_000 }, async () => {
  const nats = await startNatsServer();
  let a: TestCoordinator | undefined = await startCoordinator(nats);
  let b: TestCoordinator | undefined;
  try {
    const c = a.clients.coordinator;
    const datasets = await registerSynthetic(c, ['mednli'], 6);
    const w = new FakeWorker({ id: 'w1', nats, workerApi: a.clients.workerApi, metrics: metricsFor });
    await w.start();
    const ids: string[] = [];
    for (const key of ['night-1', 'night-2']) {
      const { run } = await rpc<{ run: RunReply }>(c, 'SubmitRun', { spec: spec(key, datasets) });
      while ((await w.processOne('llama-3-8b-instruct', 1000)) !== null);
      await waitForRun<RunReply>(c, run.id, (r) => r.state === 'RUN_STATE_SUCCEEDED');
      ids.push(run.id);
    }
    await w.stop();
    const [older, newer] = ids as [string, string];
    // A run nobody works on stays pending: no verdict on an unfinished run.
    const open = (await rpc<{ run: RunReply }>(c, 'SubmitRun', { spec: spec('open', datasets, 'mistral-7b-instruct-v0-2') })).run.id;

    const failed = { passed: false, againstRunId: older, violations: 2, summary: 'FAILED: 2 violations: llama-3-8b-instruct × MedNLI: 50.00 → 40.00' };
    await refused(rpc(c, 'RecordGateVerdict', { runId: open, verdict: failed }), grpc.status.FAILED_PRECONDITION, /is (pending|running): a gate verdict is recorded on a finished run/);
    await refused(rpc(c, 'RecordGateVerdict', { runId: 'nope', verdict: failed }), grpc.status.NOT_FOUND, /run 'nope' does not exist/);
    await refused(rpc(c, 'RecordGateVerdict', { runId: newer }), grpc.status.INVALID_ARGUMENT, /^verdict: is required/);
    await refused(rpc(c, 'RecordGateVerdict', { runId: newer, verdict: { ...failed, passed: true } }), grpc.status.INVALID_ARGUMENT, /^verdict\.violations: is 2 but verdict\.passed is true/);
    await refused(rpc(c, 'RecordGateVerdict', { runId: newer, verdict: { ...failed, summary: 'x'.repeat(2001) } }), grpc.status.INVALID_ARGUMENT, /^verdict\.summary: is 2001 characters; the limit is 2000/);
    await refused(rpc(c, 'RecordGateVerdict', { runId: newer, verdict: { ...failed, summary: 'a\nb' } }), grpc.status.INVALID_ARGUMENT, /^verdict\.summary: must be one line/);
    await refused(rpc(c, 'RecordGateVerdict', { runId: newer, verdict: { ...failed, againstRunId: 'a b' } }), grpc.status.INVALID_ARGUMENT, /^verdict\.against_run_id: 'a b' may only contain letters, digits, '_' and '-'/);
    const reader = clientAs(loadClueProto().Coordinator, a.address, nats.security, 'reader');
    try {
      await refused(rpc(reader, 'RecordGateVerdict', { runId: newer, verdict: failed }), grpc.status.PERMISSION_DENIED, /a reader token cannot call RecordGateVerdict: it needs an operator token/);
    } finally {
      reader.close();
    }
    assert.deepEqual((await gauges(a)).passed, {}, 'nothing recorded yet');

    const before = Date.now() / 1000;
    const recorded = await rpc<RunReply>(c, 'RecordGateVerdict', { runId: newer, verdict: failed });
    assert.deepEqual({ ...recorded.gate, recordedAt: undefined }, { ...failed, recordedAt: undefined });
    assert.ok(Date.parse(recorded.gate!.recordedAt) / 1000 >= before - 1);
    // The older night's verdict, recorded later, does not hide tonight's failure.
    await rpc<RunReply>(c, 'RecordGateVerdict', { runId: older, verdict: { passed: true, againstRunId: '', violations: 0, summary: 'passed' } });
    let g = await gauges(a);
    assert.deepEqual(g.passed, { nightly: 0 });
    assert.ok(g.at['nightly']! >= before - 1);
    const listed = await rpc<{ runs: RunReply[] }>(c, 'ListRuns', { limit: 10 });
    assert.deepEqual(
      listed.runs.filter((r) => r.gate).map((r) => [r.id, r.gate!.passed]),
      [[newer, false], [older, true]],
    );
    assert.equal(listed.runs.find((r) => r.id === open)!.gate ?? null, null, 'no verdict: no gate field');

    await a.stop();
    a = undefined;
    b = await startCoordinator(nats);
    g = await gauges(b);
    assert.deepEqual(g.passed, { nightly: 0 }, 'restored from the run records');
    assert.equal(g.at['nightly'], Date.parse(recorded.gate!.recordedAt) / 1000);
    // Recording tonight's verdict again (a rerun of the gate that passes) replaces it.
    await rpc<RunReply>(b.clients.coordinator, 'RecordGateVerdict', { runId: newer, verdict: { passed: true, againstRunId: older, violations: 0, summary: 'passed' } });
    assert.deepEqual((await gauges(b)).passed, { nightly: 1 });
  } finally {
    await a?.stop();
    await b?.stop();
    await nats.stop();
  }
});
