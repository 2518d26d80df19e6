/**
 * Synthetic LongHealth benchmark (`benchmark_v5.json`): `patient_01`.. each with 2-13 letters
 * (`text_0`..), name, birthday, diagnosis, multiple-choice questions and a canary string (spelled
 * "canaray-string" as in the original). `correct` is the text of exactly one option and is not a
 * substring of any other option, so CLUE's substring lookup finds the right letter;
 * `answer_location` gives the fractional character span of the answer in each answer document.
 */
import type { SynthRandom } from './rng.js';
import { CONDITIONS } from './conditions.js';
import { FEMALE_NAMES, MALE_NAMES, SURNAMES } from './vocab.js';
import { LONG_DIAGNOSES, buildLongDoc, formatDate, type DocFact, type LongDoc, type LongPatientInfo } from './longhealth-docs.js';

/** Fractional spans of an answer in one document. */
export type AnswerSpan = {
  readonly start: readonly number[];
  readonly end: readonly number[];
};

/** One LongHealth question. `No` is a Python int (bigint). */
export type LongHealthQuestion = {
  readonly No: bigint;
  readonly question: string;
  readonly answer_a: string;
  readonly answer_b: string;
  readonly answer_c: string;
  readonly answer_d: string;
  readonly answer_e: string;
  readonly correct: string;
  readonly answer_location: { readonly [textId: string]: AnswerSpan };
};

/** One LongHealth patient. */
export type LongHealthPatient = {
  readonly texts: { readonly [textId: string]: string };
  readonly name: string;
  readonly birthday: string;
  readonly diagnosis: string;
  readonly questions: readonly LongHealthQuestion[];
  readonly 'canaray-string': string;
};

/** The benchmark: patient id -> patient, in insertion order. */
export type LongHealthBenchmark = { readonly [patientId: string]: LongHealthPatient };

interface PlannedQuestion {
  readonly question: string;
  readonly correct: string;
  readonly distractors: readonly string[];
  readonly locations: readonly (readonly [docIndex: number, start: number, end: number])[];
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

function related(a: string, b: string): boolean {
  return a.includes(b) || b.includes(a);
}

/** Five options: `correct` plus four distractors, none a substring of another. Throws if too few. */
function chooseOptions(r: SynthRandom, q: PlannedQuestion): string[] {
  const chosen = [q.correct];
  for (const d of r.shuffled(q.distractors)) {
    if (chosen.length === 5) break;
    if (!chosen.some((c) => related(c, d))) chosen.push(d);
  }
  if (chosen.length < 5) throw new RangeError(`LongHealth synth: not enough distinct distractors for "${q.question}"`);
  return r.shuffled(chosen);
}

function planQuestions(docs: readonly LongDoc[], info: LongPatientInfo): PlannedQuestion[] {
  const plans: PlannedQuestion[] = [
    {
      question: `What is the main diagnosis of ${info.name}?`,
      correct: info.diagnosis.name,
      distractors: LONG_DIAGNOSES.filter((d) => d !== info.diagnosis).map((d) => d.name),
      locations: docs.map((d, k) => [k, d.diagnosisSpan[0], d.diagnosisSpan[1]] as const),
    },
  ];
  docs.forEach((doc, k) => {
    for (const f of doc.facts) plans.push(fromFact(f, k));
  });
  return plans;
}

function fromFact(f: DocFact, docIndex: number): PlannedQuestion {
  return { question: f.question, correct: f.correct, distractors: f.distractors, locations: [[docIndex, f.start, f.end]] };
}

function buildQuestion(r: SynthRandom, plan: PlannedQuestion, no: number, texts: readonly string[]): LongHealthQuestion {
  const [a, b, c, d, e] = chooseOptions(r, plan) as [string, string, string, string, string];
  const answerLocation: { [textId: string]: AnswerSpan } = {};
  for (const [k, start, end] of plan.locations) {
    const len = texts[k]!.length;
    answerLocation[`text_${k}`] = { start: [round4(start / len)], end: [round4(end / len)] };
  }
  return {
    No: BigInt(no),
    question: plan.question,
    answer_a: a,
    answer_b: b,
    answer_c: c,
    answer_d: d,
    answer_e: e,
    correct: plan.correct,
    answer_location: answerLocation,
  };
}

/** Number of facts one document contributes (the first document has one more). */
const FACTS_PER_DOC = 7;

function patientInfo(r: SynthRandom, index: number): LongPatientInfo {
  const female = r.chance(0.5);
  const first = r.pick(female ? FEMALE_NAMES : MALE_NAMES);
  // The first patient always carries a non-ASCII surname so that small files exercise UTF-8.
  const surname = index === 0 ? 'Müller-Séguin' : r.pick(SURNAMES);
  return {
    name: `${first} ${surname}`,
    title: female ? 'Mrs.' : 'Mr.',
    birthday: formatDate(r.int(-25_000, -7_000)),
    diagnosis: r.pick(LONG_DIAGNOSES),
  };
}

/** One patient with at least `questions` questions' worth of documents, exactly `questions` questions. */
export function generateLongHealthPatient(r: SynthRandom, index: number, questions: number): LongHealthPatient {
  const info = patientInfo(r, index);
  const needed = Math.ceil((questions - 2) / FACTS_PER_DOC);
  const nDocs = Math.min(13, Math.max(r.int(2, 5), needed));
  const firstDiagnosis = r.int(5_000, 7_500);
  const comorbidities = r.sample(CONDITIONS, r.int(1, 4)).map((c) => c.name);
  const docs: LongDoc[] = [];
  const previous: string[] = [];
  let day = firstDiagnosis + r.int(3, 30);
  for (let k = 0; k < nDocs; k++) {
    const admit = day;
    const discharge = admit + r.int(3, 24);
    docs.push(buildLongDoc(r, { patient: info, index: k, admit, discharge, nonAscii: index === 0 && k === 0, firstDiagnosis, comorbidities, previous: previous.slice() }));
    previous.push(`${formatDate(admit + 1)}: ${info.diagnosis.regimens[k % info.diagnosis.regimens.length]}`);
    day = discharge + r.int(30, 180);
  }
  const texts = docs.map((d) => d.text);
  const plans = planQuestions(docs, info);
  // More questions than facts (huge sample counts only): repeat facts with freshly shuffled options.
  const order: PlannedQuestion[] = [];
  while (order.length < questions) order.push(...r.shuffled(plans));
  const qs = order.slice(0, questions).map((p, i) => buildQuestion(r, p, i + 1, texts));
  const textsObj: { [textId: string]: string } = {};
  texts.forEach((t, k) => (textsObj[`text_${k}`] = t));
  return {
    texts: textsObj,
    name: info.name,
    birthday: info.birthday,
    diagnosis: info.diagnosis.name,
    questions: qs,
    'canaray-string': `SYNTHETIC TEST DATA, NOT THE LONGHEALTH BENCHMARK. canary GUID ${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}`,
  };
}

/** `patients` patients sharing `questions` questions (spread evenly, at least one each). */
export function generateLongHealth(r: SynthRandom, patients: number, questions: number): LongHealthBenchmark {
  const out: { [patientId: string]: LongHealthPatient } = {};
  for (let i = 0; i < patients; i++) {
    const share = Math.floor(questions / patients) + (i < questions % patients ? 1 : 0);
    out[`patient_${String(i + 1).padStart(2, '0')}`] = generateLongHealthPatient(r, i, Math.max(1, share));
  }
  return out;
}
