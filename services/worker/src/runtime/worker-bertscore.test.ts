import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BERTSCORE_SCORER_KEY, bertBatchScores, buildTaskPrompts, getShortTask } from '@clue/tasks';
import { VllmClient } from '../engine/vllm-client.js';
import { BertScoreEmbedder } from './bertscore-embed.js';
import { parseGpuFlag } from './gpu-inventory.js';
import { promptSha256 } from './sample-scoring.js';
import { TEST_MODEL, startTestCluster, waitFor, type TestCluster } from './test-support.js';
import type { Worker } from './worker.js';

/** The node's layout: the LLM on GPU 0, the BERTScore scorer on GPU 1. */
function withScorer(c: TestCluster): void {
  c.coordinator.layout = [
    { id: `g0.${TEST_MODEL}`, gpuIndices: [0], model: TEST_MODEL, tensorParallelSize: 1, maxModelLen: 8192 },
    { id: `g1.${BERTSCORE_SCORER_KEY}`, gpuIndices: [1], model: BERTSCORE_SCORER_KEY, tensorParallelSize: 1, maxModelLen: 512 },
  ];
}

function scorerEngine(worker: Worker) {
  return worker.groups?.list.find((g) => g.spec.model === BERTSCORE_SCORER_KEY)?.engine ?? null;
}

const PAIR_KEYS = ['p', 'r', 'pPad', 'rPad', 'hypTokens', 'refTokens'];

test('a BERTScore unit is scored by the scorer group: statistics per sample, identical texts score 1, what the scorer computes for the pairs', async (t) => {
  const c = await startTestCluster({ samples: 8 });
  t.after(() => c.stop());
  withScorer(c);
  // The oracle answers the gold summary for half of the prompts; the other half get the sim's own output.
  const meqsum = buildTaskPrompts(getShortTask('meqsum'), c.datasets.meqsum.bytes, 'x.xlsx').samples;
  const oracleFile = join(c.dir, 'oracle.jsonl');
  writeFileSync(oracleFile, meqsum.slice(0, 4).map((s) => JSON.stringify({ prompt_sha256: promptSha256(s.messages), answer: s.reference })).join('\n'));
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=1000', '--engine-env', `VLLM_SIM_ORACLE=${oracleFile}`], { gpus: parseGpuFlag('H100-80GB:2') });
  const u = await c.publishUnit({ task: 'meqsum', shard: 0, start: 0, end: meqsum.length, bertscore: true });
  const plain = await c.publishUnit({ task: 'meqsum', shard: 1, start: 0, end: 2 });
  await waitFor('both units DONE', async () => (await c.unitRecord(u.unitId))?.state === 'done' && (await c.unitRecord(plain.unitId))?.state === 'done', 30_000);

  const recs = (await c.readResults(u.unitId))!;
  assert.equal(recs.length, meqsum.length);
  for (const r of recs) {
    assert.ok(r.bertscore, `sample ${r.index} carries BERTScore statistics`);
    assert.deepEqual(Object.keys(r.bertscore).sort(), [...PAIR_KEYS].sort());
    assert.ok(r.bertscore.hypTokens >= 2 && r.bertscore.refTokens >= 3);
    assert.equal(typeof r.metrics['BERT_F1'], 'number');
  }
  for (const r of recs.slice(0, 4)) assert.ok(r.metrics['BERT_F1']! > 0.9999, `gold answer ${r.index}: F1 ${r.metrics['BERT_F1']}`);
  assert.ok(recs.slice(4).some((r) => r.metrics['BERT_F1']! < 0.99), 'the sim\'s own summaries are not the references');

  // The same pairs through the scorer's server directly give the same statistics.
  const engine = scorerEngine(worker);
  assert.ok(engine?.info().port, 'the scorer group runs an engine');
  const client = new VllmClient({ baseUrl: `http://127.0.0.1:${engine.info().port}`, servedModelName: BERTSCORE_SCORER_KEY });
  t.after(() => client.close());
  const embedder = new BertScoreEmbedder(client);
  const direct = await embedder.score(recs.map((r) => r.output), meqsum.map((s) => s.reference));
  assert.deepEqual(recs.map((r) => r.bertscore), direct);
  // Seen texts come from the embedding cache, with the same statistics; a tiny cache keeps none.
  const distinct = embedder.counts.embedded;
  assert.ok(distinct > 0 && embedder.counts.cached === 0);
  assert.deepEqual(await embedder.score(recs.map((r) => r.output), meqsum.map((s) => s.reference)), direct);
  assert.equal(embedder.counts.cached, distinct);
  assert.equal(embedder.counts.embedded, distinct);
  const tiny = new BertScoreEmbedder(client, { cacheFloats: 768 });
  await tiny.score(recs.map((r) => r.output), meqsum.map((s) => s.reference));
  await tiny.score(recs.map((r) => r.output), meqsum.map((s) => s.reference));
  assert.equal(tiny.counts.cached, 0, 'no text of 2+ tokens fits 768 floats');
  const solo = bertBatchScores([{ p: direct[5]!.p!, r: direct[5]!.r!, pPad: direct[5]!.pPad!, rPad: direct[5]!.rPad!, hypLen: direct[5]!.hypTokens, refLen: direct[5]!.refTokens }]);
  assert.equal(recs[5]!.metrics['BERT_F1'], solo.f[0]);

  // A unit without the flag is not sent to the scorer.
  for (const r of (await c.readResults(plain.unitId))!) {
    assert.equal(r.bertscore, undefined);
    assert.equal(r.metrics['BERT_F1'], undefined);
  }
  const done = c.coordinator.calls.completions.filter((x) => x.accepted && x.unitId === u.unitId);
  assert.equal(done.length, 1);
  assert.ok(c.coordinator.lastGroups().some((g) => g.model === BERTSCORE_SCORER_KEY && g.state === 'serving'), 'the scorer group reports serving');
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('the scorer engine crashing in the middle of a unit: it restarts, the unit completes once with every statistic', async (t) => {
  const c = await startTestCluster({ samples: 8 });
  t.after(() => c.stop());
  withScorer(c);
  // The scorer's engine dies after its first answered request (the start-up check), i.e. in the unit's request.
  const { worker, run } = c.startWorker(
    ['--engine-env', 'VLLM_SIM_TIME_SCALE=1000', '--engine-env', 'VLLM_SIM_FAULTS=crash_after_requests=1', '--engine-env', `VLLM_SIM_FAULTS_FOR=${BERTSCORE_SCORER_KEY}`],
    { gpus: parseGpuFlag('H100-80GB:2') },
  );
  await waitFor('the scorer serving', () => worker.groups?.list.some((g) => g.spec.model === BERTSCORE_SCORER_KEY && g.state.state === 'serving'), 30_000);
  const pid = scorerEngine(worker)!.info().pid;
  const u = await c.publishUnit({ task: 'problemsummary', shard: 0, start: 0, end: 8, bertscore: true });
  await waitFor('the unit DONE', async () => (await c.unitRecord(u.unitId))?.state === 'done', 60_000);
  assert.notEqual(scorerEngine(worker)!.info().pid, pid, 'the scorer engine was restarted');
  const recs = (await c.readResults(u.unitId))!;
  assert.equal(recs.length, 8);
  assert.ok(recs.every((r) => r.bertscore && r.bertscore.hypTokens >= 2), 'every sample scored');
  assert.equal(c.coordinator.calls.completions.filter((x) => x.accepted && x.unitId === u.unitId).length, 1, 'completed once');
  assert.equal(c.coordinator.calls.failures.length, 0, 'nothing failed: the scorer request was retried');
  assert.equal(await c.queued(), 0);
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('a scorer on vLLM 0.11.0 semantics (softmaxed /pooling) is refused: the group fails with SCORER_UNSUPPORTED', async (t) => {
  const c = await startTestCluster({ samples: 4 });
  t.after(() => c.stop());
  c.coordinator.layout = [{ id: `g0.${BERTSCORE_SCORER_KEY}`, gpuIndices: [0], model: BERTSCORE_SCORER_KEY, tensorParallelSize: 1, maxModelLen: 512 }];
  const { worker, run } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=1000', '--engine-env', 'VLLM_SIM_POOLING_API=0.11.0']);
  const failed = await waitFor('the scorer group failed', () => c.coordinator.lastGroups().find((g) => g.model === BERTSCORE_SCORER_KEY && g.state === 'failed'), 30_000);
  assert.equal(failed.failureCode, 'SCORER_UNSUPPORTED');
  assert.match(failed.failureReason, /vLLM 0\.11\.1 or later/);
  worker.drain();
  assert.equal(await run, 'stopped');
});

test('no scorer yet: the BERTScore unit waits without holding the engine (another unit runs meanwhile), then completes once a scorer serves', async (t) => {
  const c = await startTestCluster({ samples: 6 });
  t.after(() => c.stop());
  // Only the LLM at first: the scorer group comes later.
  c.coordinator.serve(TEST_MODEL);
  const { worker, run, lines } = c.startWorker(['--engine-env', 'VLLM_SIM_TIME_SCALE=1000', '--slots', '1'], { gpus: parseGpuFlag('H100-80GB:2') });
  const bert = await c.publishUnit({ task: 'meqsum', shard: 0, start: 0, end: 6, bertscore: true });
  await waitFor('the unit waiting for a scorer', () => lines.some((l) => l.includes('waiting for a BERTScore scorer to start')), 30_000);
  const other = await c.publishUnit({ task: 'mednli', shard: 0, start: 0, end: 6 });
  await waitFor('the other unit DONE while the first waits', async () => (await c.unitRecord(other.unitId))?.state === 'done', 30_000);
  assert.notEqual((await c.unitRecord(bert.unitId))?.state, 'done');
  withScorer(c);
  await waitFor('the BERTScore unit DONE', async () => (await c.unitRecord(bert.unitId))?.state === 'done', 60_000);
  const recs = (await c.readResults(bert.unitId))!;
  assert.ok(recs.every((r) => r.bertscore !== undefined));
  assert.equal(c.coordinator.calls.failures.length, 0);
  assert.equal(c.coordinator.calls.completions.filter((x) => x.accepted && x.unitId === bert.unitId).length, 1);
  worker.drain();
  assert.equal(await run, 'stopped');
});
