/** Shared by the tests: a reality model with simple numbers and small dataset profiles. */
import { getModel, type GpuClass, type ModelSpec, type TaskId } from '@clue/tasks';
import type { DatasetProfile } from '@clue/coordinator';
import type { RealityModel } from './reality.js';
import type { WorkUnit } from './matrix.js';
import { buildMatrix, type MatrixCell, type MatrixOptions } from './matrix.js';

/** Load `loadSeconds` everywhere; a unit takes samples / samplesPerSecond seconds on any group. */
export function fixedReality(loadSeconds: number, samplesPerSecond = 1): RealityModel {
  return {
    loadSeconds: (_m: ModelSpec, _c: GpuClass, _tp: number) => loadSeconds,
    unitSeconds: (u: WorkUnit, _c: GpuClass, _tp: number) => u.samples / samplesPerSecond,
  };
}

/** A profile of `samples` samples of `chars` characters each (LongHealth: prompts filled to the budget). */
export function profile(task: TaskId, samples: number, chars = 2000): DatasetProfile {
  return { task, samples, promptChars: task === 'longhealth' ? null : Array.from({ length: samples }, (_, i) => chars + (i % 7) * 100) };
}

/** A small matrix of catalog models over the given task sizes. */
export function smallMatrix(models: readonly string[], sizes: Partial<Record<TaskId, number>>, options: MatrixOptions = {}): MatrixCell[] {
  const tasks = Object.keys(sizes) as TaskId[];
  const profiles = Object.fromEntries(tasks.map((t) => [t, profile(t, sizes[t]!)]));
  return buildMatrix(models.map((m) => getModel(m)), tasks, profiles, options);
}
