/**
 * @clue/tasks — the six CLUE tasks (loaders for the real file formats, prompt builders, metrics and
 * CLUE's aggregation), the model catalog and a synthetic-data generator. Pure code: no I/O beyond
 * reading dataset files.
 */
export * from './errors.js';
export * from './types.js';
export { PyRandom, pyShuffled } from './pyrandom.js';
export type { PyValue, PyDict, PyRecord } from './py/value.js';
export { pyStr, pyRepr, pyStrip } from './py/str.js';
export { pyFormat } from './py/format.js';
export { parsePyJson } from './py/json.js';
export { statisticsMean, numpyMean, numpyMeanFloat32, exactMean } from './py/mean.js';
export { formatFixed } from './py/fmt.js';

export { readBytes, readText, decodeUtf8 } from './loaders/text.js';
export { parseCsv } from './loaders/csv.js';
export { loadJsonRecords, loadJsonLines, loadJsonArray } from './loaders/json-records.js';
export { readXlsxRecords, readXlsxFile } from './loaders/xlsx.js';
export { writeXlsx } from './loaders/xlsx-writer.js';

export type { ShortTaskDefinition, LoadedRecords } from './tasks/task.js';
export { SHORT_TASKS, TASK_NAMES, parseTaskId, getShortTask } from './tasks/registry.js';
export { buildTaskPrompts, CLUE_SHUFFLE_SEED, type TaskPrompts, type TaskSample, type BuildPromptsOptions } from './tasks/prompts.js';
export { ICD_ANSWER_PREFIX } from './tasks/medisumcode.js';
export { buildFewShotChat, buildModelInput, buildFirstTurn, mergeSystemIntoFirstUser, type ChatTemplates } from './tasks/chat.js';

export { rougeScores } from './metrics/rouge.js';
export { parseIcdCodes, computeIcdMetrics } from './metrics/icd.js';
export { loadIcd10Table, type Icd10Table } from './metrics/icd10-table.js';
export { mednliAccuracy } from './metrics/mednli.js';
export {
  bertPairStats,
  bertBatchScores,
  BERTSCORE_BATCH_SIZE,
  type TokenEmbeddings,
  type SpecialIds,
  type BertPairStats,
  type BertScores,
} from './metrics/bertscore.js';

export * from './scoring/metric-keys.js';
export * from './scoring/model-scorers.js';
export { scoreSample, type SampleScoreContext } from './scoring/sample.js';
export { aggregateSamples, type AggregationMode, type AggregatedMetric, type AggregatedMetrics } from './scoring/aggregate.js';
export { taskScore, levelScores, type TaskScore, type LevelScores } from './scoring/levels.js';

export * from './longhealth/index.js';
export * from './catalog/index.js';
export { generateDatasets } from './synth/generate.js';
export { CONDITIONS as SYNTH_CONDITIONS } from './synth/conditions.js';
