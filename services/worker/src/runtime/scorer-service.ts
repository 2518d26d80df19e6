/**
 * The BERTScore scorer of an engine group: answers `BERTSCORE_SUBJECT` requests (queue group
 * `SCORER_QUEUE`, so each request reaches one scorer of the cluster) with the pairs' statistics,
 * computed by `BertScoreEmbedder` (the group's engine tokenizes and embeds, @clue/tasks matches).
 * Requests are handled a few at a time, in arrival order. A failure of the engine is answered
 * `UNAVAILABLE` (the caller retries, maybe on another scorer); a malformed request `BAD_REQUEST`.
 * Nothing of the texts is logged.
 */
import { BERTSCORE_SUBJECT, SCORER_QUEUE, type Logger } from '@clue/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { BERTSCORE_LAYERS } from '@clue/tasks';
import type { VllmEngine } from '../engine/engine.js';
import { BertScoreEmbedder } from './bertscore-embed.js';
import { BertScoreProtocolError, encode, parseRequest, type BertScoreReply } from './bertscore-protocol.js';
import { errorLine } from './errors.js';
import type { WorkerMetrics } from './metrics.js';

/** What a scorer needs. */
export interface ScorerServiceDeps {
  readonly nc: NatsConnection;
  readonly engine: VllmEngine;
  readonly logger: Logger;
  /** Starts the group's GPU-time meter for one request; the returned function stops it and gives the GPU-seconds. */
  readonly meter: () => () => number;
  /** Requests handled at once. @default 4 */
  readonly concurrency?: number;
  /** Sequences per `/pooling` call. @default 16 */
  readonly poolBatch?: number;
  readonly metrics?: WorkerMetrics;
}

/** One scorer subscription. */
export class ScorerService {
  private readonly d: ScorerServiceDeps;
  private sub: Subscription | null = null;
  private readonly running = new Set<Promise<void>>();
  private queue: Msg[] = [];
  private readonly received = new WeakMap<Msg, number>();
  private readonly embedder: BertScoreEmbedder;
  /** Requests answered (tests, logs). */
  answered = 0;

  constructor(deps: ScorerServiceDeps) {
    this.d = deps;
    this.embedder = new BertScoreEmbedder(deps.engine, deps.poolBatch === undefined ? {} : { poolBatch: deps.poolBatch });
  }

  /** Requests being scored or waiting. */
  get inFlight(): number {
    return this.running.size + this.queue.length;
  }

  /** Checks the engine before serving (see `BertScoreEmbedder.verify`). */
  verify(signal?: AbortSignal): Promise<void> {
    return this.embedder.verify(signal);
  }

  /** Subscribes (idempotent). */
  start(): void {
    if (this.sub) return;
    this.sub = this.d.nc.subscribe(BERTSCORE_SUBJECT, {
      queue: SCORER_QUEUE,
      callback: (err, msg) => {
        if (err) {
          this.d.logger.warn({ error: errorLine(err) }, 'scorer subscription error');
          return;
        }
        this.received.set(msg, performance.now());
        this.queue.push(msg);
        this.pump();
      },
    });
    this.d.logger.info({ subject: BERTSCORE_SUBJECT }, 'BERTScore scorer serving');
  }

  /** Unsubscribes; requests already received are answered. Resolves when none is left. */
  async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = null;
    if (sub) await sub.drain().catch(() => undefined);
    while (this.running.size > 0 || this.queue.length > 0) {
      this.pump();
      await Promise.allSettled([...this.running]);
    }
  }

  private pump(): void {
    const limit = this.d.concurrency ?? 4;
    while (this.running.size < limit && this.queue.length > 0) {
      const msg = this.queue.shift()!;
      const p: Promise<void> = this.handle(msg).finally(() => {
        this.running.delete(p);
        this.pump();
      });
      this.running.add(p);
    }
  }

  private async handle(msg: Msg): Promise<void> {
    let reply: BertScoreReply;
    const stopMeter = this.d.meter();
    const t0 = performance.now();
    try {
      const req = parseRequest(msg.data);
      const waitedMs = Math.round(t0 - (this.received.get(msg) ?? t0));
      const stats = await this.embedder.score(req.pairs.map((p) => p.hyp), req.pairs.map((p) => p.ref));
      this.d.metrics?.scorerRequests.inc({ outcome: 'ok' });
      this.d.logger.debug({ pairs: req.pairs.length, queuedMs: waitedMs, ms: Math.round(performance.now() - t0), ...this.embedder.counts }, 'scored');
      reply = { v: 1, stats, gpuSeconds: Math.round(stopMeter() * 1e6) / 1e6, scorer: `${this.d.engine.info().model?.hfId ?? 'scorer'} (vLLM token_embed, layer ${BERTSCORE_LAYERS})` };
    } catch (e) {
      stopMeter();
      const code = e instanceof BertScoreProtocolError ? 'BAD_REQUEST' : 'UNAVAILABLE';
      this.d.metrics?.scorerRequests.inc({ outcome: code.toLowerCase() });
      if (code === 'UNAVAILABLE') this.d.logger.warn({ error: errorLine(e) }, 'scoring a request failed');
      reply = { v: 1, error: { code, message: errorLine(e).slice(0, 500) } };
    }
    try {
      if (msg.reply) msg.respond(encode(reply));
      this.answered++;
    } catch (e) {
      this.d.logger.warn({ error: errorLine(e) }, 'cannot answer a scoring request');
    }
  }
}
