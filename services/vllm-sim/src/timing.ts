/**
 * The GPU timing model. One engine step (a forward pass over the scheduled batch) costs
 *
 *   max(memory time, compute time) + fixed overhead
 *
 * - memory time: weight bytes read once per step (a mixture of experts reads the experts the batch's
 *   tokens touch) plus the KV cache of every scheduled sequence, over TP × bandwidth × 80 % efficiency;
 * - compute time: 2 × active parameters × new tokens, plus attention (4 × layers × heads × head_dim ×
 *   context positions), over TP × peak FLOP/s × 50 % MFU (prefill is compute bound, decode memory bound);
 * - overhead: scheduler/launch time per step (more without CUDA graphs), a small per-sequence term, and
 *   per-layer all-reduce latency when TP > 1.
 *
 * All durations are modelled seconds; the engine divides them by `VLLM_SIM_TIME_SCALE`.
 */
import type { GpuProfile } from './gpu-profiles.js';
import { bytesPerParam, kvBytesPerToken, type ModelInfo } from './model-table.js';
import { planMemory } from './memory-plan.js';

/** Fraction of peak bandwidth a decode step achieves. */
export const BANDWIDTH_EFFICIENCY = 0.8;
/** Model FLOP utilisation of prefill. */
export const PREFILL_MFU = 0.5;

/** What one engine step processes. */
export interface StepLoad {
  /** Sequences producing one decode token in this step. */
  readonly decodeSeqs: number;
  /** Prompt tokens prefilled in this step (all chunks together). */
  readonly prefillTokens: number;
  /** KV-cache tokens read: sum over scheduled sequences of their context length. */
  readonly contextTokens: number;
  /** Attention work: sum over the step's new tokens of their position in the sequence. */
  readonly attentionPositions: number;
}

/** A model/GPU pair's step-time function. */
export interface PerfModel {
  /** Modelled seconds of one step. */
  stepSeconds(load: StepLoad): number;
}

/** Static inputs of the timing model. */
export interface PerfInputs {
  readonly model: ModelInfo;
  readonly gpu: GpuProfile;
  readonly tensorParallelSize: number;
  /** Bytes per weight/KV element (2 for fp16/bf16). */
  readonly dtypeBytes: number;
  /** Without CUDA graphs (`--enforce-eager`) each step has more launch overhead. */
  readonly enforceEager: boolean;
}

/** Builds the step-time function for a model on `tensorParallelSize` GPUs. */
export function createPerfModel(p: PerfInputs): PerfModel {
  const { model, gpu } = p;
  const tp = Math.max(1, p.tensorParallelSize);
  const totalParams = model.paramsB * 1e9;
  const activeParams = (model.activeParamsB ?? model.paramsB) * 1e9;
  const experts = model.experts ?? 0;
  const perToken = model.expertsPerToken ?? 0;
  // Active = shared + perToken·e and total = shared + experts·e, so one expert holds e parameters.
  const expertParams = experts > perToken ? (totalParams - activeParams) / (experts - perToken) : 0;
  const sharedParams = activeParams - perToken * expertParams;
  const kvPerToken = kvBytesPerToken(model, p.dtypeBytes);
  const bandwidth = gpu.memoryBandwidth * BANDWIDTH_EFFICIENCY * tp;
  const flops = (p.dtypeBytes >= 4 ? gpu.fp32Flops : gpu.peakFlops) * PREFILL_MFU * tp;
  const baseOverhead = p.enforceEager ? 0.004 : 0.0015;
  const allReduce = tp > 1 ? 2 * model.layers * 8e-6 : 0;
  const attnWidth = model.heads * model.headDim;

  return {
    stepSeconds(load: StepLoad): number {
      const tokens = load.decodeSeqs + load.prefillTokens;
      if (tokens <= 0) return 0;
      let weightParams = activeParams;
      if (expertParams > 0) {
        // Expected number of distinct experts touched by `tokens` tokens choosing perToken of experts.
        const touched = experts * (1 - Math.pow(1 - perToken / experts, tokens));
        weightParams = sharedParams + expertParams * touched;
      }
      const memory = (weightParams * p.dtypeBytes + load.contextTokens * kvPerToken) / bandwidth;
      const compute = (2 * activeParams * tokens + 4 * model.layers * attnWidth * load.attentionPositions) / flops;
      const seqs = load.decodeSeqs + (load.prefillTokens > 0 ? 1 : 0);
      return Math.max(memory, compute) + baseOverhead + 5e-6 * seqs + allReduce;
    },
  };
}

/** Options of `theoreticalMaxThroughput`. */
export interface ThroughputOptions {
  /** @default 1 */
  readonly tensorParallelSize?: number;
  /** @default 0.9 */
  readonly gpuMemoryUtilization?: number;
  /** Used for the memory plan. @default promptTokens + outputTokens */
  readonly maxModelLen?: number;
  /** @default 'auto' */
  readonly dtype?: string;
  /** @default 8192 */
  readonly maxNumBatchedTokens?: number;
}

/**
 * Samples per second a server can sustain with a full batch: `B = min(maxNumSeqs, KV-cache tokens /
 * (promptTokens + outputTokens))` sequences decode together while each step also prefills the
 * prompts of the sequences that replace finished ones (B × promptTokens / outputTokens tokens per
 * step). Throughput = B / (outputTokens × step time). Returns 0 when the model does not fit.
 */
export function theoreticalMaxThroughput(
  profile: GpuProfile,
  model: ModelInfo,
  maxNumSeqs: number,
  promptTokens: number,
  outputTokens: number,
  options: ThroughputOptions = {},
): number {
  const tp = options.tensorParallelSize ?? 1;
  const dtype = options.dtype ?? 'auto';
  const dtypeBytes = bytesPerParam(model, dtype);
  const seqLen = Math.max(1, promptTokens + outputTokens);
  const mem = planMemory({
    model,
    gpu: profile,
    tensorParallelSize: tp,
    dtypeBytes,
    maxModelLen: options.maxModelLen ?? seqLen,
    gpuMemoryUtilization: options.gpuMemoryUtilization ?? 0.9,
    maxNumBatchedTokens: options.maxNumBatchedTokens ?? 8192,
  });
  if (!mem.ok) return 0;
  const batch = Math.max(1, Math.min(maxNumSeqs, Math.floor(mem.plan.kvTokens / seqLen)));
  const perf = createPerfModel({ model, gpu: profile, tensorParallelSize: tp, dtypeBytes, enforceEager: false });
  const out = Math.max(1, outputTokens);
  const prefillPerStep = (batch * promptTokens) / out;
  const step = perf.stepSeconds({
    decodeSeqs: batch,
    prefillTokens: prefillPerStep,
    contextTokens: batch * (promptTokens + out / 2),
    attentionPositions: batch * (promptTokens + out / 2) + (prefillPerStep * promptTokens) / 2,
  });
  return batch / (out * step);
}
