/**
 * The unit side of BERTScore: sends a unit's (output, reference) pairs to the cluster's scorers
 * (core NATS request/reply on `BERTSCORE_SUBJECT`) and returns each pair's statistics and the
 * scorer GPU-seconds they cost.
 *
 * - Pairs go in requests of at most `MAX_PAIRS_PER_REQUEST` (and about `maxRequestBytes`), a few at
 *   a time.
 * - No scorer yet (NATS "no responders": the coordinator places one as soon as BERTScore work
 *   exists, and it takes a model load to serve) → wait and ask again, saying so through `onWaiting`,
 *   for at most `waitForScorerMs`; then the unit fails as infrastructure (handed back, not counted
 *   as an attempt) with that reason.
 * - A timeout or an `UNAVAILABLE` answer (the scorer's engine crashed or restarts) → asked again,
 *   up to `attempts` times, then an infrastructure failure. A `BAD_REQUEST` answer is a bug: the unit
 *   fails as deterministic.
 * Nothing is scored twice into a result: the statistics only reach the unit's results object, which
 * is written once when the unit completes.
 */
import { BERTSCORE_SUBJECT, type BertScoreRecord } from '@clue/common';
import { errors, type NatsConnection } from '@nats-io/transport-node';
import { BertScoreProtocolError, MAX_PAIRS_PER_REQUEST, encode, parseReply, type BertScorePair } from './bertscore-protocol.js';
import { UnitFailure, deterministic, errorLine, infrastructure } from './errors.js';
import { backoffMs, sleep } from './sleep.js';

/** Options of a client. */
export interface BertScoreClientOptions {
  /** Time a scorer gets to answer one request. @default 120000 */
  readonly requestTimeoutMs?: number;
  /** Longest wait for any scorer to exist. @default 600000 */
  readonly waitForScorerMs?: number;
  /** Tries of one request after timeouts or UNAVAILABLE answers. @default 4 */
  readonly attempts?: number;
  /** Requests in flight per call. @default 2 */
  readonly concurrency?: number;
  /** Target size of one request's JSON. @default 512 KiB */
  readonly maxRequestBytes?: number;
}

/** The statistics of a unit's pairs. */
export interface BertScoreResult {
  readonly stats: BertScoreRecord[];
  readonly gpuSeconds: number;
}

/** Per-call options. */
export interface ScoreCallOptions {
  readonly signal?: AbortSignal;
  /** Told (once per wait) why scoring waits. */
  readonly onWaiting?: (why: string) => void;
}

/** Sends pairs to the scorers. */
export class BertScoreClient {
  private readonly nc: NatsConnection;
  private readonly o: Required<BertScoreClientOptions>;

  constructor(nc: NatsConnection, options: BertScoreClientOptions = {}) {
    this.nc = nc;
    this.o = {
      requestTimeoutMs: options.requestTimeoutMs ?? 120_000,
      waitForScorerMs: options.waitForScorerMs ?? 600_000,
      attempts: options.attempts ?? 4,
      concurrency: options.concurrency ?? 2,
      maxRequestBytes: options.maxRequestBytes ?? 512 * 1024,
    };
  }

  /** The statistics of every pair, in order. @throws UnitFailure (infrastructure or deterministic). */
  async score(pairs: readonly BertScorePair[], opts: ScoreCallOptions = {}): Promise<BertScoreResult> {
    const chunks = this.chunks(pairs);
    const out: BertScoreRecord[][] = new Array<BertScoreRecord[]>(chunks.length);
    let gpuSeconds = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const i = next++;
        const r = await this.request(chunks[i]!, opts);
        out[i] = r.stats;
        gpuSeconds += r.gpuSeconds;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, chunks.length) }, () => worker()));
    return { stats: out.flat(), gpuSeconds };
  }

  /** Consecutive slices of at most MAX_PAIRS_PER_REQUEST pairs and about maxRequestBytes. */
  private chunks(pairs: readonly BertScorePair[]): BertScorePair[][] {
    const out: BertScorePair[][] = [];
    let cur: BertScorePair[] = [];
    let bytes = 0;
    for (const p of pairs) {
      const size = 3 * (p.hyp.length + p.ref.length) + 32;
      if (cur.length > 0 && (cur.length >= MAX_PAIRS_PER_REQUEST || bytes + size > this.o.maxRequestBytes)) {
        out.push(cur);
        cur = [];
        bytes = 0;
      }
      cur.push(p);
      bytes += size;
    }
    if (cur.length > 0) out.push(cur);
    return out;
  }

  private async request(pairs: readonly BertScorePair[], opts: ScoreCallOptions): Promise<BertScoreResult> {
    const payload = encode({ v: 1, pairs });
    let waitingSince: number | null = null;
    let failures = 0;
    for (let round = 0; ; round++) {
      if (opts.signal?.aborted) throw infrastructure('scoring was stopped');
      let problem: string;
      try {
        const msg = await this.nc.request(BERTSCORE_SUBJECT, payload, { timeout: this.o.requestTimeoutMs });
        const reply = parseReply(msg.data, pairs.length);
        if (!('error' in reply)) return { stats: [...reply.stats], gpuSeconds: reply.gpuSeconds };
        if (reply.error.code === 'BAD_REQUEST') throw deterministic(`the BERTScore scorer refused the request: ${reply.error.message}`);
        problem = `the scorer could not score: ${reply.error.message}`;
      } catch (e) {
        if (isNoResponders(e)) {
          if (waitingSince === null) {
            waitingSince = performance.now();
            opts.onWaiting?.('waiting for a BERTScore scorer to start');
          }
          const waited = performance.now() - waitingSince;
          if (waited >= this.o.waitForScorerMs) {
            throw infrastructure(
              `no BERTScore scorer answered for ${Math.round(waited / 1000)} s: the coordinator places one (model scibert-scorer) while BERTScore work remains; ` +
                '`clue workers` shows whether it is loading or failed and why (runs can also be submitted with --no-bertscore)',
            );
          }
          await sleep(backoffMs(Math.min(round, 6), 250, 5_000), opts.signal);
          continue;
        }
        if (e instanceof BertScoreProtocolError) problem = `malformed reply from a scorer: ${e.message}`;
        else if (e instanceof errors.TimeoutError || (e instanceof errors.RequestError && e.cause instanceof errors.TimeoutError)) problem = `no answer within ${this.o.requestTimeoutMs / 1000} s`;
        else if (e instanceof UnitFailure) throw e;
        else problem = errorLine(e);
      }
      failures++;
      if (failures >= this.o.attempts) throw infrastructure(`BERTScore scoring failed ${failures} times: ${problem}`);
      await sleep(backoffMs(failures - 1, 500, 5_000), opts.signal);
    }
  }
}

function isNoResponders(e: unknown): boolean {
  if (e instanceof errors.NoRespondersError) return true;
  return e instanceof errors.RequestError && (e.isNoResponders() || e.cause instanceof errors.NoRespondersError);
}
