/**
 * Typed access to a JSON KV bucket: get with revision, create-if-absent, compare-and-set update, a
 * read-modify-write loop on top of CAS, and listing every live value under a key prefix in one pass
 * (an ordered consumer with "last per subject", instead of one `get` per key; it also ends while the
 * bucket is being written to).
 */
import type { KV } from '@nats-io/kv';
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import { CoordinatorError, isCasConflict } from './errors.js';

/** A value with the KV revision it was read at. */
export interface Versioned<T> {
  readonly key: string;
  readonly value: T;
  readonly revision: number;
}

/** Outcome of {@link TypedKv.mutate}. */
export interface MutateResult<T> {
  readonly value: T;
  readonly revision: number;
  /** False when the mutator decided there was nothing to change. */
  readonly changed: boolean;
}

/** Attempts of a read-modify-write loop before giving up with ABORTED. */
export const MAX_CAS_ATTEMPTS = 25;
/** Listing stops waiting when no entry arrives for this long (entries deleted while listing). */
const LIST_IDLE_MS = 5000;

/** A JSON-valued KV bucket. */
export class TypedKv<T> {
  constructor(
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    /** Bucket name, e.g. `clue_units`. */
    readonly bucket: string,
  ) {}

  /** The live value under `key`, or null when absent or deleted. */
  async get(key: string): Promise<Versioned<T> | null> {
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT' || e.length === 0) return null;
    return { key, value: e.json<T>(), revision: e.revision };
  }

  /** Writes `value` only if `key` is absent; returns the new revision, or null when it exists. */
  async create(key: string, value: T): Promise<number | null> {
    try {
      return await this.kv.create(key, JSON.stringify(value));
    } catch (e) {
      if (isCasConflict(e)) return null;
      throw e;
    }
  }

  /** Compare-and-set: writes only if the key is still at `revision`; null on a conflict. */
  async update(key: string, value: T, revision: number): Promise<number | null> {
    try {
      return await this.kv.update(key, JSON.stringify(value), revision);
    } catch (e) {
      if (isCasConflict(e)) return null;
      throw e;
    }
  }

  /** Unconditional write (for values any writer computes identically, e.g. aggregated cells). */
  async put(key: string, value: T): Promise<number> {
    return this.kv.put(key, JSON.stringify(value));
  }

  /**
   * Read-modify-write with CAS: `fn` gets the current value and returns the new one, or undefined to
   * leave it as it is. Retries on conflicts. Returns null when the key does not exist.
   * @throws CoordinatorError ABORTED after {@link MAX_CAS_ATTEMPTS} lost races.
   */
  async mutate(key: string, fn: (current: T) => T | undefined): Promise<MutateResult<T> | null> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const cur = await this.get(key);
      if (!cur) return null;
      const next = fn(cur.value);
      if (next === undefined) return { value: cur.value, revision: cur.revision, changed: false };
      const rev = await this.update(key, next, cur.revision);
      if (rev !== null) return { value: next, revision: rev, changed: true };
    }
    throw new CoordinatorError('ABORTED', `${this.bucket}/${key}: too many concurrent updates, try again`);
  }

  /**
   * Every live value whose key is `prefix` or starts with `prefix.` (all keys when prefix is empty).
   * The consumer delivers the last value of each key, then every later write; a key written again
   * while the listing runs is delivered (once more) with its newer value. The listing ends when the
   * consumer has caught up and nothing was written meanwhile, or — when the bucket was written to
   * (worker records are, all the time) — once it has seen every key that the bucket holds. A caught-up
   * consumer alone is not enough then: nats-server 2.9's pending count of a last-per-subject consumer
   * can reach 0 while a rewritten key is still to come (seen under load in store.test.ts).
   */
  async list(prefix = ''): Promise<Versioned<T>[]> {
    const stream = `KV_${this.bucket}`;
    const subjectPrefix = `$KV.${this.bucket}.`;
    const filter = prefix === '' ? `${subjectPrefix}>` : `${subjectPrefix}${prefix}.>`;
    const jsm = await this.js.jetstreamManager();
    const endAtStart = (await jsm.streams.info(stream)).state.last_seq;
    const byKey = new Map<string, Versioned<T> | null>();
    const oc = await this.js.consumers.get(stream, { filter_subjects: filter, deliver_policy: DeliverPolicy.LastPerSubject });
    const info = await oc.info(true);
    if (info.num_pending === 0) {
      await oc.delete().catch(() => undefined);
      return [];
    }
    let needed: Set<string> | null = null;
    let missing = 0;
    const iter = await oc.consume({ max_messages: 1000 });
    let idle = setTimeout(() => iter.stop(), LIST_IDLE_MS);
    try {
      for await (const m of iter) {
        clearTimeout(idle);
        idle = setTimeout(() => iter.stop(), LIST_IDLE_MS);
        const key = m.subject.slice(subjectPrefix.length);
        if (needed !== null && needed.delete(key)) missing--;
        const op = m.headers?.get('KV-Operation');
        byKey.set(key, (op === '' || op === undefined) && m.data.length > 0 ? { key, value: m.json<T>(), revision: m.seq } : null);
        const caughtUp = m.info.pending === 0;
        if (caughtUp && needed === null && (await jsm.streams.info(stream)).state.last_seq <= endAtStart) break;
        if (!caughtUp && m.seq < endAtStart) continue;
        // Written to meanwhile, or past the start's end: stop once every key of the bucket has been seen.
        if (needed === null) {
          const si = await jsm.streams.info(stream, { subjects_filter: filter });
          needed = new Set(Object.keys(si.state.subjects ?? {}).map((sub) => sub.slice(subjectPrefix.length)).filter((k) => !byKey.has(k)));
          missing = needed.size;
        }
        if (missing === 0) break;
      }
    } finally {
      clearTimeout(idle);
      iter.stop();
    }
    return [...byKey.values()].filter((v): v is Versioned<T> => v !== null);
  }
}
