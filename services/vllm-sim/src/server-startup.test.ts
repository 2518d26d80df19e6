import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { killSim, spawnSim, waitReady, type SimProcess } from './test-support.js';

const LLAMA3 = 'meta-llama/Meta-Llama-3-8B-Instruct';

async function exitOf(sim: SimProcess, timeoutMs = 15000): Promise<number | null> {
  const timer = setTimeout(() => sim.kill(), timeoutMs);
  const { code } = await sim.exited();
  clearTimeout(timer);
  return code;
}

function portIsBound(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(true));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

test('while loading, the port is bound but no HTTP is served; then /health is 200', async () => {
  // An 8B model loads in roughly 35 modelled seconds; at 20x that is under 2 s of wall time.
  const sim = await spawnSim(['serve', LLAMA3], { VLLM_SIM_TIME_SCALE: '20' });
  try {
    const t0 = Date.now();
    let bound = false;
    while (!bound && Date.now() - t0 < 5000) {
      bound = await portIsBound(sim.port);
      if (!bound) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(bound, 'port bound early');
    let httpAnswers = 0;
    let failures = 0;
    while (!sim.stdout().includes('Application startup complete.') && Date.now() - t0 < 10000) {
      try {
        await fetch(`${sim.url}/health`, { signal: AbortSignal.timeout(500) });
        if (!sim.stdout().includes('Application startup complete.')) httpAnswers++;
      } catch {
        failures++;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(httpAnswers, 0, 'no HTTP response while loading');
    assert.ok(failures > 5, `connection attempts failed while loading (${failures})`);
    await waitReady(sim);
    const out = sim.stdout();
    for (const line of [
      'vLLM API server version 0.11.0',
      'Loading weights took',
      'GPU KV cache size:',
      'Maximum concurrency for 8,192 tokens per request:',
      `Starting vLLM API server 0 on http://127.0.0.1:${sim.port}`,
      'INFO:     Application startup complete.',
    ]) {
      assert.ok(out.includes(line), line);
    }
    assert.match(out, /^\(APIServer pid=\d+\) INFO \d\d-\d\d \d\d:\d\d:\d\d \[api_server\.py:1839\] vLLM API server version 0\.11\.0$/m);
  } finally {
    await killSim(sim);
  }
});

test('fail_start faults print vLLM\'s log tail and exit with code 1', async () => {
  const cases: Array<[string, RegExp[]]> = [
    ['oom', [/torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate/, /RuntimeError: Engine core initialization failed\. See root cause above\. Failed core proc\(s\): \{\}/]],
    ['kv_cache', [/ValueError: To serve at least one request with the models's max seq len \(8192\), .* the estimated maximum model length is \d+\./]],
    ['no_cache_memory', [/ValueError: No available memory for the cache blocks\. Try increasing gpu_memory_utilization/]],
    ['invalid_repo', [/ValueError: Invalid repository ID or local directory specified: 'meta-llama\/Meta-Llama-3-8B-Instruct'\./]],
    ['gated', [/GatedRepoError: 401 Client Error/, /Cannot access gated repo for url https:\/\/huggingface\.co\/meta-llama\/Meta-Llama-3-8B-Instruct/]],
  ];
  await Promise.all(
    cases.map(async ([kind, patterns]) => {
      const sim = await spawnSim(['serve', LLAMA3], { VLLM_SIM_FAULTS: `fail_start=${kind}` });
      const code = await exitOf(sim);
      const all = sim.stdout() + sim.stderr();
      assert.equal(code, 1, `${kind}: ${all}`);
      for (const p of patterns) assert.match(all, p, kind);
      assert.ok(!all.includes('Starting vLLM API server'), kind);
    }),
  );
});

test('failures arising from the configuration itself', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['serve', 'meta-llama/Meta-Llama-3-70B-Instruct'], { VLLM_SIM_GPU: 'A100-40GB' }, /torch\.OutOfMemoryError: CUDA out of memory/],
    [['serve', 'microsoft/Phi-3-mini-128k-instruct'], { VLLM_SIM_GPU: 'A100-40GB' }, /max seq len \(131072\).*estimated maximum model length is \d+/],
    [['serve', 'acme/mystery-model'], {}, /Invalid repository ID or local directory specified: 'acme\/mystery-model'/],
    [['serve', 'meta-llama/Llama-2-7b-chat-hf', '--max-model-len', '8192'], {}, /User-specified max_model_len \(8192\) is greater than the derived max_model_len \(max_position_embeddings=4096/],
    [['serve', LLAMA3, '-tp', '3'], {}, /Total number of attention heads \(32\) must be divisible by tensor parallel size \(3\)/],
  ];
  await Promise.all(
    cases.map(async ([args, env, pattern]) => {
      const sim = await spawnSim(args, env);
      const code = await exitOf(sim);
      assert.equal(code, 1, args.join(' '));
      assert.match(sim.stdout() + sim.stderr(), pattern);
    }),
  );
});

test('SIGTERM: graceful exit 0 while serving (in-flight request aborted) and while loading', async () => {
  const sim = await spawnSim(['serve', LLAMA3], { VLLM_SIM_TIME_SCALE: '1' });
  // At real time the model takes ~35 s to load: SIGTERM during loading (once the handlers are in).
  while (!sim.stdout().includes('vLLM API server version') && sim.child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  sim.child.kill('SIGTERM');
  assert.equal(await exitOf(sim, 5000), 0);
  assert.ok(Date.now() - t0 < 3000);

  const s2 = await spawnSim(['serve', LLAMA3], { VLLM_SIM_TIME_SCALE: '50' });
  try {
    await waitReady(s2);
    // 7000 tokens take about 60 modelled seconds, over a second at 50x: still running at the signal.
    const inflight = fetch(`${s2.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ignore_eos: true, max_completion_tokens: 7000, stream: true }),
    }).then(async (r) => r.text()).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 200));
    const t1 = Date.now();
    s2.child.kill('SIGTERM');
    assert.equal(await exitOf(s2, 5000), 0);
    assert.ok(Date.now() - t1 < 3000);
    const streamed = await inflight;
    assert.ok(!streamed.includes('"finish_reason":"length"'), 'the in-flight request did not complete');
    assert.ok(s2.stdout().includes('Shutting down FastAPI HTTP server.'));
  } finally {
    await killSim(s2);
  }
});

test('--version, usage errors (exit 2) and a port clash (exit 1)', async () => {
  const v = await spawnSim(['--version'], {}, null);
  assert.equal(await exitOf(v), 0);
  assert.equal(v.stdout(), '0.11.0\n');
  const bad = await spawnSim(['serve', 'x', '--max-model-len', '1.5K'], {}, null);
  assert.equal(await exitOf(bad), 2);
  assert.match(bad.stderr(), /^usage: vllm serve \[model_tag\] \[options\]\nvllm serve: error: argument --max-model-len: Decimals are not allowed/);
  const env = await spawnSim(['serve', LLAMA3], { VLLM_SIM_GPU: 'B9000' }, null);
  assert.equal(await exitOf(env), 2);
  assert.match(env.stderr(), /VLLM_SIM_GPU: unknown GPU profile 'B9000'/);

  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const port = (holder.address() as { port: number }).port;
  try {
    const clash = await spawnSim(['serve', LLAMA3], {}, port);
    assert.equal(await exitOf(clash), 1);
    assert.match(clash.stderr(), /\[Errno 98\] error while attempting to bind on address \('127\.0\.0\.1', \d+\): address already in use/);
  } finally {
    holder.close();
  }
});
