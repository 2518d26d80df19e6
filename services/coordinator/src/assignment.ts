/**
 * GetAssignment: the thin adapter between KV and the pure placement policy (placement.ts). It reads a
 * {@link ClusterSnapshot} (queued work per model over all active runs, every worker's GPUs and engine
 * groups), cached for a second because every worker asks whenever one of its groups frees up, puts
 * the asking worker's fresh report into it, runs {@link placeNode}, records the answer in the
 * worker's record (so the next worker's decision sees it at once), and answers the node's layout.
 * The report also teaches the estimator (load times) and the model health (failed loads).
 */
import type { CoordinatorContext } from './context.js';
import { invalidArgument } from './errors.js';
import type { Estimator } from './estimates.js';
import type { ModelHealth } from './model-health.js';
import { placeNode, scorersWanted, type GroupState, type ModelDemand, type NodeView, type PlacementSnapshot } from './placement.js';
import { cellKey, isUnitFinal, type GroupRecord, type WorkerRecord } from './records.js';
import { checkWorkerId, type WorkerRegistry } from './workers.js';
import { Mutex } from './concurrency.js';
import { ENGINE_GROUP_BOUNDS, MAX_GROUPS } from './grpc/limits.js';
import { BERTSCORE_TASKS } from '@clue/tasks';

/** GPUs of the live workers (a worker counted once, its fresh report winning). */
export function liveGpus(nodes: readonly NodeView[]): number {
  const byId = new Map<string, NodeView>();
  for (const n of nodes) if (n.live) byId.set(n.workerId, n);
  let gpus = 0;
  for (const n of byId.values()) gpus += n.gpus.length;
  return gpus;
}

/** An engine group as the worker reports it (proto EngineGroupStatus, camelCase). */
export interface EngineGroupMessage {
  readonly id?: string;
  readonly gpuIndices?: readonly number[];
  readonly model?: string;
  readonly state?: string;
  readonly unitsRunning?: number;
  readonly freeSlots?: number;
  readonly tensorParallelSize?: number;
  readonly loadSeconds?: number;
  readonly failureCode?: string;
  readonly failureReason?: string;
}

/** The GetAssignment request (camelCase). */
export interface AssignmentMessage {
  readonly workerId?: string;
  readonly groups?: readonly EngineGroupMessage[];
}

/** One group of the answer (proto GroupAssignment). */
export interface GroupAssignmentReply {
  readonly id: string;
  readonly gpuIndices: number[];
  readonly model: string;
  readonly hfId: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  readonly reason: string;
}

/** The Assignment response (camelCase). */
export interface AssignmentReply {
  readonly pollAfterSeconds: number;
  readonly groups: GroupAssignmentReply[];
}

/** The cluster as the scheduler and the capacity tracker see it. */
export interface ClusterSnapshot {
  readonly demand: readonly ModelDemand[];
  readonly nodes: readonly NodeView[];
  /** Models with units not yet final, and the active runs they belong to. */
  readonly activeModels: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per active run and model: estimated GPU-seconds (reference class) of the units not yet final. */
  readonly remaining: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Units not yet final whose outputs are scored with BERTScore (they need a scorer group). */
  readonly bertscoreUnits: number;
}

/** How long a snapshot is reused. */
const SNAPSHOT_TTL_MS = 1000;
const GROUP_STATES: readonly GroupState[] = ['loading', 'serving', 'failed', 'releasing'];
/** Reports already learned from (load times, failures), by worker|group|value; bounded. */
const MAX_SEEN = 10_000;

/** The node view of a worker record. */
export function nodeView(w: WorkerRecord, live: boolean): NodeView {
  return { workerId: w.id, gpus: w.gpus.map((g) => ({ index: g.index, gpuClass: g.gpuClass })), groups: w.groups ?? [], live };
}

/** Reads the snapshot from KV. */
export async function readSnapshot(ctx: CoordinatorContext, registry: WorkerRegistry): Promise<ClusterSnapshot> {
  const runs = (await ctx.runs.list()).map((r) => r.value).filter((r) => r.state === 'pending' || r.state === 'running');
  const demand = new Map<string, { queuedUnits: number; queuedGpuSeconds: number }>();
  const activeModels = new Map<string, Set<string>>();
  const remaining = new Map<string, Map<string, number>>();
  let bertscoreUnits = 0;
  for (const run of runs) {
    const scored = run.spec.disableBertscore !== true;
    const perModel = new Map<string, number>();
    remaining.set(run.id, perModel);
    for (const u of await ctx.units.list(run.id)) {
      const unit = u.value;
      if (isUnitFinal(unit.state)) continue;
      const cell = run.cells[cellKey(unit.model, unit.task)];
      const gpuSeconds = cell && cell.samples > 0 ? (cell.gpuSeconds / cell.samples) * (unit.end - unit.start) : 0;
      perModel.set(unit.model, (perModel.get(unit.model) ?? 0) + gpuSeconds);
      activeModels.set(unit.model, (activeModels.get(unit.model) ?? new Set()).add(run.id));
      if (scored && BERTSCORE_TASKS.has(unit.task)) bertscoreUnits++;
      if (unit.state !== 'queued') continue;
      const d = demand.get(unit.model) ?? { queuedUnits: 0, queuedGpuSeconds: 0 };
      d.queuedUnits += 1;
      d.queuedGpuSeconds += gpuSeconds;
      demand.set(unit.model, d);
    }
  }
  const now = Date.now();
  const nodes = (await registry.list()).map((w) => nodeView(w, registry.isLive(w, now)));
  return { demand: [...demand].map(([model, d]) => ({ model, ...d })), nodes, activeModels, remaining, bertscoreUnits };
}

/** Validates the reported groups against the worker's GPUs. @throws CoordinatorError INVALID_ARGUMENT naming the field. */
export function parseGroups(rec: WorkerRecord, groups: readonly EngineGroupMessage[]): (GroupRecord & { loadSeconds: number; failureCode: string; failureReason: string })[] {
  if (groups.length > MAX_GROUPS) throw invalidArgument('groups', `at most ${MAX_GROUPS} groups, got ${groups.length}`);
  const known = new Set(rec.gpus.map((g) => g.index));
  const taken = new Set<number>();
  return groups.map((g, i) => {
    const id = (g.id ?? '').trim();
    const maxId = ENGINE_GROUP_BOUNDS.id.maxChars;
    if (id === '' || id.length > maxId) throw invalidArgument(`groups[${i}].id`, `must be the id of a group the coordinator assigned (1-${maxId} characters)`);
    const gpus = [...(g.gpuIndices ?? [])];
    if (gpus.length === 0) throw invalidArgument(`groups[${i}].gpu_indices`, 'a group holds at least one GPU');
    for (const x of gpus) {
      if (!known.has(x)) throw invalidArgument(`groups[${i}].gpu_indices`, `GPU ${x} is not one of the worker's registered GPUs (${[...known].join(', ')})`);
      if (taken.has(x)) throw invalidArgument(`groups[${i}].gpu_indices`, `GPU ${x} is in two groups`);
      taken.add(x);
    }
    const state = (g.state ?? '') as GroupState;
    if (!GROUP_STATES.includes(state)) throw invalidArgument(`groups[${i}].state`, `must be one of ${GROUP_STATES.join(', ')}, got '${g.state ?? ''}'`);
    const model = (g.model ?? '').trim();
    if (model === '' || model.length > ENGINE_GROUP_BOUNDS.model.maxChars) throw invalidArgument(`groups[${i}].model`, 'must be a catalog key');
    const count = (v: number | undefined, name: string, max: number): number => {
      const n = v ?? 0;
      if (!Number.isInteger(n) || n < 0 || n > max) throw invalidArgument(`groups[${i}].${name}`, `must be a whole number from 0 to ${max}, got ${n}`);
      return n;
    };
    const loadSeconds = g.loadSeconds ?? 0;
    if (!Number.isFinite(loadSeconds) || loadSeconds < 0) throw invalidArgument(`groups[${i}].load_seconds`, `must be a number >= 0, got ${loadSeconds}`);
    return {
      id,
      gpus,
      model,
      state,
      unitsRunning: count(g.unitsRunning, 'units_running', ENGINE_GROUP_BOUNDS.units_running.max),
      tensorParallelSize: count(g.tensorParallelSize, 'tensor_parallel_size', ENGINE_GROUP_BOUNDS.tensor_parallel_size.max) || gpus.length,
      loadSeconds,
      failureCode: (g.failureCode ?? '').slice(0, ENGINE_GROUP_BOUNDS.failure_code.maxChars),
      failureReason: (g.failureReason ?? '').slice(0, ENGINE_GROUP_BOUNDS.failure_reason.maxChars),
    };
  });
}

/** Answers GetAssignment. */
export class AssignmentService {
  private cached: { at: number; snapshot: Promise<ClusterSnapshot> } | undefined;
  private readonly seen = new Set<string>();
  /**
   * Every worker's view as of its last GetAssignment here (its report plus the groups placed for it),
   * laid over the KV snapshot: decisions are made one at a time, each seeing all earlier ones.
   */
  private readonly latest = new Map<string, { view: NodeView; at: number }>();
  private readonly decide = new Mutex();

  constructor(
    private readonly ctx: CoordinatorContext,
    private readonly registry: WorkerRegistry,
    private readonly estimator: Estimator,
    private readonly health: ModelHealth,
  ) {}

  /**
   * Decides the worker's layout and records it.
   * @throws CoordinatorError FAILED_PRECONDITION for an unregistered worker (it must Register again),
   *   INVALID_ARGUMENT for a malformed group report.
   */
  async getAssignment(req: AssignmentMessage): Promise<AssignmentReply> {
    const workerId = checkWorkerId(req.workerId);
    const rec = await this.registry.require(workerId);
    const reported = parseGroups(rec, req.groups ?? []);
    this.learn(rec, reported);
    const snapshot = await this.snapshot();
    return this.decide.run(() => this.place(rec, reported, snapshot));
  }

  private async place(rec: WorkerRecord, reported: ReturnType<typeof parseGroups>, snapshot: ClusterSnapshot): Promise<AssignmentReply> {
    const workerId = rec.id;
    const me: NodeView = { ...nodeView(rec, true), groups: reported };
    const view: PlacementSnapshot = {
      demand: snapshot.demand,
      nodes: [...this.overlay(snapshot.nodes).filter((n) => n.workerId !== workerId), me],
      estimates: this.estimator,
      constraint: (w, m) => this.health.constraint(w, m),
      scorers: scorersWanted(snapshot.bertscoreUnits, liveGpus([...snapshot.nodes, me]), this.ctx.config.gpusPerScorer),
    };
    const plan = placeNode(workerId, view, { spreadFactor: this.ctx.config.spreadFactor });
    const released = new Set(plan.released);
    const byId = new Map(reported.map((g) => [g.id, g]));
    const groups: GroupRecord[] = [
      ...reported.map((g): GroupRecord => ({ id: g.id, gpus: g.gpus, model: g.model, state: released.has(g.id) ? 'releasing' : g.state, unitsRunning: g.unitsRunning, tensorParallelSize: g.tensorParallelSize })),
      ...plan.groups
        .filter((p) => !byId.has(p.id))
        .map((p): GroupRecord => ({ id: p.id, gpus: p.gpus, model: p.model, state: 'loading', unitsRunning: 0, tensorParallelSize: p.tensorParallelSize })),
    ];
    const unitsRunning = reported.reduce((s, g) => s + g.unitsRunning, 0);
    // The record is written when the groups change, else at most every half heartbeat (liveness):
    // workers ask after every unit and every empty pull.
    const stale = Date.now() - Date.parse(rec.lastSeen) >= (this.ctx.config.heartbeatSeconds * 1000) / 2;
    if (stale || JSON.stringify(groups) !== JSON.stringify(rec.groups ?? []) || unitsRunning !== rec.unitsRunning) {
      await this.registry.update(rec, { groups, unitsRunning });
    }
    this.latest.set(workerId, { view: { ...me, groups }, at: Date.now() });
    for (const p of plan.groups) {
      if (!byId.has(p.id)) this.ctx.logger.info({ workerId, group: p.id, model: p.model, gpus: p.gpus, tp: p.tensorParallelSize, reason: p.reason }, 'group placed');
    }
    for (const id of plan.released) this.ctx.logger.info({ workerId, group: id, model: byId.get(id)?.model }, 'group released');
    return {
      pollAfterSeconds: this.ctx.config.pollAfterSeconds,
      groups: plan.groups.map((p) => ({ id: p.id, gpuIndices: [...p.gpus], model: p.model, hfId: p.hfId, tensorParallelSize: p.tensorParallelSize, maxModelLen: p.maxModelLen, reason: p.reason })),
    };
  }

  /** The cluster snapshot (at most a second old). */
  snapshot(): Promise<ClusterSnapshot> {
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

  /** The snapshot with this process's latest decisions laid over (what the next decision would see). */
  async view(): Promise<ClusterSnapshot> {
    const snap = await this.snapshot();
    return { ...snap, nodes: this.overlay(snap.nodes) };
  }

  /** Forgets the cached snapshot (after a submit or cancel). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** Load times and failed loads of the report, each learned once. */
  private learn(rec: WorkerRecord, groups: ReturnType<typeof parseGroups>): void {
    for (const g of groups) {
      const gpuClass = rec.gpus.find((x) => x.index === g.gpus[0])?.gpuClass ?? '';
      if (g.state === 'serving' && g.loadSeconds > 0 && this.once(`${rec.id}|${g.id}|load|${g.loadSeconds}`)) {
        this.estimator.observeLoad(g.model, gpuClass, g.loadSeconds, g.tensorParallelSize);
      }
      if (g.state === 'failed' && this.once(`${rec.id}|${g.id}|failed`)) {
        this.health.record({ workerId: rec.id, model: g.model, tensorParallelSize: g.tensorParallelSize, code: g.failureCode || 'START_FAILED', reason: g.failureReason || 'no reason given' });
        this.ctx.metrics.modelLoadFailures.inc({ model: g.model, code: g.failureCode || 'START_FAILED' });
        this.ctx.logger.warn({ workerId: rec.id, group: g.id, model: g.model, code: g.failureCode }, 'model load failed on a worker');
      }
    }
  }

  private once(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= MAX_SEEN) this.seen.clear();
    this.seen.add(key);
    return true;
  }

  /** The snapshot's nodes with this process's fresher views laid over (and live while they call in). */
  private overlay(nodes: readonly NodeView[]): NodeView[] {
    const liveMs = 3 * this.ctx.config.heartbeatSeconds * 1000;
    const now = Date.now();
    const out = nodes.map((n) => {
      const l = this.latest.get(n.workerId);
      return l ? { ...l.view, live: n.live || now - l.at <= liveMs } : n;
    });
    for (const [id, l] of this.latest) {
      if (now - l.at > 4 * liveMs) this.latest.delete(id);
      else if (!nodes.some((n) => n.workerId === id)) out.push({ ...l.view, live: now - l.at <= liveMs });
    }
    return out;
  }
}
