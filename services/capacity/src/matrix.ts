/**
 * The matrix to simulate: every (model, task) cell planned into units by the coordinator's real
 * planner (`planCell`: same unit target, same long-task halving, same sample costs), each unit
 * carrying what the reality model needs: its sample count and the cell's token figures. A cell's
 * prompt tokens are the mean over its scored samples of `promptTokensFromChars` (characters / 4, the
 * planner's rule); LongHealth prompts are filled to `longHealthPromptTokens(model)` (8140 tokens, or
 * the model's length); output tokens are the cost model's typical answer length per task.
 */
import type { ModelSpec, TaskId } from '@clue/tasks';
import { expectedOutputTokens, longHealthPromptTokens, planCell, promptTokensFromChars, type DatasetProfile } from '@clue/coordinator';
import { CapacityError } from './errors.js';

/** The coordinator's default unit target (`--units-target-gpu-seconds`). */
export const DEFAULT_UNIT_TARGET_GPU_SECONDS = 120;
/** The run id the simulated units are named under. */
export const PLAN_RUN_ID = 'plan';

/** One unit of work. */
export interface WorkUnit {
  readonly id: string;
  readonly model: string;
  readonly task: TaskId;
  readonly shard: number;
  readonly samples: number;
  /** The planner's estimate, GPU-seconds on the reference class (what the scheduler sees). */
  readonly gpuSeconds: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

/** One planned cell. */
export interface MatrixCell {
  readonly model: ModelSpec;
  readonly task: TaskId;
  readonly samples: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** The planner's estimate of the whole cell (reference class). */
  readonly plannedGpuSeconds: number;
  readonly units: readonly WorkUnit[];
}

/** Planning settings (the coordinator's and the spec's). */
export interface MatrixOptions {
  /** @default DEFAULT_UNIT_TARGET_GPU_SECONDS */
  readonly targetGpuSeconds?: number;
  /** Samples per cell; 0 = all. @default 0 */
  readonly maxSamples?: number;
  /** The spec's max_tokens; 0 = the task's CLUE value. @default 0 */
  readonly maxTokens?: number;
}

/** Mean prompt tokens of the first `n` samples of a short-task profile. */
function meanPromptTokens(profile: DatasetProfile, n: number): number {
  const chars = profile.promptChars!.slice(0, n);
  if (chars.length === 0) return 0;
  return chars.reduce((s, c) => s + promptTokensFromChars(c), 0) / chars.length;
}

/**
 * Plans the matrix, model-major (all cells of a model in task order, as the per-model queue holds them).
 * @throws CapacityError INVALID_ARGUMENT when a task has no profile or a setting is out of range.
 */
export function buildMatrix(models: readonly ModelSpec[], tasks: readonly TaskId[], profiles: Partial<Record<TaskId, DatasetProfile>>, options: MatrixOptions = {}): MatrixCell[] {
  const targetGpuSeconds = options.targetGpuSeconds ?? DEFAULT_UNIT_TARGET_GPU_SECONDS;
  const maxSamples = options.maxSamples ?? 0;
  const maxTokens = options.maxTokens ?? 0;
  if (!(targetGpuSeconds > 0) || !Number.isFinite(targetGpuSeconds)) throw new CapacityError('INVALID_ARGUMENT', `unit target must be a number of GPU-seconds > 0, got ${targetGpuSeconds}`);
  if (!Number.isInteger(maxSamples) || maxSamples < 0) throw new CapacityError('INVALID_ARGUMENT', `max samples must be a whole number >= 0, got ${maxSamples}`);
  const cells: MatrixCell[] = [];
  for (const model of models) {
    for (const task of tasks) {
      const profile = profiles[task];
      if (!profile) throw new CapacityError('INVALID_ARGUMENT', `no dataset profile for task '${task}'`);
      const planned = planCell(PLAN_RUN_ID, { model, task, dataset: `profile:${task}`, profile }, { targetGpuSeconds, maxSamples, maxTokens });
      const promptTokens = profile.promptChars === null ? longHealthPromptTokens(model) : meanPromptTokens(profile, planned.samples);
      const outputTokens = expectedOutputTokens(task, maxTokens);
      const units = planned.units.map((u) => ({ id: u.id, model: u.model, task, shard: u.shard, samples: u.end - u.start, gpuSeconds: u.gpuSeconds, promptTokens, outputTokens }));
      cells.push({ model, task, samples: planned.samples, promptTokens, outputTokens, plannedGpuSeconds: planned.gpuSeconds, units });
    }
  }
  return cells;
}

/** Cells of the matrix whose model is in `keep`. */
export function cellsOfModels(cells: readonly MatrixCell[], keep: ReadonlySet<string>): MatrixCell[] {
  return cells.filter((c) => keep.has(c.model.key));
}

/** The models of the matrix, in first-appearance (catalog) order. */
export function modelsOf(cells: readonly MatrixCell[]): ModelSpec[] {
  const seen = new Map<string, ModelSpec>();
  for (const c of cells) if (!seen.has(c.model.key)) seen.set(c.model.key, c.model);
  return [...seen.values()];
}
