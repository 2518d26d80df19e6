import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildTaskPrompts,
  decodeUtf8,
  getModel,
  getShortTask,
  loadLongHealth,
  longHealthCorrect,
  planLongHealth,
  scoreSample,
  type Tokenizer,
} from '@clue/tasks';
import { SimTokenizer, findModel, tokenizerSpecFor } from '@clue/vllm-sim';
import { promptSha256 } from './sample-scoring.js';
import { TEST_MODEL, startTestCluster, waitFor, soleEngine } from './test-support.js';

/** The simulator's tokenizer for the test model, as `/tokenize` (BOS added) and `/detokenize` see it. */
function simTokenizer(): Tokenizer {
  const info = findModel(getModel(TEST_MODEL).hfId);
  assert.ok(info, 'the simulator knows the test model');
  const tok = new SimTokenizer(tokenizerSpecFor(info));
  return { encode: (t) => Promise.resolve(tok.encode(t, true)), decode: (ids) => Promise.resolve(tok.decode(ids)) };
}

test('units run end to end: one SampleRecord per sample, metrics = @clue/tasks scoring of the outputs, DONE, acked, no text in logs', async (t) => {
  const c = await startTestCluster({ samples: 12 });
  t.after(() => c.stop());
  const { worker, run, lines } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=500']);
  const u1 = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 7 });
  const u2 = await c.publishUnit({ task: 'mednli', shard: 1, start: 7, end: 12 });
  await waitFor('both units DONE', async () => (await c.unitRecord(u1.unitId))?.state === 'done' && (await c.unitRecord(u2.unitId))?.state === 'done');
  await waitFor('the work queue to be empty (acked)', async () => (await c.queued()) === 0);

  const { samples } = buildTaskPrompts(getShortTask('mednli'), c.datasets.mednli.bytes, 'mli_test_v1.jsonl');
  assert.equal(samples.length, 12);
  const outputs: string[] = [];
  for (const u of [u1, u2]) {
    const recs = await c.readResults(u.unitId);
    assert.ok(recs, `results object of ${u.unitId}`);
    assert.equal(recs.length, u.end - u.start, 'one record per sample');
    recs.forEach((r, i) => {
      const s = samples[u.start + i]!;
      assert.equal(r.index, u.start + i, 'records in sample order with global indices');
      assert.equal(r.promptSha256, promptSha256(s.messages), 'the chat CLUE builds, unchanged for a model with a system role');
      assert.deepEqual(r.metrics, scoreSample('mednli', r.output, s.reference), `metrics of sample ${r.index}`);
      assert.ok(r.promptTokens > 0 && r.completionTokens > 0 && r.finishReason !== '');
      assert.equal(r.error, undefined);
      outputs.push(r.output);
    });
  }
  const accepted = c.coordinator.calls.completions.filter((x) => x.accepted);
  assert.deepEqual(accepted.map((x) => x.unitId).sort(), [u1.unitId, u2.unitId].sort());
  assert.ok(accepted.every((x) => x.workerId === 'w-test' && x.gpuSeconds > 0));
  await waitFor('a final progress report', () => c.coordinator.calls.progress.some((p) => p.unitId === u1.unitId && p.samplesDone === 7 && p.samplesTotal === 7), 5000);
  assert.equal(c.coordinator.calls.registers[0]?.engine, 'vllm-sim');
  assert.ok(c.coordinator.calls.assignments.some((a) => a.groups.some((g) => g.model === TEST_MODEL && g.state === 'serving' && g.loadSeconds > 0)), 'heartbeats report the serving group and its load time');

  const enginePid = soleEngine(worker)?.info().pid;
  worker.drain();
  assert.equal(await run, 'stopped');
  assert.equal(worker.state.state, 'stopped');
  assert.equal(soleEngine(worker)?.state, 'stopped');
  assert.ok(enginePid);
  const log = lines.join('\n');
  for (const s of samples.slice(0, 3)) assert.ok(!log.includes(s.messages.at(-1)!.content.slice(0, 40)), 'no prompt text in the logs');
  for (const o of outputs) if (o.length > 12) assert.ok(!log.includes(o), 'no output text in the logs');
  const states = lines.map((l) => JSON.parse(l) as { msg?: string; to?: string; workerId?: string }).filter((l) => l.msg === 'worker state');
  assert.deepEqual(
    states.map((s) => s.to),
    ['registering', 'idle', 'running', 'draining', 'stopped'],
  );
  assert.ok(states.every((s) => s.workerId === 'w-test'));
});

test('with the oracle answering the gold answers, MeQSum and LongHealth (all three subtasks) score perfectly', async (t) => {
  const c = await startTestCluster({ samples: 8 });
  t.after(() => c.stop());
  const meqsum = buildTaskPrompts(getShortTask('meqsum'), c.datasets.meqsum.bytes, 'x.xlsx').samples;
  const bench = loadLongHealth(decodeUtf8(c.datasets.longhealth.bytes, 'benchmark_v5.json'), 'benchmark_v5.json');
  const lh = await planLongHealth(bench, { tokenizer: simTokenizer(), seed: 7, maxModelLen: 8192 });
  const oracle = [
    ...meqsum.map((s) => ({ prompt_sha256: promptSha256(s.messages), answer: s.reference })),
    ...lh.map((p) => ({ prompt_sha256: promptSha256(p.messages), answer: `The correct answer is ${p.reference}: as documented.` })),
  ];
  const oracleFile = join(c.dir, 'oracle.jsonl');
  writeFileSync(oracleFile, oracle.map((o) => JSON.stringify(o)).join('\n'));
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=1000', '--engine-env', `VLLM_SIM_ORACLE=${oracleFile}`]);
  const half = Math.floor(lh.length / 2);
  const units = [
    await c.publishUnit({ task: 'meqsum', shard: 0, start: 0, end: meqsum.length }),
    await c.publishUnit({ task: 'longhealth', shard: 0, start: 0, end: half, sampling: { seed: 7 } }),
    await c.publishUnit({ task: 'longhealth', shard: 1, start: half, end: lh.length, sampling: { seed: 7 } }),
  ];
  await waitFor('all units DONE', async () => (await Promise.all(units.map((u) => c.unitRecord(u.unitId)))).every((r) => r?.state === 'done'), 20_000);
  const mq = (await c.readResults(units[0]!.unitId))!;
  assert.equal(mq.length, meqsum.length);
  for (const r of mq) assert.deepEqual(r.metrics, { ROUGE_L: 1, ROUGE1: 1, ROUGE2: 1 }, `meqsum sample ${r.index}: ${JSON.stringify(r.metrics)}`);
  const recs = [...(await c.readResults(units[1]!.unitId))!, ...(await c.readResults(units[2]!.unitId))!];
  assert.equal(recs.length, lh.length);
  const seen = new Set<number>();
  recs.forEach((r, i) => {
    const p = lh[i]!;
    assert.equal(r.index, i);
    assert.equal(r.promptSha256, promptSha256(p.messages), `LongHealth prompt ${i} planned exactly as the test planned it`);
    assert.equal(r.subtask, p.task);
    seen.add(p.task);
    const key = `Task${p.task}_Accuracy`;
    if (r.error === undefined) {
      assert.deepEqual(r.metrics, { [key]: longHealthCorrect(r.output, p.goldFound ? p.reference : undefined, p.task === 3) ? 100 : 0 });
      if (p.goldFound) assert.equal(r.metrics[key], 100, `prompt ${i} is correct with the oracle`);
    } else {
      assert.deepEqual(r.metrics, { [key]: 0 }, 'a rejected prompt scores as an empty answer');
      assert.match(r.error, /context/);
    }
  });
  assert.deepEqual([...seen].sort(), [1, 2, 3]);
  const rejected = recs.filter((r) => r.error !== undefined).length;
  assert.ok(rejected <= lh.length * 0.1, `nearly every prompt fits the context (${rejected} of ${lh.length} rejected)`);
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('a unit already DONE is acked without running it', async (t) => {
  const c = await startTestCluster({ samples: 4 });
  t.after(() => c.stop());
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=500']);
  const done = await c.publishUnit({ task: 'meqsum', shard: 0, start: 0, end: 4, state: 'done' });
  await waitFor('the DONE unit to leave the queue', async () => (await c.queued()) === 0);
  assert.equal(await c.readResults(done.unitId), null, 'no results written');
  assert.equal(c.coordinator.calls.completions.length, 0, 'no CompleteUnit');
  assert.equal(c.coordinator.calls.progress.filter((p) => p.unitId === done.unitId).length, 0, 'no progress: nothing ran');
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('context limits as in CLUE: a prompt longer than the context is recorded and scored empty; prompt + max_tokens is cut at the context end', async (t) => {
  const c = await startTestCluster({ samples: 12, maxModelLen: 2560 });
  t.after(() => c.stop());
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=1000']);
  const u = await c.publishUnit({ task: 'medisumqa', shard: 0, start: 0, end: 12 });
  await waitFor('the unit DONE', async () => (await c.unitRecord(u.unitId))?.state === 'done');
  assert.equal(soleEngine(worker)?.info().maxModelLen, 2560, "the assignment's max_model_len is served");
  const { samples } = buildTaskPrompts(getShortTask('medisumqa'), c.datasets.medisumqa.bytes, 'MeDiSumQA.json');
  const recs = (await c.readResults(u.unitId))!;
  assert.equal(recs.length, 12);
  const failed = recs.filter((r) => r.error !== undefined);
  const ran = recs.filter((r) => r.error === undefined);
  assert.ok(failed.length > 0 && ran.length > 0, `some prompts fit and some do not (${failed.length} rejected)`);
  for (const r of failed) {
    assert.equal(r.output, '');
    assert.equal(r.finishReason, 'error');
    assert.match(r.error!, /^HTTP 400: the prompt does not fit the model's context/);
    assert.deepEqual(r.metrics, scoreSample('medisumqa', '', samples[r.index]!.reference), 'scored as an empty answer');
  }
  for (const r of ran) {
    assert.ok(r.promptTokens + r.completionTokens <= 2560, 'never beyond the context');
    assert.deepEqual(r.metrics, scoreSample('medisumqa', r.output, samples[r.index]!.reference));
  }
  assert.ok(
    ran.some((r) => r.promptTokens + 512 > 2560),
    'a prompt whose prompt + max_tokens (512) exceeds the context was generated, not rejected',
  );
  assert.equal(c.coordinator.calls.failures.length, 0, 'per-sample errors do not fail the unit');
  worker.drain();
  assert.equal(await run, 'stopped');
});
