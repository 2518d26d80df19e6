import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, Counter } from 'prom-client';
import { serveMetrics } from './metrics.js';

test('/metrics serves the worker registry and /metrics/vllm re-exposes the local vLLM metrics', async () => {
  const registry = new Registry();
  new Counter({ name: 'clue_test_total', help: 'test', registers: [registry] }).inc(3);
  let engineText: string | null = null;
  const { server, port } = await serveMetrics(registry, 0, '127.0.0.1', async () => engineText);
  try {
    const base = `http://127.0.0.1:${port}`;
    assert.match(await (await fetch(`${base}/metrics`)).text(), /clue_test_total 3/);
    const none = await fetch(`${base}/metrics/vllm`);
    assert.equal(none.status, 200);
    assert.equal(await none.text(), '');
    engineText = 'vllm:num_requests_running{model_name="m"} 2\n';
    assert.equal(await (await fetch(`${base}/metrics/vllm`)).text(), engineText);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
