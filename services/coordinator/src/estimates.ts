/**
 * How long work takes on a GPU group, as the scheduler and the ETA see it: the cost model's estimate
 * (cost.ts, in GPU-seconds on the reference class), converted to another GPU class by the model's
 * nominal throughputs, divided by the group's GPUs, and corrected by what the run has observed:
 *
 *   wall(work W, model m, class c, TP t) = W / speed(m, c) / t × workFactor(m, c)
 *   load(m, c, TP t)                     = loadSeconds(m, t) × loadFactor(m, c)
 *
 * A factor is observed ÷ predicted, averaged exponentially; without an observation of (m, c) it falls
 * back to the class's mean factor, then to the mean of all, then to 1. So once any unit has finished,
 * every model's estimate is on the observed scale (a simulator running ×2000 faster, a slow disk), and
 * the scheduler compares work with load costs in the same units. Observations are soft state (memory):
 * after a restart the estimates start again from the cost model.
 */
import { getGpuClass, getModel, type GpuClass, type ModelSpec } from '@clue/tasks';
import { REFERENCE_GPU_CLASS, loadSeconds, sampleGpuSeconds } from './cost.js';

/** What the placement policy asks of an estimator (pure reads). */
export interface Estimates {
  /** Reference GPU-seconds of work a group of `tp` GPUs of `gpuClass` does per wall second. */
  groupRate(model: string, gpuClass: string, tp: number): number;
  /** Wall seconds to (re)start an engine with the model on `tp` GPUs of that class. */
  loadSeconds(model: string, gpuClass: string, tp?: number): number;
}

/** Weight of a new observation in the running average. */
const EWMA_WEIGHT = 0.3;
/** A typical CLUE sample for converting between GPU classes (prompt, output tokens). */
const TYPICAL_PROMPT_TOKENS = 1500;
const TYPICAL_OUTPUT_TOKENS = 60;

class Ewma {
  value = 1;
  n = 0;
  add(x: number): void {
    if (!(x > 0) || !Number.isFinite(x)) return;
    this.value = this.n === 0 ? x : this.value * (1 - EWMA_WEIGHT) + x * EWMA_WEIGHT;
    this.n++;
  }
}

/** Factors by (model, class), with class-wide and global fallbacks. */
class Factors {
  private readonly byPair = new Map<string, Ewma>();
  private readonly byClass = new Map<string, Ewma>();
  private readonly all = new Ewma();

  observe(model: string, gpuClass: string, factor: number): void {
    if (!(factor > 0) || !Number.isFinite(factor)) return;
    const get = (m: Map<string, Ewma>, k: string): Ewma => m.get(k) ?? (m.set(k, new Ewma()), m.get(k)!);
    get(this.byPair, `${model}|${gpuClass}`).add(factor);
    get(this.byClass, gpuClass).add(factor);
    this.all.add(factor);
  }

  factor(model: string, gpuClass: string): number {
    const pair = this.byPair.get(`${model}|${gpuClass}`);
    if (pair && pair.n > 0) return pair.value;
    const cls = this.byClass.get(gpuClass);
    if (cls && cls.n > 0) return cls.value;
    return this.all.n > 0 ? this.all.value : 1;
  }

  get observations(): number {
    return this.all.n;
  }
}

function lookup(model: string): ModelSpec | null {
  try {
    return getModel(model);
  } catch {
    return null;
  }
}

function gpuClassOf(name: string): GpuClass | null {
  try {
    return getGpuClass(name).name;
  } catch {
    return null;
  }
}

/** Reference GPU-seconds per GPU-second of `gpuClass` for the model (about 2 for an H100). */
export function classSpeed(model: ModelSpec, gpuClass: GpuClass): number {
  const ref = sampleGpuSeconds(model, TYPICAL_PROMPT_TOKENS, TYPICAL_OUTPUT_TOKENS, REFERENCE_GPU_CLASS);
  return ref / sampleGpuSeconds(model, TYPICAL_PROMPT_TOKENS, TYPICAL_OUTPUT_TOKENS, gpuClass);
}

/** The cost model, corrected by observations. */
export class Estimator implements Estimates {
  private readonly work = new Factors();
  private readonly load = new Factors();

  /**
   * A unit finished: `estimatedGpuSeconds` (reference class, the planner's) took `gpuSeconds` of the
   * group's GPU time on `gpuClass`.
   */
  observeUnit(model: string, gpuClass: string, estimatedGpuSeconds: number, gpuSeconds: number): void {
    const spec = lookup(model);
    const cls = gpuClassOf(gpuClass);
    if (!spec || !cls || !(estimatedGpuSeconds > 0) || !(gpuSeconds > 0)) return;
    const predicted = estimatedGpuSeconds / classSpeed(spec, cls);
    this.work.observe(spec.key, cls, gpuSeconds / predicted);
  }

  /** An engine with the model became ready on `tp` GPUs of `gpuClass` after `seconds`. */
  observeLoad(model: string, gpuClass: string, seconds: number, tp = 1): void {
    const spec = lookup(model);
    const cls = gpuClassOf(gpuClass);
    if (!spec || !cls || !(seconds > 0)) return;
    this.load.observe(spec.key, cls, seconds / loadSeconds(spec, tp));
  }

  groupRate(model: string, gpuClass: string, tp: number): number {
    const spec = lookup(model);
    const cls = gpuClassOf(gpuClass);
    if (!spec || !cls || tp < 1) return 0;
    return (classSpeed(spec, cls) * tp) / this.work.factor(spec.key, cls);
  }

  loadSeconds(model: string, gpuClass: string, tp = 1): number {
    const spec = lookup(model);
    const cls = gpuClassOf(gpuClass);
    if (!spec || !cls) return Infinity;
    return loadSeconds(spec, tp) * this.load.factor(spec.key, cls);
  }

  /** Wall seconds `gpuSeconds` of reference work take on one group (Infinity for an unknown model/class). */
  wallSeconds(model: string, gpuClass: string, tp: number, gpuSeconds: number): number {
    const rate = this.groupRate(model, gpuClass, tp);
    return rate > 0 ? gpuSeconds / rate : Infinity;
  }

  /** How many units and loads have been observed (for logs and tests). */
  get observations(): { units: number; loads: number } {
    return { units: this.work.observations, loads: this.load.observations };
  }
}
