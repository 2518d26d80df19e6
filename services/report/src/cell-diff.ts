/**
 * One cell's score difference between two runs, with a paired-bootstrap interval: the samples of run A
 * and run B are paired by `index`, the task score is computed on the pairs as the coordinator computes a
 * cell's score (`taskScore(aggregateSamples(...))`, mode `exact`; LongHealth per subtask, Task<n>_Accuracy
 * over the prompts of task n), and the bootstrap statistic is score_B − score_A on the same resampled pairs.
 *
 * BERTScore: the coordinator recomputes a cell's BERT_P/R/F1 over bert_score's batches of 64 (a padded 0
 * can join a token's maximum). Here each sample's own `BERT_F1` from its `metrics` (the pair scored
 * alone, as the worker records it) is used instead: a per-sample approximation of the cell's BERT F1,
 * equal to it except where padding changes a token's maximum.
 */
import type { SampleRecord } from '@clue/common';
import { DISPLAYED_METRICS, PERCENT_METRICS, aggregateSamples, taskScore, type MetricValues, type TaskId } from '@clue/tasks';
import { pairedBootstrap, type BootstrapOptions } from './bootstrap.js';
import { ReportError } from './errors.js';

/** Whether a run has the cell: complete (it has a result), failed (or unfinished), or absent from the run. */
export type CellSideState = 'complete' | 'failed' | 'absent';

/**
 * `ok`: the interval was computed. Otherwise why not: `missing` (a side does not have the cell), `failed`
 * (a side has no result), `no-samples` (per-sample records not loaded, or no index in both runs),
 * `no-common-metrics` (no displayed metric is present on every paired sample of both runs).
 */
export type CellDiffStatus = 'ok' | 'missing' | 'failed' | 'no-samples' | 'no-common-metrics';

/** A cell's difference B − A (scores in %). */
export interface CellDiff {
  readonly model: string;
  readonly task: string;
  readonly status: CellDiffStatus;
  /** Why there is no interval; '' when `status` is `ok`. */
  readonly reason: string;
  readonly stateA: CellSideState;
  readonly stateB: CellSideState;
  /** `ok`: the score over the paired samples; otherwise the run's cell score when it has one. */
  readonly scoreA: number | null;
  readonly scoreB: number | null;
  /** scoreB − scoreA when both are known (a point difference only unless `status` is `ok`). */
  readonly delta: number | null;
  /** The bootstrap interval of the difference (`ok` only). */
  readonly low: number | null;
  readonly high: number | null;
  /** The interval excludes 0. */
  readonly significant: boolean;
  /** Samples paired by index, and samples of each run without a partner. */
  readonly paired: number;
  readonly unpairedA: number;
  readonly unpairedB: number;
  /** The displayed metrics the paired score averages (`ok` only). */
  readonly metrics: readonly string[];
  /** What a reader should know: metrics left out, prompts that differ between the runs. */
  readonly notes: readonly string[];
}

/** A cell difference without an interval (a side missing or failed, no samples). */
export function unavailableCellDiff(
  base: Pick<CellDiff, 'model' | 'task' | 'status' | 'reason' | 'stateA' | 'stateB'> & Partial<Pick<CellDiff, 'scoreA' | 'scoreB' | 'paired' | 'unpairedA' | 'unpairedB' | 'notes'>>,
): CellDiff {
  const scoreA = base.scoreA ?? null;
  const scoreB = base.scoreB ?? null;
  return inOrder({
    paired: 0,
    unpairedA: 0,
    unpairedB: 0,
    notes: [],
    ...base,
    scoreA,
    scoreB,
    delta: scoreA !== null && scoreB !== null ? scoreB - scoreA : null,
    low: null,
    high: null,
    significant: false,
    metrics: [],
  });
}

/** The fields in the documented order (the JSON of a diff lists them so). */
function inOrder(d: CellDiff): CellDiff {
  const { model, task, status, reason, stateA, stateB, scoreA, scoreB, delta, low, high, significant, paired, unpairedA, unpairedB, metrics, notes } = d;
  return { model, task, status, reason, stateA, stateB, scoreA, scoreB, delta, low, high, significant, paired, unpairedA, unpairedB, metrics, notes };
}

/** LongHealth's subtask of a sample: its `subtask`, else the n of the Task<n>_Accuracy key it carries. */
function subtaskKey(s: SampleRecord): string | null {
  if (s.subtask !== undefined) return `Task${s.subtask}_Accuracy`;
  for (const n of [1, 2, 3]) if (`Task${n}_Accuracy` in s.metrics) return `Task${n}_Accuracy`;
  return null;
}

const hasValue = (s: SampleRecord, key: string): boolean => Number.isFinite(s.metrics[key]);

/** A task score computed from sample records. */
export interface SamplesScore {
  /** Aggregated metrics (CLUE's scale: 0–1, LongHealth 0–100). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Task score in %, null when no displayed metric could be aggregated. */
  readonly score: number | null;
  /** Displayed metrics left out of the score. */
  readonly missing: readonly string[];
}

/**
 * The task score of `samples` as the coordinator aggregates a cell in `exact` mode (a metric counts when
 * every sample carries it; LongHealth per subtask), restricted to the displayed metrics `keys`, with the
 * per-sample BERT_F1 values (see the module comment).
 */
export function scoreSamples(task: TaskId, samples: readonly SampleRecord[], keys: readonly string[] = DISPLAYED_METRICS[task]): SamplesScore {
  const metrics: Record<string, number> = {};
  const aggregate = (rows: readonly SampleRecord[], wanted: readonly string[]): void => {
    const present = wanted.filter((k) => rows.length > 0 && rows.every((r) => hasValue(r, k)));
    if (present.length === 0) return;
    const projected = rows.map((r) => Object.fromEntries(present.map((k) => [k, r.metrics[k]!])) as MetricValues);
    const agg = aggregateSamples(task, projected, 'exact');
    for (const k of present) metrics[k] = agg[k]!.value;
  };
  if (task === 'longhealth') {
    for (const key of keys) aggregate(samples.filter((s) => subtaskKey(s) === key), [key]);
  } else {
    aggregate(samples, keys);
  }
  const ts = taskScore(task, metrics);
  return { metrics, score: ts.score, missing: ts.missing };
}

function byIndex(samples: readonly SampleRecord[], side: string): Map<number, SampleRecord> {
  const out = new Map<number, SampleRecord>();
  for (const s of samples) {
    if (out.has(s.index)) throw new ReportError('INVALID_ARGUMENT', `run ${side} has sample index ${s.index} twice in one cell`);
    out.set(s.index, s);
  }
  return out;
}

/**
 * score_B − score_A over resampled pair positions, from per-sample vectors built once: `values` holds
 * K values per pair (row-major) for plain means (each ×100, as taskScore does for fractions); LongHealth
 * holds a subtask number and 0/1 correctness per pair and recomputes `correct / count * 100` per subtask.
 * Sums are plain float sums: the interval does not depend on the exact mean's last bit.
 */
function fastStatistic(task: TaskId, a: readonly SampleRecord[], b: readonly SampleRecord[], keys: readonly string[]): (idx: readonly number[]) => number {
  const p = a.length;
  const k = keys.length;
  if (task === 'longhealth') {
    const group = new Uint8Array(p);
    const ca = new Uint8Array(p);
    const cb = new Uint8Array(p);
    for (let i = 0; i < p; i++) {
      const g = keys.indexOf(subtaskKey(a[i]!) ?? '');
      group[i] = g;
      ca[i] = a[i]!.metrics[keys[g]!] !== 0 ? 1 : 0;
      cb[i] = b[i]!.metrics[keys[g]!] !== 0 ? 1 : 0;
    }
    const count = new Float64Array(k);
    const corrA = new Float64Array(k);
    const corrB = new Float64Array(k);
    return (idx) => {
      count.fill(0);
      corrA.fill(0);
      corrB.fill(0);
      for (let n = 0; n < idx.length; n++) {
        const i = idx[n]!;
        const g = group[i]!;
        count[g]!++;
        corrA[g]! += ca[i]!;
        corrB[g]! += cb[i]!;
      }
      let sA = 0;
      let sB = 0;
      let m = 0;
      for (let g = 0; g < k; g++) {
        if (count[g] === 0) continue; // taskScore leaves a subtask without prompts out, on both sides
        sA += (corrA[g]! / count[g]!) * 100;
        sB += (corrB[g]! / count[g]!) * 100;
        m++;
      }
      return sB / m - sA / m;
    };
  }
  const va = new Float64Array(p * k);
  const vb = new Float64Array(p * k);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < k; j++) {
      va[i * k + j] = a[i]!.metrics[keys[j]!]!;
      vb[i * k + j] = b[i]!.metrics[keys[j]!]!;
    }
  }
  const scale = keys.map((key) => (PERCENT_METRICS.has(key) ? 1 : 100));
  const sumA = new Float64Array(k);
  const sumB = new Float64Array(k);
  return (idx) => {
    sumA.fill(0);
    sumB.fill(0);
    for (let n = 0; n < idx.length; n++) {
      const row = idx[n]! * k;
      for (let j = 0; j < k; j++) {
        sumA[j]! += va[row + j]!;
        sumB[j]! += vb[row + j]!;
      }
    }
    let d = 0;
    for (let j = 0; j < k; j++) d += ((sumB[j]! - sumA[j]!) / idx.length) * scale[j]!;
    return d / k;
  };
}

/**
 * The difference B − A of one (model, task) cell from both runs' sample records, paired by index.
 * Metrics that a paired sample of either run lacks are left out of both scores (and named in `notes`),
 * so both sides average the same metrics; LongHealth pairs whose subtask differs are left out too.
 * `scoreA`/`scoreB` are exact (`aggregateSamples` + `taskScore`); the interval comes from
 * {@link pairedBootstrap} with the options given.
 * @throws ReportError INVALID_ARGUMENT when a run has an index twice or an option is bad.
 */
export function diffCellSamples(
  model: string,
  task: TaskId,
  samplesA: readonly SampleRecord[],
  samplesB: readonly SampleRecord[],
  options: BootstrapOptions = {},
): CellDiff {
  const mapA = byIndex(samplesA, 'A');
  const mapB = byIndex(samplesB, 'B');
  let pa: SampleRecord[] = [];
  let pb: SampleRecord[] = [];
  let subtaskMismatch = 0;
  let promptMismatch = 0;
  for (const index of [...mapA.keys()].filter((i) => mapB.has(i)).sort((x, y) => x - y)) {
    const a = mapA.get(index)!;
    const b = mapB.get(index)!;
    if (task === 'longhealth' && subtaskKey(a) !== subtaskKey(b)) {
      subtaskMismatch++;
      continue;
    }
    if (a.promptSha256 !== b.promptSha256) promptMismatch++;
    pa.push(a);
    pb.push(b);
  }
  const common = pa.length + subtaskMismatch;
  const counts = { paired: pa.length, unpairedA: mapA.size - common, unpairedB: mapB.size - common };
  const notes: string[] = [];
  if (subtaskMismatch > 0) notes.push(`${subtaskMismatch} index(es) belong to different LongHealth subtasks in the two runs and were left out`);
  if (promptMismatch > 0) notes.push(`${promptMismatch} of ${pa.length} paired samples have different prompts (prompt sha256) in the two runs`);
  const base = { model, task, stateA: 'complete', stateB: 'complete', ...counts, notes } as const;
  if (pa.length === 0) {
    const reason = `no sample index is in both runs (A has ${mapA.size} sample(s), B ${mapB.size})`;
    return unavailableCellDiff({ ...base, status: 'no-samples', reason, scoreA: scoreSamples(task, samplesA).score, scoreB: scoreSamples(task, samplesB).score });
  }

  const keys: string[] = [];
  const candidates = task === 'longhealth' ? DISPLAYED_METRICS.longhealth.filter((k) => pa.some((s) => subtaskKey(s) === k)) : DISPLAYED_METRICS[task];
  for (const key of candidates) {
    const rows = task === 'longhealth' ? pa.map((s, i) => i).filter((i) => subtaskKey(pa[i]!) === key) : pa.map((_, i) => i);
    const inA = rows.filter((i) => hasValue(pa[i]!, key)).length;
    const inB = rows.filter((i) => hasValue(pb[i]!, key)).length;
    if (inA === rows.length && inB === rows.length) keys.push(key);
    else if (inA > 0 || inB > 0) notes.push(`${key} left out: run A has it on ${inA} and run B on ${inB} of ${rows.length} paired samples`);
  }
  if (keys.length === 0) {
    const reason = `no displayed metric (${DISPLAYED_METRICS[task].join(', ')}) is on every paired sample of both runs`;
    return unavailableCellDiff({ ...base, status: 'no-common-metrics', reason });
  }

  if (task === 'longhealth') {
    // Pairs of a subtask whose accuracy is left out do not enter either score, nor the resamples.
    const used = pa.map((s, i) => i).filter((i) => keys.includes(subtaskKey(pa[i]!) ?? ''));
    [pa, pb] = [used.map((i) => pa[i]!), used.map((i) => pb[i]!)];
  }
  const scoreA = scoreSamples(task, pa, keys).score!;
  const scoreB = scoreSamples(task, pb, keys).score!;
  const boot = pairedBootstrap(pa.length, fastStatistic(task, pa, pb, keys), options);
  return inOrder({
    ...base,
    paired: pa.length,
    status: 'ok',
    reason: '',
    scoreA,
    scoreB,
    delta: scoreB - scoreA,
    low: boot.low,
    high: boot.high,
    significant: boot.low > 0 || boot.high < 0,
    metrics: keys,
  });
}

/** `up`/`down` for a significant change (the interval is above/below 0), else null. */
export function changeDirection(d: Pick<CellDiff, 'significant' | 'low' | 'high'>): 'up' | 'down' | null {
  if (!d.significant || d.low === null || d.high === null) return null;
  return d.low > 0 ? 'up' : d.high < 0 ? 'down' : null;
}

/** The mark of a significant change: ▲ up, ▼ down, '' otherwise. */
export function changeMark(d: Pick<CellDiff, 'significant' | 'low' | 'high'>): string {
  const dir = changeDirection(d);
  return dir === 'up' ? '▲' : dir === 'down' ? '▼' : '';
}
