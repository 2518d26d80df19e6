import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, type SequenceResult } from './engine.js';
import type { PerfModel } from './timing.js';

/** 10 ms per step plus 1 ms per 1000 prefill tokens. */
const perf: PerfModel = { stepSeconds: (l) => 0.01 + l.prefillTokens / 1e6 };

function run(engine: Engine, prompt: number, output: number, tag = 0): Promise<SequenceResult & { progress: number[] }> {
  return new Promise((resolve) => {
    const progress: number[] = [];
    engine.add({
      promptTokenIds: Array.from({ length: prompt }, (_, i) => 1000 + i + tag * 100000),
      outputLength: output,
      finishReason: 'stop',
      onProgress: (g) => progress.push(g),
      onFinish: (r) => resolve({ ...r, progress }),
    });
  });
}

test('continuous batching: never more than max_num_seqs running, the rest wait, all finish', async () => {
  let maxRunning = 0;
  let maxWaiting = 0;
  const engine: Engine = new Engine({
    perf,
    maxNumSeqs: 2,
    maxNumBatchedTokens: 512,
    numBlocks: 1000,
    prefixCaching: false,
    // Real time: OS scheduling jitter between the six add() calls stays negligible in modelled time.
    timeScale: 1,
    observer: {
      onStep: () => {
        const s = engine.stats();
        maxRunning = Math.max(maxRunning, s.running);
        maxWaiting = Math.max(maxWaiting, s.waiting);
      },
    },
  });
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => run(engine, 50, 20, i)));
  assert.equal(maxRunning, 2);
  assert.ok(maxWaiting >= 3, String(maxWaiting));
  for (const r of results) {
    assert.equal(r.finishReason, 'stop');
    assert.equal(r.generated, 20);
    assert.deepEqual(r.progress, Array.from({ length: 20 }, (_, i) => i + 1));
    assert.ok(r.times.arrival <= r.times.scheduled && r.times.scheduled < r.times.firstToken && r.times.firstToken < r.times.finished);
  }
  // Three waves of 20 steps of 10 ms each: about 0.6 modelled seconds for the last request.
  const last = Math.max(...results.map((r) => r.times.finished - r.times.arrival));
  assert.ok(last > 0.55 && last < 0.8, String(last));
  assert.deepEqual(engine.stats(), { running: 0, waiting: 0, kvUsage: 0 });
});

test('chunked prefill: a long prompt takes several steps under a small token budget', async () => {
  const engine = new Engine({ perf, maxNumSeqs: 4, maxNumBatchedTokens: 100, numBlocks: 1000, prefixCaching: false, timeScale: 100 });
  const r = await run(engine, 450, 1);
  // 5 prefill steps (100 tokens each, the last one 50) before the first token.
  const steps = (r.times.firstToken - r.times.scheduled) / 0.0101;
  assert.ok(steps > 4.5 && steps < 5.5, String(steps));
});

test('preemption by recompute when the KV cache runs out; every sequence still completes', async () => {
  let preemptions = 0;
  const engine = new Engine({
    perf,
    maxNumSeqs: 8,
    maxNumBatchedTokens: 1024,
    numBlocks: 12,
    prefixCaching: false,
    timeScale: 1000,
    observer: { onPreemption: () => preemptions++ },
  });
  const results = await Promise.all([run(engine, 48, 60, 1), run(engine, 48, 60, 2), run(engine, 48, 60, 3)]);
  assert.ok(preemptions > 0);
  for (const r of results) assert.equal(r.generated, 60);
});

test('prefix caching: the second identical prompt hits the cache for all full blocks but the last token', async () => {
  let hits = 0;
  const engine = new Engine({
    perf,
    maxNumSeqs: 4,
    maxNumBatchedTokens: 2048,
    numBlocks: 1000,
    prefixCaching: true,
    timeScale: 1000,
    observer: { onPrefixLookup: (_q, h) => (hits += h) },
  });
  const first = await run(engine, 100, 2);
  const second = await run(engine, 100, 2);
  assert.equal(first.cachedTokens, 0);
  assert.equal(second.cachedTokens, 96);
  assert.equal(hits, 96);
});

test('abort and freeze', async () => {
  const engine = new Engine({ perf, maxNumSeqs: 4, maxNumBatchedTokens: 2048, numBlocks: 1000, prefixCaching: false, timeScale: 10 });
  const p = new Promise<SequenceResult>((resolve) => {
    const h = engine.add({ promptTokenIds: [1, 2, 3], outputLength: 1000, finishReason: 'length', onProgress: () => {}, onFinish: resolve });
    setTimeout(() => h.abort(), 30);
  });
  const r = await p;
  assert.equal(r.finishReason, 'abort');
  assert.ok(r.generated > 0 && r.generated < 1000);
  engine.freeze();
  let finished = false;
  engine.add({ promptTokenIds: [1], outputLength: 1, finishReason: 'stop', onProgress: () => {}, onFinish: () => (finished = true) });
  await new Promise((r2) => setTimeout(r2, 50));
  assert.equal(finished, false);
  assert.equal(engine.stats().waiting, 1);
});
