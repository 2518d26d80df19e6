import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from './errors.js';
import { countingTransports, recordEngine, simEngine, waitPidGone } from './test-support.js';
import type { ChatRequest } from './vllm-client.js';

const req = (i: number, maxTokens = 32): ChatRequest => ({
  messages: [{ role: 'user', content: `Case ${i}: list the discharge medications of the patient.` }],
  maxTokens,
  temperature: 0,
  topP: 1,
  seed: i,
});

test('engine death mid-batch (500s, /health 503, exit): crashed → restarted → every request re-run and answered', async () => {
  const engine = simEngine({ VLLM_SIM_FAULTS: 'crash_after_requests=5' }, { concurrency: 4 });
  const { states, events } = recordEngine(engine);
  const first = await engine.start('llama-3-8b-instruct');
  const results = await engine.chatBatch(Array.from({ length: 12 }, (_, i) => req(i)));
  const info = engine.info();
  await engine.stop();
  assert.ok(results.every((r) => r.ok), JSON.stringify(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.message)));
  assert.ok(events.some((e) => e.type === 'crash'));
  // 12 requests at about 5 per server life (requests finishing in the same step as the fifth may get through).
  assert.ok(events.filter((e) => e.type === 'restart' && e.reason === 'crash').length >= 1);
  assert.ok(states.includes('crashed'));
  assert.ok(info.restarts >= 1);
  assert.notEqual(info.pid, first.pid);
  assert.ok(await waitPidGone(first.pid!));
});

test('connection drop: the server is SIGKILLed mid-batch; requests are retried on the restarted server', async () => {
  const engine = simEngine({}, { concurrency: 16 });
  const { events } = recordEngine(engine);
  const first = await engine.start('llama-3-8b-instruct');
  let killed = false;
  const results = await engine.chatBatch(Array.from({ length: 64 }, (_, i) => req(i, 512)), {
    onResult: () => {
      if (!killed) {
        killed = true;
        process.kill(first.pid!, 'SIGKILL');
      }
    },
  });
  await engine.stop();
  assert.ok(results.every((r) => r.ok));
  const crash = events.find((e) => e.type === 'crash');
  assert.ok(crash && crash.type === 'crash' && /SIGKILL/.test(crash.reason));
  assert.equal(engine.info().restarts, 1);
});

test('hang: no progress with requests in flight → HUNG, server killed and restarted, requests re-run', async () => {
  const engine = simEngine({ VLLM_SIM_FAULTS: 'hang_after_requests=5' }, { concurrency: 8, hangTimeoutMs: 700, hangCheckIntervalMs: 50 });
  const { states, events } = recordEngine(engine);
  const first = await engine.start('llama-3-8b-instruct');
  const t0 = performance.now();
  const results = await engine.chatBatch(Array.from({ length: 8 }, (_, i) => req(i)));
  const elapsed = performance.now() - t0;
  await engine.stop();
  assert.ok(results.every((r) => r.ok));
  const hang = events.find((e) => e.type === 'hang-kill');
  assert.ok(hang && hang.type === 'hang-kill' && hang.inFlight >= 1 && hang.inFlight <= 3 && hang.stalledMs >= 700, JSON.stringify(hang));
  assert.ok(events.some((e) => e.type === 'restart' && e.reason === 'hang'));
  assert.ok(states.includes('crashed'));
  assert.ok(elapsed >= 700, 'waited for the hang timeout');
  assert.ok(await waitPidGone(first.pid!), 'the hung server was killed');
});

test('without autoRestart a crash leaves the engine crashed and requests fail with CRASHED (retryable)', async () => {
  const engine = simEngine({}, { autoRestart: false });
  const info = await engine.start('llama-3-8b-instruct');
  process.kill(info.pid!, 'SIGKILL');
  await new Promise<void>((resolve) => engine.on('state', (s) => s.to === 'crashed' && resolve()));
  await assert.rejects(engine.chat(req(1)), (e: unknown) => e instanceof EngineError && e.code === 'CRASHED' && e.retryable);
  assert.ok(await waitPidGone(info.pid!));
  await engine.stop();
  assert.equal(engine.state, 'stopped');
});

test('a server that keeps dying is given up after maxConsecutiveRestarts: failed, requests fail CRASHED', async () => {
  const { factory, stats } = countingTransports();
  const engine = simEngine(
    { VLLM_SIM_FAULTS: 'crash_after_requests=0' },
    { maxConsecutiveRestarts: 2, requestEngineRetries: 5, transportFactory: factory },
  );
  await engine.start('llama-3-8b-instruct');
  await assert.rejects(engine.chat(req(1)), (e: unknown) => e instanceof EngineError && e.code === 'CRASHED' && /gave up after 2 restarts/.test(e.message));
  assert.equal(engine.state, 'failed');
  assert.equal(engine.info().restarts, 2);
  assert.ok(stats.sent.length >= 3);
  await engine.stop();
});
