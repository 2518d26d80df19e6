/**
 * Dataset profiles for planning without the credentialed CLUE data: synthetic CLUE-format files from
 * `generateDatasets`, at CLUE's real scored-sample counts, profiled by the coordinator's own
 * `profileDataset` (the path a registered dataset takes), or a real file when one is given.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClueError, TASK_IDS, generateDatasets, type TaskId } from '@clue/tasks';
import { LONGHEALTH_PROMPTS_PER_QUESTION, profileDataset, type DatasetProfile } from '@clue/coordinator';

/**
 * CLUE's scored samples per task (shared/reference/clue-tasks-and-metrics.md): the file's records
 * minus the few-shot examples; LongHealth: 400 questions × (5 task-1 + 10 task-2/3 prompts).
 */
export const CLUE_SAMPLE_COUNTS: Readonly<Record<TaskId, number>> = Object.freeze({
  mednli: 1422 - 3,
  meqsum: 1000 - 3,
  problemsummary: 237 - 3,
  medisumqa: 416 - 1,
  medisumcode: 500 - 1,
  longhealth: 400 * LONGHEALTH_PROMPTS_PER_QUESTION,
});
/** LongHealth questions in CLUE (20 patients × 20). */
export const CLUE_LONGHEALTH_QUESTIONS = 400;
/** Seed of the synthetic data. */
export const PROFILE_SEED = 1;

/** The first `n` samples of a profile (CLUE's order), as `max_samples` cuts a cell. */
export function cutProfile(profile: DatasetProfile, n: number): DatasetProfile {
  if (n >= profile.samples) return profile;
  return { task: profile.task, samples: n, promptChars: profile.promptChars ? profile.promptChars.slice(0, n) : null };
}

/** What to generate. */
export interface SyntheticProfileOptions {
  /**
   * Scored samples per short task, and LongHealth questions = ceil(samples / 5) (as `clue up`);
   * omitted: CLUE's real counts ({@link CLUE_SAMPLE_COUNTS}).
   */
  readonly samples?: number;
  /** @default PROFILE_SEED */
  readonly seed?: number;
}

/**
 * Profiles of synthetic data for the six tasks (written to a temporary directory, profiled, removed).
 * @throws ClueError INVALID_ARGUMENT for a bad sample count.
 */
export async function syntheticProfiles(options: SyntheticProfileOptions = {}): Promise<Record<TaskId, DatasetProfile>> {
  const real = options.samples === undefined;
  const shortMax = Math.max(...TASK_IDS.filter((t) => t !== 'longhealth').map((t) => CLUE_SAMPLE_COUNTS[t]));
  const samples = options.samples ?? shortMax;
  const longHealthQuestions = real ? CLUE_LONGHEALTH_QUESTIONS : Math.ceil(samples / 5);
  const dir = mkdtempSync(join(tmpdir(), 'clue-capacity-'));
  try {
    const files = await generateDatasets({ outDir: dir, samples, seed: options.seed ?? PROFILE_SEED, longHealthQuestions });
    const out = {} as Record<TaskId, DatasetProfile>;
    for (const task of TASK_IDS) {
      const profile = profileDataset(task, readFileSync(files[task]), files[task]);
      out[task] = real ? cutProfile(profile, CLUE_SAMPLE_COUNTS[task]) : profile;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The profile of a real dataset file.
 * @throws ClueError naming the file (unreadable, or rejected by the task library).
 */
export function fileProfile(task: TaskId, path: string): DatasetProfile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new ClueError('DATASET_UNREADABLE', `${path}: cannot read dataset file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return profileDataset(task, bytes, path);
}
