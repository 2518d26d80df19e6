import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyStartupFailure } from './startup-failure.js';

const EXIT1 = { exitCode: 1, signal: null };
const CORE_FAILED = 'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}';

test('KV cache too small: START_FAILED_KV_CACHE carrying the length vLLM estimated', () => {
  const tail = [
    '(EngineCore_DP0 pid=8) ERROR 10-07 10:45:15 [core.py:708] EngineCore failed to start.',
    "ValueError: To serve at least one request with the models's max seq len (118000), (6.30 GiB KV cache is needed, which is larger than the available KV cache memory (6.11 GiB). Based on the available memory, the estimated maximum model length is 114432. Try increasing gpu_memory_utilization or decreasing max_model_len when initializing the engine.",
    CORE_FAILED,
  ];
  const e = classifyStartupFailure(EXIT1, tail, 'org/m');
  assert.equal(e.code, 'START_FAILED_KV_CACHE');
  assert.equal(e.details.estimatedMaxModelLen, 114432);
  assert.ok(e.needsBiggerWorker);
  assert.match(e.message, /org\/m exited with code 1/);
  assert.match(e.message, /114432/);
});

test('no KV memory, CUDA OOM and a busy GPU each get their own code', () => {
  const code = (line: string) => classifyStartupFailure(EXIT1, ['x', line, CORE_FAILED], 'm').code;
  assert.equal(code('ValueError: No available memory for the cache blocks. Try increasing gpu_memory_utilization when initializing the engine.'), 'START_FAILED_NO_KV_MEMORY');
  assert.equal(code('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 224.00 MiB. GPU 0 has a total capacity of 79.19 GiB'), 'START_FAILED_OOM');
  assert.equal(
    code('ValueError: Free memory on device cuda:0 (15.32/22.04 GiB) on startup is less than desired GPU memory utilization (0.88, 19.39 GiB). Decrease GPU'),
    'START_FAILED_GPU_BUSY',
  );
});

test('invalid and gated repositories are permanent MODEL_INVALID_OR_GATED; gated is flagged', () => {
  const invalid = classifyStartupFailure(EXIT1, ["ValueError: Invalid repository ID or local directory specified: 'org/nope'.", 'Please verify the following requirements:'], 'org/nope');
  assert.equal(invalid.code, 'MODEL_INVALID_OR_GATED');
  assert.equal(invalid.details.gated, false);
  assert.ok(invalid.permanent);
  const gated = classifyStartupFailure(
    EXIT1,
    ['huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-1)', '', 'Cannot access gated repo for url https://huggingface.co/meta-llama/x/resolve/main/config.json.'],
    'meta-llama/x',
  );
  assert.equal(gated.code, 'MODEL_INVALID_OR_GATED');
  assert.equal(gated.details.gated, true);
  const notFound = classifyStartupFailure(EXIT1, ['huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error.'], 'x/y');
  assert.equal(notFound.code, 'MODEL_INVALID_OR_GATED');
});

test('port clash, usage errors and anything else', () => {
  const port = classifyStartupFailure(EXIT1, ["ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 8000): address already in use"], 'm');
  assert.equal(port.code, 'START_FAILED_PORT_IN_USE');
  assert.ok(port.retryable);
  const usage = classifyStartupFailure({ exitCode: 2, signal: null }, ['usage: vllm serve [model_tag] [options]', "vllm serve: error: argument --port: invalid int value: 'x'"], 'm');
  assert.equal(usage.code, 'START_FAILED_CONFIG');
  const other = classifyStartupFailure({ exitCode: null, signal: 'SIGSEGV' }, ['line a', 'line b'], 'm');
  assert.equal(other.code, 'START_FAILED');
  assert.ok(other.retryable);
  assert.match(other.message, /killed by SIGSEGV[\s\S]*line a\nline b/);
  assert.deepEqual(other.details.logTail, ['line a', 'line b']);
});
