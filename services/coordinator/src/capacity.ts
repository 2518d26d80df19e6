/**
 * Nothing waits forever. On every reconcile tick, for each model with queued units in an active run:
 *
 * - it failed to load everywhere it could (model-health.ts: a gated or invalid repository at once,
 *   OOM at every TP size, repeated failures on every worker that could hold it) → its queued units
 *   fail with that reason (dead-lettered), so the run ends PARTIAL and says why per cell;
 * - no live worker can hold it (memory: the catalog's TP size on each worker's GPU class) for
 *   `--unplaceable-seconds` → the same, with the GPUs it needs and the workers there are;
 * - otherwise, while no engine serves it, it is *waiting*: `clue watch` shows why (the Run message's
 *   `waiting`), and `clue_model_waiting_seconds{model}` says how long (an alert fires after 30 min).
 *
 * - the BERTScore scorer failed to load everywhere it could → the queued units that need BERTScore
 *   fail with that reason (the other tasks go on).
 *
 * Also the start-of-run checks (`warnings`, for SubmitRun) and each run's ETA from the estimator:
 * remaining work over the live GPUs' throughput, corrected by what the run has observed.
 */
import { BERTSCORE_SCORER_KEY } from '@clue/tasks';
import { liveGpus, type AssignmentService, type ClusterSnapshot } from './assignment.js';
import type { CompletionService } from './completion.js';
import type { CoordinatorContext } from './context.js';
import type { Estimator } from './estimates.js';
import type { ModelHealth } from './model-health.js';
import { clusterRate, waitReason, type PlacementSnapshot, type WaitReason } from './placement.js';

/** A model waiting for an engine. */
export interface ModelWaiting {
  readonly model: string;
  readonly reason: string;
  readonly seconds: number;
}

interface Waiting extends WaitReason {
  readonly since: number;
}

/**
 * What the tracker last found, for the Run messages (read synchronously while building them): the
 * waiting models and each active run's ETA. Lives in the coordinator's context.
 */
export class CapacityBoard {
  waiting: ReadonlyMap<string, Waiting> = new Map();
  etas: ReadonlyMap<string, number> = new Map();

  /** The models of `models` waiting for an engine, with why and for how long. */
  waitingFor(models: Iterable<string>, now = Date.now()): ModelWaiting[] {
    const out: ModelWaiting[] = [];
    for (const m of models) {
      const w = this.waiting.get(m);
      if (w) out.push({ model: m, reason: w.reason, seconds: Math.max(0, (now - w.since) / 1000) });
    }
    return out;
  }

  /** The run's ETA from the estimator, or undefined when unknown. */
  eta(runId: string): number | undefined {
    return this.etas.get(runId);
  }
}

/** Tracks waiting models and fails the ones nothing can run. */
export class CapacityTracker {
  constructor(
    private readonly ctx: CoordinatorContext,
    private readonly assignments: AssignmentService,
    private readonly estimator: Estimator,
    private readonly health: ModelHealth,
    private readonly completion: CompletionService,
  ) {}

  /** One pass (the reconcile tick). */
  async tick(now = Date.now()): Promise<void> {
    const snap = await this.assignments.view();
    const view = this.placementView(snap);
    const queued = new Set(snap.demand.filter((d) => d.queuedUnits > 0).map((d) => d.model));
    const graceMs = this.ctx.config.unplaceableSeconds * 1000;
    const board = this.ctx.capacity;
    const next = new Map<string, Waiting>();
    let failed = false;
    for (const [model, runs] of snap.activeModels) {
      if (!queued.has(model)) continue;
      const broken = this.health.failure(model, snap.nodes);
      if (broken !== null) {
        failed = (await this.failModel(model, runs, `${model} cannot run: ${broken}`)) || failed;
        continue;
      }
      const w = waitReason(model, view);
      if (w === null) continue;
      const prev = board.waiting.get(model);
      const since = prev && prev.kind === w.kind ? prev.since : now;
      if (w.kind === 'no-holder' && now - since >= graceMs) {
        failed = (await this.failModel(model, runs, `no registered worker can hold ${model} (waited ${Math.round((now - since) / 1000)} s): ${w.need}`)) || failed;
        continue;
      }
      next.set(model, { ...w, since });
    }
    if (snap.bertscoreUnits > 0) {
      const broken = this.health.failure(BERTSCORE_SCORER_KEY, snap.nodes);
      const gpus = liveGpus(snap.nodes);
      if (broken !== null) failed = (await this.failBertscore(snap, `BERTScore cannot be computed: its scorer engine (${BERTSCORE_SCORER_KEY}) cannot run: ${broken}`)) || failed;
      else if (gpus === 1) {
        // The scorer needs a GPU of its own next to the LLMs; with one GPU in the cluster it never gets one.
        const prev = board.waiting.get(BERTSCORE_SCORER_KEY);
        const since = prev ? prev.since : now;
        const need = 'the BERTScore scorer (SciBERT) needs a GPU of its own next to the LLMs, and the live workers have 1 GPU in all';
        if (now - since >= graceMs) {
          failed = (await this.failBertscore(snap, `BERTScore cannot be computed: ${need} (waited ${Math.round((now - since) / 1000)} s); add a GPU or submit with --no-bertscore`)) || failed;
        } else next.set(BERTSCORE_SCORER_KEY, { kind: 'no-holder', reason: `waiting for a second GPU: ${need}`, need, since });
      }
    }
    if (failed) this.assignments.invalidate();
    board.waiting = next;
    board.etas = this.etas(snap);
    this.ctx.metrics.modelWaiting.reset();
    for (const [model, w] of next) this.ctx.metrics.modelWaiting.set({ model }, (now - w.since) / 1000);
  }

  /** SubmitRun's warnings: models no live worker can hold (they fail after --unplaceable-seconds unless one joins). */
  async warnings(models: readonly string[]): Promise<string[]> {
    const snap = await this.assignments.view();
    const live = snap.nodes.filter((n) => n.live);
    const grace = this.ctx.config.unplaceableSeconds;
    if (live.length === 0) return [`no live workers yet: the run waits for workers (a model none of them can hold fails ${grace} s after they register)`];
    const view = { ...this.placementView(snap), nodes: live.map((n) => ({ ...n, groups: [] })) };
    const out: string[] = [];
    for (const m of models) {
      const w = waitReason(m, view);
      if (w?.kind === 'no-holder') out.push(`${m}: ${w.reason}; its cells fail in ${grace} s unless such a worker registers`);
    }
    return out;
  }

  /**
   * Per active run: seconds until its remaining work is done at the live GPUs' estimated throughput.
   * None before any unit has been observed (the estimates are then the cost model's alone, which a
   * simulator or an unusual cluster can be far from); the Run message then falls back to the sample rate.
   */
  private etas(snap: ClusterSnapshot): Map<string, number> {
    const out = new Map<string, number>();
    if (this.estimator.observations.units === 0) return out;
    for (const [runId, remaining] of snap.remaining) {
      const rate = clusterRate(snap.nodes, [...remaining.keys()], this.estimator);
      let work = 0;
      for (const v of remaining.values()) work += v;
      if (rate > 0) out.set(runId, work / rate);
    }
    return out;
  }

  private placementView(snap: ClusterSnapshot): PlacementSnapshot {
    return { demand: snap.demand, nodes: snap.nodes, estimates: this.estimator, constraint: (w, m) => this.health.constraint(w, m) };
  }

  /** Fails the queued BERTScore units of every active run; returns whether any unit was failed. */
  private async failBertscore(snap: ClusterSnapshot, reason: string): Promise<boolean> {
    let any = false;
    for (const runId of snap.remaining.keys()) {
      const n = await this.completion.failBertscoreUnits(runId, reason);
      if (n > 0) {
        any = true;
        this.ctx.logger.warn({ runId, units: n, reason }, 'no BERTScore scorer can run: the queued BERTScore units failed');
      }
    }
    return any;
  }

  /** Fails the model's queued units in every run; returns whether any unit was failed. */
  private async failModel(model: string, runs: ReadonlySet<string>, reason: string): Promise<boolean> {
    let any = false;
    for (const runId of runs) {
      const n = await this.completion.failModel(runId, model, reason);
      if (n > 0) {
        any = true;
        this.ctx.logger.warn({ runId, model, units: n, reason }, 'model cannot run: its queued units failed');
      }
    }
    return any;
  }
}
