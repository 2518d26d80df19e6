/**
 * Which model runs on which GPUs of a worker: a pure function over a snapshot of the cluster, so the
 * policy is unit-tested without NATS and the capacity simulator (`clue plan`, the scheduling
 * benchmark) runs exactly this code. The unit of placement is an engine group: an aligned block of
 * `tp` GPUs of one class on one node, running one vLLM server for one model.
 *
 * For the asking worker, in order:
 * 0. Scorers (BERTScore's SciBERT engine, one GPU each) first: while units that need BERTScore are
 *    not final, the cluster keeps `snapshot.scorers` of them; a node keeps its scorer group, and the
 *    asking node starts one on a free GPU (of its smallest class, highest index, so aligned blocks
 *    for multi-GPU models stay whole where possible) when the live cluster has fewer. Every LLM unit
 *    of those tasks waits on a scorer at its end, so they go before any LLM group.
 * 1. Keep what must not move: a group with units running ('busy'), a group still loading a model that
 *    has queued work ('loading'), an idle serving group whose model has queued work (model affinity).
 *    Every other group is released (failed loads, models without queued work, models excluded here).
 * 2. Fill the free GPUs, one group at a time, with the best candidate that fits (memory: the catalog's
 *    tensor-parallel size on that GPU class, raised after an OOM there; an aligned free block):
 *    a. Largest first: a model nobody serves, the one whose queued work needs the most GPU time on
 *       this group (wall time × GPUs: big models, multi-GPU models and big backlogs start first).
 *    b. Otherwise spread the critical path: the model that would finish last with the servers it has,
 *       if it would finish after the cluster's horizon (the queued work spread over every live GPU),
 *       one more group (after its load) shortens its finish by more than `spreadFactor` loads, and it
 *       has a queued unit for the new group. Models that end before the horizon never spread: their
 *       replicas would cost loads without shortening the run. Work and load costs come from the same
 *       estimator, corrected by observed throughput per (model, GPU class), so they are in the same units.
 * 3. GPUs nothing fits stay free; the worker asks again when a group frees up.
 */
import {
  BERTSCORE_MAX_TOKENS,
  BERTSCORE_SCORER,
  GPU_CLASS_NAMES,
  TP_SIZES,
  defaultMaxModelLen,
  getGpuClass,
  getModel,
  tensorParallelSize,
  tpSplitsModel,
  type ModelSpec,
} from '@clue/tasks';
import type { Estimates } from './estimates.js';

/** A group's life on the worker. */
export type GroupState = 'loading' | 'serving' | 'failed' | 'releasing';

/** A running engine group, as its worker reports it. */
export interface GroupView {
  readonly id: string;
  readonly gpus: readonly number[];
  readonly model: string;
  readonly state: GroupState;
  readonly unitsRunning: number;
  readonly tensorParallelSize: number;
}

/** One GPU of a node. */
export interface NodeGpuView {
  readonly index: number;
  readonly gpuClass: string;
}

/** A worker (one node) as the policy sees it. */
export interface NodeView {
  readonly workerId: string;
  readonly gpus: readonly NodeGpuView[];
  readonly groups: readonly GroupView[];
  readonly live: boolean;
}

/** Queued work of one model over all active runs. */
export interface ModelDemand {
  readonly model: string;
  readonly queuedUnits: number;
  /** Estimated GPU-seconds of the queued units (reference class). */
  readonly queuedGpuSeconds: number;
}

/** What load failures on a worker say about a model there. */
export interface ModelConstraint {
  /** Set: never place the model on this worker (the reason). */
  readonly excluded?: string;
  /** Smallest tensor-parallel size to try (after an OOM at a smaller one). */
  readonly minTp?: number;
}

/** The state the decision is made on. */
export interface PlacementSnapshot {
  readonly demand: readonly ModelDemand[];
  readonly nodes: readonly NodeView[];
  readonly estimates: Estimates;
  readonly constraint?: (workerId: string, model: string) => ModelConstraint | undefined;
  /** Scorer engine groups the cluster should run now (0 or absent: none; see {@link scorersWanted}). */
  readonly scorers?: number;
}

/** Why a group is in the layout. */
export type PlacementReason = 'busy' | 'loading' | 'affinity' | 'largest-unserved' | 'spread' | 'scorer';

/** A group of the worker's layout. */
export interface GroupPlan {
  readonly id: string;
  readonly gpus: readonly number[];
  readonly gpuClass: string;
  readonly model: string;
  readonly hfId: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  readonly reason: PlacementReason;
}

/** The worker's layout: the groups it keeps or starts; any other group of it is released. */
export interface NodePlan {
  readonly groups: readonly GroupPlan[];
  /** Ids of its groups that are not in `groups` (to release). */
  readonly released: readonly string[];
}

/** Policy knobs. */
export interface PlacementOptions {
  /** A new replica must shorten its model's remaining time by more than this many load times. @default 0 */
  readonly spreadFactor?: number;
}

/** Default of {@link PlacementOptions.spreadFactor}. */
export const DEFAULT_SPREAD_FACTOR = 0;

/** The id of a group: its GPUs and its model (a different model or GPU set is a different group). */
export function groupId(gpus: readonly number[], model: string): string {
  return `g${gpus.join('-')}.${model}`;
}

function lookup(key: string): ModelSpec | null {
  try {
    return getModel(key);
  } catch {
    return null;
  }
}

function knownClass(name: string): string | null {
  try {
    return getGpuClass(name).name;
  } catch {
    return null;
  }
}

/** The node's GPU indices per known GPU class, in index order. */
function gpusByClass(node: NodeView): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const g of [...node.gpus].sort((a, b) => a.index - b.index)) {
    const cls = knownClass(g.gpuClass);
    if (cls !== null) out.set(cls, [...(out.get(cls) ?? []), g.index]);
  }
  return out;
}

/**
 * The tensor-parallel size of `model` on `count` GPUs of `gpuClass`: the catalog's (smallest that fits
 * memory), at least `minTp`, one that splits the model; null when none fits on so many GPUs.
 */
export function tpFor(model: ModelSpec, gpuClass: string, count: number, minTp = 1): number | null {
  let need: number | null;
  try {
    need = tensorParallelSize(model, gpuClass);
  } catch {
    return null;
  }
  if (need === null) return null;
  const floor = Math.max(need, minTp);
  return TP_SIZES.find((t) => t >= floor && t <= count && tpSplitsModel(model, t)) ?? null;
}

/** The first aligned block of `size` free GPUs among `indices` (positions 0..size-1, size..2size-1, …). */
export function freeBlock(indices: readonly number[], used: ReadonlySet<number>, size: number): number[] | null {
  for (let start = 0; start + size <= indices.length; start += size) {
    const block = indices.slice(start, start + size);
    if (block.every((i) => !used.has(i))) return block;
  }
  return null;
}

/** The ways a node can hold a model: per GPU class on it, the TP size (empty: it cannot). */
export function holdOptions(node: NodeView, model: ModelSpec, constraint?: ModelConstraint): { gpuClass: string; tp: number; gpus: number[] }[] {
  if (constraint?.excluded) return [];
  const out: { gpuClass: string; tp: number; gpus: number[] }[] = [];
  for (const [cls, indices] of gpusByClass(node)) {
    const tp = tpFor(model, cls, indices.length, constraint?.minTp ?? 1);
    if (tp !== null) out.push({ gpuClass: cls, tp, gpus: indices });
  }
  return out;
}

interface Servers {
  count: number;
  rate: number;
}

function plan(spec: ModelSpec, gpus: readonly number[], gpuClass: string, tp: number, reason: PlacementReason, id?: string): GroupPlan {
  return { id: id ?? groupId(gpus, spec.key), gpus: [...gpus], gpuClass, model: spec.key, hfId: spec.hfId, tensorParallelSize: tp, maxModelLen: defaultMaxModelLen(spec), reason };
}

function scorerPlan(gpus: readonly number[], gpuClass: string, id?: string): GroupPlan {
  const s = BERTSCORE_SCORER;
  return { id: id ?? groupId(gpus, s.key), gpus: [...gpus], gpuClass, model: s.key, hfId: s.hfId, tensorParallelSize: 1, maxModelLen: BERTSCORE_MAX_TOKENS, reason: 'scorer' };
}

/** Scorer groups (loading or serving) on live workers other than `workerId`. */
export function liveScorers(snapshot: PlacementSnapshot, workerId: string): number {
  let n = 0;
  for (const node of snapshot.nodes) {
    if (node.workerId === workerId || !node.live) continue;
    for (const g of node.groups) if (g.model === BERTSCORE_SCORER.key && (g.state === 'loading' || g.state === 'serving')) n++;
  }
  return n;
}

/** The free GPU a scorer takes: of the node's smallest known class, the highest free index. */
function scorerGpu(node: NodeView, used: ReadonlySet<number>): { index: number; gpuClass: string } | null {
  const classes = [...gpusByClass(node)].sort(([a], [b]) => getGpuClass(a).memoryGiB - getGpuClass(b).memoryGiB);
  for (const [cls, indices] of classes) {
    const free = indices.filter((i) => !used.has(i));
    if (free.length > 0) return { index: free[free.length - 1]!, gpuClass: cls };
  }
  return null;
}

/**
 * How many scorer groups the cluster should run: none without BERTScore work (units not yet final)
 * or with fewer than two live GPUs (a scorer on the only GPU would leave none for the LLMs whose
 * outputs it scores: capacity.ts fails such units with the reason instead), else one per
 * `gpusPerScorer` live GPUs (at least one, at most one per such unit).
 */
export function scorersWanted(bertscoreUnits: number, liveGpus: number, gpusPerScorer: number): number {
  if (bertscoreUnits <= 0 || liveGpus < 2) return 0;
  return Math.max(1, Math.min(bertscoreUnits, Math.ceil(liveGpus / Math.max(1, gpusPerScorer))));
}

/** The GPU class of a group (its first GPU's), or null. */
function classOfGroup(node: NodeView, g: GroupView): string | null {
  const first = node.gpus.find((x) => x.index === g.gpus[0]);
  return first ? knownClass(first.gpuClass) : null;
}

/**
 * The layout of one worker. `snapshot.nodes` must contain it (with the groups it just reported); other
 * nodes count only while live. Pure: same inputs, same answer.
 */
export function placeNode(workerId: string, snapshot: PlacementSnapshot, options: PlacementOptions = {}): NodePlan {
  const node = snapshot.nodes.find((n) => n.workerId === workerId);
  if (!node) return { groups: [], released: [] };
  const spreadFactor = options.spreadFactor ?? DEFAULT_SPREAD_FACTOR;
  const est = snapshot.estimates;
  const constraint = (model: string): ModelConstraint | undefined => snapshot.constraint?.(workerId, model);
  const demand = new Map(snapshot.demand.filter((d) => d.queuedUnits > 0).map((d) => [d.model, d]));

  // Servers of each model elsewhere (live workers' groups that are loading or serving).
  const servers = new Map<string, Servers>();
  const addServer = (model: string, rate: number): void => {
    const s = servers.get(model) ?? { count: 0, rate: 0 };
    servers.set(model, { count: s.count + 1, rate: s.rate + rate });
  };
  for (const n of snapshot.nodes) {
    if (n.workerId === workerId || !n.live) continue;
    for (const g of n.groups) {
      if (g.state !== 'loading' && g.state !== 'serving') continue;
      const cls = classOfGroup(n, g);
      if (cls !== null) addServer(g.model, est.groupRate(g.model, cls, g.tensorParallelSize));
    }
  }

  // 1. What stays.
  const kept: GroupPlan[] = [];
  const released: string[] = [];
  const used = new Set<number>();
  const scorersWanted = snapshot.scorers ?? 0;
  let scorersHere = 0;
  for (const g of node.groups) {
    const spec = lookup(g.model);
    const cls = classOfGroup(node, g);
    if (g.state === 'releasing') {
      for (const i of g.gpus) used.add(i);
      continue;
    }
    if (g.model === BERTSCORE_SCORER.key) {
      for (const i of g.gpus) used.add(i);
      if (cls !== null && g.state !== 'failed' && (scorersWanted > 0 || g.unitsRunning > 0) && scorersHere === 0) {
        kept.push(scorerPlan(g.gpus, cls, g.id));
        scorersHere++;
      } else released.push(g.id);
      continue;
    }
    let reason: PlacementReason | null = null;
    const queued = demand.has(g.model);
    const excluded = constraint(g.model)?.excluded !== undefined;
    if (spec && cls !== null && g.state !== 'failed') {
      if (g.unitsRunning > 0) reason = 'busy';
      else if (!excluded && queued) reason = g.state === 'loading' ? 'loading' : 'affinity';
    }
    if (reason === null || !spec || cls === null) {
      released.push(g.id);
      // Its GPUs free up only once the worker has released it; it asks again then.
      for (const i of g.gpus) used.add(i);
      continue;
    }
    kept.push(plan(spec, g.gpus, cls, g.tensorParallelSize, reason, g.id));
    for (const i of g.gpus) used.add(i);
    addServer(spec.key, est.groupRate(spec.key, cls, g.tensorParallelSize));
  }

  // 0. A scorer, when the live cluster runs fewer than wanted.
  if (scorersHere === 0 && scorersWanted > liveScorers(snapshot, workerId) && constraint(BERTSCORE_SCORER.key)?.excluded === undefined) {
    const free = scorerGpu(node, used);
    if (free !== null) {
      kept.push(scorerPlan([free.index], free.gpuClass));
      used.add(free.index);
    }
  }

  // 2. Fill the free GPUs.
  const horizon = clusterHorizon(snapshot, demand, workerId);
  const byClass = gpusByClass(node);
  const placed: GroupPlan[] = [];
  const queuedLeft = new Map([...demand].map(([m, d]) => [m, d.queuedUnits]));
  for (;;) {
    type Option = { spec: ModelSpec; gpuClass: string; tp: number; gpus: number[]; rate: number; work: number };
    const options: Option[] = [];
    for (const d of demand.values()) {
      if ((queuedLeft.get(d.model) ?? 0) <= 0) continue;
      const spec = lookup(d.model);
      if (!spec) continue;
      let best: Option | null = null;
      for (const h of holdOptions(node, spec, constraint(spec.key))) {
        const block = freeBlock(byClass.get(h.gpuClass) ?? [], used, h.tp);
        if (block === null) continue;
        const rate = est.groupRate(spec.key, h.gpuClass, h.tp);
        if (!(rate > 0)) continue;
        if (!best || rate / h.tp > best.rate / best.tp) best = { spec, gpuClass: h.gpuClass, tp: h.tp, gpus: block, rate, work: d.queuedGpuSeconds };
      }
      if (best) options.push(best);
    }
    if (options.length === 0) break;

    let choice: { o: Option; reason: PlacementReason } | null = null;
    const unserved = options.filter((o) => (servers.get(o.spec.key)?.count ?? 0) === 0);
    if (unserved.length > 0) {
      // Largest GPU time first (wall time × GPUs): the work that is hardest to fit in late, multi-GPU models included.
      unserved.sort((a, b) => (b.work * b.tp) / b.rate - (a.work * a.tp) / a.rate || b.spec.paramsB - a.spec.paramsB || a.spec.key.localeCompare(b.spec.key));
      choice = { o: unserved[0]!, reason: 'largest-unserved' };
    } else {
      let bestFinish = -Infinity;
      for (const o of options) {
        const s = servers.get(o.spec.key)!;
        if ((queuedLeft.get(o.spec.key) ?? 0) <= s.count) continue;
        const load = est.loadSeconds(o.spec.key, o.gpuClass, o.tp);
        const finish = o.work / s.rate;
        if (!(finish > load)) continue;
        // Only a model that would finish after the cluster's horizon can shorten the run.
        if (!(finish > horizon)) continue;
        const withOneMore = (o.work + o.rate * load) / (s.rate + o.rate);
        if (finish - withOneMore <= spreadFactor * load) continue;
        if (finish > bestFinish) {
          bestFinish = finish;
          choice = { o, reason: 'spread' };
        }
      }
    }
    if (choice === null) break;
    const { o, reason } = choice;
    placed.push(plan(o.spec, o.gpus, o.gpuClass, o.tp, reason));
    for (const i of o.gpus) used.add(i);
    addServer(o.spec.key, o.rate);
    queuedLeft.set(o.spec.key, (queuedLeft.get(o.spec.key) ?? 0) - 1);
  }
  return { groups: [...kept, ...placed], released };
}

/**
 * Reference GPU-seconds the live GPUs do per second on `models`' work: each GPU at the mean rate of
 * those models on its class (the asking worker counts as live).
 */
export function clusterRate(nodes: readonly NodeView[], models: readonly string[], estimates: Estimates, workerId?: string): number {
  if (models.length === 0) return 0;
  const perClass = new Map<string, number>();
  let rate = 0;
  for (const n of nodes) {
    if (!n.live && n.workerId !== workerId) continue;
    for (const g of n.gpus) {
      let r = perClass.get(g.gpuClass);
      if (r === undefined) {
        const rates = models.map((m) => estimates.groupRate(m, g.gpuClass, 1)).filter((x) => x > 0);
        r = rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : 0;
        perClass.set(g.gpuClass, r);
      }
      rate += r;
    }
  }
  return rate;
}

/**
 * When the queued work would be done if it were spread evenly over every live GPU (seconds from now).
 * A model that would finish before this with the servers it has cannot shorten the run by getting
 * another one.
 */
export function clusterHorizon(snapshot: PlacementSnapshot, demand: ReadonlyMap<string, ModelDemand>, workerId: string): number {
  if (demand.size === 0) return 0;
  const rate = clusterRate(snapshot.nodes, [...demand.keys()], snapshot.estimates, workerId);
  let work = 0;
  for (const d of demand.values()) work += d.queuedGpuSeconds;
  return rate > 0 ? work / rate : Infinity;
}

/** How a model could be held in the cluster, for messages: e.g. "2× H100-80GB or 4× L40S-48GB on one worker". */
export function describeNeed(model: ModelSpec): string {
  const parts: string[] = [];
  for (const cls of GPU_CLASS_NAMES) {
    const tp = tpFor(model, cls, 8);
    if (tp !== null) parts.push(`${tp}× ${cls}`);
  }
  return parts.length > 0 ? `${parts.join(', ')} on one worker` : 'more than 8 GPUs of any known class';
}

/** A one-line summary of the live workers' GPUs, e.g. "1 with 1× L40S-48GB, 2 with 8× H100-80GB". */
export function describeWorkers(nodes: readonly NodeView[]): string {
  const live = nodes.filter((n) => n.live);
  if (live.length === 0) return 'no live workers';
  const kinds = new Map<string, number>();
  for (const n of live) {
    const key = [...gpusByClass(n)].map(([c, i]) => `${i.length}× ${c}`).join(' + ') || 'no known GPUs';
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  return [...kinds].map(([k, n]) => `${n} with ${k}`).join(', ');
}

/** Why a model with queued work has no server: no live worker at all, none that can hold it, or no free GPUs now. */
export interface WaitReason {
  readonly kind: 'no-workers' | 'no-holder' | 'no-free-gpus';
  readonly reason: string;
  /** What it needs (and, for `no-holder`, what the live workers have), for composing other messages. */
  readonly need: string;
}

/** Why a model with queued work has no server yet, or null when it has one. */
export function waitReason(model: string, snapshot: PlacementSnapshot): WaitReason | null {
  const spec = lookup(model);
  if (!spec) return { kind: 'no-holder', reason: `unknown model '${model}'`, need: 'a catalog model' };
  const live = snapshot.nodes.filter((n) => n.live);
  if (live.some((n) => n.groups.some((g) => g.model === spec.key && (g.state === 'loading' || g.state === 'serving')))) return null;
  const need = `it needs ${describeNeed(spec)}`;
  if (live.length === 0) return { kind: 'no-workers', reason: 'no live workers', need };
  const holders = live.filter((n) => holdOptions(n, spec, snapshot.constraint?.(n.workerId, spec.key)).length > 0);
  if (holders.length === 0) {
    const detail = `${need} (live workers: ${describeWorkers(snapshot.nodes)})`;
    return { kind: 'no-holder', reason: `no live worker can hold it: ${detail}`, need: detail };
  }
  return { kind: 'no-free-gpus', reason: `waiting for free GPUs: ${need}`, need };
}
