import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UNITS_STREAM, unitSubject, type UnitMessage } from '@clue/common';
import { delay, faultOnceExecutable, startTestCluster, waitFor, soleEngine } from './test-support.js';

test('slots bound the units held: never more un-acked messages than --slots, and the bound is reached', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  const units: UnitMessage[] = [];
  for (let i = 0; i < 6; i++) units.push(await c.publishUnit({ task: 'problemsummary', shard: i, start: 2 * i, end: 2 * i + 2 }));
  const { worker, run } = c.startWorker(['--slots', '2', '--engine-env', 'VLLM_SIM_TIME_SCALE=40']);
  let maxAckPending = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      maxAckPending = Math.max(maxAckPending, (await c.consumer()).ackPending);
      await delay(10);
    }
  })();
  await waitFor('all six units DONE', async () => (await Promise.all(units.map((u) => c.unitRecord(u.unitId)))).every((r) => r?.state === 'done'), 20_000);
  polling = false;
  await poller;
  assert.ok(maxAckPending <= 2, `at most 2 un-acked messages (saw ${maxAckPending})`);
  assert.equal(worker.groups?.list[0]?.peakHeld, 2, 'two units ran at once in the group');
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('engine crash mid-unit (vLLM killed): the unit fails as infrastructure, is nak\'ed, and completes after the restart', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  // The first vLLM accepts the requests and never answers, so they are surely in flight when it is killed;
  // the restarted one is healthy.
  const exe = faultOnceExecutable(c.dir, 'hang_after_requests=0');
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=200'], { engineExecutable: exe });
  const u = await c.publishUnit({ task: 'problemsummary', shard: 0, start: 0, end: 12 });
  await waitFor('the unit to start', () => c.coordinator.calls.progress.some((p) => p.unitId === u.unitId));
  await delay(500); // its requests are sent and never answered
  const pid = soleEngine(worker)?.info().pid;
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  await waitFor('FailUnit{infrastructure}', () => c.coordinator.calls.failures.find((f) => f.unitId === u.unitId));
  const f = c.coordinator.calls.failures[0]!;
  assert.equal(f.kind, 'infrastructure');
  assert.match(f.reason, /CRASHED/);
  await waitFor('the unit DONE after the restart', async () => (await c.unitRecord(u.unitId))?.state === 'done', 20_000);
  assert.equal((await c.readResults(u.unitId))?.length, 12);
  assert.ok((soleEngine(worker)?.info().restarts ?? 0) >= 1, 'the engine was restarted');
  assert.notEqual(soleEngine(worker)?.info().pid, pid);
  assert.equal(await c.deadLetters(), 0, 'no attempt spent on a dead letter');
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('a hung vLLM is detected by the hang watch, restarted, and the unit re-queued and completed', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  const exe = faultOnceExecutable(c.dir, 'hang_after_requests=3');
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=500'], { engineExecutable: exe, hangTimeoutMs: 800 });
  const u = await c.publishUnit({ task: 'meqsum', shard: 0, start: 0, end: 10 });
  await waitFor('FailUnit{infrastructure} for the hang', () => c.coordinator.calls.failures.find((f) => f.unitId === u.unitId), 10_000);
  assert.match(c.coordinator.calls.failures[0]!.reason, /HUNG/);
  await waitFor('the unit DONE after the restart', async () => (await c.unitRecord(u.unitId))?.state === 'done', 15_000);
  assert.equal((await c.readResults(u.unitId))?.length, 10);
  assert.ok((soleEngine(worker)?.info().restarts ?? 0) >= 1);
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('deterministic failures (a range beyond the data, an unknown dataset) → FailUnit{deterministic}, dead-lettered, terminated; poison messages are dropped', async (t) => {
  const c = await startTestCluster({ samples: 6 });
  t.after(() => c.stop());
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=500']);
  const beyond = await c.publishUnit({ task: 'mednli', shard: 0, start: 4, end: 9 });
  const missing = await c.publishUnit({ task: 'mednli', shard: 1, start: 0, end: 2, dataset: 'ab'.repeat(32) });
  await c.js.publish(unitSubject(c.model, 'mednli'), '{"not": "a unit"}');
  await waitFor('both units dead-lettered', async () => (await c.deadLetters()) === 2);
  await waitFor('the work queue to be empty (terminated)', async () => (await c.queued()) === 0);
  const byUnit = new Map(c.coordinator.calls.failures.map((f) => [f.unitId, f]));
  assert.equal(byUnit.get(beyond.unitId)?.kind, 'deterministic');
  assert.match(byUnit.get(beyond.unitId)!.reason, /unit range \[4, 9\) does not fit the 6 samples of mednli/);
  assert.equal(byUnit.get(missing.unitId)?.kind, 'deterministic');
  assert.match(byUnit.get(missing.unitId)!.reason, /dataset abab.* is not in the object store/);
  assert.equal((await c.unitRecord(beyond.unitId))?.state, 'failed');
  assert.equal((await c.jsm.streams.info(UNITS_STREAM)).state.messages, 0);
  assert.equal(c.coordinator.calls.completions.length, 0);
  worker.drain();
  assert.equal(await run, 'stopped');
});
