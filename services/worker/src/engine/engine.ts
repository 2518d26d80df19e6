/**
 * `VllmEngine`: the worker's handle on its local vLLM server — everything between "serve model M on
 * these GPUs" and "here are chat completions".
 *
 * States and transitions:
 *
 *   idle ──start()──▶ starting ──ready──▶ ready ──stop()──▶ [draining] ──▶ stopping ──▶ stopped
 *                        │                  │  ▲                                          │
 *                        │ start failed     │  └──────── restart succeeded ◀───┐          │ start()
 *                        ▼                  │ process exit / /health failing   │          ▼
 *                      failed               ▼ / hang                           │       starting
 *                        │               crashed ──auto restart──▶ starting ───┘
 *                        │ start()          │ (restart budget exhausted, or the restart fails)
 *                        ▼                  ▼
 *                     starting            failed
 *
 * - `starting`: spawn, wait for `/health` 200, read `max_model_len`. A failed spawn is retried up to
 *   `maxStartAttempts` times: on a port clash with a new port, after KV-cache/OOM failures with a
 *   safer profile (`saferProfile`), once after an unclassified failure. Otherwise → `failed` with the
 *   classified error (e.g. MODEL_INVALID_OR_GATED, START_TIMEOUT).
 * - `ready` → `crashed`: the process exited, `/health` stopped answering 200 after a 5xx, or the hang
 *   watch fired (the server is then killed: SIGTERM, SIGKILL after the grace). In-flight requests fail
 *   with CRASHED/HUNG (retryable) and are re-run automatically once the restarted server is ready
 *   (`requestEngineRetries` times per request). More than `maxConsecutiveRestarts` restarts without a
 *   successful request in between → `failed`.
 * - `restart()` goes ready → [draining] → stopping → starting → ready; requests arriving meanwhile
 *   wait for the new server instead of failing. `stop()` from any state ends in `stopped` (a start in
 *   progress is aborted); `draining` lets in-flight requests finish for up to `drainTimeoutMs`.
 * - `ensureModel(m)` restarts only when the model changes.
 *
 * Every change is emitted as a 'state' event; 'event' carries load durations, start failures (OOMs
 * included), safer profiles, crashes, hang kills and restarts. Logs never contain prompts, outputs or
 * the API key.
 */
import { EventEmitter } from 'node:events';
import type { ModelSpec } from '@clue/tasks';
import { firstLine, pick, planChanges, resolveModel } from './engine-helpers.js';
import type { BatchOptions, EngineEvent, EngineEventMap, EngineInfo, EngineState, VllmEngineOptions } from './engine-types.js';
import { EngineError, abortError } from './errors.js';
import { findFreePort } from './free-port.js';
import { Incarnation, type CallKind, type HangInfo } from './incarnation.js';
import { effectiveMaxNumSeqs, planLaunch, saferProfile, type LaunchOptions, type LaunchPlan } from './launch-plan.js';
import { SILENT_LOGGER, type EngineLogger } from './logger.js';
import { mapPool, runPool, type PoolOutcome, type PoolSource } from './request-pool.js';
import { sleep } from './retry.js';
import type { ChatRequest, ChatResult, PoolingResult, TokenizeInput, TokenizeResult, VllmClient } from './vllm-client.js';
import { VllmProcess } from './vllm-process.js';
import { VllmTokenizer } from './vllm-tokenizer.js';

/** The driver of one node's vLLM server. */
export class VllmEngine extends EventEmitter<EngineEventMap> {
  private readonly o: VllmEngineOptions;
  private readonly log: EngineLogger;
  private st: EngineState = 'idle';
  private plan: LaunchPlan | null = null;
  private inc: Incarnation | null = null;
  /** The process being started (for `info().pid` while starting). */
  private spawning: VllmProcess | null = null;
  private lastError: EngineError | null = null;
  private restarts = 0;
  private consecutiveRestarts = 0;
  private startPromise: Promise<EngineInfo> | null = null;
  private startAbort: AbortController | null = null;
  private stopPromise: Promise<void> | null = null;
  private stopRequested = false;
  /** A crash recovery or manual restart is under way: requests wait instead of failing. */
  private restarting = false;
  private waiters: Array<() => void> = [];

  constructor(options: VllmEngineOptions) {
    super();
    this.o = options;
    this.log = options.logger ?? SILENT_LOGGER;
  }

  /** The current state. */
  get state(): EngineState {
    return this.st;
  }

  /** A snapshot of what is served. */
  info(): EngineInfo {
    const inc = this.inc;
    return {
      state: this.st,
      model: this.plan?.model ?? null,
      pid: inc?.proc.pid ?? this.spawning?.pid ?? null,
      port: inc?.proc.port ?? this.spawning?.port ?? null,
      maxModelLen: inc?.maxModelLen ?? null,
      maxNumSeqs: this.plan ? effectiveMaxNumSeqs(this.plan) : null,
      concurrency: this.plan ? this.concurrency() : null,
      tensorParallelSize: this.plan?.tensorParallelSize ?? null,
      restarts: this.restarts,
      lastError: this.lastError,
    };
  }

  /**
   * Starts serving `model` (stopping whatever runs). Resolves when the server is ready.
   * @throws EngineError INVALID_CONFIG / MODEL_DOES_NOT_FIT from planning, or the classified start-up failure.
   */
  async start(model: ModelSpec | string, launch: LaunchOptions = {}): Promise<EngineInfo> {
    const plan = this.planFor(resolveModel(model), launch);
    if (this.st !== 'idle' && this.st !== 'stopped') await this.stop();
    this.stopRequested = false;
    return this.launch(plan);
  }

  /** Serves `model`: returns at once when it is already served (or starting), else (re)starts. */
  async ensureModel(model: ModelSpec | string, launch: LaunchOptions = {}): Promise<EngineInfo> {
    const spec = resolveModel(model);
    if (this.plan?.model.key === spec.key && !this.stopRequested) {
      if (this.st === 'ready') return this.info();
      if (this.startPromise) return this.startPromise;
      if (this.restarting) {
        await this.awaitReady();
        return this.info();
      }
    }
    return this.start(spec, launch);
  }

  /** Restarts the server with the current plan; requests arriving meanwhile wait for it. */
  async restart(): Promise<EngineInfo> {
    const plan = this.plan;
    if (plan === null) throw new EngineError('STOPPED', 'nothing to restart: the engine was never started');
    if (this.restarting) {
      // A crash recovery or another restart is under way: share it.
      await this.awaitReady();
      return this.info();
    }
    this.restarting = true;
    try {
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      await this.teardown('restart', new EngineError('STOPPED', 'the server is restarting'));
      this.restarts++;
      this.emitEvent({ type: 'restart', model: plan.model.key, reason: 'manual' });
      this.stopRequested = false;
      return await this.launch(this.plan ?? plan);
    } finally {
      this.restarting = false;
      this.notify();
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL); idempotent while in progress. */
  stop(): Promise<void> {
    if (this.stopPromise) return this.stopPromise;
    this.stopRequested = true;
    const p = (async () => {
      this.startAbort?.abort(new EngineError('STOPPED', 'the engine was stopped during start-up'));
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      await this.teardown('stop', new EngineError('STOPPED', 'the engine was stopped'));
      if (this.st !== 'idle') this.setState('stopped', 'stop()');
    })().finally(() => {
      this.stopPromise = null;
    });
    this.stopPromise = p;
    return p;
  }

  /** One chat completion; re-run after a crash, hang or restart of the server. */
  chat(req: ChatRequest, opts: { readonly signal?: AbortSignal } = {}): Promise<ChatResult> {
    return this.withServer('chat', (c, signal) => c.chat(req, { signal }), opts.signal);
  }

  /** Many chat completions with in-flight ≈ max-num-seqs; outcomes in request order. */
  chatBatch(requests: PoolSource<ChatRequest>, opts: BatchOptions = {}): Promise<PoolOutcome<ChatResult>[]> {
    return runPool(requests, (req, _i, signal) => this.chat(req, { signal }), this.poolOptions(opts));
  }

  /** Like `chatBatch`, yielding outcomes as they complete (backpressure: pulls requests only as slots free). */
  chatStream(requests: PoolSource<ChatRequest>, opts: BatchOptions = {}): AsyncGenerator<PoolOutcome<ChatResult>> {
    return mapPool(requests, (req, _i, signal) => this.chat(req, { signal }), this.poolOptions(opts));
  }

  /** `/tokenize` on the current server. */
  tokenize(input: TokenizeInput, addSpecialTokens: boolean, opts: { readonly signal?: AbortSignal } = {}): Promise<TokenizeResult> {
    return this.withServer('control', (c, signal) => c.tokenize(input, addSpecialTokens, { signal }), opts.signal);
  }

  /** `/pooling` (per-token embeddings) on the current server; watched for hangs like a chat. */
  pool(inputs: readonly (readonly number[])[], opts: { readonly signal?: AbortSignal } = {}): Promise<PoolingResult> {
    return this.withServer('chat', (c, signal) => c.pool(inputs, { signal }), opts.signal);
  }

  /** `/detokenize` on the current server. */
  detokenize(tokens: readonly number[], opts: { readonly signal?: AbortSignal } = {}): Promise<string> {
    return this.withServer('control', (c, signal) => c.detokenize(tokens, { signal }), opts.signal);
  }

  /** The served model's tokenizer (HF `encode`/`decode` semantics), following restarts. */
  tokenizer(): VllmTokenizer {
    return new VllmTokenizer(this);
  }

  /** Resolves when the server is ready; throws if it is stopped or failed. */
  async awaitReady(signal?: AbortSignal): Promise<void> {
    await this.readyIncarnation(signal);
  }

  // ------------------------------------------------------------------------------------------

  private planFor(model: ModelSpec, launch: LaunchOptions): LaunchPlan {
    const base = this.o.launch ?? {};
    return planLaunch(model, this.o.inventory, { ...base, ...launch, env: { ...(base.env ?? {}), ...(launch.env ?? {}) } });
  }

  private concurrency(): number {
    return this.o.concurrency ?? (this.plan ? effectiveMaxNumSeqs(this.plan) : 256);
  }

  private poolOptions(opts: BatchOptions): Parameters<typeof runPool<ChatRequest, ChatResult>>[2] {
    return {
      concurrency: opts.concurrency ?? this.concurrency(),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { timeoutMs: opts.requestTimeoutMs } : {}),
      ...(opts.onResult ? { onOutcome: opts.onResult } : {}),
    };
  }

  private setState(to: EngineState, reason?: string): void {
    const from = this.st;
    if (from === to) return;
    this.st = to;
    this.log.info({ from, to, model: this.plan?.model.key ?? null, ...(reason ? { reason: firstLine(reason) } : {}) }, 'engine state');
    this.emit('state', { from, to, model: this.plan?.model.key ?? null, ...(reason !== undefined ? { reason } : {}) });
    this.notify();
  }

  private emitEvent(e: EngineEvent): void {
    this.emit('event', e);
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private nextChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(abortError(signal!));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  private launch(plan: LaunchPlan): Promise<EngineInfo> {
    const p: Promise<EngineInfo> = this.launchAttempts(plan).finally(() => {
      if (this.startPromise === p) this.startPromise = null;
    });
    this.startPromise = p;
    return p;
  }

  private async launchAttempts(initial: LaunchPlan): Promise<EngineInfo> {
    let plan = initial;
    this.plan = plan;
    this.setState('starting', `start ${plan.model.key}`);
    const abort = new AbortController();
    this.startAbort = abort;
    const avoid = new Set<number>();
    const maxAttempts = Math.max(1, this.o.maxStartAttempts ?? 3);
    let genericRetried = false;
    for (let attempt = 1; ; attempt++) {
      for (const w of plan.warnings) this.log.warn({ model: plan.model.key }, w);
      const port = await findFreePort('127.0.0.1', avoid);
      const proc = VllmProcess.spawn({
        plan,
        port,
        logger: this.log,
        ...pick(this.o, ['startupTimeoutMs', 'healthPollMs', 'stopGraceMs', 'onLogLine', 'baseEnv']),
      });
      this.spawning = proc;
      let ready;
      try {
        ready = await proc.waitReady(abort.signal);
      } catch (e) {
        this.spawning = null;
        const err = e instanceof EngineError ? e : new EngineError('START_FAILED', String(e), {}, { cause: e });
        if (abort.signal.aborted) throw abortError(abort.signal, 'start-up');
        let next: LaunchPlan | null = null;
        if (attempt < maxAttempts) {
          if (err.code === 'START_FAILED_PORT_IN_USE' || err.code === 'START_FAILED_GPU_BUSY') next = plan;
          else if (err.code === 'START_FAILED' && !genericRetried) {
            genericRetried = true;
            next = plan;
          } else next = saferProfile(plan, err);
        }
        this.emitEvent({ type: 'start-failed', model: plan.model.key, code: err.code, attempt, willRetry: next !== null });
        this.log.warn({ model: plan.model.key, code: err.code, attempt, willRetry: next !== null }, firstLine(err.message));
        if (next === null) {
          this.lastError = err;
          this.setState('failed', err.message);
          throw err;
        }
        if (err.code === 'START_FAILED_PORT_IN_USE') avoid.add(port);
        if (err.code === 'START_FAILED_GPU_BUSY') await sleep(2000, abort.signal);
        if (next !== plan) this.emitEvent({ type: 'safer-profile', model: plan.model.key, changes: planChanges(plan, next) });
        plan = next;
        this.plan = plan;
        continue;
      }
      this.spawning = null;
      const inc = new Incarnation({
        proc,
        plan,
        maxModelLen: ready.maxModelLen,
        dataSockets: Math.max(this.concurrency(), effectiveMaxNumSeqs(plan)) + 8,
        hangTimeoutMs: this.o.hangTimeoutMs ?? 180_000,
        logger: this.log,
        onDown: (i, error, cause, stall) => this.onIncarnationDown(i, error, cause, stall),
        ...pick(this.o, ['retry', 'chatAttemptTimeoutMs', 'hangCheckIntervalMs', 'transportFactory']),
      });
      this.inc = inc;
      this.lastError = null;
      this.setState('ready');
      const loaded = {
        model: plan.model.key,
        loadMs: Math.round(ready.loadMs),
        attempt,
        maxModelLen: ready.maxModelLen,
        tensorParallelSize: plan.tensorParallelSize,
        pid: proc.pid,
        port,
      };
      this.emitEvent({ type: 'loaded', ...loaded });
      this.log.info(loaded, 'vLLM ready');
      return this.info();
    }
  }

  private onIncarnationDown(inc: Incarnation, error: EngineError, cause: 'crash' | 'hang', stall?: HangInfo): void {
    if (inc !== this.inc || this.stopRequested) return;
    const model = inc.plan.model.key;
    this.lastError = error;
    if (cause === 'hang') {
      this.emitEvent({ type: 'hang-kill', model, inFlight: stall?.inFlight ?? inc.pending, stalledMs: Math.round(stall?.stalledMs ?? 0) });
    }
    else this.emitEvent({ type: 'crash', model, reason: firstLine(error.message) });
    this.log.warn({ model, code: error.code, pid: inc.proc.pid }, firstLine(error.message));
    const autoRestart = this.o.autoRestart ?? true;
    if (autoRestart) this.restarting = true;
    this.setState('crashed', error.message);
    void this.recover(inc, error, cause, autoRestart);
  }

  private async recover(inc: Incarnation, error: EngineError, cause: 'crash' | 'hang', autoRestart: boolean): Promise<void> {
    try {
      await inc.shutdown(error);
      if (this.inc === inc) this.inc = null;
      if (!autoRestart || this.stopRequested) return;
      const max = this.o.maxConsecutiveRestarts ?? 3;
      if (this.consecutiveRestarts >= max) {
        this.lastError = new EngineError(error.code, `${error.message}\n(gave up after ${max} restarts without a successful request)`, error.details);
        this.setState('failed', this.lastError.message);
        return;
      }
      this.consecutiveRestarts++;
      this.restarts++;
      this.emitEvent({ type: 'restart', model: inc.plan.model.key, reason: cause });
      await this.launch(this.plan ?? inc.plan);
    } catch (e) {
      this.log.error({ model: inc.plan.model.key, error: e instanceof Error ? firstLine(e.message) : String(e) }, 'vLLM restart failed');
    } finally {
      this.restarting = false;
      this.notify();
    }
  }

  /** Drains (if configured) and stops the current server. */
  private async teardown(why: 'stop' | 'restart', error: EngineError): Promise<void> {
    const inc = this.inc;
    if (inc === null) return;
    const drainMs = this.o.drainTimeoutMs ?? 0;
    if (drainMs > 0 && inc.pending > 0) {
      this.setState('draining', why);
      await inc.waitDrained(drainMs);
    }
    this.setState('stopping', why);
    if (this.inc === inc) this.inc = null;
    await inc.shutdown(error);
  }

  private async readyIncarnation(signal?: AbortSignal): Promise<Incarnation> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const inc = this.inc;
      if (this.st === 'ready' && inc !== null && inc.downError === null) return inc;
      if (this.stopRequested) throw new EngineError('STOPPED', 'the engine is stopped');
      const pending = this.st === 'starting' || this.st === 'draining' || this.restarting;
      if (!pending) {
        if ((this.st === 'failed' || this.st === 'crashed') && this.lastError) throw this.lastError;
        throw new EngineError('STOPPED', `the engine is ${this.st}; start a model first`);
      }
      await this.nextChange(signal);
    }
  }

  private async withServer<T>(kind: CallKind, fn: (client: VllmClient, signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const maxRetries = this.o.requestEngineRetries ?? 2;
    for (let retry = 0; ; retry++) {
      const inc = await this.readyIncarnation(signal);
      try {
        const out = await inc.run(kind, fn, signal);
        if (kind === 'chat') this.consecutiveRestarts = 0;
        return out;
      } catch (e) {
        if (signal?.aborted) throw abortError(signal);
        if (!(e instanceof EngineError)) throw e;
        const serverLevel =
          e.code === 'CRASHED' || e.code === 'HUNG' || (e.code === 'STOPPED' && !this.stopRequested) || (e.code === 'REQUEST_FAILED' && inc.downError !== null);
        if (!serverLevel || retry >= maxRetries || !(this.o.autoRestart ?? true)) throw e;
      }
    }
  }
}
