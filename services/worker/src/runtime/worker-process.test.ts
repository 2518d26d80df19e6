import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNITS_STREAM, modelConsumer } from '@clue/common';
import { delay, killGroup, pidAlive, spawnWorker, startTestCluster, waitFor, type WorkerProcess } from './test-support.js';

/** The worker's own pid and its engine's, once its engine is ready. */
async function enginePidOf(w: WorkerProcess): Promise<number> {
  return waitFor('the worker to start vllm-sim', () => w.enginePid());
}

test('worker killed with SIGKILL mid-unit: the message is redelivered after ack_wait and completed by a second worker', async (t) => {
  const c = await startTestCluster({ samples: 12, ackWaitMs: 3000 });
  t.after(() => c.stop());
  const u = await c.publishUnit({ task: 'problemsummary', shard: 0, start: 0, end: 12 });
  // w-a's vLLM never answers (so the unit is surely mid-run when w-a dies); w-b's is healthy.
  const a = c.spawnWorker(['--worker-id', 'w-a', '--engine-env', 'VLLM_SIM_TIME_SCALE=200', '--engine-env', 'VLLM_SIM_FAULTS=hang_after_requests=0']);
  await waitFor('w-a to run the unit', () => c.coordinator.calls.progress.some((p) => p.workerId === 'w-a' && p.unitId === u.unitId), 15_000);
  const simA = await enginePidOf(a);
  a.child.kill('SIGKILL');
  await a.exited;
  killGroup(simA); // what the pod's death does to the container's other processes
  const killedAt = Date.now();
  assert.equal((await c.consumer()).ackPending, 1, 'the unit is still held by the dead worker');
  assert.equal(c.coordinator.calls.completions.length, 0);

  c.spawnWorker(['--worker-id', 'w-b', '--engine-env', 'VLLM_SIM_TIME_SCALE=200']);
  await waitFor('the unit DONE by w-b', async () => (await c.unitRecord(u.unitId))?.state === 'done', 20_000);
  // w-a's last working() was at most 1 s before the kill, so the 3 s ack_wait ends ≥ 2 s after it.
  assert.ok(Date.now() - killedAt >= 1800, 'redelivered only after ack_wait');
  assert.deepEqual(
    c.coordinator.calls.completions.map((x) => [x.workerId, x.accepted]),
    [['w-b', true]],
  );
  assert.equal((await c.readResults(u.unitId))?.length, 12);
  await waitFor('the message acked', async () => (await c.queued()) === 0);
});

test('SIGTERM during a unit: the unit finishes within --drain-seconds, the worker exits 0 and vllm-sim is gone', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  const u = await c.publishUnit({ task: 'problemsummary', shard: 0, start: 0, end: 12 });
  const w = c.spawnWorker(['--worker-id', 'w-t', '--drain-seconds', '30', '--engine-env', 'VLLM_SIM_TIME_SCALE=20']);
  await waitFor('the unit to run', () => c.coordinator.calls.progress.some((p) => p.unitId === u.unitId), 15_000);
  const sim = await enginePidOf(w);
  w.child.kill('SIGTERM');
  const exit = await w.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal((await c.unitRecord(u.unitId))?.state, 'done', 'the running unit was finished, not dropped');
  assert.deepEqual(c.coordinator.calls.completions.map((x) => x.workerId), ['w-t']);
  assert.equal(await c.queued(), 0);
  await delay(100);
  assert.ok(!pidAlive(sim), 'no orphan vllm-sim');
  const states = w.lines.map((l) => JSON.parse(l) as { msg?: string; to?: string }).filter((l) => l.msg === 'worker state').map((l) => l.to);
  assert.deepEqual(states.slice(-2), ['draining', 'stopped']);
});

test('SIGTERM with a unit that cannot finish in time: it is handed back (nak) at once, the worker exits 0, vllm-sim is gone', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  const u = await c.publishUnit({ task: 'problemsummary', shard: 0, start: 0, end: 12 });
  // vLLM accepts the requests and never answers: the unit cannot finish.
  const w = c.spawnWorker(['--worker-id', 'w-h', '--drain-seconds', '0.5', '--engine-env', 'VLLM_SIM_TIME_SCALE=200', '--engine-env', 'VLLM_SIM_FAULTS=hang_after_requests=0']);
  await waitFor('the unit to run', () => c.coordinator.calls.progress.some((p) => p.unitId === u.unitId), 15_000);
  const sim = await enginePidOf(w);
  const t0 = Date.now();
  w.child.kill('SIGTERM');
  const exit = await w.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 8000, 'drained promptly');
  // A nak'ed message stays ack-pending until it is pulled again; pulled now, it comes at once
  // (not after the 60 s ack_wait), as its second delivery.
  const consumer = await c.js.consumers.get(UNITS_STREAM, modelConsumer(c.model));
  const t1 = Date.now();
  const again = await consumer.next({ expires: 3000 });
  assert.ok(again, 'back in the queue for another worker');
  assert.ok(Date.now() - t1 < 1500, 'available at once');
  assert.equal(again.info.deliveryCount, 2);
  assert.equal(JSON.parse(again.string()).unitId, u.unitId);
  again.nak();
  assert.equal((await c.unitRecord(u.unitId))?.state, 'queued');
  assert.equal(c.coordinator.calls.completions.length, 0);
  assert.equal(c.coordinator.calls.failures.length, 0, 'a drain is not a failure');
  assert.ok(!pidAlive(sim), 'no orphan vllm-sim');
});

test('a second signal forces: exit 3 at once, the unit handed back, vllm-sim killed', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  const u = await c.publishUnit({ task: 'problemsummary', shard: 0, start: 0, end: 12 });
  const w = c.spawnWorker(['--worker-id', 'w-f', '--drain-seconds', '60', '--engine-env', 'VLLM_SIM_TIME_SCALE=200', '--engine-env', 'VLLM_SIM_FAULTS=hang_after_requests=0']);
  await waitFor('the unit to run', () => c.coordinator.calls.progress.some((p) => p.unitId === u.unitId), 15_000);
  const sim = await enginePidOf(w);
  w.child.kill('SIGTERM');
  await waitFor('draining', () => w.lines.some((l) => l.includes('"to":"draining"')));
  await delay(600);
  const t0 = Date.now();
  w.child.kill('SIGTERM');
  const exit = await w.exited;
  assert.deepEqual(exit, { code: 3, signal: null });
  assert.ok(Date.now() - t0 < 3000, 'forced promptly although --drain-seconds is 60');
  await delay(100);
  assert.ok(!pidAlive(sim), 'no orphan vllm-sim');
  const consumer = await c.js.consumers.get(UNITS_STREAM, modelConsumer(c.model));
  const again = await consumer.next({ expires: 2000 });
  assert.equal(again?.info.deliveryCount, 2, 'handed back at once');
  again?.nak();
});

test('a worker with a wrong NATS password, or the wrong worker token, stops with a message naming the credential', async (t) => {
  const c = await startTestCluster({ samples: 4 });
  t.after(() => c.stop());
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'clue-wrong-cred-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const wrong = join(dir, 'wrong');
  writeFileSync(wrong, 'not-the-password-and-not-a-token-either\n');
  const s = c.nats.security;
  const common = ['--nats', c.nats.url, '--nats-user', 'worker', '--nats-ca', s.caFile, '--coordinator', c.coordinator.address, '--tls-ca', s.caFile, '--tls-server-name', 'localhost', '--gpus', 'H100-80GB:1', '--worker-id', 'w-wrong'];
  // Resolves once the process exited and its stderr is read to the end (its last line is the reason).
  const finished = async (w: WorkerProcess) => {
    const closed = new Promise((r) => w.child.stderr!.once('close', r));
    const r = await w.exited;
    await closed;
    return r;
  };
  const badPassword = spawnWorker([...common, '--nats-password-file', wrong, '--token-file', s.tokenFiles.worker]);
  const r1 = await finished(badPassword);
  assert.notEqual(r1.code, 0);
  assert.ok(badPassword.lines.some((l) => /NATS refused the connection \(Authorization Violation\): check --nats-user \(worker\) and its password/.test(l)), badPassword.lines.join('\n'));
  const readerToken = spawnWorker([...common, '--nats-password-file', s.natsPasswordFiles.worker, '--token-file', s.tokenFiles.reader]);
  const r2 = await finished(readerToken);
  assert.notEqual(r2.code, 0);
  assert.ok(readerToken.lines.some((l) => /a reader token cannot call Register: it needs a worker token/.test(l)), readerToken.lines.join('\n'));
  for (const l of [...badPassword.lines, ...readerToken.lines]) {
    for (const secret of [...Object.values(s.tokens), ...Object.values(s.natsPasswords), 'not-the-password']) assert.ok(!l.includes(secret), 'a credential in the log');
  }
});
