/**
 * The dependencies every coordinator component shares, built once per process by `coordinator.ts`:
 * configuration, logger, metrics, JetStream handles, typed KV views and the dataset registry.
 */
import type { Logger } from '@clue/common';
import type { CoordinatorConfig } from './config.js';
import type { JetStreamHandles } from '@clue/common';
import type { CoordinatorMetrics } from './metrics.js';
import type { DatasetRegistry } from './datasets.js';
import type { ProgressTracker } from './progress.js';
import { TypedKv } from './store.js';
import type { CellRecord, StoredRunRecord, StoredUnitRecord, WorkerRecord } from './records.js';
import { Mutex } from './concurrency.js';
import type { CapacityBoard } from './capacity.js';
import { KV_CELLS, KV_IDEMPOTENCY, KV_RUNS, KV_UNITS, KV_WORKERS } from '@clue/common';

/** `clue_idempotency/<sha256 of the key>`. */
export interface IdempotencyRecord {
  readonly idempotencyKey: string;
  readonly runId: string;
  readonly createdAt: string;
  /**
   * `specDigest` (spec.ts) of the spec the key was first submitted with. Absent in records written
   * before keys were bound to one spec: the run's stored spec stands in for it (idempotency.ts).
   */
  readonly specDigest?: string;
}

/** Shared dependencies. */
export interface CoordinatorContext {
  readonly config: CoordinatorConfig;
  readonly logger: Logger;
  readonly metrics: CoordinatorMetrics;
  readonly jet: JetStreamHandles;
  readonly runs: TypedKv<StoredRunRecord>;
  readonly units: TypedKv<StoredUnitRecord>;
  readonly cells: TypedKv<CellRecord>;
  readonly workers: TypedKv<WorkerRecord>;
  readonly idempotency: TypedKv<IdempotencyRecord>;
  readonly datasets: DatasetRegistry;
  readonly progress: ProgressTracker;
  /** Waiting models and ETAs, as the capacity tracker last found them. */
  readonly capacity: CapacityBoard;
  /** Serialises publishing units and purging a cancelled run's subjects. */
  readonly publishLock: Mutex;
}

/** Builds the typed KV views over the handles. */
export function typedBuckets(jet: JetStreamHandles): Pick<CoordinatorContext, 'runs' | 'units' | 'cells' | 'workers' | 'idempotency'> {
  return {
    runs: new TypedKv<StoredRunRecord>(jet.runs, jet.js, KV_RUNS),
    units: new TypedKv<StoredUnitRecord>(jet.units, jet.js, KV_UNITS),
    cells: new TypedKv<CellRecord>(jet.cells, jet.js, KV_CELLS),
    workers: new TypedKv<WorkerRecord>(jet.workers, jet.js, KV_WORKERS),
    idempotency: new TypedKv<IdempotencyRecord>(jet.idempotency, jet.js, KV_IDEMPOTENCY),
  };
}
