import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTaskPrompts, getShortTask, mergeSystemIntoFirstUser, scoreSample } from '@clue/tasks';
import { promptSha256 } from './sample-scoring.js';
import { delay, startTestCluster, waitFor } from './test-support.js';

const MISTRAL = 'mistral-7b-instruct-v0-2';

test('follows the assignment: idle without one, loads the model, switches models after its units finish, merges the system turn for a model without one', async (t) => {
  const c = await startTestCluster({ samples: 6 });
  t.after(() => c.stop());
  await c.addModel(MISTRAL);
  c.coordinator.assignment = { ...c.coordinator.assignment, model: '' };
  const { worker, run, lines } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=500']);
  const a = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 6 });
  await waitFor('a few heartbeats', () => c.coordinator.calls.assignments.length >= 2);
  await delay(300);
  assert.equal(worker.state.state, 'idle', 'nothing assigned: idle');
  assert.equal(worker.engine?.state, 'idle', 'no vLLM started');
  assert.equal((await c.unitRecord(a.unitId))?.state, 'queued', 'nothing pulled');

  c.coordinator.assignment = { ...c.coordinator.assignment, model: c.model };
  await waitFor('the first model\'s unit DONE', async () => (await c.unitRecord(a.unitId))?.state === 'done');
  const firstPid = worker.engine?.info().pid;

  const b = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 6, model: MISTRAL });
  c.coordinator.assignment = { ...c.coordinator.assignment, model: MISTRAL };
  await waitFor('the second model\'s unit DONE', async () => (await c.unitRecord(b.unitId))?.state === 'done');
  assert.equal(worker.engine?.info().model?.key, MISTRAL);
  assert.notEqual(worker.engine?.info().pid, firstPid, 'vLLM was restarted for the new model');
  await waitFor('a heartbeat reporting the loaded model', () => c.coordinator.calls.assignments.some((x) => x.loadedModel === MISTRAL), 5000);

  const { samples } = buildTaskPrompts(getShortTask('mednli'), c.datasets.mednli.bytes, 'mli_test_v1.jsonl');
  const recs = (await c.readResults(b.unitId))!;
  assert.equal(recs.length, 6);
  for (const r of recs) {
    const s = samples[r.index]!;
    assert.equal(r.error, undefined, 'Mistral accepted every chat (its template rejects a system turn)');
    assert.equal(r.promptSha256, promptSha256(mergeSystemIntoFirstUser(s.messages)), 'system prompt merged into the first user turn');
    assert.deepEqual(r.metrics, scoreSample('mednli', r.output, s.reference));
  }
  worker.drain();
  assert.equal(await run, 'stopped');
  const states = lines.map((l) => JSON.parse(l) as { msg?: string; to?: string; model?: string | null }).filter((l) => l.msg === 'worker state');
  const path = states.map((s) => `${s.to}${s.to === 'loading' || s.to === 'running' ? `(${s.model})` : ''}`);
  assert.deepEqual(path.slice(0, 4), ['registering', 'idle', `loading(${c.model})`, `running(${c.model})`]);
  assert.ok(path.includes(`loading(${MISTRAL})`) && path.includes(`running(${MISTRAL})`));
  assert.deepEqual(path.slice(-2), ['draining', 'stopped']);
});

test('keeps the coordinator informed: a progress report when the unit starts and keep-alives while nothing finishes; registers again when forgotten', async (t) => {
  const c = await startTestCluster({ samples: 6 });
  t.after(() => c.stop());
  // vLLM accepts the requests and never answers (the hang watch is far away): no sample finishes.
  const { worker, run } = c.startWorker(['--drain-seconds', '0.2', '--engine-env', 'VLLM_SIM_TIME_SCALE=500', '--engine-env', 'VLLM_SIM_FAULTS=hang_after_requests=0']);
  const u = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 6 });
  await waitFor('the start report', () => c.coordinator.calls.progress.some((p) => p.unitId === u.unitId));
  const first = c.coordinator.calls.progress.find((p) => p.unitId === u.unitId)!;
  assert.deepEqual([first.samplesDone, first.samplesTotal], [0, 6]);
  await waitFor('keep-alive reports', () => c.coordinator.calls.progress.filter((p) => p.unitId === u.unitId).length >= 3, 6000);
  assert.ok(c.coordinator.calls.progress.every((p) => p.samplesDone === 0), 'nothing finished, yet the unit reported in');

  c.coordinator.registered.clear(); // the coordinator lost the worker's record
  const before = c.coordinator.calls.registers.length;
  await waitFor('a new Register', () => c.coordinator.calls.registers.length > before, 6000);
  const n = c.coordinator.calls.assignments.length;
  await waitFor('heartbeats answered again', () => c.coordinator.calls.assignments.length > n + 1, 6000);
  assert.equal(worker.state.state, 'running');
  worker.drain();
  assert.equal(await run, 'stopped');
});
