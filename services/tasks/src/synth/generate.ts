/**
 * Deterministic synthetic data in the real file formats of the six CLUE tasks, for tests and the
 * local demo (real CLUE data is credentialed; nothing here comes from real patients).
 *
 * Each short task's file holds `samples` + CLUE's few-shot count records, so exactly `samples` are
 * scored; LongHealth gets `samples` questions spread over 2-20 patients. The same options always
 * give byte-identical files: every draw comes from `PyRandom`, one independent stream per task.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ClueError, coerceError } from '../errors.js';
import type { TaskId } from '../types.js';
import { writeXlsx } from '../loaders/xlsx-writer.js';
import { SynthRandom } from './rng.js';
import { generateMedNli, type MedNliRecord } from './mednli.js';
import { generateMeqsum, type MeqsumRecord } from './meqsum.js';
import { PROBLEM_SUMMARY_COLUMNS, generateProblemSummary, type ProblemSummaryRecord } from './problemsummary.js';
import { generateMedisumcode, generateMedisumqa, type MedisumcodeRecord, type MedisumqaRecord } from './medisum.js';
import { generateLongHealth, type LongHealthBenchmark } from './longhealth.js';
import { pyJsonDumps, toCsv, toJsonLines } from './writers.js';

/** CLUE's file name of each task (`data/<Task>/<file>`). */
export const SYNTH_FILE_NAMES: Readonly<Record<TaskId, string>> = {
  mednli: 'mli_test_v1.jsonl',
  meqsum: 'MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx',
  problemsummary: 'BioNLP2023-1A-Test.csv',
  medisumqa: 'MeDiSumQA.json',
  medisumcode: 'MeDiSumCode.json',
  longhealth: 'benchmark_v5.json',
};

/** Few-shot records CLUE takes from the front of each shuffled file (its launch scripts). */
export const SYNTH_FEW_SHOT: Readonly<Record<Exclude<TaskId, 'longhealth'>, number>> = {
  mednli: 3,
  meqsum: 3,
  problemsummary: 3,
  medisumqa: 1,
  medisumcode: 1,
};

/** Default number of scored samples per task. */
export const DEFAULT_SYNTH_SAMPLES = 40;
/** Default seed. */
export const DEFAULT_SYNTH_SEED = 1;
/** Largest accepted `samples`. */
export const MAX_SYNTH_SAMPLES = 10_000;

/** What to generate. */
export interface SynthOptions {
  /** Scored test samples per task (LongHealth: questions). @default 40 */
  readonly samples?: number;
  /** Seed of all draws; a non-negative integer. @default 1 */
  readonly seed?: number;
  /** LongHealth patients, 2-20. @default ceil(samples / 20) clamped to 2..20 */
  readonly patients?: number;
  /**
   * LongHealth questions. Each question gives 5 prompts to each of LongHealth's three subtasks, so
   * `ceil(samples / 5)` already gives every subtask at least `samples` prompts. @default samples
   */
  readonly longHealthQuestions?: number;
}

/** Options of `generateDatasets`: `SynthOptions` plus where to write. */
export interface GenerateDatasetsOptions extends SynthOptions {
  /** Directory the six files are written to (created if missing). */
  readonly outDir: string;
}

/** Absolute paths of the written files, by task. */
export type DatasetFiles = Readonly<Record<TaskId, string>>;

/** The generated records of all six tasks, in file order. */
export interface SynthDatasets {
  readonly mednli: readonly MedNliRecord[];
  readonly meqsum: readonly MeqsumRecord[];
  readonly problemsummary: readonly ProblemSummaryRecord[];
  readonly medisumqa: readonly MedisumqaRecord[];
  readonly medisumcode: readonly MedisumcodeRecord[];
  readonly longhealth: LongHealthBenchmark;
}

/** Options with defaults applied and checked. */
export interface ResolvedSynthConfig {
  readonly samples: number;
  readonly seed: number;
  readonly patients: number;
  readonly longHealthQuestions: number;
}

function checkInt(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new ClueError('INVALID_ARGUMENT', `synthetic data: ${name} must be an integer from ${lo} to ${hi}, got ${String(v)}`);
  }
  return v;
}

/** Applies defaults and validates; throws ClueError INVALID_ARGUMENT naming the bad option. */
export function resolveSynthOptions(options: SynthOptions = {}): ResolvedSynthConfig {
  const samples = checkInt('samples', options.samples ?? DEFAULT_SYNTH_SAMPLES, 1, MAX_SYNTH_SAMPLES);
  const seed = checkInt('seed', options.seed ?? DEFAULT_SYNTH_SEED, 0, Number.MAX_SAFE_INTEGER);
  const longHealthQuestions = checkInt('longHealthQuestions', options.longHealthQuestions ?? samples, 1, MAX_SYNTH_SAMPLES);
  const patients =
    options.patients === undefined
      ? Math.min(20, Math.max(2, Math.ceil(longHealthQuestions / 20)))
      : checkInt('patients', options.patients, 2, 20);
  return { samples, seed, patients, longHealthQuestions };
}

/** Generates all records without writing anything. Throws ClueError INVALID_ARGUMENT on bad options. */
export function generateInMemory(options: SynthOptions = {}): SynthDatasets {
  const { samples, seed, patients, longHealthQuestions } = resolveSynthOptions(options);
  const rng = (stream: number): SynthRandom => new SynthRandom(seed, stream);
  return {
    mednli: generateMedNli(rng(1), samples + SYNTH_FEW_SHOT.mednli),
    meqsum: generateMeqsum(rng(2), samples + SYNTH_FEW_SHOT.meqsum),
    problemsummary: generateProblemSummary(rng(3), samples + SYNTH_FEW_SHOT.problemsummary),
    medisumqa: generateMedisumqa(rng(4), samples + SYNTH_FEW_SHOT.medisumqa),
    medisumcode: generateMedisumcode(rng(5), samples + SYNTH_FEW_SHOT.medisumcode),
    longhealth: generateLongHealth(rng(6), patients, longHealthQuestions),
  };
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The exact bytes of each task's file. */
export function renderDatasets(data: SynthDatasets): Readonly<Record<TaskId, Uint8Array>> {
  return {
    // MedNLI and MeDiSumCode: Python's default ensure_ascii=True; the others keep raw UTF-8.
    mednli: utf8(toJsonLines(data.mednli)),
    meqsum: writeXlsx([{ name: 'QS', rows: [['File', 'CHQ', 'Summary'], ...data.meqsum.map((x) => [x.File, x.CHQ, x.Summary])] }]),
    problemsummary: utf8(toCsv([[...PROBLEM_SUMMARY_COLUMNS], ...data.problemsummary.map((x) => PROBLEM_SUMMARY_COLUMNS.map((c) => x[c]))])),
    medisumqa: utf8(pyJsonDumps(data.medisumqa, { indent: 4, ensureAscii: false })),
    medisumcode: utf8(pyJsonDumps(data.medisumcode, { indent: 4 })),
    longhealth: utf8(pyJsonDumps(data.longhealth, { indent: 4, ensureAscii: false })),
  };
}

/**
 * Generates the six files with CLUE's names into `outDir` (created if missing) and returns their
 * absolute paths. Throws ClueError INVALID_ARGUMENT on bad options or when a file cannot be written.
 */
export async function generateDatasets(options: GenerateDatasetsOptions): Promise<DatasetFiles> {
  if (typeof options.outDir !== 'string' || options.outDir.trim() === '') {
    throw new ClueError('INVALID_ARGUMENT', 'synthetic data: outDir must be a non-empty directory path');
  }
  const bytes = renderDatasets(generateInMemory(options));
  const dir = resolve(options.outDir);
  const paths = Object.fromEntries(
    (Object.keys(SYNTH_FILE_NAMES) as TaskId[]).map((t) => [t, resolve(dir, SYNTH_FILE_NAMES[t])]),
  ) as Record<TaskId, string>;
  try {
    await mkdir(dir, { recursive: true });
    for (const t of Object.keys(paths) as TaskId[]) await writeFile(paths[t], bytes[t]);
  } catch (e) {
    const err = coerceError(e);
    throw new ClueError('INVALID_ARGUMENT', `synthetic data: cannot write to ${dir}: ${err.message}`, { cause: err });
  }
  return paths;
}
