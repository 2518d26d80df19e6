/**
 * A MIMIC-IV style discharge note (header with `___` de-identification blanks, Chief Complaint,
 * History of Present Illness, Hospital Course, Discharge Diagnosis, Discharge Instructions, ...)
 * built around a list of conditions. MeDiSumQA and MeDiSumCode records are made from it.
 */
import type { SynthRandom } from './rng.js';
import type { Condition } from './conditions.js';
import { ALLERGIES, COMPLAINTS, COURSE_FILLER, INSTRUCTION_FILLER, MEDICATIONS, SERVICES } from './vocab.js';

/** A generated discharge note and the facts questions can be asked about. */
export interface DischargeNote {
  /** The whole note, Discharge Instructions included. */
  readonly text: string;
  /** The note without its "Discharge Instructions" section. */
  readonly summaryText: string;
  /** Diagnoses, the primary one first. */
  readonly conditions: readonly Condition[];
  readonly complaint: string;
  /** A medication started during the stay. */
  readonly newMedication: string;
  /** A home medication stopped at discharge. */
  readonly stoppedMedication: string;
  /** Why the medication was stopped. */
  readonly stopReason: string;
  /** Days until the follow-up appointment. */
  readonly followUpDays: number;
}

/** Options of `buildDischargeNote`. */
export interface DischargeNoteOptions {
  /** Use "°C", "µg" and an accented place name in the note. @default false */
  readonly nonAscii?: boolean;
}

/** Why a home medication was stopped: patient wording, then clinician wording. */
const STOP_REASONS: readonly (readonly [string, string])[] = [
  ['it may have caused your symptoms', 'possible contribution to presenting symptoms'],
  ['your kidney function was reduced', 'acute kidney injury'],
  ['your blood pressure was low', 'hypotension'],
  ['you had bleeding', 'bleeding risk'],
];

const lower = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

function list(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1]!;
}

function section(title: string, body: string): string {
  return `${title}:\n${body}\n \n`;
}

function vitals(r: SynthRandom, nonAscii: boolean): string {
  const t = r.decimal(36.4, 39.3, 1);
  return `T ${t}${nonAscii ? ' °C' : ''} HR ${r.int(58, 124)} BP ${r.int(92, 168)}/${r.int(48, 96)} RR ${r.int(12, 26)} SpO2 ${r.int(89, 100)}% ${r.pick(['RA', '2L NC', '4L NC'])}`;
}

function labs(r: SynthRandom): string {
  return [
    `___ 07:${r.int(10, 59)}AM BLOOD WBC-${r.decimal(3.2, 18.9, 1)} RBC-${r.decimal(2.8, 5.1, 2)} Hgb-${r.decimal(7.1, 15.2, 1)} Hct-${r.decimal(22, 45, 1)} Plt ___`,
    `___ 07:${r.int(10, 59)}AM BLOOD Glucose-${r.int(71, 310)} UreaN-${r.int(8, 74)} Creat-${r.decimal(0.6, 4.1, 1)} Na-${r.int(126, 145)} K-${r.decimal(3.0, 5.9, 1)} Cl-${r.int(92, 110)} HCO3-${r.int(14, 30)}`,
  ].join('\n');
}

/** Builds one discharge note for the given conditions (primary first). */
export function buildDischargeNote(r: SynthRandom, conditions: readonly Condition[], options: DischargeNoteOptions = {}): DischargeNote {
  const nonAscii = options.nonAscii ?? false;
  const main = conditions[0];
  if (main === undefined) throw new RangeError('buildDischargeNote: at least one condition is needed');
  const secondary = conditions.slice(1);
  const sex = r.pick(['F', 'M'] as const);
  const title = sex === 'F' ? 'Ms.' : 'Mr.';
  const person = sex === 'F' ? 'woman' : 'man';
  const age = r.int(28, 93);
  const complaint = r.pick(COMPLAINTS);
  const home = r.sample(MEDICATIONS.filter((m) => !m.includes('µg') || nonAscii), r.int(3, 7));
  const stoppedMedication = home[home.length - 1]!;
  const [stopReason, stopNote] = r.pick(STOP_REASONS);
  const newMedication = r.pick(MEDICATIONS.filter((m) => !home.includes(m) && (!m.includes('µg') || nonAscii)));
  const followUpDays = r.int(3, 21);
  const transfer = nonAscii ? ` ${sex === 'F' ? 'She' : 'He'} was transferred from Clinique Sainte-Hélène.` : '';

  const hpi =
    `${title} ___ is a ${age} year old ${person} with a history of ${secondary.length ? list(secondary.map((c) => lower(c.name))) : 'no chronic illness'} ` +
    `who presents with ${lower(complaint)} for ${r.int(1, 10)} days.${transfer} Workup was notable for ${main.finding}.\n` +
    `In the ED, initial vitals were: ${vitals(r, nonAscii)}.`;
  const course = [
    `${title} ___ is a ${age} year old ${person} admitted with ${lower(complaint)}, found to have ${lower(main.name)}.`,
    '',
    ...conditions.map((c, k) => {
      const extra = r.sample(COURSE_FILLER, k === 0 ? r.int(1, 3) : r.int(0, 1)).join(' ');
      return `# ${c.name}: ${k === 0 ? 'Presented with' : 'Notable for'} ${c.finding}. Treated with ${c.treatment}.${extra ? ' ' + extra : ''}`;
    }),
    '',
    `TRANSITIONAL ISSUES:\n- ${stoppedMedication.split(' ')[0]} was stopped: ${stopNote}.\n- Started ${newMedication}.\n- Follow up with PCP within ${followUpDays} days.`,
  ].join('\n');
  const dischargeMeds = [...home.slice(0, -1), newMedication].map((m, k) => `${k + 1}. ${m}`).join('\n');
  const instructions = [
    `Dear ${title} ___,`,
    '',
    `You were admitted to the hospital because of ${lower(complaint)}. We found that you had ${lower(main.name)}, and you were treated with ${main.treatment}.`,
    '',
    `We started a new medication, ${newMedication}. We stopped ${stoppedMedication.split(' ')[0]} because ${stopReason}.`,
    ...r.sample(INSTRUCTION_FILLER, r.int(2, 4)),
    '',
    'Sincerely,',
    'Your ___ Care Team',
  ].join('\n');

  const head =
    `Name:  ___                     Unit No:   ___\n \nAdmission Date:  ___              Discharge Date:   ___\n \n` +
    `Date of Birth:  ___             Sex:   ${sex}\n \nService: ${r.pick(SERVICES)}\n \n` +
    `Allergies: \n${r.pick(ALLERGIES)}\n \nAttending: ___.\n \n`;
  const body =
    section('Chief Complaint', complaint) +
    section('Major Surgical or Invasive Procedure', r.chance(0.3) ? 'Upper endoscopy' : 'None') +
    section('History of Present Illness', hpi) +
    section('Past Medical History', secondary.length ? secondary.map((c) => `- ${c.name}`).join('\n') : 'None') +
    section('Social History', '___') +
    section('Family History', `${r.pick(['Mother', 'Father', 'Brother'])} with ${lower(r.pick(['Hypertension', 'Colon cancer', 'Type 2 diabetes mellitus', 'Stroke']))}.`) +
    section('Physical Exam', `ADMISSION EXAM:\nVS: ${vitals(r, nonAscii)}\nGENERAL: ${r.pick(['NAD, pleasant', 'Ill-appearing, diaphoretic', 'Elderly, frail, in no distress'])}\nLUNGS: ${r.pick(['CTAB', 'Bibasilar crackles', 'Scattered wheezes'])}`) +
    section('Pertinent Results', `ADMISSION LABS:\n${labs(r)}`) +
    section('Brief Hospital Course', course) +
    section('Medications on Admission', home.map((m, k) => `${k + 1}. ${m}`).join('\n')) +
    section('Discharge Medications', dischargeMeds) +
    section('Discharge Disposition', r.pick(['Home', 'Home With Service', 'Extended Care'])) +
    section('Discharge Diagnosis', `PRIMARY:\n${main.name}\n\nSECONDARY:\n${secondary.map((c) => c.name).join('\n') || 'None'}`) +
    section('Discharge Condition', 'Mental Status: Clear and coherent.\nLevel of Consciousness: Alert and interactive.\nActivity Status: Ambulatory - Independent.');
  const tail = section('Followup Instructions', '___');
  return {
    text: head + body + section('Discharge Instructions', instructions) + tail,
    summaryText: head + body + tail,
    conditions,
    complaint,
    newMedication,
    stoppedMedication,
    stopReason,
    followUpDays,
  };
}
