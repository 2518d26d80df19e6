/**
 * The documents of a synthetic LongHealth patient: letters from successive hospital stays in the
 * style of the benchmark's fictional cases. Every letter records the character span of the
 * sentences questions are asked about, so `answer_location` fractions point at real text.
 */
import type { SynthRandom } from './rng.js';
import { COURSE_FILLER, MEDICATIONS, STUDIES } from './vocab.js';

/** A main diagnosis with the regimens a patient with it may receive. */
export interface LongDiagnosis {
  readonly name: string;
  readonly regimens: readonly string[];
}

/** Main diagnoses of the synthetic patients. */
export const LONG_DIAGNOSES: readonly LongDiagnosis[] = [
  { name: 'Multiple myeloma', regimens: ['bortezomib, lenalidomide and dexamethasone', 'daratumumab monotherapy', 'high-dose melphalan with autologous stem cell transplantation'] },
  { name: 'Diffuse large B-cell lymphoma', regimens: ['six cycles of R-CHOP', 'R-DHAP salvage chemotherapy', 'CAR T-cell therapy'] },
  { name: 'Acute myeloid leukemia', regimens: ['7+3 induction with cytarabine and daunorubicin', 'azacitidine and venetoclax', 'allogeneic stem cell transplantation'] },
  { name: 'Glioblastoma', regimens: ['radiotherapy with concomitant temozolomide', 'adjuvant temozolomide', 'lomustine'] },
  { name: 'Non-small cell lung cancer', regimens: ['carboplatin and pemetrexed with pembrolizumab', 'osimertinib', 'docetaxel'] },
  { name: 'Metastatic colorectal cancer', regimens: ['FOLFOX with bevacizumab', 'FOLFIRI with cetuximab', 'trifluridine-tipiracil'] },
  { name: 'Hodgkin lymphoma', regimens: ['four cycles of ABVD', 'escalated BEACOPP', 'brentuximab vedotin'] },
  { name: 'Pancreatic adenocarcinoma', regimens: ['FOLFIRINOX', 'gemcitabine and nab-paclitaxel', 'Whipple procedure'] },
];

const COMPLICATIONS: readonly string[] = [
  'febrile neutropenia', 'a catheter-associated bloodstream infection', 'tumor lysis syndrome', 'a pulmonary embolism',
  'acute kidney injury', 'a grade 3 mucositis', 'an allergic reaction to the infusion', 'a herpes zoster reactivation',
  'symptomatic hyponatremia', 'a deep vein thrombosis of the left leg',
];

const PRESENTATIONS: readonly string[] = [
  'progressive fatigue', 'night sweats and weight loss', 'new back pain', 'shortness of breath on exertion',
  'fever and chills', 'a generalized seizure', 'painless jaundice', 'recurrent nosebleeds', 'persistent headaches',
];

/** Oncology-ward sentences that lengthen the letters. */
const WARD_FILLER: readonly string[] = [
  'The patient tolerated the treatment well overall and reported only mild fatigue.',
  'Antiemetic prophylaxis with ondansetron and dexamethasone was administered before each cycle.',
  'A port catheter was implanted without complications for central venous access.',
  'Supportive care included antimicrobial prophylaxis with aciclovir and cotrimoxazole.',
  'The case was discussed in our interdisciplinary tumor board, which recommended continuing the current strategy.',
  'Restaging showed a partial response according to the applicable response criteria.',
  'Blood counts recovered without the need for growth factor support.',
  'The patient was informed in detail about the diagnosis, the therapy options and possible side effects.',
  'Psycho-oncological support was offered and gratefully accepted.',
  'Social services were involved to organize home care after discharge.',
  'Transfusion of two units of packed red blood cells was necessary because of symptomatic anemia.',
  'Physiotherapy was continued daily to maintain mobility.',
  'The fluid balance was monitored closely and remained even.',
  'Pain therapy according to the WHO step scheme was adjusted with good effect.',
  'No signs of infection were found on repeated clinical examinations.',
  'The patient lives with the spouse and was fully independent in daily activities before admission.',
  'A nutritional consultation was carried out, and high-calorie drinks were recommended.',
  'Follow-up imaging is planned after completion of the next two cycles.',
];

const DAY_NOTES: readonly string[] = [
  'Vital signs stable, afebrile.',
  'Mild nausea, treated with metoclopramide.',
  'Administration of the planned chemotherapy without acute reactions.',
  'Laboratory check showed stable kidney function.',
  'Patient mobilized on the ward, reports improved appetite.',
  'Subfebrile temperatures, blood cultures taken.',
  'Ward round with the senior physician, therapy continued unchanged.',
  'Episode of diarrhea, stool tests negative.',
];

const SOCIAL: readonly string[] = [
  'Retired teacher, lives with the spouse in a house with stairs.',
  'Works as an accountant, married, two adult children.',
  'Widowed, lives alone, daughter visits daily.',
  'Former carpenter, lives with the partner, independent in daily life.',
];

const FAMILY: readonly string[] = [
  'Mother died of breast cancer at 71.',
  'Father with coronary heart disease.',
  'No known hereditary diseases in the family.',
  'Brother treated for colon cancer.',
];

/** A question-worthy fact of one document. */
export interface DocFact {
  readonly question: string;
  readonly correct: string;
  /** Wrong answers to draw from (none equals or contains `correct`, checked when options are built). */
  readonly distractors: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** One generated document with its facts. */
export interface LongDoc {
  readonly text: string;
  readonly facts: readonly DocFact[];
  /** Span of the diagnosis line, which every document has. */
  readonly diagnosisSpan: readonly [number, number];
}

/** Who the documents are about. */
export interface LongPatientInfo {
  readonly name: string;
  readonly title: string;
  readonly birthday: string;
  readonly diagnosis: LongDiagnosis;
}

class SpanText {
  private text = '';
  add(s: string): [number, number] {
    const start = this.text.length;
    this.text += s;
    return [start, this.text.length];
  }
  toString(): string {
    return this.text;
  }
}

/** Formats a day count since 2000-01-01 as MM/DD/YYYY. */
export function formatDate(day: number): string {
  const d = new Date(Date.UTC(2000, 0, 1) + day * 86_400_000);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${mm}/${dd}/${d.getUTCFullYear()}`;
}

function values(r: SynthRandom, lo: number, hi: number, decimals: number, unit: string): string[] {
  const seen = new Set<string>();
  while (seen.size < 12) seen.add(`${r.decimal(lo, hi, decimals)} ${unit}`);
  return [...seen];
}

/** Inputs of one document. */
export interface LongDocInput {
  readonly patient: LongPatientInfo;
  readonly index: number;
  readonly admit: number;
  readonly discharge: number;
  readonly nonAscii: boolean;
  /** Day of the first diagnosis (before the first stay). */
  readonly firstDiagnosis: number;
  /** Names of other chronic conditions. */
  readonly comorbidities: readonly string[];
  /** Earlier treatments, one line each ("MM/DD/YYYY: regimen"). */
  readonly previous: readonly string[];
}

/** Builds document `index` of a patient (stays are in chronological order). */
export function buildLongDoc(r: SynthRandom, input: LongDocInput): LongDoc {
  const { patient, admit, discharge, nonAscii } = input;
  const p = patient;
  const d1 = formatDate(admit);
  const d2 = formatDate(discharge);
  const stay = `the stay from ${d1} to ${d2}`;
  const t = new SpanText();
  const facts: DocFact[] = [];
  const fact = (span: [number, number], question: string, correct: string, distractors: readonly string[]): void => {
    facts.push({ question, correct, distractors, start: span[0], end: span[1] });
  };

  t.add(`Dear colleague,\n\nwe report on our patient ${p.title} ${p.name}, born on ${p.birthday}, who was treated in our clinic from ${d1} to ${d2}.\n\n`);
  const diagnosisSpan = t.add(`Diagnosis: ${p.diagnosis.name}\n`);
  t.add(`- ECOG performance status ${r.int(0, 2)}\n- ${r.pick(['Stage II', 'Stage III', 'Stage IV', 'Initial diagnosis confirmed by biopsy'])}\n\n`);

  t.add('Other Diagnoses:\n' + input.comorbidities.map((c) => `- ${c}`).join('\n') + '\n\n');
  t.add('Medical History:\n');
  const first = formatDate(input.firstDiagnosis);
  const firstSpan = t.add(`Initial diagnosis of ${p.diagnosis.name.toLowerCase()} on ${first}. `);
  if (input.index === 0) {
    const others = [-400, -120, -30, 45, 200, 380].map((k) => formatDate(input.firstDiagnosis + k));
    fact(firstSpan, `When was ${p.name} first diagnosed with ${p.diagnosis.name.toLowerCase()}?`, first, others);
  }
  t.add(input.previous.length ? 'Previous therapies:\n' + input.previous.map((x) => `- ${x}`).join('\n') + '\n\n' : 'No previous oncological therapy.\n\n');

  t.add(
    `Social and Family History:\n${r.pick(SOCIAL)} ${r.pick(FAMILY)} ${r.pick(['Never smoker.', 'Former smoker, 20 pack-years.', 'Occasional alcohol consumption.'])}\n\n`,
  );
  const presentation = r.pick(PRESENTATIONS);
  t.add('Current Presentation:\n');
  const presSpan = t.add(`${p.title} ${p.name.split(' ').pop()} presented with ${presentation} for about ${r.int(2, 8)} weeks. `);
  t.add(r.sample([...COURSE_FILLER, ...WARD_FILLER], r.int(3, 5)).join(' ') + '\n\n');
  fact(presSpan, `With which complaint did ${p.name} present on ${d1}?`, presentation, PRESENTATIONS.filter((x) => x !== presentation));

  const temp = r.decimal(36.2, 38.9, 1);
  t.add(`Physical Examination:\nTemperature ${temp}${nonAscii ? ' °C' : ' C'}, blood pressure ${r.int(100, 160)}/${r.int(60, 95)} mmHg, heart rate ${r.int(60, 115)}/min. `);
  t.add(`${r.pick(['Reduced general condition', 'Good general condition', 'Patient alert and fully oriented'])}. ${r.pick(['Lungs clear on auscultation.', 'Fine crackles over the right base.', 'No peripheral edema.'])}\n\n`);

  t.add('Laboratory Values:\n');
  const hb = values(r, 6.8, 14.9, 1, 'g/dL');
  const hbSpan = t.add(`Hemoglobin: ${hb[0]} (reference 12.0-16.0)\n`);
  fact(hbSpan, `What was ${p.name}'s hemoglobin during ${stay}?`, hb[0]!, hb.slice(1));
  t.add(`Leukocytes: ${r.decimal(0.4, 18.2, 1)} /nL\nPlatelets: ${r.int(18, 420)} /nL\n`);
  const ldh = values(r, 180, 1400, 0, 'U/L');
  const ldhSpan = t.add(`LDH: ${ldh[0]} (reference < 250)\n`);
  fact(ldhSpan, `Which LDH level was measured during ${stay}?`, ldh[0]!, ldh.slice(1));
  t.add(
    [
      `Creatinine: ${r.decimal(0.6, 2.9, 2)} mg/dL (reference 0.5-1.0)`,
      `Urea: ${r.int(18, 90)} mg/dL`,
      `Sodium: ${r.int(128, 146)} mmol/L`,
      `Potassium: ${r.decimal(3.1, 5.6, 1)} mmol/L`,
      `Calcium: ${r.decimal(2.0, 3.1, 2)} mmol/L`,
      `Bilirubin: ${r.decimal(0.2, 6.5, 1)} mg/dL`,
      `ALT: ${r.int(9, 180)} U/L`,
      `AST: ${r.int(11, 160)} U/L`,
      `Albumin: ${r.decimal(2.4, 4.9, 1)} g/dL`,
      `CRP: ${r.decimal(0.1, 24.0, 1)} mg/dL (reference < 0.5)`,
      `INR: ${r.decimal(0.9, 1.8, 2)}`,
    ].join('\n') + '\n\n',
  );

  const study = r.pick(STUDIES);
  t.add('Imaging:\n');
  const [modality] = study.split(':');
  const studySpan = t.add(study + '\n');
  const finding = study.slice(study.indexOf(':') + 2).replace(/\.$/, '');
  const otherFindings = STUDIES.filter((s) => s !== study).map((s) => s.slice(s.indexOf(':') + 2).replace(/\.$/, ''));
  fact(studySpan, `What did the ${modality!.toLowerCase()} during ${stay} show?`, finding, otherFindings);
  t.add(r.pick(STUDIES.filter((s) => s !== study)) + '\n\n');

  const regimen = p.diagnosis.regimens[input.index % p.diagnosis.regimens.length]!;
  const otherRegimens = LONG_DIAGNOSES.flatMap((d) => d.regimens).filter((x) => x !== regimen);
  const complication = r.pick(COMPLICATIONS);
  t.add('Therapy and Progression:\n');
  const regSpan = t.add(`On ${formatDate(admit + 1)}, treatment with ${regimen} was started. `);
  fact(regSpan, `Which treatment was started on ${formatDate(admit + 1)}?`, regimen, otherRegimens);
  t.add(r.sample(WARD_FILLER, r.int(5, 9)).join(' ') + ' ');
  const compSpan = t.add(`The course was complicated by ${complication}, which resolved with appropriate therapy. `);
  fact(compSpan, `Which complication occurred during ${stay}?`, complication, COMPLICATIONS.filter((x) => x !== complication));
  t.add(r.sample([...COURSE_FILLER, ...WARD_FILLER], r.int(4, 8)).join(' ') + '\n\n');
  t.add('Daily Course:\n');
  const days = r.int(6, 10);
  for (let k = 1; k <= days; k++) t.add(`Day ${k}: ${r.pick(DAY_NOTES)} ${r.pick(WARD_FILLER)}\n`);
  t.add('\n');

  const meds = r.sample(MEDICATIONS.filter((m) => nonAscii || !m.includes('µg')), 5);
  if (nonAscii && !meds.some((m) => m.includes('µg'))) meds[0] = 'cyanocobalamin 1000 µg daily';
  t.add('Current Medication:\n');
  t.add(meds.slice(0, -1).map((m) => `- ${m}`).join('\n') + '\n');
  const newMed = meds[meds.length - 1]!;
  const newSpan = t.add(`- ${newMed} (newly started)\n\n`);
  fact(newSpan, `Which medication was newly started at discharge on ${d2}?`, newMed, MEDICATIONS.filter((m) => !meds.includes(m)));

  t.add(
    `Summary:\n${p.title} ${p.name.split(' ').pop()} was discharged on ${d2} in ${r.pick(['stable', 'improved', 'satisfactory'])} general condition. ` +
      `${r.sample(WARD_FILLER, 2).join(' ')} We thank you for the trusting cooperation and remain available for any questions.\n\n`,
  );
  t.add(`Recommendations:\nFollow-up in our outpatient clinic in ${r.int(2, 8)} weeks with a complete blood count. ${r.sample(WARD_FILLER, r.int(2, 4)).join(' ')}\n\nSincerely,\nDr. ${r.pick(['Ashgrove', 'Kettleby', 'Wrenfield', 'Larkspur'])}, Senior Physician`);
  return { text: t.toString(), facts, diagnosisSpan };
}
