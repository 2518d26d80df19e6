import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from './errors.js';
import { sumMetric } from './prom-text.js';
import { countingTransports, pidAlive, recordEngine, simEngine, waitPidGone } from './test-support.js';
import type { ChatRequest } from './vllm-client.js';

const req = (i: number, over: Partial<ChatRequest> = {}): ChatRequest => ({
  messages: [{ role: 'user', content: `Question ${i}: which organ does the patient's pneumonia affect?` }],
  maxTokens: 32,
  temperature: 0,
  topP: 1,
  seed: i,
  ...over,
});

test('start → ready → chatBatch → stop: states, events, max_model_len, results in order, no process left', async () => {
  const engine = simEngine();
  const { states, events } = recordEngine(engine);
  const info = await engine.start('llama-3-8b-instruct', { maxModelLen: 4096 });
  assert.equal(info.state, 'ready');
  assert.equal(info.maxModelLen, 4096);
  assert.equal(info.maxNumSeqs, 1024, "vLLM's default on an H100");
  assert.equal(info.concurrency, 1024);
  const pid = info.pid!;
  assert.ok(pidAlive(pid));
  const loaded = events.find((e) => e.type === 'loaded');
  assert.ok(loaded && loaded.type === 'loaded' && loaded.loadMs > 0 && loaded.attempt === 1 && loaded.maxModelLen === 4096);

  const results = await engine.chatBatch(Array.from({ length: 40 }, (_, i) => req(i)));
  assert.equal(results.length, 40);
  assert.ok(results.every((r, i) => r.ok && r.index === i && r.value.completionTokens > 0 && r.value.finishReason !== ''));
  const single = await engine.chat(req(3));
  assert.equal(single.content, results[3]!.ok ? results[3]!.value.content : '', 'same request, same greedy answer');

  const [a, b] = [engine.stop(), engine.stop()];
  assert.equal(a, b, 'stop() is idempotent while in progress');
  await a;
  assert.equal(engine.state, 'stopped');
  assert.ok(await waitPidGone(pid));
  assert.deepEqual(states, ['starting', 'ready', 'stopping', 'stopped']);
  await assert.rejects(engine.chat(req(1)), (e: unknown) => e instanceof EngineError && e.code === 'STOPPED');
  await engine.stop();
});

test('in flight never exceeds the bound (client count and the server running gauge), and reaches it', async () => {
  const { factory, stats } = countingTransports();
  const engine = simEngine({}, { transportFactory: factory });
  await engine.start('llama-3-8b-instruct', { maxNumSeqs: 8 });
  assert.equal(engine.info().concurrency, 8);
  let maxRunning = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const { port } = engine.info();
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      maxRunning = Math.max(maxRunning, sumMetric(text, 'vllm:num_requests_running') ?? 0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const results = await engine.chatBatch(Array.from({ length: 120 }, (_, i) => req(i, { maxTokens: 128 })));
  polling = false;
  await poller;
  await engine.stop();
  assert.ok(results.every((r) => r.ok));
  assert.equal(stats.peak, 8, 'the client kept exactly max-num-seqs requests in flight');
  assert.ok(maxRunning > 0 && maxRunning <= 8, `server ran at most 8 at once (saw ${maxRunning})`);
});

test('ensureModel keeps a served model and restarts for another one', async () => {
  const engine = simEngine();
  const first = await engine.ensureModel('llama-3-8b-instruct');
  const again = await engine.ensureModel('meta-llama/Meta-Llama-3-8B-Instruct');
  assert.equal(again.pid, first.pid, 'same model: no restart');
  const other = await engine.ensureModel('mistral-7b-instruct-v0-2');
  assert.notEqual(other.pid, first.pid);
  assert.equal(other.model?.key, 'mistral-7b-instruct-v0-2');
  assert.ok(await waitPidGone(first.pid!), 'the old server is gone');
  const r = await engine.chat(req(1));
  assert.ok(r.completionTokens > 0);
  await engine.stop();
  await assert.rejects(engine.ensureModel('no-such-model'), (e: unknown) => e instanceof EngineError && e.code === 'INVALID_CONFIG' && /unknown model/.test(e.message));
});

test('a 400 in a batch fails only that request, without retry', async () => {
  const { factory, stats } = countingTransports();
  const engine = simEngine({}, { transportFactory: factory });
  await engine.start('llama-3-8b-instruct', { maxModelLen: 256 });
  const reqs = [req(0), req(1, { messages: [{ role: 'user', content: 'word '.repeat(1000) }] }), req(2)];
  const out = await engine.chatBatch(reqs);
  await engine.stop();
  assert.ok(out[0]!.ok && out[2]!.ok);
  assert.ok(!out[1]!.ok && out[1]!.error.code === 'REQUEST_REJECTED' && out[1]!.error.details.contextOverflow === true);
  assert.equal(stats.sent.length, 3);
});

test('manual restart: requests issued meanwhile wait for the new server', async () => {
  const engine = simEngine();
  const { events } = recordEngine(engine);
  const before = await engine.start('llama-3-8b-instruct');
  const restart = engine.restart();
  const second = engine.restart();
  const during = engine.chatBatch(Array.from({ length: 10 }, (_, i) => req(i)));
  const after = await restart;
  assert.equal((await second).pid, after.pid, 'a concurrent restart() shares the one in progress');
  const results = await during;
  assert.notEqual(after.pid, before.pid);
  assert.ok(results.every((r) => r.ok));
  assert.ok(events.some((e) => e.type === 'restart' && e.reason === 'manual'));
  assert.equal(engine.info().restarts, 1);
  await engine.stop();
});

test('the tokenizer follows the engine: encode adds BOS, decode inverts it', async () => {
  const engine = simEngine();
  await engine.start('llama-3-8b-instruct');
  const tok = engine.tokenizer();
  const ids = await tok.encode('Discharge diagnosis: pneumonia.');
  const plain = await engine.tokenize({ prompt: 'Discharge diagnosis: pneumonia.' }, false);
  assert.equal(ids.length, plain.count + 1);
  assert.equal(await tok.decode(plain.tokens), 'Discharge diagnosis: pneumonia.');
  await engine.stop();
});

test('stop() during start-up aborts it and leaves no process', async () => {
  const engine = simEngine({ VLLM_SIM_FAULTS: 'slow_start_s=10' });
  const start = engine.start('llama-3-8b-instruct');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(engine.state, 'starting');
  const pid = engine.info().pid!;
  assert.ok(pid > 0 && pidAlive(pid));
  await engine.stop();
  await assert.rejects(start, (e: unknown) => e instanceof EngineError && (e.code === 'STOPPED' || e.code === 'ABORTED'));
  assert.equal(engine.state, 'stopped');
  assert.ok(await waitPidGone(pid), 'the half-started server is gone');
});
