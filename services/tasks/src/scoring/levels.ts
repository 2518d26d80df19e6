/**
 * CLUE's summary scores: a task's score is the mean of its displayed metrics in percent; Level 1 is
 * the mean of MedNLI, MeQSum and Problem Summary; Level 2 the mean of MeDiSumQA, MeDiSumCode and
 * LongHealth; CLUE AVG is (Level 1 + Level 2) / 2. This reconstruction reproduces all 25 v3 model
 * scores on CLUE's website to 0.01.
 */
import type { TaskId } from '../types.js';
import { exactMean } from '../py/mean.js';
import { DISPLAYED_METRICS, LEVEL1_TASKS, LEVEL2_TASKS, PERCENT_METRICS } from './metric-keys.js';

/** A task score and whether every displayed metric went into it. */
export interface TaskScore {
  /** Mean of the available displayed metrics, in %; null when none is available. */
  readonly score: number | null;
  /** Displayed metrics that were not available (e.g. BERT_F1 without a scorer). */
  readonly missing: readonly string[];
}

/** The task score from aggregated metric values (0–1 scale, LongHealth 0–100). */
export function taskScore(task: TaskId, metrics: Readonly<Record<string, number | undefined>>): TaskScore {
  const present: number[] = [];
  const missing: string[] = [];
  for (const key of DISPLAYED_METRICS[task]) {
    const v = metrics[key];
    if (v === undefined || Number.isNaN(v)) missing.push(key);
    else present.push(PERCENT_METRICS.has(key) ? v : v * 100);
  }
  return { score: present.length ? exactMean(present) : null, missing };
}

/** Level 1, Level 2 and CLUE AVG; a level is null unless all three of its tasks have a score. */
export interface LevelScores {
  readonly level1: number | null;
  readonly level2: number | null;
  readonly clueAvg: number | null;
}

/** Computes the level scores from task scores (in %). */
export function levelScores(scores: Readonly<Partial<Record<TaskId, number | null>>>): LevelScores {
  const level = (tasks: readonly TaskId[]): number | null => {
    const vals = tasks.map((t) => scores[t]);
    return vals.every((v): v is number => typeof v === 'number') ? exactMean(vals) : null;
  };
  const level1 = level(LEVEL1_TASKS);
  const level2 = level(LEVEL2_TASKS);
  return { level1, level2, clueAvg: level1 !== null && level2 !== null ? exactMean([level1, level2]) : null };
}
