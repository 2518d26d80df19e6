/**
 * Start-up memory accounting and load time, per GPU, the way vLLM's profiling run decides them:
 *
 *   requested   = GPU memory × gpu_memory_utilization
 *   KV memory   = requested − weights/TP − peak activations − non-torch memory (CUDA context, NCCL)
 *   KV blocks   = KV memory / (16 tokens × KV bytes per token per GPU)
 *
 * Failure modes, in vLLM's order: weights alone exceed the physical memory → CUDA OOM while loading;
 * no KV memory left → "No available memory for the cache blocks"; fewer KV tokens than one
 * max-model-len sequence → the KV-cache error with vLLM's estimated maximum model length.
 */
import type { GpuProfile } from './gpu-profiles.js';
import type { ModelInfo } from './model-table.js';
import { BLOCK_SIZE, NO_CACHE_MEMORY_MESSAGE, cudaOomMessage, kvCacheTooSmallMessage } from './vllm-compat.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** CUDA context, NCCL buffers and other memory outside PyTorch's allocator. */
const NON_TORCH_BYTES = 0.6 * GiB;

/** Inputs of the memory plan. */
export interface MemoryInputs {
  readonly model: ModelInfo;
  readonly gpu: GpuProfile;
  readonly tensorParallelSize: number;
  readonly dtypeBytes: number;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  readonly maxNumBatchedTokens: number;
}

/** A successful plan (bytes are per GPU). */
export interface MemoryPlan {
  readonly weightBytesPerGpu: number;
  readonly activationBytes: number;
  readonly kvBytesAvailable: number;
  readonly kvBytesPerTokenPerGpu: number;
  readonly numBlocks: number;
  /** numBlocks × 16. */
  readonly kvTokens: number;
  /** KV tokens / max_model_len, as vLLM's "Maximum concurrency" log line. */
  readonly maxConcurrency: number;
}

/** Outcome of the plan: a plan, or the failure kind with vLLM's exception type and message. */
export type MemoryOutcome =
  | { readonly ok: true; readonly plan: MemoryPlan }
  | { readonly ok: false; readonly kind: 'oom' | 'no_cache_memory' | 'kv_cache'; readonly exception: string; readonly message: string };

/** Per-GPU KV-cache bytes per token (KV heads are split over TP ranks, at least one per rank). */
export function kvBytesPerTokenPerGpu(model: ModelInfo, tp: number, dtypeBytes: number): number {
  const heads = Math.max(1, Math.ceil(model.kvHeads / tp));
  return 2 * model.layers * heads * model.headDim * dtypeBytes;
}

/** Peak activation memory of the profiling run (a forward pass over max_num_batched_tokens). */
function activationBytes(model: ModelInfo, maxNumBatchedTokens: number, dtypeBytes: number): number {
  return maxNumBatchedTokens * model.hidden * dtypeBytes * 10 + 0.3 * GiB;
}

/** Computes the plan or the start-up failure. */
export function planMemory(inp: MemoryInputs): MemoryOutcome {
  const tp = Math.max(1, inp.tensorParallelSize);
  const weights = (inp.model.paramsB * 1e9 * inp.dtypeBytes) / tp;
  const physical = inp.gpu.memoryBytes;
  if (weights + NON_TORCH_BYTES > physical) return oom(inp, weights);
  const requested = physical * inp.gpuMemoryUtilization;
  const activation = activationBytes(inp.model, inp.maxNumBatchedTokens, inp.dtypeBytes);
  const available = requested - weights - activation - NON_TORCH_BYTES;
  if (available <= 0) {
    return { ok: false, kind: 'no_cache_memory', exception: 'ValueError', message: NO_CACHE_MEMORY_MESSAGE };
  }
  const perToken = kvBytesPerTokenPerGpu(inp.model, tp, inp.dtypeBytes);
  const blockBytes = BLOCK_SIZE * perToken;
  const numBlocks = Math.floor(available / blockBytes);
  const needed = Math.ceil(inp.maxModelLen / BLOCK_SIZE) * blockBytes;
  if (needed > available) {
    return {
      ok: false,
      kind: 'kv_cache',
      exception: 'ValueError',
      message: kvCacheTooSmallMessage(inp.maxModelLen, needed / GiB, available / GiB, numBlocks * BLOCK_SIZE),
    };
  }
  return {
    ok: true,
    plan: {
      weightBytesPerGpu: weights,
      activationBytes: activation,
      kvBytesAvailable: available,
      kvBytesPerTokenPerGpu: perToken,
      numBlocks,
      kvTokens: numBlocks * BLOCK_SIZE,
      maxConcurrency: (numBlocks * BLOCK_SIZE) / inp.maxModelLen,
    },
  };
}

/** The CUDA OOM raised while loading weights that do not fit (numbers in torch's style). */
export function oom(inp: MemoryInputs, weightsPerGpu: number): MemoryOutcome {
  const physical = inp.gpu.memoryBytes;
  const layerBytes = (inp.model.hidden * inp.model.hidden * 4 * inp.dtypeBytes) / Math.max(1, inp.tensorParallelSize);
  const freeBytes = Math.min(layerBytes * 0.6, physical * 0.01);
  const inUse = physical - freeBytes;
  const allocated = Math.min(weightsPerGpu, inUse - NON_TORCH_BYTES);
  return {
    ok: false,
    kind: 'oom',
    exception: 'torch.OutOfMemoryError',
    message: cudaOomMessage({
      tryMiB: layerBytes / MiB,
      totalGiB: physical / GiB,
      freeMiB: freeBytes / MiB,
      inUseGiB: inUse / GiB,
      allocatedGiB: allocated / GiB,
      reservedMiB: 45.12,
    }),
  };
}

/** Modelled start-up phases, in seconds. */
export interface LoadTimes {
  /** Python imports, API-server and engine-core processes. */
  readonly processStart: number;
  /** NCCL set-up and the P2P check (TP > 1 only). */
  readonly distributedInit: number;
  /** Weight loading (per-rank shard from disk/page cache over PCIe). */
  readonly weights: number;
  /** torch.compile (0 with --enforce-eager). */
  readonly compile: number;
  /** Memory profiling and KV-cache allocation. */
  readonly profile: number;
  /** CUDA-graph capture (0 with --enforce-eager). */
  readonly graphs: number;
  readonly total: number;
}

/** Load time of a model: weights per GPU / load bandwidth plus fixed compile and capture costs. */
export function loadTimes(model: ModelInfo, gpu: GpuProfile, tp: number, dtypeBytes: number, enforceEager: boolean): LoadTimes {
  const processStart = 6;
  const distributedInit = tp > 1 ? 5 + 2 * tp : 0;
  const weights = (model.paramsB * 1e9 * dtypeBytes) / Math.max(1, tp) / gpu.loadBandwidth;
  const compile = enforceEager ? 0 : 12 + 0.1 * model.layers;
  const profile = 2;
  const graphs = enforceEager ? 0 : 8 + 0.1 * model.layers;
  return { processStart, distributedInit, weights, compile, profile, graphs, total: processStart + distributedInit + weights + compile + profile + graphs };
}
