/**
 * One ready server incarnation: the process, its HTTP clients (a data client sized for the batch and a
 * small control client for health, metrics and tokenization), its hang watch, and the bookkeeping of
 * its in-flight requests. An incarnation goes down exactly once (`markDown`): on a process exit, on
 * `/health` answering non-200 after a 5xx (vLLM's dead engine), or on a hang. Going down aborts every
 * in-flight request with the given retryable error; the engine then restarts a new incarnation.
 */
import { EngineError, abortError } from './errors.js';
import { HangWatch } from './hang-watch.js';
import { createHttpTransport, type HttpTransport } from './http-transport.js';
import type { LaunchPlan } from './launch-plan.js';
import type { EngineLogger } from './logger.js';
import { sumMetric } from './prom-text.js';
import type { RetryPolicy } from './retry.js';
import { describeExit, type ProcessExit } from './startup-failure.js';
import { VllmClient } from './vllm-client.js';
import type { VllmProcess } from './vllm-process.js';

/** Options of an incarnation. */
export interface IncarnationOptions {
  readonly proc: VllmProcess;
  readonly plan: LaunchPlan;
  readonly maxModelLen: number;
  /** Connections of the data client (≥ the batch's in-flight target). */
  readonly dataSockets: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly chatAttemptTimeoutMs?: number;
  /** 0 disables hang detection. */
  readonly hangTimeoutMs: number;
  readonly hangCheckIntervalMs?: number;
  readonly transportFactory?: (baseUrl: string, maxSockets: number) => HttpTransport;
  readonly logger: EngineLogger;
  /** Called once when the incarnation goes down by itself (crash, dead engine, hang). */
  readonly onDown: (inc: Incarnation, error: EngineError, cause: 'crash' | 'hang', stall?: HangInfo) => void;
}

/** What the hang watch saw when it fired. */
export interface HangInfo {
  readonly inFlight: number;
  readonly stalledMs: number;
}

/** What kind of call `run` makes: chats count for hang detection, control calls do not. */
export type CallKind = 'chat' | 'control';

/** A ready server and its clients. */
export class Incarnation {
  readonly proc: VllmProcess;
  readonly plan: LaunchPlan;
  readonly maxModelLen: number;
  readonly data: VllmClient;
  readonly control: VllmClient;
  private readonly abortCtl = new AbortController();
  private readonly hang: HangWatch | null;
  private readonly o: IncarnationOptions;
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private down: EngineError | null = null;
  private livenessCheck: Promise<void> | null = null;
  private lastLivenessAt = -Infinity;

  constructor(o: IncarnationOptions) {
    this.o = o;
    this.proc = o.proc;
    this.plan = o.plan;
    this.maxModelLen = o.maxModelLen;
    const make = (n: number): HttpTransport => (o.transportFactory ?? ((u, m) => createHttpTransport(u, { maxSockets: m })))(o.proc.baseUrl, n);
    const common = { servedModelName: o.plan.model.key, apiKey: o.plan.apiKey, logger: o.logger, ...(o.retry ? { retry: o.retry } : {}) };
    this.data = new VllmClient({
      ...common,
      transport: make(o.dataSockets),
      ...(o.chatAttemptTimeoutMs !== undefined ? { chatTimeoutMs: o.chatAttemptTimeoutMs } : {}),
      onTransientFailure: (info) => {
        if (info.status !== null && info.status >= 500) this.checkLiveness();
      },
    });
    this.control = new VllmClient({ ...common, transport: make(8) });
    this.hang =
      o.hangTimeoutMs > 0
        ? new HangWatch({
            timeoutMs: o.hangTimeoutMs,
            ...(o.hangCheckIntervalMs !== undefined ? { checkIntervalMs: o.hangCheckIntervalMs } : {}),
            probe: async () => sumMetric(await this.control.metricsText(), 'vllm:generation_tokens_total') ?? 0,
            onHang: ({ inFlight, stalledMs }) =>
              this.goDown(
                new EngineError(
                  'HUNG',
                  `vLLM for ${o.plan.model.key} made no progress for ${(stalledMs / 1000).toFixed(1)} s with ${inFlight} requests in flight; restarting it`,
                ),
                'hang',
                { inFlight, stalledMs },
              ),
          })
        : null;
    this.hang?.start();
    o.proc.onExit((exit, { stopping }) => {
      if (stopping) return;
      this.goDown(this.crashError(exit), 'crash');
    });
  }

  /** The error this incarnation went down with, or null while it is up. */
  get downError(): EngineError | null {
    return this.down;
  }

  /** Requests in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Aborts everything in flight with `error`. Returns false if it was down already. */
  markDown(error: EngineError): boolean {
    if (this.down !== null) return false;
    this.down = error;
    this.hang?.stop();
    this.abortCtl.abort(error);
    return true;
  }

  private goDown(error: EngineError, cause: 'crash' | 'hang', stall?: HangInfo): void {
    if (this.markDown(error)) this.o.onDown(this, error, cause, stall);
  }

  private crashError(exit: ProcessExit): EngineError {
    const tail = this.proc.logTail();
    return new EngineError(
      'CRASHED',
      `vLLM for ${this.plan.model.key} ${describeExit(exit)} while serving\n${tail.slice(-6).join('\n')}`,
      { exitCode: exit.exitCode, signal: exit.signal, logTail: tail },
    );
  }

  /** After a 5xx: if `/health` is not 200 the engine is dead (vLLM answers bare 500s, then exits). */
  private checkLiveness(): void {
    if (this.down !== null || this.livenessCheck !== null || performance.now() - this.lastLivenessAt < 1000) return;
    this.lastLivenessAt = performance.now();
    this.livenessCheck = (async () => {
      try {
        const h = await this.control.health(5000);
        if (h === 'unhealthy' && this.down === null) {
          this.o.logger.warn({ model: this.plan.model.key, pid: this.proc.pid }, 'vLLM /health is failing: its engine is dead');
          this.goDown(new EngineError('CRASHED', `vLLM for ${this.plan.model.key}: the engine died (/health is failing)`), 'crash');
        }
      } finally {
        this.livenessCheck = null;
      }
    })();
  }

  /**
   * Runs `fn` against this incarnation with a signal that fires on the caller's signal or when the
   * incarnation goes down (its reason is then the down error).
   */
  async run<T>(kind: CallKind, fn: (client: VllmClient, signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.down !== null) throw this.down;
    const sig = signal ? AbortSignal.any([signal, this.abortCtl.signal]) : this.abortCtl.signal;
    this.inFlight++;
    if (kind === 'chat') this.hang?.requestStarted();
    let progressed = false;
    try {
      const client = kind === 'chat' ? this.data : this.control;
      const out = await fn(client, sig);
      progressed = true;
      return out;
    } catch (e) {
      if (sig.aborted) throw abortError(sig);
      // A 4xx answer still shows a responsive server.
      progressed = e instanceof EngineError && (e.code === 'REQUEST_REJECTED' || e.code === 'CONFIG_ERROR');
      throw e;
    } finally {
      if (kind === 'chat') this.hang?.requestFinished(progressed);
      if (--this.inFlight === 0) {
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  /** Resolves true when nothing is in flight, or false after `timeoutMs`. */
  waitDrained(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Aborts what is in flight with `error` (if still up), stops the process, closes the clients. */
  async shutdown(error: EngineError): Promise<ProcessExit> {
    this.markDown(error);
    try {
      return await this.proc.stop();
    } finally {
      this.data.close();
      this.control.close();
    }
  }
}
