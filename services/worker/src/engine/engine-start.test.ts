import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from './engine-types.js';
import { EngineError } from './errors.js';
import { simEngine } from './test-support.js';

function events(engine: ReturnType<typeof simEngine>): EngineEvent[] {
  const out: EngineEvent[] = [];
  engine.on('event', (e) => out.push(e));
  return out;
}

const failed = (e: EngineEvent) => e.type === 'start-failed';

test('KV cache too small for the length (catalog optimistic, real GPU smaller): retried with the estimated length, succeeds', async () => {
  // The catalog plans for an L40S; the "real" GPU is an L4-24GB, whose KV cache cannot hold 65536 tokens.
  const engine = simEngine({ VLLM_SIM_GPU: 'L4-24GB' }, { inventory: { gpuClass: 'L40S-48GB', count: 1 } });
  const ev = events(engine);
  const info = await engine.start('llama-3-1-8b-instruct', { maxModelLen: 65536 });
  await engine.stop();
  const fail = ev.find(failed);
  assert.ok(fail && fail.type === 'start-failed' && fail.code === 'START_FAILED_KV_CACHE' && fail.willRetry && fail.attempt === 1);
  const safer = ev.find((e) => e.type === 'safer-profile');
  assert.ok(safer && safer.type === 'safer-profile');
  const est = safer.changes['maxModelLen']?.to as number;
  assert.ok(est > 8192 && est < 65536, `estimated length ${est}`);
  assert.deepEqual(safer.changes['gpuMemoryUtilization'], { from: 0.9, to: 0.95 });
  assert.equal(info.maxModelLen, est, 'the server runs at the length vLLM estimated');
  const loaded = ev.find((e) => e.type === 'loaded');
  assert.ok(loaded && loaded.type === 'loaded' && loaded.attempt === 2);
});

test('fail_start=kv_cache every time: the retry uses the estimated length, then the engine fails needing a bigger worker', async () => {
  const engine = simEngine({ VLLM_SIM_FAULTS: 'fail_start=kv_cache' }, { maxStartAttempts: 2 });
  const ev = events(engine);
  await assert.rejects(
    engine.start('llama-3-8b-instruct'),
    (e: unknown) => e instanceof EngineError && e.code === 'START_FAILED_KV_CACHE' && e.needsBiggerWorker && (e.details.estimatedMaxModelLen ?? 0) > 0,
  );
  assert.equal(engine.state, 'failed');
  const fails = ev.filter(failed);
  assert.equal(fails.length, 2);
  const safer = ev.find((e) => e.type === 'safer-profile');
  assert.ok(safer && safer.type === 'safer-profile' && safer.changes['maxModelLen']!.from === 8192 && (safer.changes['maxModelLen']!.to as number) < 8192);
  await engine.stop();
});

test('invalid and gated repositories fail at once, permanently, without retries', async () => {
  for (const kind of ['invalid_repo', 'gated'] as const) {
    const engine = simEngine({ VLLM_SIM_FAULTS: `fail_start=${kind}` });
    const ev = events(engine);
    await assert.rejects(
      engine.start('llama-3-8b-instruct'),
      (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID_OR_GATED' && e.permanent && e.details.gated === (kind === 'gated'),
    );
    assert.equal(ev.filter(failed).length, 1, `${kind}: one attempt only`);
    assert.equal(engine.state, 'failed');
    assert.ok(engine.info().lastError?.code === 'MODEL_INVALID_OR_GATED');
    await assert.rejects(engine.chat({ messages: [{ role: 'user', content: 'x' }], maxTokens: 1, temperature: 0, topP: 1, seed: 0 }), (e: unknown) => e instanceof EngineError && e.code === 'MODEL_INVALID_OR_GATED');
    await engine.stop();
  }
});

test('CUDA OOM: safer profiles (larger TP on a node with spare GPUs, fewer sequences), then needsBiggerWorker', async () => {
  const engine = simEngine({ VLLM_SIM_FAULTS: 'fail_start=oom' }, { inventory: { gpuClass: 'H100-80GB', count: 2 } });
  const ev = events(engine);
  await assert.rejects(engine.start('llama-3-8b-instruct'), (e: unknown) => e instanceof EngineError && e.code === 'START_FAILED_OOM' && e.needsBiggerWorker);
  assert.deepEqual(ev.filter(failed).map((e) => e.type === 'start-failed' && e.willRetry), [true, true, false]);
  const safer = ev.filter((e) => e.type === 'safer-profile');
  assert.ok(safer[0]?.type === 'safer-profile' && safer[0].changes['tensorParallelSize']?.to === 2 && safer[0].changes['maxNumSeqs']?.to === 512);
  await engine.stop();
});

test('start-up beyond the budget: START_TIMEOUT, not retried, nothing left running', async () => {
  const engine = simEngine({ VLLM_SIM_FAULTS: 'slow_start_s=30' }, { startupTimeoutMs: 600 });
  const ev = events(engine);
  await assert.rejects(engine.start('llama-3-8b-instruct'), (e: unknown) => e instanceof EngineError && e.code === 'START_TIMEOUT' && e.retryable);
  assert.equal(ev.filter(failed).length, 1);
  assert.equal(engine.state, 'failed');
  await engine.stop();
});

test('a model too large for the node is refused before spawning anything', async () => {
  const engine = simEngine();
  const ev = events(engine);
  await assert.rejects(engine.start('llama-3-70b-instruct'), (e: unknown) => e instanceof EngineError && e.code === 'MODEL_DOES_NOT_FIT' && e.needsBiggerWorker);
  assert.equal(engine.state, 'idle');
  assert.equal(ev.length, 0);
});
