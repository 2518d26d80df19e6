/**
 * Per-sample scoring of the five short tasks, as CLUE's eval scripts compute it (without the
 * model-based metrics, which {@link ./model-scorers.ts} covers).
 */
import { ClueError } from '../errors.js';
import type { MetricValues, TaskId } from '../types.js';
import { rougeScores } from '../metrics/rouge.js';
import { computeIcdMetrics, parseIcdCodes } from '../metrics/icd.js';
import type { Icd10Table } from '../metrics/icd10-table.js';
import { mednliAccuracy } from '../metrics/mednli.js';

/** What per-sample scoring may need besides the texts. */
export interface SampleScoreContext {
  /** The ICD-10 validity table for MeDiSumCode's VALID CODES. */
  readonly icd10?: Icd10Table;
}

/** Scores one prediction against its reference with CLUE's metric keys. */
export function scoreSample(
  task: Exclude<TaskId, 'longhealth'>,
  prediction: string,
  reference: string,
  ctx: SampleScoreContext = {},
): MetricValues {
  switch (task) {
    case 'mednli':
      return { ACCURACY: mednliAccuracy(prediction, reference) };
    case 'meqsum':
    case 'problemsummary':
    case 'medisumqa': {
      const r = rougeScores(prediction, reference);
      return { ROUGE_L: r.rougeL, ROUGE1: r.rouge1, ROUGE2: r.rouge2 };
    }
    case 'medisumcode': {
      if (!ctx.icd10) {
        throw new ClueError('INVALID_ARGUMENT', 'MeDiSumCode scoring needs an ICD-10 table (--icd10-table FILE) for VALID CODES');
      }
      return computeIcdMetrics(parseIcdCodes(prediction), reference, ctx.icd10);
    }
  }
}
