/**
 * Cell aggregation: from the per-sample records of a cell's units (results objects, JSONL of
 * SampleRecord) to the cell's metrics with @clue/tasks (`aggregateSamples`, `taskScore`). Pure given
 * the records, so recomputing a cell always gives the same result. LongHealth is aggregated per
 * subtask (`Task<n>_Accuracy` over the prompts of task n). Metrics that no sample carries are listed as
 * not computed with the reason (the model-based ones with the library's reason).
 */
import type { ObjectStore } from '@nats-io/obj';
import { bertPairStatsOf, type SampleRecord } from '@clue/common';
import {
  BERTSCORE_TASKS,
  FAMILY_KEYS,
  METRIC_KEYS,
  bertBatchScores,
  MODEL_METRICS,
  NOT_COMPUTED_REASONS,
  aggregateSamples,
  taskScore,
  type AggregationMode,
  type MetricValues,
  type TaskId,
} from '@clue/tasks';
import type { CellRecord, StoredUnitRecord } from './records.js';

/** A results object that cannot be aggregated (names the unit and line). */
export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

/** The aggregated part of a cell record. */
export type CellAggregate = Pick<CellRecord, 'samples' | 'metrics' | 'metricTexts' | 'notComputed' | 'score' | 'missing'>;

/** Parses and checks one unit's JSONL: every index of [start, end) exactly once, numeric metrics. */
export function parseUnitResults(unit: Pick<StoredUnitRecord, 'id' | 'start' | 'end'>, text: string): SampleRecord[] {
  const out: SampleRecord[] = [];
  const seen = new Set<number>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `results of unit ${unit.id}, line ${i + 1}`;
    let rec: SampleRecord;
    try {
      rec = JSON.parse(line) as SampleRecord;
    } catch {
      throw new ResultsError(`${where}: not valid JSON`);
    }
    if (typeof rec !== 'object' || rec === null || !Number.isInteger(rec.index)) throw new ResultsError(`${where}: field 'index' must be an integer`);
    if (rec.index < unit.start || rec.index >= unit.end) throw new ResultsError(`${where}: index ${rec.index} is outside the unit's range [${unit.start}, ${unit.end})`);
    if (seen.has(rec.index)) throw new ResultsError(`${where}: index ${rec.index} appears twice`);
    if (typeof rec.metrics !== 'object' || rec.metrics === null) throw new ResultsError(`${where}: field 'metrics' must be an object`);
    for (const [k, v] of Object.entries(rec.metrics)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ResultsError(`${where}: metric '${k}' must be a finite number`);
    }
    seen.add(rec.index);
    out.push(rec);
  });
  if (seen.size !== unit.end - unit.start) {
    const missing = [];
    for (let i = unit.start; i < unit.end && missing.length < 5; i++) if (!seen.has(i)) missing.push(i);
    throw new ResultsError(`results of unit ${unit.id}: ${unit.end - unit.start - seen.size} sample(s) missing (e.g. index ${missing.join(', ')})`);
  }
  return out;
}

/** Reads and checks a unit's results object. @throws ResultsError when absent or malformed. */
export async function readUnitResults(store: ObjectStore, unit: StoredUnitRecord): Promise<SampleRecord[]> {
  const name = unit.resultsObject ?? unit.id;
  const blob = await store.getBlob(name);
  if (!blob) throw new ResultsError(`results object '${name}' of unit ${unit.id} is missing`);
  return parseUnitResults(unit, new TextDecoder().decode(blob));
}

function notReported(key: string, have: number, total: number): string {
  const family = MODEL_METRICS[key];
  if (family && have === 0) return NOT_COMPUTED_REASONS[family];
  return have === 0 ? 'not computed: no sample carries this metric' : `not computed: only ${have} of ${total} samples carry this metric`;
}

/** Aggregates metric `keys` over `rows` into `metrics`/`texts`, or lists them as not computed. */
function aggregateKeys(
  task: TaskId,
  rows: readonly MetricValues[],
  keys: readonly string[],
  mode: AggregationMode,
  acc: { metrics: Record<string, number>; texts: Record<string, string>; notComputed: Record<string, string> },
  emptyReason: string,
): void {
  const present = keys.filter((k) => rows.length > 0 && rows.every((r) => typeof r[k] === 'number'));
  for (const k of keys) {
    if (present.includes(k)) continue;
    acc.notComputed[k] = rows.length === 0 ? emptyReason : notReported(k, rows.filter((r) => typeof r[k] === 'number').length, rows.length);
  }
  if (present.length === 0) return;
  const projected = rows.map((r) => Object.fromEntries(present.map((k) => [k, r[k]!])) as MetricValues);
  const agg = aggregateSamples(task, projected, mode);
  for (const k of present) {
    acc.metrics[k] = agg[k]!.value;
    acc.texts[k] = agg[k]!.text;
  }
}

/** Why BERT_P/R/F1 are missing when the run's spec switched BERTScore off. */
export const BERTSCORE_OFF_REASON = 'not computed: BERTScore was switched off by the run spec (disable_bertscore)';

/** How a cell is aggregated. */
export interface CellOptions {
  /** `clue`: CLUE's arithmetic (see @clue/tasks aggregateSamples). */
  readonly mode: AggregationMode;
  /** False when the run's spec switched BERTScore off. @default true */
  readonly bertscore?: boolean;
}

/**
 * bert_score's P/R/F1 of every sample, from the pairs' statistics in CLUE's order (bert_score.score is
 * called once over the whole test set, in batches of 64: which pairs share a batch decides whether a
 * padded 0 joins a token's max). NaN P or R (a side made of [CLS]/[SEP] only) leaves that key out.
 * @throws ResultsError when a sample has no statistics: a BERTScore cell is complete only with them.
 */
function withBertScores(sorted: readonly SampleRecord[]): { rows: MetricValues[]; nanKeys: Map<string, number> } {
  const stats = sorted.map((s) => {
    if (!s.bertscore) throw new ResultsError(`sample ${s.index} has no BERTScore statistics: the worker that ran it did not score it with BERTScore (a worker older than its coordinator?); upgrade the workers and submit the run again`);
    return bertPairStatsOf(s.bertscore);
  });
  const scores = bertBatchScores(stats);
  const nanKeys = new Map<string, number>();
  const rows = sorted.map((s, i) => {
    const out: Record<string, number> = { ...s.metrics };
    const [kp, kr, kf] = FAMILY_KEYS.bertscore;
    const values: [string, number][] = [[kp, scores.p[i]!], [kr, scores.r[i]!], [kf, scores.f[i]!]];
    for (const [k, v] of values) {
      if (Number.isNaN(v)) {
        if (!nanKeys.has(k)) nanKeys.set(k, s.index);
        delete out[k];
      } else out[k] = v;
    }
    return out as MetricValues;
  });
  return { rows, nanKeys };
}

/** Aggregates a cell's samples (any order; sorted by index first, as CLUE's order matters in `clue` mode). */
export function aggregateCell(task: TaskId, samples: readonly SampleRecord[], opts: CellOptions | AggregationMode): CellAggregate {
  const { mode, bertscore = true } = typeof opts === 'string' ? { mode: opts } : opts;
  const sorted = [...samples].sort((a, b) => a.index - b.index);
  const acc = { metrics: {} as Record<string, number>, texts: {} as Record<string, string>, notComputed: {} as Record<string, string> };
  if (BERTSCORE_TASKS.has(task) && sorted.length > 0) {
    const bertKeys = new Set<string>(FAMILY_KEYS.bertscore);
    const keys = METRIC_KEYS[task].filter((k) => !bertKeys.has(k));
    if (!bertscore) {
      aggregateKeys(task, sorted.map((s) => s.metrics), keys, mode, acc, 'not computed: no samples');
      for (const k of FAMILY_KEYS.bertscore) acc.notComputed[k] = BERTSCORE_OFF_REASON;
    } else {
      const { rows, nanKeys } = withBertScores(sorted);
      aggregateKeys(task, rows, METRIC_KEYS[task].filter((k) => !nanKeys.has(k)), mode, acc, 'not computed: no samples');
      for (const [k, index] of nanKeys) acc.notComputed[k] = `not a number: sample ${index} has only [CLS]/[SEP] tokens on one side, and bert_score's ${k} mean is then NaN`;
    }
  } else if (task === 'longhealth') {
    for (const n of [1, 2, 3]) {
      const key = `Task${n}_Accuracy`;
      const rows = sorted.filter((s) => s.subtask === n || (s.subtask === undefined && key in s.metrics)).map((s) => s.metrics);
      aggregateKeys(task, rows, [key], mode, acc, `not computed: the run has no LongHealth task ${n} prompts (max_samples)`);
    }
  } else {
    aggregateKeys(task, sorted.map((s) => s.metrics), METRIC_KEYS[task], mode, acc, 'not computed: no samples');
  }
  const ts = taskScore(task, acc.metrics);
  return { samples: sorted.length, metrics: acc.metrics, metricTexts: acc.texts, notComputed: acc.notComputed, score: ts.score, missing: [...ts.missing] };
}
