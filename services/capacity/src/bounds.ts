/**
 * Lower bounds on the makespan, from the same reality model, with the tensor-parallel size the policy
 * uses per GPU class (the catalog's):
 *
 * - A (work): (Σ over units of its GPU-seconds on the cheapest class + Σ over models of one load ×
 *   its TP on the cheapest class) / all GPUs. Every unit runs somewhere and every model loads once.
 * - A* (class-aware work): on a cluster of mixed classes A pretends every GPU is of the cheapest
 *   class. A* is the dual of the fluid relaxation (units split freely over classes, class c offering
 *   G_c × T GPU-seconds): for any weights μ_c ≥ 0,
 *       T ≥ (Σ_units min_c μ_c·w_{u,c} + Σ_models min_c μ_c·l_{m,c}) / Σ_c μ_c·G_c,
 *   since each unit's GPU time lands on some class and class c has only G_c × T of it. Every μ gives
 *   a true bound; A is μ = 1, A* the best μ found by a grid and pattern search. One class: A* = A.
 * - B (longest model): max over models of the fastest single group's load + all the model's units
 *   one after another. NOT a true bound: a model may run on several replicas at once; it says how
 *   long the biggest model takes when it is not spread.
 * - B' (longest unit): max over units of the fastest group's load + that unit. A true bound: a unit
 *   runs on one group after that group has loaded.
 *
 * `lb` = max(A, B), `strictLb` = max(A, B'), `bestLb` = max(A*, B') (the tightest true bound here).
 */
import type { Cluster } from './cluster.js';
import { groupOptions } from './group-options.js';
import type { MatrixCell } from './matrix.js';
import type { RealityModel } from './reality.js';

/** The bounds and what sets them. */
export interface LowerBounds {
  /** A, seconds. */
  readonly work: number;
  /** A*, seconds (= A on a cluster of one class). */
  readonly classAwareWork: number;
  /** B, seconds, and its model and class. */
  readonly longestModel: { readonly model: string; readonly gpuClass: string; readonly seconds: number };
  /** B', seconds, and its unit and class. */
  readonly longestUnit: { readonly unitId: string; readonly model: string; readonly gpuClass: string; readonly seconds: number };
  /** max(A, B). */
  readonly lb: number;
  /** max(A, B'). */
  readonly strictLb: number;
  /** max(A*, B'). */
  readonly bestLb: number;
}

/** GPU-seconds of one indivisible piece of work (a unit, or a model's first load) per class. */
type Costs = readonly number[];

/** The fluid bound for class weights μ (∞ costs: the piece cannot use that class). */
function fluid(pieces: readonly Costs[], gpus: readonly number[], mu: readonly number[]): number {
  let num = 0;
  for (const p of pieces) {
    let best = Infinity;
    for (let c = 0; c < mu.length; c++) if (p[c]! < Infinity) best = Math.min(best, mu[c]! * p[c]!);
    num += best;
  }
  const den = mu.reduce((s, m, c) => s + m * gpus[c]!, 0);
  return den > 0 ? num / den : 0;
}

/** All weight vectors on the simplex with coordinates in steps of 1/n. */
function grid(k: number, n: number): number[][] {
  if (k === 1) return [[1]];
  const out: number[][] = [];
  const rec = (prefix: number[], left: number): void => {
    if (prefix.length === k - 1) {
      out.push([...prefix, left].map((x) => x / n));
      return;
    }
    for (let i = 0; i <= left; i++) rec([...prefix, i], left - i);
  };
  rec([], n);
  return out;
}

/** max over μ of the fluid bound: a coarse grid, then a pattern search around the best point. */
function bestFluid(pieces: readonly Costs[], gpus: readonly number[]): number {
  const k = gpus.length;
  let mu = gpus.map(() => 1);
  let best = fluid(pieces, gpus, mu);
  if (k === 1) return best;
  for (const m of grid(k, 12)) {
    const v = fluid(pieces, gpus, m);
    if (v > best) [best, mu] = [v, m];
  }
  for (let step = 1 / 24; step > 1e-4; ) {
    let improved = false;
    for (let c = 0; c < k; c++) {
      for (const d of [step, -step]) {
        const m = mu.map((x, i) => (i === c ? Math.max(0, x + d) : x));
        const v = fluid(pieces, gpus, m);
        if (v > best * (1 + 1e-12)) {
          [best, mu] = [v, m];
          improved = true;
        }
      }
    }
    if (!improved) step /= 2;
  }
  return best;
}

/**
 * The fewest engine loads any schedule needs to finish by `deadline`: a model on k groups finishes no
 * earlier than its shortest load + (its units one after another on its fastest class) / k, so it
 * needs k ≥ serial / (deadline − load) groups. Infinity when some model cannot finish by then at all.
 */
export function loadsNeeded(cluster: Cluster, cells: readonly MatrixCell[], reality: RealityModel, deadline: number): number {
  const byModel = new Map<string, MatrixCell[]>();
  for (const c of cells) byModel.set(c.model.key, [...(byModel.get(c.model.key) ?? []), c]);
  let total = 0;
  for (const mine of byModel.values()) {
    const spec = mine[0]!.model;
    const options = groupOptions(cluster, spec);
    if (options.length === 0) continue;
    const units = mine.flatMap((c) => c.units);
    // Groups of different classes mix: bound with the fastest serial time and the shortest load of any class.
    const load = Math.min(...options.map((o) => reality.loadSeconds(spec, o.gpuClass, o.tp)));
    const serial = Math.min(...options.map((o) => units.reduce((s, u) => s + reality.unitSeconds(u, o.gpuClass, o.tp), 0)));
    const need = deadline > load ? Math.max(1, Math.ceil(serial / (deadline - load) - 1e-9)) : Infinity;
    total += need;
  }
  return total;
}

/** Computes the bounds for the cells (models that fit nowhere are ignored). */
export function lowerBounds(cluster: Cluster, cells: readonly MatrixCell[], reality: RealityModel): LowerBounds {
  const classes = [...new Set(cluster.nodes.map((n) => n.gpuClass))];
  const gpus = classes.map((c) => cluster.nodes.filter((n) => n.gpuClass === c).reduce((s, n) => s + n.gpus, 0));
  const pieces: Costs[] = [];
  let cheapest = 0;
  let longestModel = { model: '', gpuClass: '', seconds: 0 };
  let longestUnit = { unitId: '', model: '', gpuClass: '', seconds: 0 };
  const byModel = new Map<string, MatrixCell[]>();
  for (const c of cells) byModel.set(c.model.key, [...(byModel.get(c.model.key) ?? []), c]);
  for (const [key, mine] of byModel) {
    const spec = mine[0]!.model;
    const options = groupOptions(cluster, spec);
    if (options.length === 0) continue;
    const at = options.map((o) => classes.indexOf(o.gpuClass));
    const perClass = (f: (i: number) => number): number[] => classes.map((_, c) => (at.includes(c) ? f(at.indexOf(c)) : Infinity));
    const load = options.map((o) => reality.loadSeconds(spec, o.gpuClass, o.tp));
    const loadCosts = perClass((i) => load[i]! * options[i]!.tp);
    pieces.push(loadCosts);
    cheapest += Math.min(...loadCosts);
    const serial = options.map(() => 0);
    for (const u of mine.flatMap((c) => c.units)) {
      const wall = options.map((o) => reality.unitSeconds(u, o.gpuClass, o.tp));
      const costs = perClass((i) => wall[i]! * options[i]!.tp);
      pieces.push(costs);
      cheapest += Math.min(...costs);
      for (let i = 0; i < options.length; i++) serial[i] = serial[i]! + wall[i]!;
      let best = 0;
      for (let i = 1; i < options.length; i++) if (load[i]! + wall[i]! < load[best]! + wall[best]!) best = i;
      if (load[best]! + wall[best]! > longestUnit.seconds) longestUnit = { unitId: u.id, model: key, gpuClass: options[best]!.gpuClass, seconds: load[best]! + wall[best]! };
    }
    let best = 0;
    for (let i = 1; i < options.length; i++) if (load[i]! + serial[i]! < load[best]! + serial[best]!) best = i;
    if (load[best]! + serial[best]! > longestModel.seconds) longestModel = { model: key, gpuClass: options[best]!.gpuClass, seconds: load[best]! + serial[best]! };
  }
  const work = cheapest / cluster.totalGpus;
  const classAwareWork = Math.max(work, bestFluid(pieces, gpus));
  return {
    work,
    classAwareWork,
    longestModel,
    longestUnit,
    lb: Math.max(work, longestModel.seconds),
    strictLb: Math.max(work, longestUnit.seconds),
    bestLb: Math.max(classAwareWork, longestUnit.seconds),
  };
}
