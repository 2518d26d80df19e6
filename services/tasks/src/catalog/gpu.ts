/**
 * GPU memory and tensor-parallel planning for serving catalog models with vLLM.
 *
 * Model of one vLLM instance with tensor-parallel size `tp` (all sizes in GiB = 2^30 bytes):
 *
 *   per-GPU need = weights / tp + KV cache for ONE sequence of `maxModelLen` tokens on this rank + overhead
 *
 * and it fits when `per-GPU need <= gpu.memoryGiB * gpuMemoryUtilization`, which is the budget vLLM's
 * start-up profiler uses ("total_gpu_memory x gpu_memory_utilization"). One full-length sequence is
 * the minimum vLLM accepts at start-up (otherwise it fails with "... KV cache is needed, which is
 * larger than the available KV cache memory"); every GiB beyond it buys concurrency, not feasibility.
 */
import { ClueError } from '../errors.js';
import type { ModelSpec, ServeDtype } from './model-spec.js';

/** The GPU memory classes the scheduler plans for. */
export const GPU_CLASS_NAMES = ['H100-80GB', 'A100-80GB', 'A100-40GB', 'L40S-48GB'] as const;

/** A GPU memory class. */
export type GpuClass = (typeof GPU_CLASS_NAMES)[number];

/** Memory facts of one GPU class. */
export interface GpuClassSpec {
  readonly name: GpuClass;
  /** Marketing size in GB. */
  readonly nominalGB: number;
  /**
   * Total device memory as the CUDA runtime reports it (`torch.cuda.mem_get_info`), in GiB: the
   * `total_gpu_memory` vLLM multiplies by `gpu_memory_utilization`. Rounded down from values seen in
   * vLLM start-up logs (H100/A100-80GB 79.11-79.25, A100-40GB 39.39-39.56, L40S 44.31-44.39 GiB).
   */
  readonly memoryGiB: number;
}

/** The GPU classes with their usable memory, in `GPU_CLASS_NAMES` order. */
export const GPU_CLASSES: readonly GpuClassSpec[] = Object.freeze(
  [
    { name: 'H100-80GB', nominalGB: 80, memoryGiB: 79.1 },
    { name: 'A100-80GB', nominalGB: 80, memoryGiB: 79.1 },
    { name: 'A100-40GB', nominalGB: 40, memoryGiB: 39.4 },
    { name: 'L40S-48GB', nominalGB: 48, memoryGiB: 44.3 },
  ].map((g) => Object.freeze(g as GpuClassSpec)),
);

/** Tensor-parallel sizes considered, smallest first. */
export const TP_SIZES = [1, 2, 4, 8] as const;

/** A tensor-parallel size. */
export type TpSize = (typeof TP_SIZES)[number];

/** Bytes per parameter (and per KV-cache element) for each serving dtype. */
export const BYTES_PER_PARAM: Readonly<Record<ServeDtype, number>> = Object.freeze({ bf16: 2, fp16: 2 });

/**
 * Per-GPU memory that is neither weights nor KV cache, in GiB: PyTorch's activation peak during
 * vLLM's profiling run (about 1.2 GiB logged for 7-8B models at the default 8192 batched tokens) plus
 * non-torch allocations (CUDA context remainder, NCCL buffers: 0.1-0.4 GiB logged). CUDA-graph
 * capture memory is not counted: it is taken after the KV cache is sized and in practice lives in the
 * `1 - gpuMemoryUtilization` headroom (inferred from vLLM's memory profiling logs and issues).
 */
export const OVERHEAD_GIB_PER_GPU = 1.5;

/**
 * Longest context CLUE needs: the Level-2 tasks are built for 8k models (LongHealth fills documents up
 * to 8140 tokens and generates at most 50). Used as the default `--max-model-len` cap so long-context
 * models (Llama 3.1, Phi-3-128k, Mixtral 64k) are not planned for 128k KV caches they never use.
 */
export const CLUE_MAX_MODEL_LEN = 8192;

/** vLLM allocates the KV cache in blocks of this many tokens (default `--block-size`). */
export const KV_BLOCK_TOKENS = 16;

const GIB = 2 ** 30;

/** The spec of a GPU class by name (exact, or case-insensitive). @throws ClueError `INVALID_ARGUMENT`. */
export function getGpuClass(name: string): GpuClassSpec {
  const found = GPU_CLASSES.find((g) => g.name.toLowerCase() === name.trim().toLowerCase());
  if (!found) {
    throw new ClueError('INVALID_ARGUMENT', `unknown GPU class '${name}'; valid classes: ${GPU_CLASS_NAMES.join(', ')}`);
  }
  return found;
}

/** `--max-model-len` the orchestrator uses by default: the model's context, capped at `CLUE_MAX_MODEL_LEN`. */
export function defaultMaxModelLen(model: ModelSpec): number {
  return Math.min(model.contextLength, CLUE_MAX_MODEL_LEN);
}

/** Weight memory: `paramsB * 1e9 * bytes/param / 2^30` GiB (2 bytes for bf16/fp16). */
export function estimateWeightsGiB(model: ModelSpec): number {
  return (model.paramsB * 1e9 * BYTES_PER_PARAM[model.dtype]) / GIB;
}

/**
 * KV-cache bytes per token on one rank: K and V, for every layer, for the KV heads this rank holds
 * (`kvHeads / tp`, at least one: vLLM replicates KV heads when `tp` exceeds their number).
 */
export function kvCacheBytesPerToken(model: ModelSpec, tp: number = 1): number {
  const { layers, kvHeads, headDim } = model.attention;
  const headsPerRank = Math.max(1, Math.ceil(kvHeads / tp));
  return 2 * layers * headsPerRank * headDim * BYTES_PER_PARAM[model.dtype];
}

/** KV cache for one sequence of `maxModelLen` tokens (rounded up to whole blocks) on one rank, in GiB. */
export function estimateKvCacheGiB(model: ModelSpec, maxModelLen: number, tp: number = 1): number {
  checkMaxModelLen(model, maxModelLen);
  const tokens = Math.ceil(maxModelLen / KV_BLOCK_TOKENS) * KV_BLOCK_TOKENS;
  return (tokens * kvCacheBytesPerToken(model, tp)) / GIB;
}

/**
 * Minimum total memory to serve the model on one GPU with `--max-model-len maxModelLen`:
 * weights + KV cache of one full sequence + `OVERHEAD_GIB_PER_GPU`, in GiB.
 * @throws ClueError `INVALID_ARGUMENT` for a length that is not a positive integer or exceeds the model's context.
 */
export function estimateMinMemoryGiB(model: ModelSpec, maxModelLen: number): number {
  return perGpuMemoryGiB(model, 1, maxModelLen);
}

/** Memory each of `tp` GPUs needs: weights / tp + this rank's KV cache + overhead, in GiB. */
export function perGpuMemoryGiB(model: ModelSpec, tp: number, maxModelLen: number): number {
  if (!Number.isInteger(tp) || tp < 1) throw new ClueError('INVALID_ARGUMENT', `tensor-parallel size must be a positive integer, got ${tp}`);
  return estimateWeightsGiB(model) / tp + estimateKvCacheGiB(model, maxModelLen, tp) + OVERHEAD_GIB_PER_GPU;
}

/**
 * True when vLLM can split the model over `tp` ranks: `tp` divides the attention heads, and the KV heads
 * divide evenly (or are replicated, when `tp` is a multiple of their number).
 */
export function tpSplitsModel(model: ModelSpec, tp: number): boolean {
  const { heads, kvHeads } = model.attention;
  return heads % tp === 0 && (kvHeads % tp === 0 || tp % kvHeads === 0);
}

/**
 * Smallest tensor-parallel size in {1, 2, 4, 8} that splits the model and fits
 * `weights/tp + per-GPU KV(maxModelLen) + overhead <= memoryGiB * gpuMemoryUtilization`; null when even
 * 8 GPUs of this class are not enough.
 * @param gpuMemoryUtilization vLLM's `--gpu-memory-utilization`. @default 0.9
 * @param maxModelLen the `--max-model-len` to plan for. @default defaultMaxModelLen(model)
 * @param gpuClass a `GpuClass` name (case-insensitive).
 * @throws ClueError `INVALID_ARGUMENT` for an unknown GPU class, a utilization outside (0, 1] or a bad length.
 */
export function tensorParallelSize(
  model: ModelSpec,
  gpuClass: string,
  gpuMemoryUtilization: number = 0.9,
  maxModelLen: number = defaultMaxModelLen(model),
): TpSize | null {
  const gpu = getGpuClass(gpuClass);
  if (!(gpuMemoryUtilization > 0 && gpuMemoryUtilization <= 1)) {
    throw new ClueError('INVALID_ARGUMENT', `gpuMemoryUtilization must be in (0, 1], got ${gpuMemoryUtilization}`);
  }
  const budget = gpu.memoryGiB * gpuMemoryUtilization;
  for (const tp of TP_SIZES) {
    if (tpSplitsModel(model, tp) && perGpuMemoryGiB(model, tp, maxModelLen) <= budget) return tp;
  }
  return null;
}

/** `tensorParallelSize` for every GPU class (for docs, the scheduler and tests). */
export function tpByGpuClass(
  model: ModelSpec,
  gpuMemoryUtilization: number = 0.9,
  maxModelLen: number = defaultMaxModelLen(model),
): Readonly<Record<GpuClass, TpSize | null>> {
  const table = {} as Record<GpuClass, TpSize | null>;
  for (const g of GPU_CLASSES) table[g.name] = tensorParallelSize(model, g.name, gpuMemoryUtilization, maxModelLen);
  return Object.freeze(table);
}

function checkMaxModelLen(model: ModelSpec, maxModelLen: number): void {
  if (!Number.isInteger(maxModelLen) || maxModelLen < 1) {
    throw new ClueError('INVALID_ARGUMENT', `maxModelLen must be a positive integer, got ${maxModelLen}`);
  }
  if (maxModelLen > model.contextLength) {
    throw new ClueError(
      'INVALID_ARGUMENT',
      `maxModelLen ${maxModelLen} exceeds the context length of ${model.key} (${model.contextLength}); ` +
        'vLLM refuses it unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1',
    );
  }
}
