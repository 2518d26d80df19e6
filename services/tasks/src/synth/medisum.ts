/**
 * Synthetic MeDiSumQA (`{discharge_summary, Question, Answer, note_id}`) and MeDiSumCode
 * (`{hadm_id, text, icd_codes: [{code, description}]}`) records, both made from MIMIC-IV style
 * discharge notes. Deterministic edge cases: every 5th note uses °C, µg and an accented place name;
 * every 7th MeDiSumCode record lists one code twice (as MIMIC's ICD-9 to ICD-10 mapping can).
 */
import type { SynthRandom } from './rng.js';
import { CONDITIONS } from './conditions.js';
import { buildDischargeNote, type DischargeNote } from './discharge.js';

/** One MeDiSumQA record. */
export type MedisumqaRecord = {
  readonly note_id: string;
  readonly discharge_summary: string;
  readonly Question: string;
  readonly Answer: string;
};

/** One ICD-10 code of a MeDiSumCode record. */
export type IcdCodeEntry = {
  readonly code: string;
  readonly description: string;
};

/** One MeDiSumCode record. */
export type MedisumcodeRecord = {
  readonly hadm_id: string;
  readonly text: string;
  readonly icd_codes: readonly IcdCodeEntry[];
};

const lower = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

type QaBuilder = (note: DischargeNote) => readonly [string, string];

const QA_BUILDERS: readonly QaBuilder[] = [
  (n) => ['Why was I admitted to the hospital?', `You were admitted because of ${lower(n.complaint)}, which was caused by ${lower(n.conditions[0]!.name)}.`],
  (n) => ['How was my condition treated in the hospital?', `You were treated with ${n.conditions[0]!.treatment}.`],
  (n) => ['What new medication should I take after discharge?', `You should start taking ${n.newMedication}.`],
  (n) => ['Which medication should I stop taking and why?', `You should stop taking ${n.stoppedMedication.split(' ')[0]} because ${n.stopReason}.`],
  (n) => ['When should I see my primary care doctor?', `You should see your primary care doctor within ${n.followUpDays} days.`],
  (n) => [
    'What other health problems were found during my stay?',
    n.conditions.length > 1 ? `You also have ${n.conditions.slice(1).map((c) => lower(c.name)).join(', ')}.` : 'No other health problems were found.',
  ],
];

function noteFor(r: SynthRandom, i: number): DischargeNote {
  const conds = r.sample(CONDITIONS, r.int(3, 8));
  return buildDischargeNote(r, conds, { nonAscii: i % 5 === 1 });
}

/** `count` MeDiSumQA records, one question per note. */
export function generateMedisumqa(r: SynthRandom, count: number): MedisumqaRecord[] {
  const out: MedisumqaRecord[] = [];
  for (let i = 0; i < count; i++) {
    const note = noteFor(r, i);
    const [question, answer] = r.pick(QA_BUILDERS)(note);
    out.push({ note_id: `${r.digits(8)}-DS-${r.int(2, 29)}`, discharge_summary: note.summaryText, Question: question, Answer: answer });
  }
  return out;
}

/** `count` MeDiSumCode records; codes in diagnosis order, primary first. */
export function generateMedisumcode(r: SynthRandom, count: number): MedisumcodeRecord[] {
  const out: MedisumcodeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const note = noteFor(r, i);
    const codes: IcdCodeEntry[] = note.conditions.map((c) => ({ code: c.code, description: c.description }));
    if (i % 7 === 3) codes.push({ ...codes[r.int(0, codes.length - 1)]! });
    out.push({ hadm_id: '2' + r.digits(7), text: note.text, icd_codes: codes });
  }
  return out;
}
