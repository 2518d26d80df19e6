/**
 * One worker process's object graph and lifecycle: `createWorker(config)` builds nothing yet;
 * `run()` finds the GPUs, connects NATS, opens the buckets, registers with the coordinator, starts
 * the heartbeat, and keeps the node's engine groups in line with the coordinator's layout (one vLLM
 * server per group, on the group's GPUs only), and resolves when the worker has stopped
 * (`drain()` was called; → 'stopped') or failed for good (the NATS connection closed; → 'failed').
 * `drain()` and `force()` may be called in any state, also while starting.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { BERTSCORE_ENGINE_ARGS, getModel, isScorerModel, loadIcd10Table, type Icd10Table } from '@clue/tasks';
import type { Logger } from '@clue/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { VllmEngine } from '../engine/engine.js';
import type { GroupSpec } from './engine-group.js';
import { EngineGroups } from './engine-groups.js';
import { mergeExpositions } from './vllm-metrics.js';
import type { WorkerConfig } from '../config.js';
import { AssignmentPoller } from './assignment-poller.js';
import { Completion } from './completion.js';
import { CoordinatorClient } from './coordinator-client.js';
import { DatasetStore } from './datasets.js';
import { drain, forceStop } from './drain.js';
import { WorkerConfigError, errorLine } from './errors.js';
import { describeInventory, detectGpus, type NodeInventory } from './gpu-inventory.js';
import { WorkerMetrics, serveMetrics } from './metrics.js';
import { connectNats, openStores } from './nats-stores.js';
import { ProgressReporter } from './progress-reporter.js';
import { ResultsWriter } from './results-writer.js';
import { SampleBuilder } from './samples.js';
import { WorkerStateMachine } from './state.js';
import { BertScoreClient } from './bertscore-client.js';
import { UnitRunner } from './unit-runner.js';

/** Options besides the configuration. */
export interface WorkerOptions {
  readonly logger: Logger;
  /** Metrics (a fresh registry when omitted). */
  readonly metrics?: WorkerMetrics;
}

/** How `run()` ended. */
export type WorkerOutcome = 'stopped' | 'failed';

/** The running pieces, once started. */
interface Parts {
  nc: NatsConnection;
  coordinator: CoordinatorClient;
  progress: ProgressReporter;
  poller: AssignmentPoller;
  groups: EngineGroups;
}

/** `vllm-sim` when the executable is the simulator, else `vllm` (what Register reports). */
export function engineKind(executable: string): string {
  return /vllm-sim/.test(executable) ? 'vllm-sim' : 'vllm';
}

/** A worker. */
export class Worker {
  readonly config: WorkerConfig;
  readonly state: WorkerStateMachine;
  readonly metrics: WorkerMetrics;
  private readonly log: Logger;
  private readonly stopCtl = new AbortController();
  private failure: Error | null = null;
  private parts: Partial<Parts> = {};
  private metricsServer: Server | null = null;
  private inventory: NodeInventory | null = null;

  constructor(config: WorkerConfig, options: WorkerOptions) {
    this.config = config;
    this.log = options.logger.child({ workerId: config.workerId });
    this.metrics = options.metrics ?? new WorkerMetrics(config.workerId);
    this.state = new WorkerStateMachine(config.workerId, options.logger);
    this.state.onTransition((t) => this.metrics.setState(t.to));
    this.metrics.setState('starting');
    this.metrics.slots.set(0);
  }

  /** The node's engine groups (null before registration). */
  get groups(): EngineGroups | null {
    return this.parts.groups ?? null;
  }

  /** The node's GPUs (null before detection). */
  get gpus(): NodeInventory | null {
    return this.inventory;
  }

  /** Requests a graceful stop (idempotent). */
  drain(): void {
    this.stopCtl.abort();
  }

  /** Forced stop: hands units back and flushes NATS; the caller should exit the process. */
  async force(): Promise<void> {
    this.stopCtl.abort();
    const { groups, nc } = this.parts;
    if (groups && nc) await forceStop({ groups, nc, logger: this.log });
  }

  /**
   * Runs the worker until it is drained or fails.
   * @throws WorkerConfigError for a node or configuration problem found while starting (no GPUs, bad
   *   ICD-10 table, unreadable credentials).
   */
  async run(): Promise<WorkerOutcome> {
    const stop = this.stopCtl.signal;
    try {
      await this.startParts(stop);
    } catch (e) {
      // A failure of its own (not the consequence of a stop): keep it as the reason, so closing NATS
      // during the shutdown does not replace it.
      const stopped = stop.aborted;
      if (!stopped) this.failure ??= e instanceof Error ? e : new Error(String(e));
      await this.shutdown();
      if (stopped && !(e instanceof WorkerConfigError)) return this.failure ? 'failed' : 'stopped';
      throw e;
    }
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
    await this.shutdown();
    return this.failure ? 'failed' : 'stopped';
  }

  /** The local vLLM servers' /metrics texts in one (labelled by group), or null when none is serving. */
  private async vllmMetricsText(): Promise<string | null> {
    const serving = (this.parts.groups?.list ?? []).map((g) => ({ group: g.spec.id, info: g.engine.info() })).filter((x) => x.info.state === 'ready' && x.info.port !== null);
    if (serving.length === 0) return null;
    const parts = await Promise.all(
      serving.map(async (x) => {
        const res = await fetch(`http://127.0.0.1:${x.info.port}/metrics`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error(`vLLM /metrics of group ${x.group} answered ${res.status}`);
        return { group: x.group, text: await res.text() };
      }),
    );
    return mergeExpositions(parts);
  }

  private async startParts(stop: AbortSignal): Promise<void> {
    const c = this.config;
    this.inventory = c.gpus ?? (await detectGpus());
    const icd10 = loadIcd(c.icd10Table);
    if (c.metricsPort !== null) {
      const { server, port } = await serveMetrics(this.metrics.registry, c.metricsPort, c.metricsHost, () => this.vllmMetricsText());
      this.metricsServer = server;
      this.log.info({ port }, 'serving /metrics');
    }
    this.log.info({ gpus: describeInventory(this.inventory), slots: c.slots, engine: c.engineExecutable }, 'worker starting');
    const nc = await raceStop(connectNats({ servers: c.nats, name: `clue-worker-${c.workerId}`, credsFile: c.natsCreds, token: c.natsToken, auth: c.natsAuth }, this.log, stop), stop, (n) => void n.close());
    this.parts.nc = nc;
    void nc.closed().then((err) => {
      if (stop.aborted || this.failure) return;
      this.failure = new Error(`NATS connection closed${err ? `: ${errorLine(err)}` : ''}`);
      this.log.error({ error: this.failure.message }, 'lost NATS for good');
      this.drain();
    });
    const stores = await openStores(nc, this.log, stop);
    const coordinator = new CoordinatorClient(c.coordinator, c.workerId, { logger: this.log, auth: c.coordinatorAuth });
    this.parts.coordinator = coordinator;
    const progress = new ProgressReporter(coordinator.client, c.workerId, { logger: this.log });
    this.parts.progress = progress;
    const completion = new Completion({ coordinator, writer: new ResultsWriter(stores.results), logger: this.log, nakDelayMs: c.retryDelayMs });
    const runner = new UnitRunner({
      datasets: new DatasetStore(stores.datasets, { cacheDir: c.cacheDir, logger: this.log }),
      samples: new SampleBuilder(),
      units: stores.units,
      runs: stores.runs,
      completion,
      progress,
      icd10: () => icd10,
      logger: this.log,
      metrics: this.metrics,
      bertscore: new BertScoreClient(nc, { waitForScorerMs: c.bertscoreWaitSeconds * 1000 }),
    });

    this.state.to('registering');
    const inventory = this.inventory;
    const registration = { node: c.node || hostname(), gpus: inventory.gpus, engine: engineKind(c.engineExecutable) };
    const reg = await coordinator.register(registration, { retryForMs: Infinity, signal: stop });
    const intervalMs = reg.heartbeatSeconds > 0 ? reg.heartbeatSeconds * 1000 : 10_000;
    this.log.info({ heartbeatSeconds: intervalMs / 1000 }, 'registered');
    let groups: EngineGroups | null = null;
    const poller = new AssignmentPoller({
      coordinator,
      intervalMs,
      groups: () => groups?.statuses() ?? [],
      onAssignment: (a) => groups?.apply(a.groups),
      reregister: async (signal) => {
        await coordinator.register(registration, { retryForMs: intervalMs, signal });
      },
      logger: this.log,
    });
    this.parts.poller = poller;
    groups = new EngineGroups({
      inventory,
      js: stores.js,
      nc,
      runner,
      completion,
      logger: this.log,
      metrics: this.metrics,
      slotsPerGroup: c.slots,
      createEngine: (spec) => this.createEngine(inventory, spec),
      settingsFor: (spec) => {
        const template = chatTemplateFile(c.chatTemplateDir, spec.model);
        return {
          slots: c.slots,
          workingIntervalMs: c.workingIntervalMs,
          pullExpiresMs: c.pullExpiresMs,
          launch: {
            ...(c.gpuMemoryUtilization !== null ? { gpuMemoryUtilization: c.gpuMemoryUtilization } : {}),
            ...(c.maxNumSeqs !== null ? { maxNumSeqs: c.maxNumSeqs } : {}),
            ...(template !== null ? { chatTemplateFile: template } : {}),
            ...(spec.maxModelLen > 0 ? { maxModelLen: spec.maxModelLen } : {}),
            tensorParallelSize: spec.tensorParallelSize,
            // A scorer engine: vLLM's pooling runner with bert_score's encoder (8 layers, slow tokenizer, fp32).
            ...(isScorerModel(spec.model) ? { extraArgs: BERTSCORE_ENGINE_ARGS } : {}),
          },
        };
      },
      onChange: () => {
        this.updateState();
        poller.pollSoon();
      },
    });
    this.parts.groups = groups;
    this.metrics.gpus.set(inventory.gpus.length);
    this.state.to('idle', null, 'registered');
    poller.start();
  }

  /** `running` while some group serves, else `idle`; the model list follows the serving groups. */
  private updateState(): void {
    if (this.state.final || this.state.state === 'draining') return;
    const serving = [...new Set((this.parts.groups?.list ?? []).filter((g) => g.state.state === 'serving').map((g) => g.spec.model))];
    this.state.tryTo(serving.length > 0 ? 'running' : 'idle', serving.length > 0 ? serving.join(',') : null);
  }

  /** The driver of one group: its inventory is the group's GPUs only (→ CUDA_VISIBLE_DEVICES). */
  private createEngine(inv: NodeInventory, spec: GroupSpec): VllmEngine {
    const c = this.config;
    const env: Record<string, string> = { ...c.engineEnv };
    const gpuClass = spec.gpus[0]!.gpuClass;
    if (inv.source === 'simulated' && env['VLLM_SIM_GPU'] === undefined) env['VLLM_SIM_GPU'] = gpuClass;
    const engine = new VllmEngine({
      inventory: { gpuClass, count: spec.gpus.length, deviceIds: spec.gpus.map((g) => g.index) },
      launch: { executable: c.engineExecutable, env },
      logger: this.log.child({ component: 'engine', group: spec.id }),
      hangTimeoutMs: c.hangTimeoutMs,
      stopGraceMs: c.engineStopGraceMs,
      startupTimeoutMs: c.engineStartupTimeoutMs,
      // A crash or hang fails the unit's requests at once: the unit is re-queued, not silently re-run.
      requestEngineRetries: 0,
    });
    engine.on('event', (e) => {
      if (e.type === 'loaded') this.metrics.engineLoadSeconds.observe({ model: e.model }, e.loadMs / 1000);
      if (e.type === 'restart' && e.reason !== 'manual') this.metrics.engineRestarts.inc({ model: e.model, reason: e.reason });
      if (e.type === 'hang-kill') this.metrics.engineHangKills.inc({ model: e.model });
      if ((e.type === 'start-failed' && e.code === 'START_FAILED_OOM') || (e.type === 'crash' && /out of memory|OutOfMemoryError/i.test(e.reason))) {
        this.metrics.engineOoms.inc({ model: e.model });
      }
    });
    engine.on('state', (ch) => this.metrics.setEngineState(spec.id, ch.to));
    return engine;
  }

  private async shutdown(): Promise<void> {
    const p = this.parts;
    if (p.groups && p.poller && p.progress && p.coordinator && p.nc) {
      await drain(
        {
          groups: p.groups,
          poller: p.poller,
          progress: p.progress,
          coordinator: p.coordinator,
          nc: p.nc,
          state: this.state,
          logger: this.log,
          extra: [() => this.closeMetrics()],
        },
        { drainTimeoutMs: this.config.drainTimeoutMs, loopTimeoutMs: this.config.pullExpiresMs + 1000 },
      );
    } else {
      // Stopped while starting: close what exists.
      this.state.tryTo('draining', null, 'stopped while starting');
      await p.poller?.stop();
      p.progress?.close();
      p.coordinator?.close();
      await p.nc?.close().catch(() => undefined);
      await this.closeMetrics();
    }
    if (this.failure) this.state.tryTo('failed', this.state.model, this.failure.message);
    else this.state.tryTo('stopped', this.state.model, 'drained');
  }

  private closeMetrics(): Promise<void> {
    const s = this.metricsServer;
    this.metricsServer = null;
    return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
  }
}

/** Creates a worker (nothing starts before `run()`). */
export function createWorker(config: WorkerConfig, options: WorkerOptions): Worker {
  return new Worker(config, options);
}

/** `<dir>/<key>.jinja`, else `<dir>/default.jinja`, for a catalog model without a built-in chat template. */
export function chatTemplateFile(dir: string | null, model: string): string | null {
  if (dir === null) return null;
  let spec;
  try {
    spec = getModel(model);
  } catch {
    return null;
  }
  if (spec.chatTemplate !== 'none') return null;
  for (const name of [`${spec.key}.jinja`, 'default.jinja']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function loadIcd(path: string | null): Icd10Table | null {
  if (path === null) return null;
  try {
    return loadIcd10Table(path);
  } catch (e) {
    throw new WorkerConfigError('--icd10-table', errorLine(e));
  }
}

/** Resolves with `p`, or rejects when `stop` fires first (then `cleanup` gets `p`'s late value). */
function raceStop<T>(p: Promise<T>, stop: AbortSignal, cleanup: (v: T) => void): Promise<T> {
  if (stop.aborted) {
    void p.then(cleanup, () => undefined);
    return Promise.reject(new Error('stopped while starting'));
  }
  return new Promise<T>((resolve, reject) => {
    const onStop = (): void => {
      void p.then(cleanup, () => undefined);
      reject(new Error('stopped while starting'));
    };
    stop.addEventListener('abort', onStop, { once: true });
    p.then(
      (v) => {
        stop.removeEventListener('abort', onStop);
        if (stop.aborted) cleanup(v);
        else resolve(v);
      },
      (e: unknown) => {
        stop.removeEventListener('abort', onStop);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
