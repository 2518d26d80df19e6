/**
 * MeDiSumCode (eval/eval_MeDiSumCode.py): JSON array of {hadm_id, text, icd_codes: [{code, ...}]},
 * 1-shot. CLUE flattens each record to `{text, codes: ", ".join(codes)}`; the few-shot answer is
 * prefixed with "ICD-10 Codes: ".
 */
import type { ShortTaskDefinition } from './task.js';
import { DatasetError } from '../errors.js';
import { loadJsonRecords } from '../loaders/json-records.js';
import { pyTypeName, type PyRecord } from '../py/value.js';
import { requireField } from './fields.js';

/** CLUE's `assistant_response_start`. */
export const ICD_ANSWER_PREFIX = 'ICD-10 Codes: ';

export const medisumcode: ShortTaskDefinition = {
  id: 'medisumcode',
  name: 'MeDiSumCode',
  fileName: 'MeDiSumCode.json',
  format: 'JSON array of objects with text and icd_codes: [{code, description}]',
  fewShot: 1,
  maxTokens: 512,
  systemPrompt:
    'You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals in interpreting and extracting key information from medical documents. Your primary responsibility will be to analyze discharge letters from hospitals. You will be given such a discharge letter. Your task is to identify all primary and secondary diagnoses from the report and list their respective ICD-10 codes.',
  userTemplate:
    '--------------BEGIN DISCHARGE LETTER--------------\n{text}\n--------------END DISCHARGE LETTER--------------\nNow return the list of diagnoses ICD-10 codes you found. Only list the ICD-10 codes. Do not generate anything else.',
  assistantTemplate: ICD_ANSWER_PREFIX + '{codes}',
  referenceField: 'codes',
  load: loadJsonRecords,
  prepare(record, loc) {
    const text = requireField(record, 'text', loc);
    const list = requireField(record, 'icd_codes', loc);
    if (!Array.isArray(list)) {
      throw new DatasetError({ ...loc, field: 'icd_codes' }, `must be a list of {code, description}, found a ${pyTypeName(list)}`);
    }
    const codes = list.map((entry, k) => {
      const field = `icd_codes[${k}].code`;
      if (!(entry instanceof Map)) {
        throw new DatasetError({ ...loc, field: `icd_codes[${k}]` }, `must be an object with a code, found a ${pyTypeName(entry)}`);
      }
      if (!entry.has('code')) throw new DatasetError({ ...loc, field }, 'missing field');
      const code = entry.get('code');
      if (typeof code !== 'string') {
        throw new DatasetError({ ...loc, field }, `must be a string, found a ${pyTypeName(code ?? null)}`);
      }
      return code;
    });
    const out: PyRecord = new Map();
    out.set('text', text);
    out.set('codes', codes.join(', '));
    return out;
  },
};
