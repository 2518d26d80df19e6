/**
 * The coordinator's view of the shared records (`@clue/common` records.ts) plus the fields only the
 * coordinator writes and reads: the persisted plan of each cell, per-unit bookkeeping, cell results
 * and worker records. Extra fields are plain JSON next to the shared ones, so other readers of the
 * same KV entries (the worker reads `clue_units`) are unaffected.
 */
import type { RunRecord, UnitRecord, RunStateName } from '@clue/common';
import type { TaskId } from '@clue/tasks';

/** The plan of one cell (model, task) of a run, stored in the RunRecord. */
export interface CellPlanRecord {
  /** Unit ids in shard order. */
  units: string[];
  /** Samples of the cell (after max_samples). */
  samples: number;
  readonly model: string;
  readonly task: TaskId;
  /** Dataset sha256. */
  readonly dataset: string;
  /** Shard boundaries: unit i covers samples [bounds[i], bounds[i+1]). */
  readonly bounds: readonly number[];
  /** Estimated GPU-seconds of the whole cell on the reference GPU class. */
  readonly gpuSeconds: number;
}

/** KV `clue_runs/<runId>` as the coordinator writes it. */
export interface StoredRunRecord extends RunRecord {
  readonly cells: Readonly<Record<string, CellPlanRecord>>;
}

/** KV `clue_units/<unitId>` as the coordinator writes it. */
export interface StoredUnitRecord extends UnitRecord {
  /** Infrastructure failures (engine crash, hang, lost worker); dead-lettered at the consumer's max_deliver. */
  readonly infraFailures?: number;
  /** GPU-seconds the worker reported for the completion. */
  readonly gpuSeconds?: number;
}

/** State of an aggregated cell. */
export type CellStateName = 'done' | 'failed';

/** KV `clue_cells/<runId>.<model>.<task>`: the aggregated cell, or why it failed. */
export interface CellRecord {
  readonly runId: string;
  readonly model: string;
  readonly task: TaskId;
  readonly state: CellStateName;
  /** Samples aggregated. */
  readonly samples: number;
  /** Aggregated metric values (CLUE's keys, 0-1; LongHealth 0-100). */
  readonly metrics: Readonly<Record<string, number>>;
  /** The text CLUE's results.json would hold for each metric. */
  readonly metricTexts: Readonly<Record<string, string>>;
  /** Metric key -> why it was not computed. */
  readonly notComputed: Readonly<Record<string, string>>;
  /** Task score in %, or null when no displayed metric is available. */
  readonly score: number | null;
  /** Displayed metrics missing from the score. */
  readonly missing: readonly string[];
  readonly reason?: string;
}

/** One engine group of a worker, as last reported (or just assigned). */
export interface GroupRecord {
  readonly id: string;
  readonly gpus: readonly number[];
  readonly model: string;
  readonly state: 'loading' | 'serving' | 'failed' | 'releasing';
  readonly unitsRunning: number;
  readonly tensorParallelSize: number;
}

/** KV `clue_workers/<workerId>`; the bucket's TTL removes workers that stop calling in. */
export interface WorkerRecord {
  readonly id: string;
  readonly node: string;
  readonly engine: string;
  readonly gpus: readonly { readonly index: number; readonly gpuClass: string; readonly memoryGiB: number; readonly uuid: string }[];
  /** Its engine groups: what it reported at its last GetAssignment, plus what that answer started. */
  readonly groups: readonly GroupRecord[];
  readonly unitsRunning: number;
  readonly registeredAt: string;
  readonly lastSeen: string;
}

/** Registered dataset facts (object-store description of `clue_datasets/<sha256>`). */
export interface DatasetDescription {
  readonly task: TaskId;
  readonly fileName: string;
  readonly samples: number;
  readonly size: number;
}

/** Final run states. */
export const FINAL_RUN_STATES: ReadonlySet<RunStateName> = new Set(['succeeded', 'partial', 'failed', 'cancelled']);

/** True when a run can no longer change. */
export function isRunFinal(state: RunStateName): boolean {
  return FINAL_RUN_STATES.has(state);
}

/** True when a unit can no longer change. */
export function isUnitFinal(state: UnitRecord['state']): boolean {
  return state === 'done' || state === 'failed';
}

/** The key of a cell in RunRecord.cells: `<model>.<task>`. */
export function cellKey(model: string, task: string): string {
  return `${model}.${task}`;
}

/** The `clue_cells` key of a cell: `<runId>.<model>.<task>`. */
export function cellRecordKey(runId: string, model: string, task: string): string {
  return `${runId}.${model}.${task}`;
}

/** Now as RFC 3339 (UTC, milliseconds). */
export function nowIso(): string {
  return new Date().toISOString();
}
