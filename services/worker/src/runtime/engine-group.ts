/**
 * One engine group: a disjoint set of the node's GPUs running one vLLM server for one model, and the
 * pull loop that keeps it busy (states in `group-state.ts`):
 *
 * - The server is started on the group's GPUs only (`CUDA_VISIBLE_DEVICES` = the group's indices,
 *   `--tensor-parallel-size` = their number). A failed start is reported (state `failed`, with the
 *   engine's error code) and never retried here: the coordinator decides what the GPUs do next.
 * - While serving, units of the model are pulled from its durable consumer — `next()` only while one
 *   of the group's `slots` is free, so the group never holds more units than it runs (each held unit
 *   calls `working()`), which is the ack-deadline bound per group.
 * - A crash or hang is the engine driver's: it restarts the server, the affected unit fails as
 *   infrastructure and is handed back; the other groups of the node are untouched. If the driver
 *   gives up, the group becomes `failed`.
 * - GPU time is attributed to units as wall time × the group's GPUs ÷ the units sharing them, so
 *   the GPU-seconds of a unit are what it really cost (the coordinator learns throughput from them).
 * - `release()` stops pulling, lets running units finish, stops the server. A drain instead hands the
 *   running units back (`abortUnits`) after its grace.
 * - A unit whose outputs wait for their BERTScore gives its slot back as soon as generation ends
 *   (`onGenerated`), so the engine goes on with the next unit; at most `slots` such units per group.
 * - A scorer group (a scorer model, e.g. BERTScore's SciBERT) pulls no units: once serving it answers
 *   the scorers' requests (`scorer-service.ts`) until it is released; its GPU time is metered per
 *   request like a unit's.
 */
import { UNITS_STREAM, modelConsumer, type Logger } from '@clue/common';
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { isScorerModel } from '@clue/tasks';
import type { VllmEngine } from '../engine/engine.js';
import { isEngineError } from '../engine/errors.js';
import type { LaunchOptions } from '../engine/launch-plan.js';
import type { Completion } from './completion.js';
import { errorLine } from './errors.js';
import type { NodeGpu } from './gpu-inventory.js';
import { GroupStateMachine, type GroupStateName } from './group-state.js';
import type { WorkerMetrics } from './metrics.js';
import { backoffMs, sleep } from './sleep.js';
import { ScorerUnsupportedError } from './bertscore-embed.js';
import { ScorerService } from './scorer-service.js';
import type { UnitRunner } from './unit-runner.js';

/** Longest failure reason reported in the group's status. */
const MAX_FAILURE_REASON = 500;

/** What the coordinator assigned (proto GroupAssignment). */
export interface GroupSpec {
  readonly id: string;
  readonly gpus: readonly NodeGpu[];
  readonly model: string;
  readonly tensorParallelSize: number;
  /** 0 = the engine's default. */
  readonly maxModelLen: number;
}

/** The group as reported in GetAssignment (proto EngineGroupStatus). */
export interface GroupStatus {
  readonly id: string;
  readonly gpuIndices: number[];
  readonly model: string;
  readonly state: 'loading' | 'serving' | 'failed' | 'releasing';
  readonly unitsRunning: number;
  readonly freeSlots: number;
  readonly tensorParallelSize: number;
  readonly loadSeconds: number;
  readonly failureCode: string;
  readonly failureReason: string;
}

/** Settings shared by a worker's groups. */
export interface EngineGroupSettings {
  /** Units one group runs at once. */
  readonly slots: number;
  /** Upper bound of the working() interval. */
  readonly workingIntervalMs: number;
  readonly pullExpiresMs: number;
  /** Launch options of every start (utilization, max-num-seqs, chat template, length, TP). */
  readonly launch: LaunchOptions;
}

/** What a group drives. */
export interface EngineGroupDeps {
  readonly js: JetStreamClient;
  /** Core NATS, for a scorer group's requests. */
  readonly nc?: NatsConnection;
  readonly engine: VllmEngine;
  readonly runner: UnitRunner;
  readonly completion: Completion;
  readonly logger: Logger;
  readonly metrics?: WorkerMetrics;
  /** Something the coordinator should hear about soon: a state change, a unit settled, an empty queue. */
  readonly onChange: () => void;
}

/** A running engine group. */
export class EngineGroup {
  readonly spec: GroupSpec;
  readonly state: GroupStateMachine;
  private readonly d: EngineGroupDeps;
  private readonly s: EngineGroupSettings;
  private readonly pullCtl = new AbortController();
  private readonly unitsCtl = new AbortController();
  private readonly running = new Set<Promise<unknown>>();
  private slotWaiters: Array<() => void> = [];
  /** Held units still generating (the others wait for their scores). */
  private generating = 0;
  private lifecycle: Promise<void> | null = null;
  private releasing: Promise<void> | null = null;
  private loadSecondsValue = 0;
  private failure: { code: string; reason: string } | null = null;
  // GPU-time attribution: v grows by elapsed × tp / (units sharing the GPUs) while any unit runs.
  private v = 0;
  private vAt = performance.now();
  private sharing = 0;
  /** Most units held at once (tests). */
  peakHeld = 0;

  constructor(spec: GroupSpec, deps: EngineGroupDeps, settings: EngineGroupSettings) {
    this.spec = spec;
    this.d = deps;
    this.s = settings;
    this.state = new GroupStateMachine(spec.id, spec.model, deps.logger);
    this.state.onTransition(() => deps.onChange());
  }

  /** The group's vLLM driver. */
  get engine(): VllmEngine {
    return this.d.engine;
  }

  /** The GPU class of the group. */
  get gpuClass(): string {
    return this.spec.gpus[0]?.gpuClass ?? '';
  }

  /** Units pulled and not yet settled. */
  get held(): number {
    return this.running.size;
  }

  /** Free slots. */
  get freeSlots(): number {
    if (this.state.state !== 'serving') return 0;
    // A unit whose outputs are being scored (BERTScore) no longer uses the engine: its slot is free,
    // within a backlog of at most `slots` such units, so the held units stay bounded (2 × slots).
    return Math.max(0, Math.min(this.s.slots - this.generating, 2 * this.s.slots - this.running.size));
  }

  /** Starts loading the model and, once it serves, pulling (idempotent). */
  start(): void {
    this.lifecycle ??= this.live().catch((e: unknown) => {
      this.fail('UNKNOWN', `group failed unexpectedly: ${errorLine(e)}`);
    });
  }

  /** What GetAssignment reports. */
  status(): GroupStatus {
    const st: GroupStateName = this.state.state;
    return {
      id: this.spec.id,
      gpuIndices: this.spec.gpus.map((g) => g.index),
      model: this.spec.model,
      state: st === 'stopped' ? 'releasing' : st,
      unitsRunning: this.running.size,
      freeSlots: this.freeSlots,
      tensorParallelSize: this.spec.tensorParallelSize,
      loadSeconds: this.loadSecondsValue,
      failureCode: this.failure?.code ?? '',
      failureReason: this.failure?.reason ?? '',
    };
  }

  /** Stops pulling (a message arriving meanwhile is handed back); running units go on. */
  stopPulling(): void {
    this.pullCtl.abort();
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

  /** Resolves once the pull loop has noticed the stop (at most one pull's expiry). */
  async pullStopped(): Promise<void> {
    await this.lifecycle;
  }

  /**
   * Release: no more pulls, running units finish, the server stops; resolves in `stopped`
   * (idempotent). A drain calls `abortUnits()` first when its grace is over.
   */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      this.state.tryTo('releasing');
      this.stopPulling();
      // A load in progress is aborted (the lifecycle then ends at once).
      const aborting = this.d.engine.state === 'starting' ? this.d.engine.stop().catch(() => undefined) : undefined;
      await this.lifecycle;
      await this.waitUnits(Infinity);
      await aborting;
      await this.d.engine.stop().catch((e: unknown) => this.d.logger.warn({ group: this.spec.id, error: errorLine(e) }, 'stopping the engine failed'));
      this.state.tryTo('stopped');
    })();
    return this.releasing;
  }

  // ------------------------------------------------------------------------------------------

  private async live(): Promise<void> {
    if (!(await this.load())) return;
    this.state.tryTo('serving');
    if (isScorerModel(this.spec.model)) await this.serveScorer();
    else await this.pullLoop();
  }

  /** A scorer group: answers scoring requests until released or its engine gives up. */
  private async serveScorer(): Promise<void> {
    const stop = this.pullCtl.signal;
    if (!this.d.nc) {
      this.fail('CONFIG_ERROR', 'a scorer group needs the core NATS connection');
      return;
    }
    const service = new ScorerService({
      nc: this.d.nc,
      engine: this.d.engine,
      logger: this.d.logger,
      meter: () => {
        const m = this.meter();
        this.setBusy();
        return m;
      },
      ...(this.d.metrics ? { metrics: this.d.metrics } : {}),
    });
    try {
      await service.verify(stop);
    } catch (e) {
      if (stop.aborted) return;
      this.d.logger.error({ group: this.spec.id, model: this.spec.model, error: errorLine(e) }, 'the scorer engine cannot serve BERTScore');
      this.fail(e instanceof ScorerUnsupportedError ? e.code : 'SCORER_CHECK_FAILED', errorLine(e));
      return;
    }
    service.start();
    try {
      while (!stop.aborted) {
        const st = this.d.engine.state;
        if (st === 'failed' || st === 'stopped' || st === 'idle') {
          const err = this.d.engine.info().lastError;
          this.fail(err?.code ?? 'CRASHED', err ? errorLine(err) : `the engine is ${st}`);
          return;
        }
        await this.engineChange(stop);
      }
    } finally {
      await service.stop();
    }
  }

  private fail(code: string, reason: string): void {
    // The coordinator refuses a GetAssignment whose failure_reason exceeds 1024 characters (docs/limits.md).
    const short = reason.length > MAX_FAILURE_REASON ? `${reason.slice(0, MAX_FAILURE_REASON - 1)}…` : reason;
    this.failure = { code, reason: short };
    this.state.tryTo('failed', `${code}: ${reason}`);
  }

  private async load(): Promise<boolean> {
    const t0 = performance.now();
    try {
      const info = await this.d.engine.ensureModel(this.spec.model, this.s.launch);
      this.loadSecondsValue = Math.max(0.001, (performance.now() - t0) / 1000);
      this.d.metrics?.engineLoads.inc({ model: this.spec.model, outcome: 'ok' });
      this.d.logger.info({ group: this.spec.id, model: this.spec.model, gpus: this.spec.gpus.map((g) => g.index), maxModelLen: info.maxModelLen, tp: info.tensorParallelSize, ms: Math.round(performance.now() - t0) }, 'model serving');
      return !this.pullCtl.signal.aborted;
    } catch (e) {
      if (this.pullCtl.signal.aborted) return false;
      const code = isEngineError(e) ? e.code : 'UNKNOWN';
      this.d.metrics?.engineLoads.inc({ model: this.spec.model, outcome: code });
      this.d.logger.error({ group: this.spec.id, model: this.spec.model, code, error: errorLine(e) }, 'model load failed');
      this.fail(code, errorLine(e));
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

  private async pullLoop(): Promise<void> {
    const stop = this.pullCtl.signal;
    const model = this.spec.model;
    let consumer: Consumer | null = null;
    for (let attempt = 0; consumer === null && !stop.aborted; attempt++) {
      try {
        consumer = await this.d.js.consumers.get(UNITS_STREAM, modelConsumer(model));
      } catch (e) {
        if (attempt === 0) this.d.logger.warn({ group: this.spec.id, model, error: errorLine(e) }, 'no consumer for the model yet; trying again');
        await sleep(backoffMs(attempt, 500, 5_000), stop);
      }
    }
    if (consumer === null) return;
    const workingMs = await this.workingInterval(consumer);
    let pullErrors = 0;
    while (!stop.aborted) {
      const engineState = this.d.engine.state;
      if (engineState !== 'ready') {
        if (engineState === 'failed' || engineState === 'stopped' || engineState === 'idle') {
          const err = this.d.engine.info().lastError;
          this.fail(err?.code ?? 'CRASHED', err ? errorLine(err) : `the engine is ${engineState}`);
          return;
        }
        await this.engineChange(stop);
        continue;
      }
      if (this.freeSlots === 0) {
        await this.slotFreed(stop);
        continue;
      }
      let m: JsMsg | null;
      try {
        // Not cut short by a stop: the pull is waited for (at most its expiry) so no message reaches a closed connection.
        m = await consumer.next({ expires: this.s.pullExpiresMs });
        pullErrors = 0;
      } catch (e) {
        pullErrors++;
        if (pullErrors === 1 || pullErrors % 20 === 0) this.d.logger.warn({ group: this.spec.id, model, error: errorLine(e), errors: pullErrors }, 'pull failed');
        await sleep(backoffMs(pullErrors - 1, 250, 5_000), stop);
        continue;
      }
      if (m === null) {
        // The model's queue is empty: the coordinator may have other work for these GPUs.
        this.d.onChange();
        continue;
      }
      if (stop.aborted || this.freeSlots === 0) {
        this.d.completion.handBack(m, null, stop.aborted ? 'group released or worker stopping' : 'no free slot');
        continue;
      }
      this.startUnit(m, workingMs);
    }
  }

  /** Starts attributing GPU time to one more unit; the returned function ends it and gives its GPU-seconds. */
  private meter(): () => number {
    this.advance();
    this.sharing++;
    const v0 = this.v;
    let done = false;
    return () => {
      if (done) return 0;
      done = true;
      this.advance();
      this.sharing--;
      this.setBusy();
      const seconds = this.v - v0;
      this.d.metrics?.gpuBusySeconds.inc({ model: this.spec.model }, seconds);
      return seconds;
    };
  }

  private advance(): void {
    const now = performance.now();
    if (this.sharing > 0) this.v += ((now - this.vAt) / 1000) * (this.spec.tensorParallelSize / this.sharing);
    this.vAt = now;
  }

  private setBusy(): void {
    this.d.metrics?.setGroupBusy(this.spec.id, this.sharing > 0 ? this.spec.tensorParallelSize : 0);
  }

  private startUnit(m: JsMsg, workingMs: number): void {
    const info = this.d.engine.info();
    const maxModelLen = this.spec.maxModelLen > 0 ? this.spec.maxModelLen : (info.maxModelLen ?? 8192);
    const meter = this.meter();
    this.setBusy();
    let generating = true;
    this.generating++;
    const generated = (): void => {
      if (!generating) return;
      generating = false;
      this.generating--;
      meter();
      this.notifySlot();
      this.d.onChange();
    };
    const p: Promise<unknown> = this.d.runner
      .run(m, {
        engine: this.d.engine,
        gpuClass: this.gpuClass,
        tensorParallelSize: this.spec.tensorParallelSize,
        meter: () => meter,
        workingIntervalMs: workingMs,
        concurrency: Math.max(1, Math.floor((info.concurrency ?? 256) / this.s.slots)),
        maxModelLen,
        signal: this.unitsCtl.signal,
        onGenerated: generated,
      })
      .catch((e: unknown) => this.d.logger.error({ group: this.spec.id, error: errorLine(e) }, 'unit runner failed unexpectedly'))
      .finally(() => {
        generated();
        this.running.delete(p);
        this.d.metrics?.unitsRunning.dec();
        this.notifySlot();
        this.d.onChange();
      });
    this.running.add(p);
    this.d.metrics?.unitsRunning.inc();
    this.peakHeld = Math.max(this.peakHeld, this.running.size);
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
