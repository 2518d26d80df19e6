/**
 * Live progress of running units, from the workers' `ReportProgress` streams. This is display and
 * stall-detection data only, deliberately kept in memory: it is rebuilt from the next reports after a
 * restart, and nothing that decides a result depends on it (DONE/failed live in KV).
 */

/** One progress report (the proto message, camelCase). */
export interface ProgressReport {
  readonly workerId: string;
  readonly unitId: string;
  readonly samplesDone: number;
  readonly samplesTotal: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
}

interface UnitProgress {
  workerId: string;
  samplesDone: number;
  promptTokens: number;
  generatedTokens: number;
  at: number;
}

/** Window over which a run's throughput is measured. */
const RATE_WINDOW_MS = 60_000;

/** Tracks per-unit progress and per-run sample throughput. */
export class ProgressTracker {
  private readonly units = new Map<string, UnitProgress>();
  private readonly events = new Map<string, { at: number; samples: number }[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Records a report; returns the sample and token deltas since the last report of the unit, and
   * whether this is the first report of the unit from this worker.
   */
  record(runId: string, r: ProgressReport): { samples: number; promptTokens: number; generatedTokens: number; firstFromWorker: boolean } {
    const prev = this.units.get(r.unitId);
    const same = prev?.workerId === r.workerId;
    const base = same ? prev : undefined;
    const samples = Math.max(0, r.samplesDone - (base?.samplesDone ?? 0));
    const promptTokens = Math.max(0, r.promptTokens - (base?.promptTokens ?? 0));
    const generatedTokens = Math.max(0, r.generatedTokens - (base?.generatedTokens ?? 0));
    this.units.set(r.unitId, { workerId: r.workerId, samplesDone: r.samplesDone, promptTokens: r.promptTokens, generatedTokens: r.generatedTokens, at: this.now() });
    this.addSamples(runId, samples);
    return { samples, promptTokens, generatedTokens, firstFromWorker: !same };
  }

  /** Samples reported done so far for a running unit (0 when unknown). */
  samplesDone(unitId: string): number {
    return this.units.get(unitId)?.samplesDone ?? 0;
  }

  /** When the unit last reported progress (epoch ms), if it did since this process started. */
  lastProgressAt(unitId: string): number | undefined {
    return this.units.get(unitId)?.at;
  }

  /** Units with recent progress from a worker (within `withinMs`). */
  unitsRunningOn(workerId: string, withinMs: number): number {
    const since = this.now() - withinMs;
    let n = 0;
    for (const u of this.units.values()) if (u.workerId === workerId && u.at >= since) n++;
    return n;
  }

  /** A unit finished (done, failed or re-queued): counts its not-yet-reported samples when `completedSamples` is given. */
  finish(runId: string, unitId: string, completedSamples?: number): void {
    if (completedSamples !== undefined) this.addSamples(runId, Math.max(0, completedSamples - this.samplesDone(unitId)));
    this.units.delete(unitId);
  }

  /** Samples per second of a run over the last minute (0 without data). */
  rate(runId: string): number {
    const list = this.prune(runId);
    if (list.length === 0) return 0;
    const total = list.reduce((s, e) => s + e.samples, 0);
    const span = Math.max(1000, this.now() - list[0]!.at);
    return (total / span) * 1000;
  }

  private addSamples(runId: string, samples: number): void {
    if (samples <= 0) return;
    const list = this.events.get(runId) ?? [];
    list.push({ at: this.now(), samples });
    this.events.set(runId, list);
    this.prune(runId);
  }

  private prune(runId: string): { at: number; samples: number }[] {
    const list = this.events.get(runId) ?? [];
    const since = this.now() - RATE_WINDOW_MS;
    while (list.length > 0 && list[0]!.at < since) list.shift();
    if (list.length === 0) this.events.delete(runId);
    return list;
  }
}
