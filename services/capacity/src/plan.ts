/**
 * A capacity plan: leave out the models the cluster cannot hold, simulate the rest with the real
 * placement policy, and put the makespan beside its lower bounds and (optionally) the baselines.
 * This is what `clue plan` prints and the scheduling benchmark compares.
 */
import type { TaskId } from '@clue/tasks';
import type { Cluster } from './cluster.js';
import { unplaceableModels, type UnplaceableModel } from './fit.js';
import { cellsOfModels, modelsOf, type MatrixCell } from './matrix.js';
import { lowerBounds, type LowerBounds } from './bounds.js';
import { vllmSimReality, type RealityModel } from './reality.js';
import { simulate, type SimulationOptions, type SimulationResult } from './simulate.js';
import { staticPartitionBaseline, type BaselineResult } from './baseline-static.js';
import { clueStyleBaseline } from './baseline-clue.js';

/** What to plan. */
export interface CapacityPlanInput {
  readonly cluster: Cluster;
  readonly cells: readonly MatrixCell[];
  /** @default vllmSimReality() */
  readonly reality?: RealityModel;
  readonly simulation?: SimulationOptions;
  /** Also run both baselines. @default false */
  readonly baselines?: boolean;
}

/** One cell's estimates. */
export interface CellEstimate {
  readonly model: string;
  readonly task: TaskId;
  readonly samples: number;
  readonly units: number;
  /** The planner's estimate (cost model, reference class A100-80GB). */
  readonly plannerGpuHours: number;
  /** GPU-hours the cell took in the simulation (wall × TP of the groups that ran it); null when excluded. */
  readonly gpuHours: number | null;
}

/** The plan. */
export interface CapacityPlan {
  readonly cluster: Cluster;
  /** Models no node can hold, left out of everything below. */
  readonly excluded: readonly UnplaceableModel[];
  readonly cells: readonly CellEstimate[];
  /** Null when no model fits. */
  readonly simulation: SimulationResult | null;
  readonly bounds: LowerBounds | null;
  readonly baselines: { readonly static: BaselineResult; readonly clueStyle: BaselineResult } | null;
}

/** Plans the matrix on the cluster. */
export function planCapacity(input: CapacityPlanInput): CapacityPlan {
  const reality = input.reality ?? vllmSimReality();
  const excluded = unplaceableModels(input.cluster, modelsOf(input.cells));
  const out = new Set(excluded.map((e) => e.model));
  const cells = cellsOfModels(input.cells, new Set(modelsOf(input.cells).map((m) => m.key).filter((k) => !out.has(k))));
  const simulation = cells.length > 0 && cells.some((c) => c.units.length > 0) ? simulate(input.cluster, cells, reality, input.simulation) : null;
  const bounds = simulation ? lowerBounds(input.cluster, cells, reality) : null;
  const release = input.simulation?.releaseSeconds;
  const baselines = simulation && input.baselines
    ? { static: staticPartitionBaseline(input.cluster, cells, reality, release), clueStyle: clueStyleBaseline(input.cluster, cells, reality, release) }
    : null;
  const used = new Map((simulation?.cells ?? []).map((c) => [`${c.model}|${c.task}`, c.gpuSeconds]));
  const estimates = input.cells.map((c) => ({
    model: c.model.key,
    task: c.task,
    samples: c.samples,
    units: c.units.length,
    plannerGpuHours: c.plannedGpuSeconds / 3600,
    gpuHours: out.has(c.model.key) ? null : (used.get(`${c.model.key}|${c.task}`) ?? 0) / 3600,
  }));
  return { cluster: input.cluster, excluded, cells: estimates, simulation, bounds, baselines };
}
