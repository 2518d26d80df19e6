import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, killSim, postJson, spawnSim, waitReady } from './test-support.js';

// A small model without compile/graph capture loads in about 8.5 modelled seconds.
const SMALL = ['serve', 'Qwen/Qwen3-0.6B', '--enforce-eager'];
const MSG = { messages: [{ role: 'user', content: 'Tell me about fever.' }], max_tokens: 3 };

test('crash_after_requests: the engine dies, requests get bare 500s, /health 503, exit code 1', async () => {
  const sim = await spawnSim(SMALL, { VLLM_SIM_TIME_SCALE: '5', VLLM_SIM_FAULTS: 'crash_after_requests=1' });
  try {
    await waitReady(sim);
    const first = await postJson(`${sim.url}/v1/chat/completions`, MSG);
    assert.equal(first.status, 200);
    // vLLM's watchdog notices after ~5 s (1 s at 5x); until then the server still answers.
    const health = await getJson(`${sim.url}/health`);
    assert.equal(health.status, 503);
    assert.equal(health.text, '');
    const after = await postJson(`${sim.url}/v1/chat/completions`, MSG);
    assert.equal(after.status, 500);
    assert.equal(after.text, '');
    const { code } = await sim.exited();
    assert.equal(code, 1);
    assert.match(sim.stdout(), /EngineDeadError: EngineCore encountered an issue/);
  } finally {
    await killSim(sim);
  }
});

test('hang_after_requests: later requests are never answered, the process stays alive and healthy', async () => {
  const sim = await spawnSim(SMALL, { VLLM_SIM_FAULTS: 'hang_after_requests=1' });
  try {
    await waitReady(sim);
    assert.equal((await postJson(`${sim.url}/v1/chat/completions`, MSG)).status, 200);
    const hung = fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(MSG),
      signal: AbortSignal.timeout(1500),
    });
    await assert.rejects(hung, /TimeoutError|aborted/);
    assert.equal((await getJson(`${sim.url}/health`)).status, 200);
    assert.equal(sim.child.exitCode, null);
  } finally {
    await killSim(sim);
  }
});

test('error_rate: injected 500s in vLLM\'s error shape, at about the given rate', async () => {
  const sim = await spawnSim(SMALL, { VLLM_SIM_FAULTS: 'error_rate=0.5' });
  try {
    await waitReady(sim);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await postJson(`${sim.url}/v1/chat/completions`, MSG);
      statuses.push(r.status);
      if (r.status === 500) {
        assert.equal(r.body.error.type, 'InternalServerError');
        assert.equal(r.body.error.code, 500);
      }
    }
    const failed = statuses.filter((s) => s === 500).length;
    assert.ok(failed > 5 && failed < 25, `500s: ${failed}/30`);
    assert.ok(statuses.every((s) => s === 200 || s === 500));
  } finally {
    await killSim(sim);
  }
});

test('slow_start_s adds wall-clock start-up time', async () => {
  const t0 = Date.now();
  const sim = await spawnSim(SMALL, { VLLM_SIM_FAULTS: 'slow_start_s=1.5' });
  try {
    await waitReady(sim);
    assert.ok(Date.now() - t0 >= 1500, `ready after ${Date.now() - t0} ms`);
  } finally {
    await killSim(sim);
  }
});

test('a malformed VLLM_SIM_FAULTS is rejected before start-up', async () => {
  const sim = await spawnSim(SMALL, { VLLM_SIM_FAULTS: 'explode=1' });
  const { code } = await sim.exited();
  assert.equal(code, 2);
  assert.match(sim.stderr(), /VLLM_SIM_FAULTS: unknown key 'explode'/);
});
