/**
 * The periodic reconcile tick, and start-up recovery. Each tick, for every active run:
 * - a `pending` run nobody in this process is publishing is published (a submit that crashed);
 * - the full finalisation check (cells whose units are all final get their record; the run its state),
 *   which repairs a crash between writing units and cells;
 * - stall detection: a `running` unit without progress for `--stall-seconds` is re-queued as an
 *   infrastructure failure (the clock starts no earlier than this process, whose progress data is in memory);
 * - capacity: models that cannot run anywhere fail their queued units, waiting models are recorded (capacity.ts).
 * A tick is skipped while the previous one still runs. `recover()` runs once at start-up: it re-publishes
 * the queued units of every pending/running run, then ticks. Each tick ends by recomputing the state
 * gauges of /metrics from what it read (metrics-snapshot.ts).
 */
import type { CoordinatorContext } from './context.js';
import type { RunSubmitter } from './submit.js';
import type { Finalizer } from './finalize.js';
import type { CompletionService } from './completion.js';
import type { CapacityTracker } from './capacity.js';
import type { StoredUnitRecord } from './records.js';
import { MetricsSnapshot } from './metrics-snapshot.js';

/** Drives reconciliation. */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly startedAt = Date.now();
  private readonly snapshot: MetricsSnapshot;
  private snapshotRunning: Promise<void> | undefined;

  constructor(
    private readonly ctx: CoordinatorContext,
    private readonly submitter: RunSubmitter,
    private readonly finalizer: Finalizer,
    private readonly completion: CompletionService,
    private readonly capacity?: CapacityTracker,
  ) {
    this.snapshot = new MetricsSnapshot(ctx);
  }

  /** Start-up recovery: resume publishing of active runs, then one tick. */
  async recover(): Promise<void> {
    await this.submitter.recover();
    await this.tick();
  }

  /** Starts the periodic tick. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.ctx.config.reconcileSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the tick and waits for a running one. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.snapshotRunning;
  }

  /** One reconcile pass (skipped if one is in progress). Errors are logged, never thrown. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.pass()
      .catch((e: unknown) => this.ctx.logger.warn({ err: (e as Error).message }, 'reconcile pass failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { ctx } = this;
    const all = (await ctx.runs.list()).map((r) => r.value);
    const active = all.filter((r) => r.state === 'pending' || r.state === 'running');
    ctx.metrics.runsActive.set(active.length);
    const stallMs = ctx.config.stallSeconds * 1000;
    const now = Date.now();
    const unitsByRun = new Map<string, StoredUnitRecord[]>();
    for (const run of active) {
      if (this.submitter.isPublishing(run.id)) {
        unitsByRun.set(run.id, (await ctx.units.list(run.id)).map((e) => e.value));
        continue;
      }
      if (run.state === 'pending') await this.submitter.publishRun(run);
      const units = (await ctx.units.list(run.id)).map((e) => e.value);
      unitsByRun.set(run.id, units);
      await this.finalizer.checkRun(run.id, units);
      for (const u of units) {
        if (u.state !== 'running') continue;
        const since = Math.max(ctx.progress.lastProgressAt(u.id) ?? 0, Date.parse(u.updatedAt) || 0, this.startedAt);
        if (now - since > stallMs) await this.completion.stalled(u, (now - since) / 1000);
      }
    }
    // Models nothing can run fail their queued units; waiting ones are shown (capacity.ts).
    await this.capacity?.tick(now);
    this.refreshMetrics(all, unitsByRun);
  }

  /**
   * Recomputes the /metrics state gauges in the background (one refresh at a time), so a slow JetStream
   * lookup (queue depth while NATS restarts) never holds up reconciliation.
   */
  private refreshMetrics(runs: Parameters<MetricsSnapshot['update']>[0], unitsByRun: Parameters<MetricsSnapshot['update']>[1]): void {
    if (this.snapshotRunning) return;
    this.snapshotRunning = this.snapshot
      .update(runs, unitsByRun)
      .catch((e: unknown) => this.ctx.logger.debug({ err: (e as Error).message }, 'metrics refresh failed'))
      .finally(() => {
        this.snapshotRunning = undefined;
      });
  }
}
