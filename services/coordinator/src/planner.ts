/**
 * Plans a run's cells into work units (pure, deterministic): the cell's samples are the first
 * `max_samples` of the dataset in CLUE's order; each sample gets an estimated GPU-time (cost.ts); the
 * samples are cut, in order, into contiguous shards of about `targetGpuSeconds` each (long-document
 * tasks get a smaller target, so a lost unit costs less); unit ids are `<runId>.<model>.<task>.<shard>`.
 * The same inputs always give the same units, which is what makes re-planning after a crash and
 * `Nats-Msg-Id` de-duplication safe.
 */
import { unitId } from '@clue/common';
import type { ModelSpec, TaskId } from '@clue/tasks';
import { expectedOutputTokens, longHealthPromptTokens, promptTokensFromChars, sampleGpuSeconds } from './cost.js';
import type { DatasetProfile } from './datasets.js';

/** Tasks over long documents (LongHealth; MIMIC discharge notes) get units of this fraction of the target. */
export const LONG_TASK_TARGET_FACTOR = 0.5;
/** Long-document tasks. */
export const LONG_TASKS: ReadonlySet<TaskId> = new Set(['longhealth', 'medisumqa', 'medisumcode']);
/** Upper bound of samples per unit, whatever the estimate (progress granularity, cost of a retry). */
export const MAX_UNIT_SAMPLES = 1000;
/** A trailing shard smaller than this fraction of the target is merged into the one before. */
const TAIL_MERGE_FRACTION = 0.25;

/** One cell to plan. */
export interface PlanCellInput {
  readonly model: ModelSpec;
  readonly task: TaskId;
  /** Dataset sha256. */
  readonly dataset: string;
  readonly profile: DatasetProfile;
}

/** Planning settings. */
export interface PlanOptions {
  /** Target GPU-seconds per unit (on the reference class). */
  readonly targetGpuSeconds: number;
  /** Samples per cell; 0 = all. */
  readonly maxSamples: number;
  /** The spec's max_tokens (0 = the task's CLUE value). */
  readonly maxTokens: number;
  /** @default MAX_UNIT_SAMPLES */
  readonly maxUnitSamples?: number;
}

/** A planned unit. */
export interface PlannedUnit {
  readonly id: string;
  readonly model: string;
  readonly task: TaskId;
  readonly shard: number;
  readonly start: number;
  readonly end: number;
  readonly gpuSeconds: number;
}

/** A planned cell. */
export interface PlannedCell {
  readonly model: string;
  readonly task: TaskId;
  readonly dataset: string;
  readonly samples: number;
  /** Unit i covers [bounds[i], bounds[i+1]). */
  readonly bounds: readonly number[];
  readonly gpuSeconds: number;
  readonly units: readonly PlannedUnit[];
}

/** Estimated GPU-seconds of each of the cell's samples (after max_samples), in CLUE order. */
export function sampleCosts(input: PlanCellInput, options: Pick<PlanOptions, 'maxSamples' | 'maxTokens'>): number[] {
  const { model, task, profile } = input;
  const n = options.maxSamples > 0 ? Math.min(options.maxSamples, profile.samples) : profile.samples;
  const out = expectedOutputTokens(task, options.maxTokens);
  if (profile.promptChars === null) {
    const each = sampleGpuSeconds(model, longHealthPromptTokens(model), out);
    return Array.from({ length: n }, () => each);
  }
  return profile.promptChars.slice(0, n).map((chars) => sampleGpuSeconds(model, promptTokensFromChars(chars), out));
}

/**
 * Cuts costs into contiguous shards of about `target` each (at least one sample, at most
 * `maxUnitSamples`); a small trailing shard joins the previous one when that stays within the cap.
 * Returns the boundaries [0, ..., n].
 */
export function shardBounds(costs: readonly number[], target: number, maxUnitSamples: number = MAX_UNIT_SAMPLES): number[] {
  const bounds = [0];
  let acc = 0;
  for (let i = 0; i < costs.length; i++) {
    acc += costs[i]!;
    const count = i + 1 - bounds[bounds.length - 1]!;
    if (acc >= target || count >= maxUnitSamples) {
      bounds.push(i + 1);
      acc = 0;
    }
  }
  const n = costs.length;
  if (bounds[bounds.length - 1] !== n) {
    const prev = bounds[bounds.length - 2];
    const lastStart = bounds[bounds.length - 1]!;
    if (bounds.length >= 2 && prev !== undefined && acc < target * TAIL_MERGE_FRACTION && n - prev <= maxUnitSamples) {
      bounds[bounds.length - 1] = n;
    } else if (n > lastStart) {
      bounds.push(n);
    }
  }
  return bounds;
}

/** Plans one cell of run `runId`. */
export function planCell(runId: string, input: PlanCellInput, options: PlanOptions): PlannedCell {
  const costs = sampleCosts(input, options);
  const target = options.targetGpuSeconds * (LONG_TASKS.has(input.task) ? LONG_TASK_TARGET_FACTOR : 1);
  const bounds = shardBounds(costs, target, options.maxUnitSamples ?? MAX_UNIT_SAMPLES);
  const units: PlannedUnit[] = [];
  for (let shard = 0; shard + 1 < bounds.length; shard++) {
    const start = bounds[shard]!;
    const end = bounds[shard + 1]!;
    let gpuSeconds = 0;
    for (let i = start; i < end; i++) gpuSeconds += costs[i]!;
    units.push({ id: unitId(runId, input.model.key, input.task, shard), model: input.model.key, task: input.task, shard, start, end, gpuSeconds });
  }
  const gpuSeconds = units.reduce((s, u) => s + u.gpuSeconds, 0);
  return { model: input.model.key, task: input.task, dataset: input.dataset, samples: costs.length, bounds, gpuSeconds, units };
}

/** Plans every cell (model-major, task order as given). */
export function planRun(runId: string, cells: readonly PlanCellInput[], options: PlanOptions): PlannedCell[] {
  return cells.map((c) => planCell(runId, c, options));
}
