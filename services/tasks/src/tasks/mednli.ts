/** MedNLI (eval/eval_mednli.py): JSONL of sentence pairs, 3-shot, label answer. */
import type { ShortTaskDefinition } from './task.js';
import { loadJsonRecords } from '../loaders/json-records.js';
import { requireFields, requireString } from './fields.js';

export const mednli: ShortTaskDefinition = {
  id: 'mednli',
  name: 'MedNLI',
  fileName: 'mli_test_v1.jsonl',
  format: 'JSONL, one object per line with sentence1, sentence2, gold_label',
  fewShot: 3,
  maxTokens: 20,
  systemPrompt:
    "You are a highly skilled assistant, specifically trained to assist medical professionals. You will recieve two sentences, labeled 'SENTENCE_1' and 'SENTENCE_2', respectively. Your task is to determine the logical relation between the two sentences. Valid answers are: ENTAILMENT, NEUTRAL or CONTRADICTION.",
  userTemplate: '\nSENTENCE_1: {sentence1}\nSENTENCE_2: {sentence2}\n',
  assistantTemplate: '{gold_label}',
  referenceField: 'gold_label',
  load: loadJsonRecords,
  prepare(record, loc) {
    requireFields(record, ['sentence1', 'sentence2'], loc);
    requireString(record, 'gold_label', loc);
    return record;
  },
};
