/**
 * Idempotent creation of every JetStream resource the pipeline uses (docs/pipeline-protocol.md,
 * "JetStream layout"): the work-queue, dead-letter and advisory streams (with the coordinators'
 * advisory consumer), the KV buckets, the object stores,
 * and the per-model durable pull consumers. Creating something that exists is a no-op, so every
 * coordinator start (and every submit, for consumers) may call these.
 */
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import {
  ADVISORIES_CONSUMER,
  ADVISORIES_STREAM,
  MAX_DELIVERIES_ADVISORY,
  DEAD_STREAM,
  DEAD_SUBJECT_PREFIX,
  KV_CELLS,
  KV_IDEMPOTENCY,
  KV_RUNS,
  KV_UNITS,
  KV_WORKERS,
  OBJ_DATASETS,
  OBJ_RESULTS,
  UNITS_STREAM,
  UNITS_SUBJECT_PREFIX,
  modelConsumer,
  modelFilter,
} from './names.js';

/** Settings of the layout. */
export interface JetStreamLayoutOptions {
  /** Replicas of every stream, bucket and store (1 on a single server). */
  readonly replicas: number;
  /** Age after which a worker record disappears unless refreshed, in ms. */
  readonly workerTtlMs: number;
}

/** Open handles on every resource. */
export interface JetStreamHandles {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly runs: KV;
  readonly units: KV;
  readonly cells: KV;
  readonly workers: KV;
  readonly idempotency: KV;
  readonly results: ObjectStore;
  readonly datasets: ObjectStore;
}

/** `Nats-Msg-Id` de-duplication window of the unit and dead-letter streams. */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;
/** A worker must call `working()` at least every 15 s; 60 s gives it four chances. */
export const UNIT_ACK_WAIT_MS = 60_000;
/** Age after which an unhandled MAX_DELIVERIES advisory is dropped from {@link ADVISORIES_STREAM}. */
export const ADVISORY_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** Deliveries of a unit message (infrastructure retries) before JetStream gives up on it. */
export const UNIT_MAX_DELIVER = 10;
/** Unacknowledged units one model's consumer may have out, over all workers. */
export const UNIT_MAX_ACK_PENDING = 10_000;

/** Creates (or finds) the streams, buckets and stores. Safe to call on every start. */
export async function ensureJetStream(nc: NatsConnection, options: JetStreamLayoutOptions): Promise<JetStreamHandles> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const storage = StorageType.File;
  const num_replicas = options.replicas;
  await addOrUpdateStream(jsm, {
    name: UNITS_STREAM,
    subjects: [`${UNITS_SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Workqueue,
    storage,
    num_replicas,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    discard: DiscardPolicy.Old,
  });
  await addOrUpdateStream(jsm, {
    name: DEAD_STREAM,
    subjects: [`${DEAD_SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage,
    num_replicas,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
  await addOrUpdateStream(jsm, {
    name: ADVISORIES_STREAM,
    subjects: [MAX_DELIVERIES_ADVISORY],
    // An advisory is acked once handled; one nobody handles within a week is of no use any more.
    retention: RetentionPolicy.Workqueue,
    storage,
    num_replicas,
    max_age: nanos(ADVISORY_MAX_AGE_MS),
  });
  await jsm.consumers.add(ADVISORIES_STREAM, {
    durable_name: ADVISORIES_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(60_000),
  });
  const kvm = new Kvm(js);
  const bucket = (name: string, history: number, ttl?: number): Promise<KV> =>
    kvm.create(name, { storage, replicas: options.replicas, history, ...(ttl !== undefined ? { ttl } : {}) });
  const objm = new Objm(js);
  const store = (name: string): Promise<ObjectStore> => objm.create(name, { storage, replicas: options.replicas });
  return {
    js,
    jsm,
    runs: await bucket(KV_RUNS, 1),
    units: await bucket(KV_UNITS, 5),
    cells: await bucket(KV_CELLS, 1),
    workers: await bucket(KV_WORKERS, 1, options.workerTtlMs),
    idempotency: await bucket(KV_IDEMPOTENCY, 1),
    results: await store(OBJ_RESULTS),
    datasets: await store(OBJ_DATASETS),
  };
}

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];

async function addOrUpdateStream(jsm: JetStreamManager, cfg: StreamConfig): Promise<void> {
  try {
    await jsm.streams.add(cfg);
  } catch (e) {
    // "stream name already in use with a different configuration": bring the mutable settings up to date.
    if ((e as { code?: number }).code !== 10058) throw e;
    const mutable: Partial<StreamConfig> = { ...cfg };
    delete mutable.retention;
    delete mutable.storage;
    await jsm.streams.update(cfg.name!, mutable);
  }
}

/**
 * The durable pull consumer `units-<model>` (filter `clue.units.<model>.>`, explicit ack, ack_wait 60 s,
 * max_deliver 10; tests may shorten the ack wait). Adding an identical consumer again is a no-op.
 */
export async function ensureModelConsumer(jsm: JetStreamManager, model: string, ackWaitMs: number = UNIT_ACK_WAIT_MS): Promise<void> {
  await jsm.consumers.add(UNITS_STREAM, {
    durable_name: modelConsumer(model),
    filter_subject: modelFilter(model),
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    max_deliver: UNIT_MAX_DELIVER,
    max_ack_pending: UNIT_MAX_ACK_PENDING,
  });
}
