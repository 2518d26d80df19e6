/**
 * GetAssignment: the thin adapter between KV and the pure scheduler. It builds a
 * {@link SchedulerSnapshot} (queued work per model over all active runs, and which model each live
 * worker serves), cached for a second because every idle worker polls, runs {@link assign}, and
 * records the decision in the worker's record so the next worker sees it at once.
 */
import type { CoordinatorContext } from './context.js';
import { assign, type AssignmentDecision, type ModelWork, type SchedulerSnapshot, type WorkerView } from './scheduler.js';
import { checkWorkerId, type WorkerRegistry } from './workers.js';
import { cellKey } from './records.js';

/** The GetAssignment request (camelCase). */
export interface AssignmentMessage {
  readonly workerId?: string;
  readonly loadedModel?: string;
  readonly freeSlots?: number;
}

/** The Assignment response (camelCase). */
export interface AssignmentReply {
  readonly model: string;
  readonly hfId: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  readonly pollAfterSeconds: number;
}

/** How long a snapshot is reused. */
const SNAPSHOT_TTL_MS = 1000;

/** Reads the scheduler's snapshot from KV. */
export async function readSnapshot(ctx: CoordinatorContext, registry: WorkerRegistry): Promise<SchedulerSnapshot> {
  const runs = (await ctx.runs.list()).map((r) => r.value).filter((r) => r.state === 'pending' || r.state === 'running');
  const work = new Map<string, { queuedUnits: number; queuedGpuSeconds: number }>();
  for (const run of runs) {
    for (const u of await ctx.units.list(run.id)) {
      if (u.value.state !== 'queued') continue;
      const cell = run.cells[cellKey(u.value.model, u.value.task)];
      const perSample = cell && cell.samples > 0 ? cell.gpuSeconds / cell.samples : 0;
      const w = work.get(u.value.model) ?? { queuedUnits: 0, queuedGpuSeconds: 0 };
      w.queuedUnits += 1;
      w.queuedGpuSeconds += perSample * (u.value.end - u.value.start);
      work.set(u.value.model, w);
    }
  }
  const now = Date.now();
  const workers: WorkerView[] = (await registry.list()).map((w) => ({ id: w.id, model: w.model, live: registry.isLive(w, now) }));
  const models: ModelWork[] = [...work].map(([model, w]) => ({ model, ...w }));
  return { work: models, workers };
}

/** Answers GetAssignment. */
export class AssignmentService {
  private cached: { at: number; snapshot: Promise<SchedulerSnapshot> } | undefined;

  constructor(
    private readonly ctx: CoordinatorContext,
    private readonly registry: WorkerRegistry,
  ) {}

  /**
   * Decides the worker's model and records it.
   * @throws CoordinatorError FAILED_PRECONDITION for an unregistered worker (it must Register again).
   */
  async getAssignment(req: AssignmentMessage): Promise<AssignmentReply> {
    const workerId = checkWorkerId(req.workerId);
    const rec = await this.registry.require(workerId);
    const snapshot = await this.snapshot();
    const loadedModel = (req.loadedModel ?? '').trim();
    const decision: AssignmentDecision = assign(
      { workerId, gpus: rec.gpus, loadedModel, freeSlots: req.freeSlots ?? 0 },
      snapshot,
      { pollAfterSeconds: this.ctx.config.pollAfterSeconds },
    );
    const model = decision.kind === 'serve' ? decision.model : '';
    await this.registry.update(rec, { model: model || loadedModel, state: model ? 'serving' : 'idle' });
    this.patchCache(workerId, model || loadedModel);
    if (model !== loadedModel) {
      this.ctx.logger.info({ workerId, loadedModel, model, reason: decision.reason }, 'assignment');
    }
    if (decision.kind === 'wait') return { model: '', hfId: '', tensorParallelSize: 0, maxModelLen: 0, pollAfterSeconds: decision.pollAfterSeconds };
    return { model: decision.model, hfId: decision.hfId, tensorParallelSize: decision.tensorParallelSize, maxModelLen: decision.maxModelLen, pollAfterSeconds: 0 };
  }

  /** Forgets the cached snapshot (after a submit or cancel). */
  invalidate(): void {
    this.cached = undefined;
  }

  private snapshot(): Promise<SchedulerSnapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > SNAPSHOT_TTL_MS) {
      const snapshot = readSnapshot(this.ctx, this.registry);
      snapshot.catch(() => {
        if (this.cached?.snapshot === snapshot) this.cached = undefined;
      });
      this.cached = { at: now, snapshot };
    }
    return this.cached.snapshot;
  }

  private patchCache(workerId: string, model: string): void {
    const c = this.cached;
    if (!c) return;
    c.snapshot = c.snapshot.then((s) => {
      const others = s.workers.filter((w) => w.id !== workerId);
      return { work: s.work, workers: [...others, { id: workerId, model, live: true }] };
    });
  }
}
