/**
 * The "reality" of the simulation: how long loading a model and running a unit really take on a GPU
 * group. The default is vllm-sim's GPU timing model, the same one the simulated engines run on:
 *
 *   load(model, class, TP) = vllm-sim `loadTimes(...).total` (process start, NCCL when TP > 1,
 *                            weights / the profile's load bandwidth, torch.compile, profiling, CUDA graphs)
 *   unit(u, class, TP)     = u.samples / theoreticalMaxThroughput(profile, model, maxNumSeqs,
 *                            u.promptTokens, u.outputTokens, {TP, maxModelLen, maxNumBatchedTokens})
 *
 * with vLLM's default scheduler limits for the profile (`defaultSchedulerLimits`), the orchestrator's
 * `--max-model-len` (`defaultMaxModelLen`) and the checkpoint dtype (2 bytes). That is full-batch
 * throughput: no ramp-up or drain of a batch inside a unit. Tests inject simpler models through
 * the same interface.
 */
import { defaultMaxModelLen, getModel, type GpuClass, type ModelSpec } from '@clue/tasks';
import { defaultSchedulerLimits, findModel, getGpuProfile, loadTimes, theoreticalMaxThroughput, type ModelInfo } from '@clue/vllm-sim';
import { CapacityError } from './errors.js';
import type { WorkUnit } from './matrix.js';

/** Durations on a GPU group (modelled seconds). */
export interface RealityModel {
  /** Seconds from starting an engine with `model` on `tp` GPUs of `gpuClass` until it serves. */
  loadSeconds(model: ModelSpec, gpuClass: GpuClass, tp: number): number;
  /** Seconds one unit takes on such a group (the group runs one unit at a time). */
  unitSeconds(unit: WorkUnit, gpuClass: GpuClass, tp: number): number;
}

/** Bytes per weight of the catalog's dtypes (bf16/fp16). */
const DTYPE_BYTES = 2;

function infoOf(model: ModelSpec): ModelInfo {
  const info = findModel(model.hfId);
  if (!info) throw new CapacityError('REALITY_MISMATCH', `vllm-sim has no timing data for ${model.key} (${model.hfId})`);
  return info;
}

/** vllm-sim's timing model as the reality (results are cached per model, class, TP and token sizes). */
export function vllmSimReality(): RealityModel {
  const throughput = new Map<string, number>();
  const loads = new Map<string, number>();
  return {
    loadSeconds(model, gpuClass, tp) {
      const key = `${model.key}|${gpuClass}|${tp}`;
      let s = loads.get(key);
      if (s === undefined) {
        s = loadTimes(infoOf(model), getGpuProfile(gpuClass), tp, DTYPE_BYTES, false).total;
        loads.set(key, s);
      }
      return s;
    },
    unitSeconds(unit, gpuClass, tp) {
      const key = `${unit.model}|${gpuClass}|${tp}|${unit.promptTokens}|${unit.outputTokens}`;
      let rate = throughput.get(key);
      if (rate === undefined) {
        const spec = getModel(unit.model);
        const profile = getGpuProfile(gpuClass);
        const limits = defaultSchedulerLimits(profile);
        rate = theoreticalMaxThroughput(profile, infoOf(spec), limits.maxNumSeqs, unit.promptTokens, unit.outputTokens, {
          tensorParallelSize: tp,
          maxModelLen: defaultMaxModelLen(spec),
          maxNumBatchedTokens: limits.maxNumBatchedTokens,
        });
        if (!(rate > 0)) {
          throw new CapacityError('REALITY_MISMATCH', `vllm-sim says ${spec.key} does not fit ${tp}× ${gpuClass} (the catalog says it does)`);
        }
        throughput.set(key, rate);
      }
      return unit.samples / rate;
    },
  };
}
