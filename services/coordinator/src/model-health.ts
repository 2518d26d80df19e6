/**
 * What failed engine loads say about a model, per worker (soft state, in memory: after a restart the
 * next failure is learned again). A worker reports a group in state `failed` with the engine's error
 * code; the placement policy then avoids repeating it:
 *
 * - MODEL_INVALID_OR_GATED, START_FAILED_CONFIG, INVALID_CONFIG: the repository (or the model's
 *   configuration) is wrong for every worker, so the model is excluded everywhere at once;
 * - MODEL_DOES_NOT_FIT, START_FAILED_OOM / _KV_CACHE / _NO_KV_MEMORY: the next larger tensor-parallel
 *   size on that worker (the group had no GPU to grow into);
 * - anything else (start timeout, crash while loading): excluded on that worker after
 *   `MAX_RETRYABLE_FAILURES` failures.
 *
 * `failure()` says when nothing is left: excluded everywhere, or every live worker that could hold the
 * model has been excluded — then its cells fail with that reason (capacity.ts), nothing waits forever.
 */
import { getEngineModel, type ModelSpec } from '@clue/tasks';
import { holdOptions, type ModelConstraint, type NodeView } from './placement.js';

/** Codes that fail the model on every worker. */
const PERMANENT = new Set(['MODEL_INVALID_OR_GATED', 'START_FAILED_CONFIG', 'INVALID_CONFIG']);
/** Codes that mean "more GPUs": the next TP size. */
const NEEDS_MORE_GPUS = new Set(['MODEL_DOES_NOT_FIT', 'START_FAILED_OOM', 'START_FAILED_KV_CACHE', 'START_FAILED_NO_KV_MEMORY']);
/** Retryable load failures of one model on one worker before it is not placed there again. */
export const MAX_RETRYABLE_FAILURES = 3;

interface WorkerFailures {
  minTp: number;
  retryable: number;
  lastCode: string;
  lastReason: string;
}

/** A reported load failure. */
export interface LoadFailure {
  readonly workerId: string;
  readonly model: string;
  readonly tensorParallelSize: number;
  readonly code: string;
  readonly reason: string;
}

/** Load failures by model and worker. */
export class ModelHealth {
  private readonly permanent = new Map<string, string>();
  private readonly byModel = new Map<string, Map<string, WorkerFailures>>();

  /** Records a failed load (the same failed group reported twice counts once: callers pass each group once). */
  record(f: LoadFailure): void {
    const reason = `${f.code}: ${f.reason}`.slice(0, 500);
    if (PERMANENT.has(f.code)) {
      if (!this.permanent.has(f.model)) this.permanent.set(f.model, `the model failed to load on worker ${f.workerId}: ${reason}`);
      return;
    }
    const perWorker = this.byModel.get(f.model) ?? new Map<string, WorkerFailures>();
    this.byModel.set(f.model, perWorker);
    const w = perWorker.get(f.workerId) ?? { minTp: 1, retryable: 0, lastCode: '', lastReason: '' };
    if (NEEDS_MORE_GPUS.has(f.code)) w.minTp = Math.max(w.minTp, f.tensorParallelSize + 1);
    else w.retryable++;
    w.lastCode = f.code;
    w.lastReason = reason;
    perWorker.set(f.workerId, w);
  }

  /** The placement constraint of `model` on `workerId`. */
  constraint(workerId: string, model: string): ModelConstraint | undefined {
    const perm = this.permanent.get(model);
    if (perm !== undefined) return { excluded: perm };
    const w = this.byModel.get(model)?.get(workerId);
    if (!w) return undefined;
    if (w.retryable >= MAX_RETRYABLE_FAILURES) return { excluded: `failed to load ${w.retryable} times on ${workerId} (last: ${w.lastReason})` };
    return w.minTp > 1 ? { minTp: w.minTp } : undefined;
  }

  /**
   * Why the model cannot run anywhere any more, or null while some live worker may still hold it.
   * Only failures count here: a model that simply fits no live worker is capacity.ts's business.
   */
  failure(model: string, nodes: readonly NodeView[]): string | null {
    const perm = this.permanent.get(model);
    if (perm !== undefined) return perm;
    const perWorker = this.byModel.get(model);
    if (!perWorker) return null;
    let spec: ModelSpec;
    try {
      spec = getEngineModel(model);
    } catch {
      return null;
    }
    const live = nodes.filter((n) => n.live);
    const couldHold = live.filter((n) => holdOptions(n, spec).length > 0);
    if (couldHold.length === 0) return null;
    if (couldHold.some((n) => holdOptions(n, spec, this.constraint(n.workerId, model)).length > 0)) return null;
    const last = couldHold.map((n) => perWorker.get(n.workerId)?.lastReason).find((r) => r !== undefined) ?? 'unknown';
    return `the model failed to load on every worker that could hold it (${couldHold.length}; last: ${last})`;
  }
}
