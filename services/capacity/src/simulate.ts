/**
 * The discrete-event simulation of the real scheduler, in modelled seconds. Nothing runs: events are
 * taken from a time-ordered queue and the coordinator's own `placeNode` decides every layout.
 *
 * - Each node asks `placeNode` at the start, whenever one of its groups finishes loading, finishes a
 *   unit or finishes releasing, and on every heartbeat (default 10 s, the coordinator's
 *   `--heartbeat-seconds`), as the worker's assignment poller does. The snapshot is built as the live
 *   coordinator will: `demand` = per model the queued (not started) units and their planner
 *   GPU-seconds; `nodes` = every node's GPUs and groups (loading / serving / releasing, units running);
 *   `estimates` = the simulation's own `Estimator`.
 * - A new group loads for the reality's load time, then serves one unit at a time (one slot), pulling
 *   units from its model's FIFO queue (all cells of a model in one queue, model-major, as the
 *   JetStream per-model consumer); a freed group pulls the next unit before its node asks again.
 * - A released group holds its GPUs for `releaseSeconds` (default 5 s) and is then gone; a group
 *   released while loading never serves.
 * - After every unit the estimator is told `observeUnit(model, class, planner GPU-seconds, wall × TP)`,
 *   after every load `observeLoad(model, class, load seconds)`, exactly as the coordinator will.
 *
 * Same inputs, same result: ties in time are handled in scheduling order.
 */
import { getModel, type GpuClass, type ModelSpec } from '@clue/tasks';
import { Estimator, placeNode, type GroupState, type ModelDemand, type NodeView, type PlacementSnapshot } from '@clue/coordinator';
import type { Cluster } from './cluster.js';
import { CapacityError } from './errors.js';
import { EventQueue } from './event-queue.js';
import { unplaceableModels } from './fit.js';
import type { MatrixCell, WorkUnit } from './matrix.js';
import { summarize, type GroupSpan, type RunSummary, type UnitRun } from './metrics.js';
import type { RealityModel } from './reality.js';

/** Seconds a released engine holds its GPUs (stopping vLLM and freeing the memory). */
export const DEFAULT_RELEASE_SECONDS = 5;
/** Seconds between a node's unprompted asks (the coordinator's default heartbeat). */
export const DEFAULT_HEARTBEAT_SECONDS = 10;
/** Safety stop. */
const DEFAULT_MAX_EVENTS = 5_000_000;

/** Knobs of the simulation. */
export interface SimulationOptions {
  /** @default DEFAULT_RELEASE_SECONDS */
  readonly releaseSeconds?: number;
  /** 0 = nodes ask only on their own events. @default DEFAULT_HEARTBEAT_SECONDS */
  readonly heartbeatSeconds?: number;
  /** Passed to `placeNode`. @default the policy's */
  readonly spreadFactor?: number;
  /** @default 5 000 000 */
  readonly maxEvents?: number;
  /** The placement function; only for experiments with a changed policy. @default placeNode of @clue/coordinator */
  readonly policy?: typeof placeNode;
}

/** What the simulation reports beyond the common figures. */
export interface SimulationResult extends RunSummary {
  /** `placeNode` calls. */
  readonly asks: number;
  readonly events: number;
  /** Loads released before they finished. */
  readonly cancelledLoads: number;
}

interface SimNode {
  readonly id: string;
  readonly gpuClass: GpuClass;
  readonly view: NodeView['gpus'];
  groups: SimGroup[];
  heartbeat: number;
}

interface SimGroup {
  readonly id: string;
  readonly node: SimNode;
  readonly gpus: readonly number[];
  readonly model: string;
  readonly tp: number;
  readonly reason: string;
  readonly loadStart: number;
  readonly loadSeconds: number;
  state: Exclude<GroupState, 'failed'>;
  unitsRunning: number;
  ready: number | null;
  releaseStart: number | null;
  end: number | null;
  units: number;
}

interface ModelQueue {
  readonly units: readonly WorkUnit[];
  /** prefix[i] = planner GPU-seconds of units[0..i). */
  readonly prefix: readonly number[];
  head: number;
}

type SimEvent =
  | { readonly kind: 'start'; readonly node: SimNode }
  | { readonly kind: 'loaded'; readonly group: SimGroup }
  | { readonly kind: 'unit'; readonly group: SimGroup; readonly unit: WorkUnit; readonly start: number }
  | { readonly kind: 'released'; readonly group: SimGroup }
  | { readonly kind: 'heartbeat'; readonly node: SimNode; readonly token: number };

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v)) throw new CapacityError('INVALID_ARGUMENT', `${name} must be a number >= 0, got ${v}`);
  return v;
}

/**
 * Simulates the matrix on the cluster.
 * @throws CapacityError INVALID_ARGUMENT for an empty matrix or a model no node can hold (leave those
 *   out first: `unplaceableModels`); SIMULATION_STUCK when work is left that nothing will ever run.
 */
export function simulate(cluster: Cluster, cells: readonly MatrixCell[], reality: RealityModel, options: SimulationOptions = {}): SimulationResult {
  const releaseSeconds = nonNegative('releaseSeconds', options.releaseSeconds ?? DEFAULT_RELEASE_SECONDS);
  const heartbeatSeconds = nonNegative('heartbeatSeconds', options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS);
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const placement = options.spreadFactor === undefined ? {} : { spreadFactor: options.spreadFactor };
  const policy = options.policy ?? placeNode;

  // Per-model FIFO queues, model-major in matrix order.
  const queues = new Map<string, ModelQueue>();
  const specs = new Map<string, ModelSpec>();
  for (const c of cells) specs.set(c.model.key, c.model);
  for (const [key] of specs) {
    const units = cells.filter((c) => c.model.key === key).flatMap((c) => c.units);
    const prefix = [0];
    for (const u of units) prefix.push(prefix[prefix.length - 1]! + u.gpuSeconds);
    queues.set(key, { units, prefix, head: 0 });
  }
  const total = [...queues.values()].reduce((s, q) => s + q.units.length, 0);
  if (total === 0) throw new CapacityError('INVALID_ARGUMENT', 'nothing to simulate: the matrix has no units');
  const unfit = unplaceableModels(cluster, [...specs.values()]);
  if (unfit.length > 0) {
    throw new CapacityError('INVALID_ARGUMENT', `no node of ${cluster.description} can hold ${unfit.map((u) => u.model).join(', ')}; leave such models out (unplaceableModels)`);
  }

  const nodes: SimNode[] = cluster.nodes.map((n) => ({
    id: n.id,
    gpuClass: n.gpuClass,
    view: Array.from({ length: n.gpus }, (_, index) => ({ index, gpuClass: n.gpuClass })),
    groups: [],
    heartbeat: 0,
  }));
  const estimator = new Estimator();
  const events = new EventQueue<SimEvent>();
  const runs: UnitRun[] = [];
  const spans: SimGroup[] = [];
  const loads: Record<string, number> = {};
  let cancelledLoads = 0;
  let done = 0;
  let asks = 0;
  let handled = 0;
  let active = 0; // pending events other than heartbeats
  let idleAsks = 0; // heartbeat asks in a row that changed nothing

  const schedule = (time: number, e: SimEvent): void => {
    if (e.kind !== 'heartbeat') active++;
    events.push(time, e);
  };

  const demand = (): ModelDemand[] =>
    [...queues].map(([model, q]) => ({ model, queuedUnits: q.units.length - q.head, queuedGpuSeconds: q.prefix[q.units.length]! - q.prefix[q.head]! }));

  const snapshot = (): PlacementSnapshot => ({
    demand: demand(),
    nodes: nodes.map((n) => ({
      workerId: n.id,
      gpus: n.view,
      live: true,
      groups: n.groups.map((g) => ({ id: g.id, gpus: g.gpus, model: g.model, state: g.state, unitsRunning: g.unitsRunning, tensorParallelSize: g.tp })),
    })),
    estimates: estimator,
  });

  const pull = (g: SimGroup, t: number): void => {
    if (g.state !== 'serving' || g.unitsRunning > 0) return;
    const q = queues.get(g.model)!;
    if (q.head >= q.units.length) return;
    const unit = q.units[q.head++]!;
    g.unitsRunning = 1;
    schedule(t + reality.unitSeconds(unit, g.node.gpuClass, g.tp), { kind: 'unit', group: g, unit, start: t });
  };

  /** The node asks for its layout and applies it; true when anything changed. */
  const ask = (node: SimNode, t: number): boolean => {
    asks++;
    const plan = policy(node.id, snapshot(), placement);
    let changed = false;
    for (const id of plan.released) {
      const g = node.groups.find((x) => x.id === id);
      if (!g || g.state === 'releasing') continue;
      if (g.unitsRunning > 0) throw new CapacityError('INVALID_ARGUMENT', `placement released ${id} on ${node.id} while a unit runs on it`);
      if (g.state === 'loading') cancelledLoads++;
      g.state = 'releasing';
      g.releaseStart = t;
      schedule(t + releaseSeconds, { kind: 'released', group: g });
      changed = true;
    }
    for (const p of plan.groups) {
      if (node.groups.some((x) => x.id === p.id)) continue;
      const taken = new Set(node.groups.flatMap((x) => x.gpus));
      const clash = p.gpus.find((i) => taken.has(i) || i < 0 || i >= node.view.length);
      if (clash !== undefined) throw new CapacityError('INVALID_ARGUMENT', `placement put ${p.model} on GPU ${clash} of ${node.id}, which is not free`);
      const spec = specs.get(p.model) ?? getModel(p.model);
      const loadSeconds = reality.loadSeconds(spec, node.gpuClass, p.tensorParallelSize);
      const g: SimGroup = {
        id: p.id,
        node,
        gpus: [...p.gpus],
        model: p.model,
        tp: p.tensorParallelSize,
        reason: p.reason,
        loadStart: t,
        loadSeconds,
        state: 'loading',
        unitsRunning: 0,
        ready: null,
        releaseStart: null,
        end: null,
        units: 0,
      };
      node.groups.push(g);
      spans.push(g);
      loads[p.model] = (loads[p.model] ?? 0) + 1;
      schedule(t + loadSeconds, { kind: 'loaded', group: g });
      changed = true;
    }
    if (heartbeatSeconds > 0) {
      node.heartbeat++;
      events.push(t + heartbeatSeconds, { kind: 'heartbeat', node, token: node.heartbeat });
    }
    return changed;
  };

  for (const n of nodes) schedule(0, { kind: 'start', node: n });
  let makespan = 0;
  while (done < total) {
    const next = events.pop();
    if (!next) throw stuck(queues, cluster, 'no event is pending');
    if (++handled > maxEvents) throw new CapacityError('SIMULATION_STUCK', `more than ${maxEvents} events without finishing (${done} of ${total} units done)`);
    const { time: t, value: e } = next;
    if (e.kind !== 'heartbeat') {
      active--;
      idleAsks = 0;
    }
    switch (e.kind) {
      case 'start':
        ask(e.node, t);
        break;
      case 'loaded': {
        const g = e.group;
        if (g.state !== 'loading') break; // released while loading
        estimator.observeLoad(g.model, g.node.gpuClass, g.loadSeconds, g.tp);
        g.state = 'serving';
        g.ready = t;
        pull(g, t);
        ask(g.node, t);
        break;
      }
      case 'unit': {
        const g = e.group;
        const wall = t - e.start;
        g.unitsRunning = 0;
        g.units++;
        done++;
        makespan = t;
        runs.push({ unitId: e.unit.id, model: g.model, task: e.unit.task, node: g.node.id, group: g.id, gpus: g.gpus, gpuClass: g.node.gpuClass, tp: g.tp, start: e.start, end: t });
        estimator.observeUnit(g.model, g.node.gpuClass, e.unit.gpuSeconds, wall * g.tp);
        if (done < total) {
          pull(g, t);
          ask(g.node, t);
        }
        break;
      }
      case 'released': {
        const g = e.group;
        g.end = t;
        g.node.groups = g.node.groups.filter((x) => x !== g);
        ask(g.node, t);
        break;
      }
      case 'heartbeat':
        if (e.token !== e.node.heartbeat) break;
        if (ask(e.node, t)) idleAsks = 0;
        else if (active === 0 && ++idleAsks >= nodes.length) throw stuck(queues, cluster, 'every node asked and nothing changed');
        break;
    }
  }

  const groups: GroupSpan[] = spans.map((g) => ({
    node: g.node.id,
    group: g.id,
    gpus: g.gpus,
    gpuClass: g.node.gpuClass,
    model: g.model,
    tp: g.tp,
    reason: g.reason,
    loadStart: g.loadStart,
    ready: g.ready !== null && g.ready <= makespan ? g.ready : null,
    releaseStart: g.releaseStart !== null && g.releaseStart <= makespan ? g.releaseStart : null,
    end: g.end !== null && g.end <= makespan ? g.end : makespan,
    units: g.units,
  }));
  return { ...summarize('placement', cluster, runs, groups, loads), asks, events: handled, cancelledLoads };
}

function stuck(queues: ReadonlyMap<string, ModelQueue>, cluster: Cluster, why: string): CapacityError {
  const left = [...queues].filter(([, q]) => q.head < q.units.length).map(([m, q]) => `${m} (${q.units.length - q.head} units)`);
  return new CapacityError('SIMULATION_STUCK', `work is left that nothing will run on ${cluster.description} (${why}): ${left.join(', ') || 'units still running'}`);
}
