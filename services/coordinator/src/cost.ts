/**
 * A deliberately simple GPU-time model for planning and scheduling (an estimate, not a promise):
 *
 *   GPU-seconds(sample) = (active params / 7B) x (prompt tokens / prefill rate + output tokens / decode rate)
 *
 * with nominal batched throughputs of a 7B dense model per GPU class, prompt tokens estimated as
 * characters / 4, and output tokens as a typical answer length per task capped by max_tokens. Load
 * cost = reading the weights at a nominal disk/network rate plus engine start-up. Units are sized and
 * work is compared in GPU-seconds on the reference class (A100-80GB); only ratios matter.
 */
import {
  DEFAULT_MAX_LEN_TASK1,
  LONGHEALTH_MAX_NEW_TOKENS,
  defaultMaxModelLen,
  estimateWeightsGiB,
  getShortTask,
  type GpuClass,
  type ModelSpec,
  type TaskId,
} from '@clue/tasks';

/** The GPU class estimates are expressed in. */
export const REFERENCE_GPU_CLASS: GpuClass = 'A100-80GB';

/** Nominal batched prefill throughput of a 7B model, tokens/s per GPU. */
const PREFILL_7B: Readonly<Record<GpuClass, number>> = { 'H100-80GB': 24_000, 'A100-80GB': 12_000, 'A100-40GB': 11_000, 'L40S-48GB': 8_000 };
/** Nominal batched decode throughput of a 7B model, tokens/s per GPU. */
const DECODE_7B: Readonly<Record<GpuClass, number>> = { 'H100-80GB': 3_000, 'A100-80GB': 1_800, 'A100-40GB': 1_600, 'L40S-48GB': 1_200 };

/** Typical answer length per task in tokens (CLUE's answers are short except MeDiSumQA's). */
const TYPICAL_OUTPUT_TOKENS: Readonly<Record<TaskId, number>> = {
  mednli: 5,
  meqsum: 30,
  problemsummary: 60,
  medisumqa: 200,
  medisumcode: 60,
  longhealth: 12,
};

/** Characters per token of English clinical text (rule of thumb). */
export const CHARS_PER_TOKEN = 4;
/** Weights read rate when (re)starting an engine, GiB/s, and the fixed start-up cost in seconds. */
const LOAD_GIB_PER_SECOND = 1;
const LOAD_FIXED_SECONDS = 45;

/** Prompt tokens estimated from characters. */
export function promptTokensFromChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** The task's CLUE max_tokens (MedNLI 20, LongHealth 50, others 512) when the spec says 0. */
export function taskMaxTokens(task: TaskId, specMaxTokens: number): number {
  if (specMaxTokens > 0) return specMaxTokens;
  return task === 'longhealth' ? LONGHEALTH_MAX_NEW_TOKENS : getShortTask(task).maxTokens;
}

/** Expected output tokens of one sample. */
export function expectedOutputTokens(task: TaskId, specMaxTokens: number): number {
  return Math.min(TYPICAL_OUTPUT_TOKENS[task], taskMaxTokens(task, specMaxTokens));
}

/** LongHealth prompts are filled with documents up to the budget: ~8140 tokens, or the model's length. */
export function longHealthPromptTokens(model: ModelSpec): number {
  return Math.min(DEFAULT_MAX_LEN_TASK1, defaultMaxModelLen(model));
}

/** Estimated GPU-seconds of one sample. */
export function sampleGpuSeconds(model: ModelSpec, promptTokens: number, outputTokens: number, gpuClass: GpuClass = REFERENCE_GPU_CLASS): number {
  const scale = (model.activeParamsB ?? model.paramsB) / 7;
  return scale * (promptTokens / PREFILL_7B[gpuClass] + outputTokens / DECODE_7B[gpuClass]);
}

/** Estimated seconds to (re)start an engine with the model on `tp` GPUs (each rank reads its shard of the weights, plus a fixed start-up). */
export function loadSeconds(model: ModelSpec, tp = 1): number {
  return LOAD_FIXED_SECONDS + estimateWeightsGiB(model) / Math.max(1, tp) / LOAD_GIB_PER_SECOND;
}
