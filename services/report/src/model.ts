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

/** The run facts {@link runDataOf} reads (the Run message and the coordinator's record both have them). */
export interface RunFacts {
  readonly id: string;
  readonly state: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly spec: {
    readonly name?: string;
    readonly models?: readonly string[];
    readonly tasks?: readonly string[];
    readonly datasets?: Readonly<Record<string, string>>;
    readonly sampling?: unknown;
    readonly maxSamples?: number;
    readonly disableBertscore?: boolean;
  };
}

/** A RunData from a run's facts, its results and (optionally) its cells' records. */
export function runDataOf(run: RunFacts, results: ResultsMessage, samples?: ReadonlyMap<string, readonly SampleRecord[]>): RunData {
  const s = run.spec;
  return {
    runId: run.id,
    name: s.name ?? '',
    createdAt: run.createdAt,
    state: run.state,
    spec: {
      models: s.models ?? [],
      tasks: s.tasks ?? [],
      sampling: s.sampling ?? {},
      maxSamples: Number(s.maxSamples ?? 0),
      bertscore: s.disableBertscore !== true,
      finishedAt: run.finishedAt ?? '',
    },
    datasets: s.datasets ?? {},
    results,
    cellInfo: new Map(
      results.cells.map((c) => [cellKey(c.model, c.task), { gpuSeconds: Number(c.gpuSeconds ?? 0), unitsFailed: Number(c.unitsFailed ?? 0), reason: c.missingReason ?? '' }] as const),
    ),
    ...(samples ? { samples } : {}),
  };
}
