/**
 * What the report, the diff and the gate read: a run's results and, for differences, its per-sample
 * records. The CLI fills it through the coordinator's gRPC API; the coordinator fills it from JetStream.
 */
import type { ResultsMessage, SampleRecord } from '@clue/common';

/** Cell key in {@link RunData.samples} and {@link RunData.cellInfo}: `<model>.<task>`. */
export function cellKey(model: string, task: string): string {
  return `${model}.${task}`;
}

/** One run. */
export interface RunData {
  readonly runId: string;
  /** The spec's name (nightly runs share it). */
  readonly name: string;
  /** ISO time the run was created. */
  readonly createdAt: string;
  /** RUN_STATE_* as the API says it. */
  readonly state: string;
  /** Sampling settings and other spec facts shown in the report's header (free-form, no patient text). */
  readonly spec: Readonly<Record<string, unknown>>;
  /** Dataset sha256 per task. */
  readonly datasets: Readonly<Record<string, string>>;
  readonly results: ResultsMessage;
  /** Per cell: GPU-seconds spent and failed units (with the reason when the cell failed). */
  readonly cellInfo: ReadonlyMap<string, { readonly gpuSeconds: number; readonly unitsFailed: number; readonly reason: string }>;
  /** Per cell: the per-sample records (needed for paired differences); absent when not loaded. */
  readonly samples?: ReadonlyMap<string, readonly SampleRecord[]>;
}
