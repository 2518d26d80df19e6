/**
 * The records kept in JetStream KV and carried on the work queue. They are the whole state of the
 * system: a process may die at any moment and its replacement continues from these.
 */
import type { TaskId } from '@clue/tasks';

/** Sampling values, always explicit. */
export interface SamplingSpec {
  readonly temperature: number;
  readonly topP: number;
  /** 0 = the task's CLUE value. */
  readonly maxTokens: number;
  readonly seed: number;
}

/** A validated run spec. */
export interface RunSpecRecord {
  readonly name: string;
  readonly models: readonly string[];
  readonly tasks: readonly TaskId[];
  /** task -> dataset sha256. */
  readonly datasets: Readonly<Record<string, string>>;
  readonly sampling: SamplingSpec;
  readonly maxSamples: number;
  readonly idempotencyKey: string;
  /** True: the spec switched BERTScore off (BERT_P/R/F1 are then "not computed" with that reason). */
  readonly disableBertscore?: boolean;
}

export type RunStateName = 'pending' | 'running' | 'succeeded' | 'partial' | 'failed' | 'cancelled';
export type UnitStateName = 'queued' | 'running' | 'done' | 'failed';

/** KV `clue_runs/<runId>`. */
export interface RunRecord {
  readonly id: string;
  readonly spec: RunSpecRecord;
  readonly state: RunStateName;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly reason?: string;
  /** Every unit id of the run, grouped by cell `model.task`. */
  readonly cells: Readonly<Record<string, { units: string[]; samples: number }>>;
  /** The last regression-gate verdict recorded for the run (`clue gate --record`). */
  readonly gate?: GateVerdictRecord;
}

/** What `clue gate` decided about a finished run. */
export interface GateVerdictRecord {
  readonly passed: boolean;
  /** The baseline run; empty when there was none (a first night that passed). */
  readonly againstRunId: string;
  readonly violations: number;
  /** One line naming the violated cells and numbers; no patient text. */
  readonly summary: string;
  /** RFC 3339, when the coordinator stored it. */
  readonly recordedAt: string;
}

/** KV `clue_units/<unitId>`; DONE is written with compare-and-set, so it happens once. */
export interface UnitRecord {
  readonly id: string;
  readonly runId: string;
  readonly model: string;
  readonly task: TaskId;
  readonly shard: number;
  /** Sample index range [start, end) in CLUE's evaluation order. */
  readonly start: number;
  readonly end: number;
  readonly state: UnitStateName;
  readonly attempts: number;
  readonly worker?: string;
  /** Object name of the per-sample records, set when DONE. */
  readonly resultsObject?: string;
  readonly reason?: string;
  readonly updatedAt: string;
}

/** The payload of a work-queue message (the unit id doubles as Nats-Msg-Id). */
export interface UnitMessage {
  readonly unitId: string;
  readonly runId: string;
  readonly model: string;
  readonly task: TaskId;
  readonly shard: number;
  readonly start: number;
  readonly end: number;
  readonly dataset: string;
  readonly sampling: SamplingSpec;
  /** True: the unit's outputs are scored with BERTScore (the task's CLUE score includes it, and the spec did not switch it off). */
  readonly bertscore?: boolean;
}

/** One scored sample, as stored in a unit's results object (JSONL). No prompt text, only its hash. */
export interface SampleRecord {
  readonly index: number;
  readonly promptSha256: string;
  readonly output: string;
  readonly finishReason: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** LongHealth: 1, 2 or 3. */
  readonly subtask?: number;
  /** Set when the sample could not be run (e.g. context overflow): recorded, scored as CLUE would. */
  readonly error?: string;
  /** BERTScore units: the pair's statistics, from which the cell reproduces bert_score's batched P/R/F. */
  readonly bertscore?: BertScoreRecord;
}

/**
 * BERTScore statistics of one (prediction, reference) pair, as the scorer returns them. `p`/`r` are
 * the pair's precision and recall alone; `pPad`/`rPad` the same with a 0 joining every token's max
 * (what bert_score computes when the other side is padded in its batch). null stands for NaN (every
 * token of a side is [CLS]/[SEP]). Token counts include [CLS] and [SEP].
 */
export interface BertScoreRecord {
  readonly p: number | null;
  readonly r: number | null;
  readonly pPad: number | null;
  readonly rPad: number | null;
  readonly hypTokens: number;
  readonly refTokens: number;
}
