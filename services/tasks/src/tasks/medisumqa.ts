/**
 * MeDiSumQA (eval/eval_MeDiSumQA.py): JSON array of {discharge_summary, Question, Answer}, 1-shot;
 * also the JSONL that CLUE's generator writes.
 */
import type { ShortTaskDefinition } from './task.js';
import { loadJsonRecords } from '../loaders/json-records.js';
import { requireFields, requireString } from './fields.js';

export const medisumqa: ShortTaskDefinition = {
  id: 'medisumqa',
  name: 'MeDiSumQA',
  fileName: 'MeDiSumQA.json',
  format: 'JSON array (or generator JSONL) of objects with discharge_summary, Question, Answer',
  fewShot: 1,
  maxTokens: 512,
  systemPrompt:
    'You are a highly skilled assistant, specifically trained to assist lays in understanding and extracting key information from medical documents. Your primary responsibility will be to interprete discharge letters from hospitals. You will receive such a discharge letter. You should carefully review the contents and accurately answer questions related to this document. Only respond with the correct answer to the question. Answer briefly without mentioning a lot of specific details. If the question is about measurements (e.g., lab values), interpret their meaning in relation to the question, rather than writing down the values. Do not generate anything else.',
  userTemplate:
    '--------------BEGIN DISCHARGE LETTER--------------\n{discharge_summary}\n--------------END DISCHARGE LETTER--------------\n{Question}',
  assistantTemplate: '{Answer}',
  referenceField: 'Answer',
  load: loadJsonRecords,
  prepare(record, loc) {
    // CLUE's generator (post_process_qas.py) writes JSONL with the letter as
    // `without_discharge_summary` (the note without the discharge instructions the questions were
    // made from); its first stage calls it `without_summary`. Map either to the field the eval reads.
    if (!record.has('discharge_summary')) {
      for (const alt of ['without_discharge_summary', 'without_summary']) {
        if (record.has(alt)) {
          record = new Map(record);
          record.set('discharge_summary', record.get(alt)!);
          break;
        }
      }
    }
    requireFields(record, ['discharge_summary', 'Question'], loc);
    requireString(record, 'Answer', loc);
    return record;
  },
};
