/**
 * Every JetStream name the system uses, in one place. Model keys and task ids are NATS-token safe
 * (kebab-case, no dots), so they can stand in subjects and unit ids.
 */

/** Work-queue stream holding one message per unit; an ack deletes it. */
export const UNITS_STREAM = 'CLUE_UNITS';
/** Subject prefix of units: `clue.units.<model>.<task>`. */
export const UNITS_SUBJECT_PREFIX = 'clue.units';
/** Dead-letter stream: units that failed for good, with the reason. */
export const DEAD_STREAM = 'CLUE_DEAD';
export const DEAD_SUBJECT_PREFIX = 'clue.dead';
/**
 * JetStream's MAX_DELIVERIES advisories of the unit consumers, captured in a stream so that one
 * published while no coordinator runs is still there when one starts (a live subscription loses it).
 */
export const ADVISORIES_STREAM = 'CLUE_ADVISORIES';
export const MAX_DELIVERIES_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${UNITS_STREAM}.*`;
/** The coordinators' durable consumer of {@link ADVISORIES_STREAM} (one coordinator handles each advisory). */
export const ADVISORIES_CONSUMER = 'coordinator-max-deliveries';

/** KV buckets (all state lives in JetStream). */
export const KV_RUNS = 'clue_runs';
export const KV_UNITS = 'clue_units';
export const KV_WORKERS = 'clue_workers';
export const KV_IDEMPOTENCY = 'clue_idempotency';
/** Aggregated cell results, written once every unit of a cell is DONE (or the cell failed). */
export const KV_CELLS = 'clue_cells';
/** Object stores: per-unit sample records, and registered datasets (content-addressed). */
export const OBJ_RESULTS = 'clue_results';
export const OBJ_DATASETS = 'clue_datasets';

/**
 * Core-NATS request/reply subject of the BERTScore scorers (not JetStream: a request is retried by its
 * caller, which keeps the unit). Scorer engine groups subscribe in the queue group {@link SCORER_QUEUE},
 * so each request reaches one of them.
 */
export const BERTSCORE_SUBJECT = 'clue.scorer.bertscore.v1';
/** Queue group of the scorer subscriptions. */
export const SCORER_QUEUE = 'clue-scorers';

/** Subject a unit of (model, task) is published on. */
export function unitSubject(model: string, task: string): string {
  return `${UNITS_SUBJECT_PREFIX}.${model}.${task}`;
}

/** Subject filter of a model's durable pull consumer. */
export function modelFilter(model: string): string {
  return `${UNITS_SUBJECT_PREFIX}.${model}.>`;
}

/** Durable consumer name of a model (one per model; workers serving it share it). */
export function modelConsumer(model: string): string {
  return `units-${model}`;
}

/** Dead-letter subject of a (model, task). */
export function deadSubject(model: string, task: string): string {
  return `${DEAD_SUBJECT_PREFIX}.${model}.${task}`;
}

/** Deterministic unit id `<run>.<model>.<task>.<shard>` (also the Nats-Msg-Id). */
export function unitId(runId: string, model: string, task: string, shard: number): string {
  return `${runId}.${model}.${task}.${shard}`;
}

/** KV keys may contain dots (subject tokens); unit ids are used as is. */
export function parseUnitId(id: string): { runId: string; model: string; task: string; shard: number } {
  const parts = id.split('.');
  if (parts.length !== 4 || !/^\d+$/.test(parts[3]!)) throw new Error(`malformed unit id '${id}'`);
  return { runId: parts[0]!, model: parts[1]!, task: parts[2]!, shard: Number(parts[3]) };
}
