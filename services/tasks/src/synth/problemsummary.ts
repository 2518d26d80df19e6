/**
 * Synthetic BioNLP 2023 task 1A rows (`BioNLP2023-1A-Test.csv`): the Subjective, Objective and
 * Assessment sections of a daily ICU progress note, and the problem list as the Summary
 * ("Sepsis;Acute kidney injury;..."). Fields are multi-line and contain commas and double quotes.
 * Deterministic edge cases: every 5th Summary ends with ";", every 6th row uses CRLF line breaks
 * inside its Objectives, and every 4th row writes temperatures with "°C" and a dose in "µg".
 */
import type { SynthRandom } from './rng.js';
import { CONDITIONS, type Condition } from './conditions.js';
import { ALLERGIES, SUBJECTIVE_FILLER } from './vocab.js';

/** One row of the CSV. */
export type ProblemSummaryRecord = {
  readonly 'File ID': string;
  readonly Subjectives: string;
  readonly Objectives: string;
  readonly Assessment: string;
  readonly Summary: string;
};

/** The CSV header, in column order. */
export const PROBLEM_SUMMARY_COLUMNS = ['File ID', 'Subjectives', 'Objectives', 'Assessment', 'Summary'] as const;

const lower = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

function subjectives(r: SynthRandom, main: Condition): string {
  const lines = [
    `Chief Complaint: ${lower(main.name)}`,
    '   24 Hour Events:',
    ...r.sample(SUBJECTIVE_FILLER, r.int(1, 4)).map((s) => `   - ${s}`),
    '   Allergies:',
    `   ${r.pick(ALLERGIES)}`,
  ];
  if (r.chance(0.4)) lines.push(`   Patient states "I feel ${r.pick(['a little better', 'worse', 'tired, but OK'])}" this morning.`);
  if (r.chance(0.5)) lines.push('   Review of systems is unchanged from admission except as noted above.');
  return lines.join('\n');
}

function objectives(r: SynthRandom, special: boolean, crlf: boolean): string {
  const tmax = r.decimal(36.8, 39.4, 1);
  const temp = special ? `${tmax} °C` : `${tmax} C`;
  const lines = [
    'Vital signs',
    `   Tmax: ${temp}`,
    `   HR: ${r.int(62, 118)} (${r.int(55, 70)} - ${r.int(105, 130)}) bpm`,
    `   BP: ${r.int(95, 150)}/${r.int(45, 85)}(${r.int(60, 100)}) mmHg`,
    `   RR: ${r.int(12, 28)} insp/min`,
    `   SpO2: ${r.int(88, 100)}%`,
    'Physical Examination',
    `   General: ${r.pick(['Awake, alert, oriented x3', 'Sleepy, arousable to voice', 'No acute distress'])}`,
    `   Lungs: ${r.pick(['Crackles at both bases', 'Clear to auscultation bilaterally', 'Diffuse expiratory wheezes'])}`,
    `   Extremities: ${r.pick(['1+ edema to the knees', 'No edema', 'Trace edema, warm'])}`,
    'Labs / Radiology',
    `   WBC ${r.decimal(3.1, 19.8, 1)}, Hct ${r.decimal(21, 42, 1)}, Plt ${r.int(48, 420)}`,
    `   Na ${r.int(124, 146)}, K ${r.decimal(2.9, 6.1, 1)}, Cr ${r.decimal(0.6, 4.8, 1)}, Glucose ${r.int(68, 380)}`,
  ];
  if (special) lines.push(`   Vancomycin trough 14.2 µg/mL`);
  return lines.join(crlf ? '\r\n' : '\n');
}

function assessment(r: SynthRandom, main: Condition, others: readonly Condition[]): string {
  const hx = others.map((c) => lower(c.name));
  const history = hx.length > 1 ? hx.slice(0, -1).join(', ') + ' and ' + hx[hx.length - 1]! : (hx[0] ?? 'no significant history');
  const lines = [
    `${r.int(31, 94)} year old ${r.pick(['man', 'woman'])} with h/o ${history} who was admitted with ${main.finding}, found to have ${lower(main.name)}.`,
    `   Treated with ${main.treatment}, ${r.pick(['now improving', 'clinically stable', 'still requiring ICU level care'])}.`,
  ];
  if (r.chance(0.5)) lines.push(`   Will continue current management, reassess in the "AM" with repeat labs.`);
  return lines.join('\n');
}

/** `count` ProblemSummary rows. */
export function generateProblemSummary(r: SynthRandom, count: number): ProblemSummaryRecord[] {
  const out: ProblemSummaryRecord[] = [];
  for (let i = 0; i < count; i++) {
    const conds = r.sample(CONDITIONS, r.int(2, 5));
    const main = conds[0]!;
    const names = conds.map((c) => c.name);
    let summary = names.join(';');
    if (i % 5 === 2) summary += ';';
    out.push({
      'File ID': r.digits(6),
      Subjectives: subjectives(r, main),
      Objectives: objectives(r, i % 4 === 1, i % 6 === 3),
      Assessment: assessment(r, main, conds.slice(1)),
      Summary: summary,
    });
  }
  return out;
}
