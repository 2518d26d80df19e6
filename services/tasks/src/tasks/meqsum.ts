/** MeQSum (eval/eval_meqsum.py): the xlsx sheet as pandas reads it, 3-shot question summarisation. */
import type { ShortTaskDefinition } from './task.js';
import { readXlsxRecords } from '../loaders/xlsx.js';
import { requireFields, requireString } from './fields.js';

export const meqsum: ShortTaskDefinition = {
  id: 'meqsum',
  name: 'MeQSum',
  fileName: 'MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx',
  format: 'XLSX, first sheet, header row with CHQ and Summary columns',
  fewShot: 3,
  maxTokens: 512,
  systemPrompt:
    'You are a highly skilled assistant, specifically trained to assist patients. Your primary responsibility will be to summarize patient inquiries as concise question. You will be given such a patient inquiry. You will be expected to summarize and rewrite the inquiry as a concise question. Only write out the question. Do not add any other text.',
  userTemplate:
    '--------------PATIENT INQUIRY--------------\n{CHQ}\n--------------END PATIENT INQUIRY--------------',
  assistantTemplate: '{Summary}',
  referenceField: 'Summary',
  load(bytes, file) {
    const table = readXlsxRecords(bytes, file);
    return {
      file,
      records: table.records,
      locations: table.rows.map((row, i) => ({ file, record: i + 1, row })),
    };
  },
  prepare(record, loc) {
    requireFields(record, ['CHQ'], loc);
    requireString(record, 'Summary', loc);
    return record;
  },
};
