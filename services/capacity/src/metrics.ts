/**
 * Figures of a simulated run, shared by the DES and the baselines: per-GPU busy time (busy = running
 * a unit; loading and releasing are not busy), the busy fraction over the makespan and over the
 * makespan minus its last 5 % (the tail where the last units drain), loads per model, and the GPU
 * time each cell took.
 */
import type { TaskId } from '@clue/tasks';
import type { Cluster } from './cluster.js';

/** Share of the makespan left out of the "before the tail" busy fraction. */
export const TAIL_FRACTION = 0.05;

/** One unit as it ran. */
export interface UnitRun {
  readonly unitId: string;
  readonly model: string;
  readonly task: TaskId;
  readonly node: string;
  readonly group: string;
  readonly gpus: readonly number[];
  readonly gpuClass: string;
  readonly tp: number;
  readonly start: number;
  readonly end: number;
}

/** One engine group's life: which model on which GPUs of which node, from when to when. */
export interface GroupSpan {
  readonly node: string;
  readonly group: string;
  readonly gpus: readonly number[];
  readonly gpuClass: string;
  readonly model: string;
  readonly tp: number;
  /** Why it was placed (the policy's reason, or the baseline's name). */
  readonly reason: string;
  readonly loadStart: number;
  /** When the engine served (null: released while loading). */
  readonly ready: number | null;
  /** When its release began (null: it was still up at the end). */
  readonly releaseStart: number | null;
  /** When its GPUs were free again (the makespan for groups up at the end). */
  readonly end: number;
  readonly units: number;
}

/** Busy time of one GPU. */
export interface GpuBusy {
  readonly node: string;
  readonly gpu: number;
  readonly gpuClass: string;
  readonly busySeconds: number;
}

/** GPU time one cell took. */
export interface CellUsage {
  readonly model: string;
  readonly task: TaskId;
  readonly units: number;
  readonly gpuSeconds: number;
}

/** Where the cluster's GPU-seconds over the makespan went (they add up to makespan × GPUs). */
export interface GpuTime {
  /** Running a unit. */
  readonly busy: number;
  /** In a group that is loading. */
  readonly loading: number;
  /** In a group that is being released. */
  readonly releasing: number;
  /** In a serving group with no unit running. */
  readonly idle: number;
  /** In no group at all. */
  readonly free: number;
}

/** What every strategy reports. */
export interface RunSummary {
  readonly strategy: string;
  readonly makespan: number;
  /** Engine starts per model (a load released before it finished counts too). */
  readonly loads: Readonly<Record<string, number>>;
  readonly totalLoads: number;
  /** totalLoads / models that ran. */
  readonly loadsPerModel: number;
  readonly busyGpuSeconds: number;
  /** busyGpuSeconds / (makespan × all GPUs of the cluster). */
  readonly busyFraction: number;
  /** The same over [0, (1 − TAIL_FRACTION) × makespan]. */
  readonly busyFractionBeforeTail: number;
  readonly gpuTime: GpuTime;
  readonly gpuBusy: readonly GpuBusy[];
  readonly cells: readonly CellUsage[];
  readonly groups: readonly GroupSpan[];
  readonly units: readonly UnitRun[];
}

/** Builds the summary from the unit runs and group spans of a finished run. */
export function summarize(strategy: string, cluster: Cluster, units: readonly UnitRun[], groups: readonly GroupSpan[], loads: Readonly<Record<string, number>>): RunSummary {
  const makespan = units.reduce((m, u) => Math.max(m, u.end), 0);
  const cut = makespan * (1 - TAIL_FRACTION);
  let busy = 0;
  let busyBefore = 0;
  const perGpu = new Map<string, number>();
  const cells = new Map<string, { model: string; task: TaskId; units: number; gpuSeconds: number }>();
  for (const u of units) {
    const wall = u.end - u.start;
    busy += wall * u.tp;
    busyBefore += Math.max(0, Math.min(u.end, cut) - u.start) * u.tp;
    for (const g of u.gpus) perGpu.set(`${u.node}#${g}`, (perGpu.get(`${u.node}#${g}`) ?? 0) + wall);
    const key = `${u.model}|${u.task}`;
    const c = cells.get(key) ?? { model: u.model, task: u.task, units: 0, gpuSeconds: 0 };
    c.units++;
    c.gpuSeconds += wall * u.tp;
    cells.set(key, c);
  }
  const gpuBusy: GpuBusy[] = cluster.nodes.flatMap((n) => Array.from({ length: n.gpus }, (_, gpu) => ({ node: n.id, gpu, gpuClass: n.gpuClass, busySeconds: perGpu.get(`${n.id}#${gpu}`) ?? 0 })));
  let loading = 0;
  let releasing = 0;
  let held = 0;
  const clip = (x: number): number => Math.min(Math.max(x, 0), makespan);
  for (const g of groups) {
    const end = clip(g.end);
    const releaseStart = g.releaseStart === null ? end : clip(g.releaseStart);
    const ready = g.ready === null ? releaseStart : clip(g.ready);
    held += (end - clip(g.loadStart)) * g.tp;
    loading += (ready - clip(g.loadStart)) * g.tp;
    releasing += (end - releaseStart) * g.tp;
  }
  const gpuTime: GpuTime = { busy, loading, releasing, idle: Math.max(0, held - loading - releasing - busy), free: Math.max(0, makespan * cluster.totalGpus - held) };
  const totalLoads = Object.values(loads).reduce((s, n) => s + n, 0);
  const modelsRun = new Set(units.map((u) => u.model)).size;
  return {
    strategy,
    makespan,
    loads,
    totalLoads,
    loadsPerModel: modelsRun > 0 ? totalLoads / modelsRun : 0,
    busyGpuSeconds: busy,
    busyFraction: makespan > 0 ? busy / (makespan * cluster.totalGpus) : 0,
    busyFractionBeforeTail: cut > 0 ? busyBefore / (cut * cluster.totalGpus) : 0,
    gpuTime,
    gpuBusy,
    cells: [...cells.values()],
    groups,
    units,
  };
}
