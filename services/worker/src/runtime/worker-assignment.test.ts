import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTaskPrompts, getShortTask, mergeSystemIntoFirstUser, scoreSample } from '@clue/tasks';
import { promptSha256 } from './sample-scoring.js';
import { readFileSync } from 'node:fs';
import { parseGpuFlag } from './gpu-inventory.js';
import { delay, pidAlive, soleEngine, startTestCluster, waitFor } from './test-support.js';

const MISTRAL = 'mistral-7b-instruct-v0-2';

test('follows the layout: idle without one, loads the model, a new layout releases the old group and starts the next, merges the system turn for a model without one', async (t) => {
  const c = await startTestCluster({ samples: 6 });
  t.after(() => c.stop());
  await c.addModel(MISTRAL);
  c.coordinator.serve('');
  const { worker, run, lines } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=500']);
  const a = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 6 });
  await waitFor('a few heartbeats', () => c.coordinator.calls.assignments.length >= 2);
  await delay(300);
  assert.equal(worker.state.state, 'idle', 'nothing assigned: idle');
  assert.equal(worker.groups?.list.length, 0, 'no group, no vLLM started');
  assert.equal((await c.unitRecord(a.unitId))?.state, 'queued', 'nothing pulled');

  c.coordinator.serve(c.model);
  await waitFor("the first model's unit DONE", async () => (await c.unitRecord(a.unitId))?.state === 'done');
  const firstPid = soleEngine(worker)?.info().pid;

  const b = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 6, model: MISTRAL });
  c.coordinator.serve(MISTRAL);
  await waitFor("the second model's unit DONE", async () => (await c.unitRecord(b.unitId))?.state === 'done');
  assert.deepEqual(worker.groups?.list.map((g) => g.spec.id), [`g0.${MISTRAL}`], 'the first group was released');
  assert.equal(soleEngine(worker)?.info().model?.key, MISTRAL);
  assert.notEqual(soleEngine(worker)?.info().pid, firstPid, 'a new vLLM for the new group');
  assert.ok(firstPid && !pidAlive(firstPid), 'the released group stopped its vLLM');
  await waitFor('a heartbeat reporting the serving group', () => c.coordinator.calls.assignments.some((x) => x.groups.some((g) => g.model === MISTRAL && g.state === 'serving')), 5000);

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
  const logged = lines.map((l) => JSON.parse(l) as { msg?: string; to?: string; from?: string; model?: string | null; group?: string });
  const path = logged.filter((l) => l.msg === 'worker state').map((s) => `${s.to}${s.to === 'running' ? `(${s.model})` : ''}`);
  assert.deepEqual(path.slice(0, 3), ['registering', 'idle', `running(${c.model})`]);
  assert.ok(path.includes(`running(${MISTRAL})`));
  assert.deepEqual(path.slice(-2), ['draining', 'stopped']);
  const first = logged.filter((l) => l.msg === 'group state' && l.group === `g0.${c.model}`).map((l) => l.to);
  assert.deepEqual(first, ['loading', 'serving', 'releasing', 'stopped']);
});

test('several engine groups at once: each on its own GPUs (CUDA_VISIBLE_DEVICES), different models; kill -9 of one engine leaves the other serving', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  await c.addModel(MISTRAL);
  c.coordinator.layout = [
    { id: `g0.${c.model}`, gpuIndices: [0], model: c.model, tensorParallelSize: 1, maxModelLen: 8192 },
    { id: `g1.${MISTRAL}`, gpuIndices: [1], model: MISTRAL, tensorParallelSize: 1, maxModelLen: 8192 },
  ];
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=100'], { gpus: parseGpuFlag('H100-80GB:2') });
  await waitFor('both groups serving', () => worker.groups?.list.filter((g) => g.state.state === 'serving').length === 2);
  const [g0, g1] = worker.groups!.list;
  const env = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((x) => x.startsWith('CUDA_VISIBLE_DEVICES='));
  assert.equal(env(g0!.engine.info().pid!), 'CUDA_VISIBLE_DEVICES=0');
  assert.equal(env(g1!.engine.info().pid!), 'CUDA_VISIBLE_DEVICES=1');
  const units: Awaited<ReturnType<typeof c.publishUnit>>[] = [];
  for (let i = 0; i < 4; i++) {
    units.push(await c.publishUnit({ task: 'meqsum', shard: i, start: 3 * i, end: 3 * i + 3 }));
    units.push(await c.publishUnit({ task: 'meqsum', shard: i, start: 3 * i, end: 3 * i + 3, model: MISTRAL }));
  }
  await waitFor('both groups running a unit at once', () => g0!.held > 0 && g1!.held > 0, 20_000);
  const mistralPid = g1!.engine.info().pid!;
  process.kill(mistralPid, 'SIGKILL');
  await waitFor('every unit DONE', async () => (await Promise.all(units.map((u) => c.unitRecord(u.unitId)))).every((r) => r?.state === 'done'), 30_000);
  assert.equal(g0!.state.state, 'serving');
  assert.equal(g0!.engine.info().restarts, 0, 'the other group was not touched');
  assert.ok(g1!.engine.info().restarts >= 1 && g1!.engine.info().pid !== mistralPid, 'the killed engine was restarted');
  const done = c.coordinator.calls.completions.filter((x) => x.accepted);
  assert.equal(done.length, units.length, 'each unit completed exactly once');
  const pids = [g0!.engine.info().pid!, g1!.engine.info().pid!];
  worker.drain();
  assert.equal(await run, 'stopped');
  assert.ok(pids.every((p) => !pidAlive(p)), 'both vLLM servers stopped with the worker');
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
