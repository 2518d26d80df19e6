import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpuProfile, defaultSchedulerLimits } from './gpu-profiles.js';
import { loadTimes, planMemory } from './memory-plan.js';
import { findModel, guessModelFromName, type ModelInfo } from './model-table.js';
import { createPerfModel, theoreticalMaxThroughput } from './timing.js';

function model(id: string): ModelInfo {
  const m = findModel(id);
  assert.ok(m, id);
  return m;
}

const H100 = getGpuProfile('H100-80GB');
const A100_40 = getGpuProfile('A100-40GB');
const A100_80 = getGpuProfile('a100');
const L40S = getGpuProfile('L40S-48GB');
const base = { dtypeBytes: 2, gpuMemoryUtilization: 0.9, maxNumBatchedTokens: 8192 };

test('GPU profiles and vLLM default scheduler limits', () => {
  assert.deepEqual(defaultSchedulerLimits(H100), { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 });
  assert.deepEqual(defaultSchedulerLimits(A100_80), { maxNumSeqs: 256, maxNumBatchedTokens: 2048 });
  assert.deepEqual(defaultSchedulerLimits(L40S), { maxNumSeqs: 256, maxNumBatchedTokens: 2048 });
  assert.throws(() => getGpuProfile('TPU-v5'), /unknown GPU profile 'TPU-v5'/);
});

test('a 70B model on one GPU fails with a CUDA OOM while loading', () => {
  const r = planMemory({ ...base, model: model('meta-llama/Meta-Llama-3-70B-Instruct'), gpu: A100_40, tensorParallelSize: 1, maxModelLen: 8192 });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.kind === 'oom' && /^CUDA out of memory\. Tried to allocate [\d.]+ MiB\. GPU 0 has a total capacity of 39\.38 GiB/.test(r.message));
  const ok = planMemory({ ...base, model: model('meta-llama/Meta-Llama-3-70B-Instruct'), gpu: H100, tensorParallelSize: 4, maxModelLen: 8192 });
  assert.ok(ok.ok && ok.plan.kvTokens > 8192);
});

test('KV cache too small: vLLM text with an estimated max length that itself fits', () => {
  const phi3 = model('microsoft/Phi-3-mini-128k-instruct');
  const r = planMemory({ ...base, model: phi3, gpu: A100_40, tensorParallelSize: 1, maxModelLen: phi3.contextLength });
  assert.ok(!r.ok && r.kind === 'kv_cache');
  assert.match(
    r.message,
    /^To serve at least one request with the models's max seq len \(131072\), \([\d.]+ GiB KV cache is needed, which is larger than the available KV cache memory \([\d.]+ GiB\)\. Based on the available memory, the estimated maximum model length is \d+\. Try increasing gpu_memory_utilization or decreasing max_model_len when initializing the engine\.$/,
  );
  const est = Number(/estimated maximum model length is (\d+)/.exec(r.message)![1]);
  assert.equal(est % 16, 0);
  assert.ok(est > 16384 && est < 131072, String(est));
  assert.ok(planMemory({ ...base, model: phi3, gpu: A100_40, tensorParallelSize: 1, maxModelLen: est }).ok);
  assert.equal(planMemory({ ...base, model: phi3, gpu: A100_40, tensorParallelSize: 1, maxModelLen: est + 16 }).ok, false);
});

test('weights that leave no KV memory give "No available memory for the cache blocks"', () => {
  const r = planMemory({ ...base, gpuMemoryUtilization: 0.7, model: model('meta-llama/Meta-Llama-3-8B-Instruct'), gpu: getGpuProfile('L4-24GB'), tensorParallelSize: 1, maxModelLen: 8192 });
  assert.ok(!r.ok && r.kind === 'no_cache_memory' && /^No available memory for the cache blocks\./.test(r.message));
});

test('load time grows with model size and shrinks with TP shards; eager mode skips compile and graphs', () => {
  const small = loadTimes(model('meta-llama/Meta-Llama-3-8B-Instruct'), H100, 1, 2, false);
  const big = loadTimes(model('meta-llama/Meta-Llama-3-70B-Instruct'), H100, 4, 2, false);
  assert.ok(small.total > 20 && small.total < 120, String(small.total));
  assert.ok(big.total > small.total);
  const eager = loadTimes(model('meta-llama/Meta-Llama-3-8B-Instruct'), H100, 1, 2, true);
  assert.equal(eager.compile + eager.graphs, 0);
});

test('decode is memory bound: ~6-12 ms per token for an 8B model at batch 1 on an H100', () => {
  const perf = createPerfModel({ model: model('meta-llama/Meta-Llama-3-8B-Instruct'), gpu: H100, tensorParallelSize: 1, dtypeBytes: 2, enforceEager: false });
  const t = perf.stepSeconds({ decodeSeqs: 1, prefillTokens: 0, contextTokens: 500, attentionPositions: 500 });
  assert.ok(t > 0.006 && t < 0.012, String(t));
  const prefill = perf.stepSeconds({ decodeSeqs: 0, prefillTokens: 8192, contextTokens: 8192, attentionPositions: (8192 * 8193) / 2 });
  assert.ok(prefill > 0.2 && prefill < 0.6, String(prefill));
  const batch = perf.stepSeconds({ decodeSeqs: 64, prefillTokens: 0, contextTokens: 64 * 500, attentionPositions: 64 * 500 });
  assert.ok(batch < 2 * t, 'batching decode is nearly free');
});

test('theoreticalMaxThroughput: plausible, ordered by GPU, limited by max_num_seqs, 0 when it does not fit', () => {
  const m = model('meta-llama/Meta-Llama-3-8B-Instruct');
  const h = theoreticalMaxThroughput(H100, m, 256, 500, 200);
  const a = theoreticalMaxThroughput(A100_80, m, 256, 500, 200);
  const l = theoreticalMaxThroughput(L40S, m, 256, 500, 200);
  assert.ok(h > 10 && h < 200, String(h));
  assert.ok(h > 2 * a && h > 2 * l, `${h} ${a} ${l}`);
  // Small batches are bandwidth bound: the A100's HBM beats the L40S's GDDR6.
  assert.ok(theoreticalMaxThroughput(A100_80, m, 4, 100, 500) > 1.5 * theoreticalMaxThroughput(L40S, m, 4, 100, 500));
  assert.ok(theoreticalMaxThroughput(H100, m, 8, 500, 200) < h / 4);
  assert.equal(theoreticalMaxThroughput(A100_40, model('meta-llama/Meta-Llama-3-70B-Instruct'), 256, 500, 200), 0);
  const tp4 = theoreticalMaxThroughput(H100, model('meta-llama/Meta-Llama-3-70B-Instruct'), 256, 500, 200, { tensorParallelSize: 4 });
  assert.ok(tp4 > 0 && tp4 < h);
});

test('sizes are parsed from unknown names; names without a size are unknown', () => {
  assert.equal(guessModelFromName('acme/SuperMed-13B-chat')?.paramsB, 13);
  assert.equal(guessModelFromName('acme/tiny-0.5B')?.paramsB, 0.5);
  const moe = guessModelFromName('acme/Mixtral-8x22B-v9');
  assert.ok(moe && moe.experts === 8 && moe.paramsB > 100 && moe.activeParamsB! < moe.paramsB);
  assert.equal(guessModelFromName('acme/no-size-here'), undefined);
  assert.equal(findModel('/models/Meta-Llama-3-8B-Instruct')?.hfId, 'meta-llama/Meta-Llama-3-8B-Instruct');
});
