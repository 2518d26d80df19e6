/**
 * Small helpers of the engine façade: model lookup, plan diffs for events, log-line trimming.
 */
import { ClueError, getEngineModel, type ModelSpec } from '@clue/tasks';
import { EngineError } from './errors.js';
import type { LaunchPlan } from './launch-plan.js';

/** A catalog model from a spec or a name (key, HF id, alias). @throws EngineError INVALID_CONFIG for an unknown name. */
export function resolveModel(model: ModelSpec | string): ModelSpec {
  if (typeof model !== 'string') return model;
  try {
    return getEngineModel(model);
  } catch (e) {
    throw new EngineError('INVALID_CONFIG', e instanceof ClueError ? e.message : String(e));
  }
}

/** The first line of a (multi-line) message. */
export function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/** The launch settings that differ between two plans, for the 'safer-profile' event. */
export function planChanges(a: LaunchPlan, b: LaunchPlan): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of ['maxModelLen', 'gpuMemoryUtilization', 'maxNumSeqs', 'tensorParallelSize'] as const) {
    if (a[k] !== b[k]) out[k] = { from: a[k], to: b[k] };
  }
  return out;
}

/** The defined entries of `o` among `keys` (for exactOptionalPropertyTypes-safe spreading). */
export function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k] as Exclude<T[K], undefined>;
  return out;
}
