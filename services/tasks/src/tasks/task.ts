/**
 * The shape of a short CLUE task (all but LongHealth): how its file is read into records, the
 * templates, the few-shot count, the gold field and the generation budget CLUE uses.
 */
import type { DatasetLocation } from '../errors.js';
import type { TaskId } from '../types.js';
import type { PyRecord } from '../py/value.js';
import type { ChatTemplates } from './chat.js';

/** Records read from a dataset file, each with its location (for error messages). */
export interface LoadedRecords {
  readonly file: string;
  readonly records: PyRecord[];
  readonly locations: DatasetLocation[];
}

/** Definition of one of the five few-shot CLUE tasks. */
export interface ShortTaskDefinition extends ChatTemplates {
  readonly id: Exclude<TaskId, 'longhealth'>;
  /** CLUE's display name. */
  readonly name: string;
  /** CLUE's file name in `data/<Task>/`. */
  readonly fileName: string;
  /** The file format, for docs and errors. */
  readonly format: string;
  /** Few-shot examples taken from the shuffled data (CLUE's launch scripts). */
  readonly fewShot: number;
  /** `max_tokens` of CLUE's SamplingParams. */
  readonly maxTokens: number;
  /** Field of the (prepared) record that holds the gold answer. */
  readonly referenceField: string;
  /** Reads the file's bytes into records in file order. */
  load(bytes: Uint8Array, file: string): LoadedRecords;
  /**
   * Checks one record and applies CLUE's per-record processing (ProblemSummary's `;` handling,
   * MeDiSumCode's flattening to `{text, codes}`). Per-record mappings commute with the shuffle, so
   * they run in file order, where errors can name the record. Throws DatasetError.
   */
  prepare(record: PyRecord, location: DatasetLocation): PyRecord;
}
