/**
 * Recomputes the coordinator's state gauges from KV (called on every reconcile tick): runs by state,
 * units of active runs by model/task/state, each active run's samples done, planned samples and ETA,
 * the number of live workers and each model consumer's queue depth (JetStream `num_pending`).
 * Series of runs that are no longer active are removed, so the `run` label stays bounded.
 */
import { modelConsumer, UNITS_STREAM } from '@clue/common';
import type { CoordinatorContext } from './context.js';
import type { StoredRunRecord, StoredUnitRecord } from './records.js';
import { buildRunMessage } from './run-view.js';

const RUN_STATES = ['pending', 'running', 'succeeded', 'partial', 'failed', 'cancelled'] as const;
const UNIT_STATES = ['queued', 'running', 'done', 'failed'] as const;

/** Keeps the per-run counters monotonic across ticks and forgets runs that became final. */
export class MetricsSnapshot {
  private readonly samplesDone = new Map<string, number>();

  constructor(private readonly ctx: CoordinatorContext) {}

  /**
   * Updates every state gauge from `runs` (all run records) and `unitsByRun` (the units of the active
   * ones). Errors of the queue-depth lookup are ignored (a consumer may not exist yet).
   */
  async update(runs: readonly StoredRunRecord[], unitsByRun: ReadonlyMap<string, readonly StoredUnitRecord[]>): Promise<void> {
    const m = this.ctx.metrics;
    for (const s of RUN_STATES) m.runs.set({ state: s }, runs.filter((r) => r.state === s).length);
    m.units.reset();
    const models = new Set<string>();
    for (const [runId, units] of unitsByRun) {
      const run = runs.find((r) => r.id === runId);
      if (!run) continue;
      for (const plan of Object.values(run.cells)) {
        models.add(plan.model);
        for (const s of UNIT_STATES) m.units.inc({ model: plan.model, task: plan.task, state: s }, 0);
      }
      for (const u of units) m.units.inc({ model: u.model, task: u.task, state: u.state });
      const view = buildRunMessage(this.ctx, run, units, new Map());
      const prev = this.samplesDone.get(runId) ?? 0;
      if (view.samplesDone > prev) m.runSamplesDone.inc({ run: runId }, view.samplesDone - prev);
      else if (!this.samplesDone.has(runId)) m.runSamplesDone.inc({ run: runId }, 0);
      this.samplesDone.set(runId, Math.max(prev, view.samplesDone));
      m.runSamples.set({ run: runId }, view.samplesTotal);
      m.runEta.set({ run: runId }, view.etaSeconds);
    }
    for (const runId of [...this.samplesDone.keys()]) {
      if (unitsByRun.has(runId)) continue;
      this.samplesDone.delete(runId);
      m.runSamplesDone.remove({ run: runId });
      m.runSamples.remove({ run: runId });
      m.runEta.remove({ run: runId });
    }
    const now = Date.now();
    const workers = (await this.ctx.workers.list()).map((e) => e.value);
    m.workersLive.set(workers.filter((w) => now - Date.parse(w.lastSeen) <= 3 * this.ctx.config.heartbeatSeconds * 1000).length);
    for (const model of models) {
      try {
        const info = await this.ctx.jet.jsm.consumers.info(UNITS_STREAM, modelConsumer(model));
        m.queueDepth.set({ model }, info.num_pending);
      } catch {
        // no consumer yet: nothing queued for the model
        m.queueDepth.set({ model }, 0);
      }
    }
  }
}
