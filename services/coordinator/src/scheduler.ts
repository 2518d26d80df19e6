/**
 * Which model should a worker serve now? A pure function over a snapshot of the matrix, so the policy
 * is unit-tested without NATS. The policy, in order:
 *
 * 1. Only models with queued units that fit the worker's GPUs (catalog tensor-parallel size on its
 *    GPU class, at most its GPU count) are candidates.
 * 2. Busy: a worker with no free slot keeps its loaded model (switching would kill running units).
 * 3. Model affinity: the loaded model is kept while it has queued units.
 * 4. Longest processing time first: among models nobody serves, the one with the most remaining
 *    GPU-seconds (big models and big backlogs start first).
 * 5. Spreading: when every candidate is served, a model is loaded on one more worker only when its
 *    remaining work per server (counting this one) exceeds `spreadFactor` x the cost of a load; the
 *    model with the largest such share wins.
 * 6. Otherwise: nothing to do, ask again after `pollAfterSeconds`.
 */
import { defaultMaxModelLen, getGpuClass, getModel, tensorParallelSize, type ModelSpec } from '@clue/tasks';
import { loadSeconds } from './cost.js';

/** Queued work of one model (all active runs). */
export interface ModelWork {
  readonly model: string;
  readonly queuedUnits: number;
  /** Estimated GPU-seconds of the queued units (reference GPU class). */
  readonly queuedGpuSeconds: number;
}

/** Another worker as the scheduler sees it. */
export interface WorkerView {
  readonly id: string;
  /** Model it serves or was assigned ('' = none). */
  readonly model: string;
  readonly live: boolean;
}

/** The state of the matrix the decision is made on. */
export interface SchedulerSnapshot {
  readonly work: readonly ModelWork[];
  readonly workers: readonly WorkerView[];
}

/** The asking worker. */
export interface AssignRequest {
  readonly workerId: string;
  readonly gpus: readonly { readonly gpuClass: string }[];
  /** '' = nothing loaded. */
  readonly loadedModel: string;
  readonly freeSlots: number;
}

/** Policy knobs. */
export interface SchedulerOptions {
  /** Remaining work per server must exceed this many load costs to spread a model. @default 2 */
  readonly spreadFactor?: number;
  readonly pollAfterSeconds: number;
}

/** Why a decision was made (for logs and tests). */
export type AssignReason = 'busy' | 'affinity' | 'largest-unserved' | 'spread' | 'idle' | 'no-fit';

/** A model to serve, or nothing. */
export type AssignmentDecision =
  | { readonly kind: 'serve'; readonly model: string; readonly hfId: string; readonly tensorParallelSize: number; readonly maxModelLen: number; readonly reason: AssignReason }
  | { readonly kind: 'wait'; readonly pollAfterSeconds: number; readonly reason: AssignReason };

/** Default of {@link SchedulerOptions.spreadFactor}. */
export const DEFAULT_SPREAD_FACTOR = 2;

/**
 * The tensor-parallel size the model needs on these GPUs, or null when it does not fit: every GPU is
 * assumed as small as the smallest one; unknown GPU classes fit nothing.
 */
export function tpOnWorker(model: ModelSpec, gpus: readonly { readonly gpuClass: string }[]): number | null {
  if (gpus.length === 0) return null;
  let smallest: string | undefined;
  let smallestMem = Infinity;
  for (const g of gpus) {
    let mem: number;
    try {
      mem = getGpuClass(g.gpuClass).memoryGiB;
    } catch {
      return null;
    }
    if (mem < smallestMem) {
      smallestMem = mem;
      smallest = g.gpuClass;
    }
  }
  const tp = tensorParallelSize(model, smallest!);
  return tp !== null && tp <= gpus.length ? tp : null;
}

function serve(spec: ModelSpec, tp: number, reason: AssignReason): AssignmentDecision {
  return { kind: 'serve', model: spec.key, hfId: spec.hfId, tensorParallelSize: tp, maxModelLen: defaultMaxModelLen(spec), reason };
}

function lookup(key: string): ModelSpec | null {
  try {
    return getModel(key);
  } catch {
    return null;
  }
}

/** Decides what the worker serves. Pure: same inputs, same answer. */
export function assign(req: AssignRequest, snapshot: SchedulerSnapshot, options: SchedulerOptions): AssignmentDecision {
  const spreadFactor = options.spreadFactor ?? DEFAULT_SPREAD_FACTOR;
  const wait = (reason: AssignReason): AssignmentDecision => ({ kind: 'wait', pollAfterSeconds: options.pollAfterSeconds, reason });

  const loaded = req.loadedModel !== '' ? lookup(req.loadedModel) : null;
  const loadedTp = loaded ? tpOnWorker(loaded, req.gpus) : null;
  if (loaded && loadedTp !== null && req.freeSlots <= 0) return serve(loaded, loadedTp, 'busy');

  const candidates: { spec: ModelSpec; tp: number; work: ModelWork }[] = [];
  let anyWork = false;
  for (const w of snapshot.work) {
    if (w.queuedUnits <= 0) continue;
    anyWork = true;
    const spec = lookup(w.model);
    const tp = spec ? tpOnWorker(spec, req.gpus) : null;
    if (spec && tp !== null) candidates.push({ spec, tp, work: w });
  }
  if (candidates.length === 0) return wait(anyWork ? 'no-fit' : 'idle');

  const mine = loaded ? candidates.find((c) => c.spec.key === loaded.key) : undefined;
  if (mine) return serve(mine.spec, mine.tp, 'affinity');

  const servers = new Map<string, number>();
  for (const w of snapshot.workers) {
    if (w.id !== req.workerId && w.live && w.model !== '') servers.set(w.model, (servers.get(w.model) ?? 0) + 1);
  }
  const byWork = (a: (typeof candidates)[number], b: (typeof candidates)[number]): number =>
    b.work.queuedGpuSeconds - a.work.queuedGpuSeconds || b.spec.paramsB - a.spec.paramsB || a.spec.key.localeCompare(b.spec.key);

  const unserved = candidates.filter((c) => (servers.get(c.spec.key) ?? 0) === 0).sort(byWork);
  if (unserved.length > 0) return serve(unserved[0]!.spec, unserved[0]!.tp, 'largest-unserved');

  let best: { c: (typeof candidates)[number]; share: number } | undefined;
  for (const c of candidates) {
    const share = c.work.queuedGpuSeconds / ((servers.get(c.spec.key) ?? 0) + 1);
    if (share <= spreadFactor * loadSeconds(c.spec)) continue;
    if (!best || share > best.share || (share === best.share && byWork(c, best.c) < 0)) best = { c, share };
  }
  return best ? serve(best.c.spec, best.c.tp, 'spread') : wait('idle');
}
