/**
 * ProblemSummary (eval/eval_ProblemSummary.py): BioNLP 2023 task 1A CSV, 3-shot.
 * CLUE's preprocessing, kept exactly: `if Summary[-1] == ";": Summary[:-1]` discards its result (a
 * no-op), then every ";" becomes ", " — so "a;b;" turns into "a, b, ". An empty Summary makes CLUE
 * fail with IndexError; here it is a DatasetError naming the record.
 */
import type { ShortTaskDefinition } from './task.js';
import { DatasetError } from '../errors.js';
import { parseCsv } from '../loaders/csv.js';
import { decodeUtf8 } from '../loaders/text.js';
import type { PyRecord } from '../py/value.js';
import { requireFields, requireString } from './fields.js';

export const problemsummary: ShortTaskDefinition = {
  id: 'problemsummary',
  name: 'Problem Summary',
  fileName: 'BioNLP2023-1A-Test.csv',
  format: 'CSV with a header row; Subjectives, Assessment and Summary columns',
  fewShot: 3,
  maxTokens: 512,
  systemPrompt:
    "You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals in interpreting and extracting key information from medical documents. Your primary responsibility will be to analyze discharge letters from hospitals. You will receive an excerpt of such a discharge letter. Your task is to summarize the diagnoses and problems that led to the patient's hospitalization.",
  userTemplate:
    '--------------BEGIN DISCHARGE LETTER--------------\n{Subjectives}\n\n{Assessment}\n--------------END DISCHARGE LETTER--------------\nNow respond with the list of diagnoses and patient problems. Do not generate anything else.',
  assistantTemplate: '{Summary}',
  referenceField: 'Summary',
  load(bytes, file) {
    let text = decodeUtf8(bytes, file);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const rows = parseCsv(text, file);
    const header = rows[0];
    if (!header) throw new DatasetError({ file }, 'empty CSV file: no header row');
    const records: PyRecord[] = [];
    const locations = [];
    for (let r = 1; r < rows.length; r++) {
      const row = rows[r]!;
      // dict(zip(headers, row)): extra cells are dropped, missing cells leave keys out.
      const rec: PyRecord = new Map();
      const n = Math.min(header.fields.length, row.fields.length);
      for (let c = 0; c < n; c++) rec.set(header.fields[c]!, row.fields[c]!);
      records.push(rec);
      locations.push({ file, record: r, line: row.line });
    }
    return { file, records, locations };
  },
  prepare(record, loc) {
    requireFields(record, ['Subjectives', 'Assessment'], loc);
    const summary = requireString(record, 'Summary', loc);
    if (summary.length === 0) {
      throw new DatasetError({ ...loc, field: 'Summary' }, 'empty Summary (CLUE fails on it with IndexError)');
    }
    const out: PyRecord = new Map(record);
    out.set('Summary', summary.replaceAll(';', ', '));
    return out;
  },
};
