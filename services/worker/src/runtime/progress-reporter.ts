/**
 * Streams `ReportProgress` to the coordinator: one long-lived client stream per worker, opened on the
 * first report and reopened (at most every `reopenMs`) after it breaks. Progress is advisory, so a
 * report that cannot be sent is dropped, never retried or queued; the unit's completion is what
 * counts. Reports of one unit are throttled to one per `minIntervalMs`, except the final one.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '@clue/common';
import { errorLine } from './errors.js';

/** One report (the `ProgressReport` message without the worker id). */
export interface ProgressUpdate {
  readonly unitId: string;
  readonly samplesDone: number;
  readonly samplesTotal: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
}

/** Options of the reporter. */
export interface ProgressReporterOptions {
  /** @default 1000 */
  readonly minIntervalMs?: number;
  /** @default 2000 */
  readonly reopenMs?: number;
  readonly logger?: Logger;
}

type StreamOpener = (cb: (err: grpc.ServiceError | null) => void) => grpc.ClientWritableStream<unknown>;

/** The progress stream of one worker. */
export class ProgressReporter {
  private readonly open: StreamOpener;
  private readonly workerId: string;
  private readonly minIntervalMs: number;
  private readonly reopenMs: number;
  private readonly log: Logger | undefined;
  private stream: grpc.ClientWritableStream<unknown> | null = null;
  private lastOpenAt = -Infinity;
  private readonly lastSent = new Map<string, number>();
  private closed = false;
  /** Reports written to the stream (tests, metrics). */
  sent = 0;

  /** `client` is the WorkerApi grpc client (its `ReportProgress` method opens the stream). */
  constructor(client: grpc.Client, workerId: string, options: ProgressReporterOptions = {}) {
    const method = (client as unknown as Record<string, StreamOpener>)['ReportProgress'];
    if (!method) throw new Error('the WorkerApi client has no ReportProgress method');
    this.open = (cb) => method.call(client, cb);
    this.workerId = workerId;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.reopenMs = options.reopenMs ?? 2000;
    this.log = options.logger;
  }

  /** Sends a report unless one of the same unit went out less than `minIntervalMs` ago (`final` always goes). */
  report(u: ProgressUpdate, final = false): void {
    if (this.closed) return;
    const now = Date.now();
    const last = this.lastSent.get(u.unitId);
    if (!final && last !== undefined && now - last < this.minIntervalMs) return;
    const s = this.ensureStream(now);
    if (s === null) return;
    if (final) this.lastSent.delete(u.unitId);
    else this.lastSent.set(u.unitId, now);
    try {
      s.write({ workerId: this.workerId, ...u });
      this.sent++;
    } catch (e) {
      this.log?.debug({ error: errorLine(e) }, 'progress report dropped');
      this.stream = null;
    }
  }

  /** Forgets a unit's throttle state (it finished or was handed back). */
  forget(unitId: string): void {
    this.lastSent.delete(unitId);
  }

  /** Ends the stream; later reports are dropped. */
  close(): void {
    this.closed = true;
    const s = this.stream;
    this.stream = null;
    try {
      s?.end();
    } catch {
      // already broken
    }
  }

  private ensureStream(now: number): grpc.ClientWritableStream<unknown> | null {
    if (this.stream !== null) return this.stream;
    if (now - this.lastOpenAt < this.reopenMs) return null;
    this.lastOpenAt = now;
    const s = this.open((err) => {
      if (this.stream === s) this.stream = null;
      if (err && !this.closed) this.log?.debug({ code: err.code, error: err.details }, 'progress stream ended');
    });
    s.on('error', () => {
      if (this.stream === s) this.stream = null;
    });
    this.stream = s;
    return s;
  }
}
