/** CLUE's metric keys per task, and which of them the paper's table displays. */
import type { TaskId } from '../types.js';

/** Every metric key CLUE writes to a task's results.json, in CLUE's order. */
export const METRIC_KEYS: Readonly<Record<TaskId, readonly string[]>> = {
  mednli: ['ACCURACY'],
  meqsum: ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_P', 'BERT_R', 'BERT_F1'],
  problemsummary: ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_P', 'BERT_R', 'BERT_F1', 'UMLS_P', 'UMLS_R', 'UMLS_F1'],
  medisumqa: ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_P', 'BERT_R', 'BERT_F1', 'UMLS_P', 'UMLS_R', 'UMLS_F1'],
  medisumcode: ['ICD EM P', 'ICD EM R', 'ICD EM F1', 'ICD AP P', 'ICD AP R', 'ICD AP F1', 'VALID CODES'],
  longhealth: ['Task1_Accuracy', 'Task2_Accuracy', 'Task3_Accuracy'],
};

/**
 * The metrics the CLUE paper/website shows per task; a task's score is their mean (in %).
 * P/R variants are not shown.
 */
export const DISPLAYED_METRICS: Readonly<Record<TaskId, readonly string[]>> = {
  mednli: ['ACCURACY'],
  meqsum: ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_F1'],
  problemsummary: ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_F1', 'UMLS_F1'],
  medisumqa: ['ROUGE_L', 'ROUGE1', 'ROUGE2', 'BERT_F1', 'UMLS_F1'],
  medisumcode: ['ICD EM F1', 'ICD AP F1', 'VALID CODES'],
  longhealth: ['Task1_Accuracy', 'Task2_Accuracy', 'Task3_Accuracy'],
};

/** Short column labels like the paper's table. */
export const METRIC_LABELS: Readonly<Record<string, string>> = {
  ACCURACY: 'Acc',
  ROUGE_L: 'R-L',
  ROUGE1: 'R-1',
  ROUGE2: 'R-2',
  BERT_F1: 'BERT F1',
  UMLS_F1: 'UMLS F1',
  'ICD EM F1': 'EM F1',
  'ICD AP F1': 'AP F1',
  'VALID CODES': 'Valid',
  Task1_Accuracy: 'T1',
  Task2_Accuracy: 'T2',
  Task3_Accuracy: 'T3',
};

/** Metrics that need a model (SciBERT for BERTScore, scispaCy's UMLS linker) and a configured scorer. */
export const MODEL_METRICS: Readonly<Record<string, 'bertscore' | 'umls'>> = {
  BERT_P: 'bertscore',
  BERT_R: 'bertscore',
  BERT_F1: 'bertscore',
  UMLS_P: 'umls',
  UMLS_R: 'umls',
  UMLS_F1: 'umls',
};

/** Metrics already on a 0–100 scale in CLUE's output (all others are fractions 0–1). */
export const PERCENT_METRICS: ReadonlySet<string> = new Set(['Task1_Accuracy', 'Task2_Accuracy', 'Task3_Accuracy']);

/** Level 1 tasks (shorter inputs) and Level 2 tasks (long documents), as CLUE groups them. */
export const LEVEL1_TASKS: readonly TaskId[] = ['mednli', 'meqsum', 'problemsummary'];
export const LEVEL2_TASKS: readonly TaskId[] = ['medisumqa', 'medisumcode', 'longhealth'];
