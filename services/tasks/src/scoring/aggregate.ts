/**
 * From per-sample metric values to a task's result, in one of two modes:
 *
 * - `exact` (default): the correctly rounded mean of every sample's value, each sample once.
 * - `clue`: CLUE's arithmetic with its quirks, to reproduce its results.json byte for byte:
 *   MedNLI and MeDiSumCode count the first sample twice (`update_results`) and average with
 *   `statistics.mean` (exact; an int when every value is an int and the mean is whole); MeQSum,
 *   ProblemSummary and MeDiSumQA average with `np.mean` (pairwise float64 summation; float32 for
 *   BERT_P/R/F1, which are `np.mean` of bert_score's float32 tensors) and write `"{:.2f}"` strings; LongHealth is `np.sum(correct) / len * 100` in every mode.
 */
import { ClueError } from '../errors.js';
import type { MetricValues, TaskId } from '../types.js';
import { exactMean, numpyMean, numpyMeanFloat32, statisticsMean } from '../py/mean.js';
import { FAMILY_KEYS } from './model-scorers.js';
import { formatFixed } from '../py/fmt.js';
import { pyStr } from '../py/str.js';

/** How means are taken. */
export type AggregationMode = 'exact' | 'clue';

/** One aggregated metric: the number, and the text CLUE's results.json would hold for it. */
export interface AggregatedMetric {
  readonly value: number;
  /** `exact`: Python repr of the value; `clue`: exactly what CLUE writes (e.g. "0.37", 1, 0.5). */
  readonly text: string;
}

/** A task's aggregated metrics keyed by CLUE's metric names. */
export type AggregatedMetrics = Record<string, AggregatedMetric>;

const QUIRK_TASKS: ReadonlySet<TaskId> = new Set(['mednli', 'medisumcode']);
const NUMPY_TASKS: ReadonlySet<TaskId> = new Set(['meqsum', 'problemsummary', 'medisumqa']);
const INT_METRICS: ReadonlySet<string> = new Set(['ACCURACY']);
/** CLUE averages these over `P.cpu().numpy()`, a float32 array. */
const FLOAT32_METRICS: ReadonlySet<string> = new Set(FAMILY_KEYS.bertscore);

/** Aggregates per-sample values (every sample must have the same keys). */
export function aggregateSamples(task: TaskId, samples: readonly MetricValues[], mode: AggregationMode = 'exact'): AggregatedMetrics {
  if (samples.length === 0) throw new ClueError('INVALID_ARGUMENT', `no samples to aggregate for task ${task}`);
  const keys = Object.keys(samples[0]!);
  const out: AggregatedMetrics = {};
  for (const key of keys) {
    const values = samples.map((s, i) => {
      const v = s[key];
      if (typeof v !== 'number') throw new ClueError('INVALID_ARGUMENT', `sample ${i + 1} has no value for metric ${key}`);
      return v;
    });
    out[key] = aggregateMetric(task, key, values, mode);
  }
  return out;
}

function aggregateMetric(task: TaskId, key: string, values: number[], mode: AggregationMode): AggregatedMetric {
  if (task === 'longhealth') {
    // Per-sample values are 100 (correct) or 0; CLUE: (np.sum(bools) / len(bools)) * 100.
    const correct = values.filter((v) => v !== 0).length;
    const value = (correct / values.length) * 100;
    return { value, text: pyStr(value) };
  }
  if (mode === 'exact') {
    const value = exactMean(values);
    return { value, text: pyStr(value) };
  }
  if (QUIRK_TASKS.has(task)) {
    const withQuirk = [values[0]!, ...values];
    const typed = INT_METRICS.has(key) ? withQuirk.map((v) => BigInt(v)) : withQuirk;
    const mean = statisticsMean(typed);
    const value = Number(mean);
    return { value, text: typeof mean === 'bigint' ? mean.toString() : pyStr(mean) };
  }
  if (NUMPY_TASKS.has(task)) {
    const value = FLOAT32_METRICS.has(key) ? numpyMeanFloat32(values) : numpyMean(values);
    return { value, text: formatFixed(value, 2) };
  }
  throw new ClueError('INVALID_ARGUMENT', `no aggregation rule for task ${task}`);
}
