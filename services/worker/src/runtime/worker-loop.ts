/**
 * The worker's main loop (states in `state.ts`): register, follow the coordinator's assignment, keep
 * the engine serving the assigned model, and pull that model's units from its durable consumer —
 * `next()` only while a slot is free, so the worker never holds more units than `--slots` (the
 * invariant "a worker never holds more units than it can run before their ack deadline": each held
 * unit is running and calls `working()`).
 *
 * - A model switch waits for the running units (they belong to the old model), then loads the new one.
 * - Hangs and crashes are the engine's: its hang watch kills a stalled vLLM and restarts it; the
 *   affected unit fails as infrastructure and is nak'ed (re-queued). While the engine is not ready no
 *   unit is pulled; an engine that gave up (`failed`) is started again, with backoff.
 * - `requestStop()` stops pulling (a message that arrives anyway is handed back); `abortUnits()` hands
 *   the running units back; `drain.ts` sequences both.
 */
import { UNITS_STREAM, modelConsumer, type Logger } from '@clue/common';
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { VllmEngine } from '../engine/engine.js';
import { isEngineError } from '../engine/errors.js';
import type { LaunchOptions } from '../engine/launch-plan.js';
import type { AssignmentPoller } from './assignment-poller.js';
import type { Assignment } from './coordinator-client.js';
import type { Completion } from './completion.js';
import { errorLine } from './errors.js';
import type { WorkerMetrics } from './metrics.js';
import { backoffMs, sleep } from './sleep.js';
import type { WorkerStateMachine } from './state.js';
import type { UnitRunner } from './unit-runner.js';

/** Settings of the loop. */
export interface WorkerLoopSettings {
  readonly slots: number;
  /** Upper bound of the working() interval. */
  readonly workingIntervalMs: number;
  readonly pullExpiresMs: number;
  /** Launch options added to every model start (utilization, max-num-seqs). */
  readonly launch: LaunchOptions;
  /** The chat template file for a model, if the worker has one for it. */
  readonly chatTemplateFor?: (model: string) => string | null;
}

/** What the loop drives. */
export interface WorkerLoopDeps {
  readonly js: JetStreamClient;
  readonly engine: VllmEngine;
  readonly poller: AssignmentPoller;
  readonly runner: UnitRunner;
  readonly completion: Completion;
  readonly state: WorkerStateMachine;
  readonly logger: Logger;
  readonly metrics?: WorkerMetrics;
}

/** Pulls and runs units. */
export class WorkerLoop {
  private readonly d: WorkerLoopDeps;
  private readonly s: WorkerLoopSettings;
  private readonly stopCtl = new AbortController();
  private readonly unitsCtl = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  private slotWaiters: Array<() => void> = [];
  private loadFailures = 0;
  /** Most units held at once (tests, metrics). */
  peakHeld = 0;

  constructor(deps: WorkerLoopDeps, settings: WorkerLoopSettings) {
    this.d = deps;
    this.s = settings;
  }

  /** Units pulled and not yet settled. */
  get held(): number {
    return this.running.size;
  }

  /** Free slots. */
  get freeSlots(): number {
    return Math.max(0, this.s.slots - this.running.size);
  }

  /** True once `requestStop()` was called. */
  get stopping(): boolean {
    return this.stopCtl.signal.aborted;
  }

  /** Runs until `requestStop()`; resolves when no more units will be pulled (held units may still run). */
  async run(): Promise<void> {
    const stop = this.stopCtl.signal;
    while (!stop.aborted) {
      const a = this.d.poller.current;
      if (a === null || a.model === '') {
        this.d.state.tryTo('idle', this.d.state.model, a === null ? 'waiting for the coordinator' : 'nothing assigned');
        await this.d.poller.nextPoll(stop);
        continue;
      }
      if (!this.serving(a.model)) {
        if (this.d.engine.info().model?.key !== a.model) await this.unitsSettled(stop);
        if (stop.aborted) break;
        this.d.state.tryTo('loading', a.model);
        if (!(await this.load(a))) {
          this.d.state.tryTo('idle', a.model, 'model load failed');
          await sleep(backoffMs(this.loadFailures - 1, 5_000, 300_000), stop);
          continue;
        }
      }
      this.d.state.tryTo('running', a.model);
      await this.pullLoop(a.model);
    }
  }

  /** Stops pulling. */
  requestStop(): void {
    this.stopCtl.abort();
    this.notifySlot();
  }

  /** Hands every running unit back (their runners nak them). */
  abortUnits(): void {
    this.unitsCtl.abort();
  }

  /** Resolves when no unit is held, or after `timeoutMs`; returns whether none is held. */
  async waitUnits(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([Promise.allSettled([...this.running]), sleep(left)]);
    }
    return true;
  }

  private serving(model: string): boolean {
    const info = this.d.engine.info();
    return info.state === 'ready' && info.model?.key === model;
  }

  private async load(a: Assignment): Promise<boolean> {
    const template = this.s.chatTemplateFor?.(a.model) ?? null;
    const launch: LaunchOptions = {
      ...this.s.launch,
      ...(template !== null ? { chatTemplateFile: template } : {}),
      ...(a.maxModelLen > 0 ? { maxModelLen: a.maxModelLen } : {}),
      ...(a.tensorParallelSize > 0 ? { tensorParallelSize: a.tensorParallelSize } : {}),
    };
    const t0 = performance.now();
    try {
      const info = await this.d.engine.ensureModel(a.model, launch);
      this.loadFailures = 0;
      this.d.metrics?.engineLoads.inc({ model: a.model, outcome: 'ok' });
      this.d.logger.info({ model: a.model, maxModelLen: info.maxModelLen, tp: info.tensorParallelSize, ms: Math.round(performance.now() - t0) }, 'model serving');
      return true;
    } catch (e) {
      if (this.stopping) return false;
      this.loadFailures++;
      const code = isEngineError(e) ? e.code : 'UNKNOWN';
      const classification = isEngineError(e) ? e.classification : 'retryable';
      this.d.metrics?.engineLoads.inc({ model: a.model, outcome: code });
      this.d.logger.error({ model: a.model, code, classification, failures: this.loadFailures, error: errorLine(e) }, 'model load failed');
      return false;
    }
  }

  /** The working() interval for a consumer: the configured bound, at most a third of its ack_wait. */
  private async workingInterval(consumer: Consumer): Promise<number> {
    try {
      const info = await consumer.info(true);
      const ackWaitMs = Number(info.config.ack_wait ?? 30e9) / 1e6;
      return Math.max(100, Math.min(this.s.workingIntervalMs, ackWaitMs / 3));
    } catch {
      return Math.min(this.s.workingIntervalMs, 10_000);
    }
  }

  private async pullLoop(model: string): Promise<void> {
    const stop = this.stopCtl.signal;
    let consumer: Consumer;
    try {
      consumer = await this.d.js.consumers.get(UNITS_STREAM, modelConsumer(model));
    } catch (e) {
      this.d.logger.warn({ model, error: errorLine(e) }, 'no consumer for the model yet; asking again later');
      await this.d.poller.nextPoll(stop);
      return;
    }
    const workingMs = await this.workingInterval(consumer);
    let pullErrors = 0;
    while (!stop.aborted) {
      if (this.d.poller.current?.model !== model) return;
      const engineState = this.d.engine.state;
      if (engineState !== 'ready') {
        if (engineState === 'failed' || engineState === 'stopped' || engineState === 'idle') return;
        await this.engineChange(stop);
        continue;
      }
      if (this.freeSlots === 0) {
        await this.slotFreed(stop);
        continue;
      }
      let m: JsMsg | null;
      try {
        const pulled = await this.pullUnlessReassigned(consumer, model, stop);
        if (pulled === 'reassigned') return;
        m = pulled;
        pullErrors = 0;
      } catch (e) {
        pullErrors++;
        if (pullErrors === 1 || pullErrors % 20 === 0) this.d.logger.warn({ model, error: errorLine(e), errors: pullErrors }, 'pull failed');
        await sleep(backoffMs(pullErrors - 1, 250, 5_000), stop);
        if (pullErrors >= 5) return;
        continue;
      }
      if (m === null) continue;
      if (stop.aborted || this.d.poller.current?.model !== model || this.freeSlots === 0) {
        this.d.completion.handBack(m, null, stop.aborted ? 'worker stopping' : 'assignment changed');
        continue;
      }
      this.startUnit(m, model, workingMs);
    }
  }

  /**
   * One `next()`, cut short when the assignment moves to another model (a message that still arrives
   * for the abandoned pull is handed back at once). A stop does not cut it short: the pull is waited
   * for (at most its expiry) so no message reaches a closed connection.
   */
  private async pullUnlessReassigned(consumer: Consumer, model: string, stop: AbortSignal): Promise<JsMsg | null | 'reassigned'> {
    const pull = consumer.next({ expires: this.s.pullExpiresMs });
    const settled = new AbortController();
    const watch = AbortSignal.any([stop, settled.signal]);
    const reassigned = (async (): Promise<'reassigned'> => {
      while (!watch.aborted && this.d.poller.current?.model === model) await this.d.poller.nextPoll(watch);
      return watch.aborted ? new Promise<never>(() => undefined) : 'reassigned';
    })();
    try {
      const winner = await Promise.race([pull, reassigned]);
      if (winner === 'reassigned') {
        pull.then((late) => late && this.d.completion.handBack(late, null, 'assignment changed'), () => undefined);
      }
      return winner;
    } finally {
      settled.abort();
    }
  }

  private startUnit(m: JsMsg, model: string, workingMs: number): void {
    const info = this.d.engine.info();
    const a = this.d.poller.current;
    const maxModelLen = a !== null && a.model === model && a.maxModelLen > 0 ? a.maxModelLen : (info.maxModelLen ?? 8192);
    const p: Promise<unknown> = this.d.runner
      .run(m, {
        workingIntervalMs: workingMs,
        concurrency: Math.max(1, Math.floor((info.concurrency ?? 256) / this.s.slots)),
        maxModelLen,
        gpus: info.tensorParallelSize ?? 1,
        signal: this.unitsCtl.signal,
      })
      .catch((e: unknown) => this.d.logger.error({ model, error: errorLine(e) }, 'unit runner failed unexpectedly'))
      .finally(() => {
        this.running.delete(p);
        this.d.metrics?.unitsRunning.set(this.running.size);
        this.notifySlot();
        this.d.poller.pollSoon();
      });
    this.running.add(p);
    this.peakHeld = Math.max(this.peakHeld, this.running.size);
    this.d.metrics?.unitsRunning.set(this.running.size);
  }

  private async unitsSettled(stop: AbortSignal): Promise<void> {
    while (this.running.size > 0 && !stop.aborted) await this.slotFreed(stop);
  }

  private slotFreed(stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (stop.aborted) return resolve();
      const done = (): void => {
        stop.removeEventListener('abort', done);
        resolve();
      };
      this.slotWaiters.push(done);
      stop.addEventListener('abort', done, { once: true });
      // An assignment change also ends the wait, so the loop can react while units run.
      void this.d.poller.nextPoll(stop).then(done);
    });
  }

  private engineChange(stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.d.engine.off('state', done);
        stop.removeEventListener('abort', done);
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(done, 1000);
      this.d.engine.on('state', done);
      if (stop.aborted) done();
      else stop.addEventListener('abort', done, { once: true });
    });
  }

  private notifySlot(): void {
    const w = this.slotWaiters;
    this.slotWaiters = [];
    for (const f of w) f();
  }
}
