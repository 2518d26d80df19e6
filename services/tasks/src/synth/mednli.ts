/**
 * Synthetic MedNLI records (`mli_test_v1.jsonl`): a premise sentence in the style of a clinical note
 * and one hypothesis per label, grouped in premise triplets as in MedNLI. Parses are simple
 * bracketed strings (flat constituency, right-branching binary), which CLUE never reads.
 */
import type { SynthRandom } from './rng.js';
import { COMPLAINTS, MEDICATIONS } from './vocab.js';
import { CONDITIONS } from './conditions.js';

/** A MedNLI gold label. */
export type NliLabel = 'entailment' | 'neutral' | 'contradiction';

/** One MedNLI record, keys in the order the file holds them. */
export type MedNliRecord = {
  readonly sentence1: string;
  readonly pairID: string;
  readonly sentence1_parse: string;
  readonly sentence1_binary_parse: string;
  readonly sentence2: string;
  readonly sentence2_parse: string;
  readonly sentence2_binary_parse: string;
  readonly gold_label: NliLabel;
};

interface Scenario {
  readonly premise: string;
  readonly entailment: string;
  readonly contradiction: string;
  readonly neutral: string;
}

type ScenarioBuilder = (r: SynthRandom) => Scenario;

const lower = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** Builders that always produce a non-ASCII character (°, µ, é); used for the first premises. */
const NON_ASCII_SCENARIOS: readonly ScenarioBuilder[] = [
  (r) => ({
    premise: `On arrival T ${r.decimal(38.3, 39.9, 1)} °C, HR ${r.int(101, 135)}, BP ${r.int(90, 130)}/${r.int(50, 80)}, RR ${r.int(20, 30)}, O2 sat ${r.int(88, 95)}% on RA.`,
    entailment: 'The patient is febrile.',
    contradiction: 'The patient is afebrile.',
    neutral: 'The patient has a urinary tract infection.',
  }),
  (r) => ({
    premise: `She received fentanyl ${r.pick(['25', '50', '75'])} µg IV x${r.int(2, 3)} for pain in the ED.`,
    entailment: 'The patient was given opioid analgesia.',
    contradiction: 'The patient did not receive any pain medication.',
    neutral: 'The patient has chronic pain.',
  }),
  (r) => ({
    premise: `Transferred from Clinique Saint-Rémy for further management of ${lower(r.pick(CONDITIONS).name)}.`,
    entailment: 'The patient was transferred from another hospital.',
    contradiction: 'The patient presented directly to this hospital.',
    neutral: 'The outside hospital had no ICU beds available.',
  }),
];

const SCENARIOS: readonly ScenarioBuilder[] = [
  ...NON_ASCII_SCENARIOS,
  (r) => ({
    premise: `Labs were notable for Cr ${r.decimal(1.6, 4.2, 1)} (baseline ${r.decimal(0.5, 1.0, 1)} per old records) and lactate ${r.decimal(2.1, 4.9, 1)}.`,
    entailment: 'The patient has acute kidney injury.',
    contradiction: 'The patient has normal renal function.',
    neutral: 'The patient is dehydrated.',
  }),
  (r) => {
    const [a, b] = r.sample(CONDITIONS, 2);
    return {
      premise: `${r.int(34, 92)} yo ${r.pick(['M', 'F'])} with h/o ${lower(a!.name)} and ${lower(b!.name)} who presents with ${lower(r.pick(COMPLAINTS))}.`,
      entailment: `The patient has a history of ${lower(a!.name)}.`,
      contradiction: 'The patient has no past medical history.',
      neutral: `The patient has a family history of ${lower(a!.name)}.`,
    };
  },
  (r) => {
    const med = r.pick(MEDICATIONS);
    return {
      premise: `She was discharged on ${med} and was told to follow up with her PCP in ${r.int(1, 4)} weeks.`,
      entailment: 'The patient has outpatient follow-up arranged.',
      contradiction: 'The patient was not discharged.',
      neutral: `The patient has taken ${med.split(' ')[0]} for years.`,
    };
  },
  (r) => ({
    premise: `CXR showed a ${r.pick(['right', 'left'])} lower lobe infiltrate and a small effusion.`,
    entailment: 'Chest imaging is abnormal.',
    contradiction: 'The chest x-ray is clear.',
    neutral: 'The patient has bacterial pneumonia.',
  }),
  (r) => ({
    premise: `He smokes ${r.int(1, 3)} packs per day and drinks ${r.int(3, 12)} beers nightly.`,
    entailment: 'The patient uses tobacco.',
    contradiction: 'The patient has never smoked.',
    neutral: 'The patient has COPD.',
  }),
  (r) => ({
    premise: `Patient was intubated in the field for GCS ${r.int(3, 8)} and transferred to the MICU.`,
    entailment: 'The patient required mechanical ventilation.',
    contradiction: 'The patient was breathing without support throughout.',
    neutral: 'The patient had a drug overdose.',
  }),
  (r) => ({
    premise: `Hct dropped from ${r.int(30, 38)} to ${r.int(19, 25)} and she received ${r.int(2, 4)} units pRBC.`,
    entailment: 'The patient received a blood transfusion.',
    contradiction: "The patient's blood counts were stable.",
    neutral: 'The patient has a GI bleed.',
  }),
  (r) => ({
    premise: `FSBG ${r.int(420, 690)} on arrival, anion gap ${r.int(19, 31)}, serum ketones positive.`,
    entailment: 'The patient has hyperglycemia.',
    contradiction: 'The patient has hypoglycemia.',
    neutral: 'The patient is not taking insulin as prescribed.',
  }),
  (r) => ({
    premise: `Exam notable for ${r.pick(['left', 'right'])} facial droop and ${r.int(2, 4)}/5 strength in the arm.`,
    entailment: 'The patient has a focal neurological deficit.',
    contradiction: 'The neurological exam is normal.',
    neutral: 'The patient had a stroke.',
  }),
  (r) => ({
    premise: `G${r.int(2, 4)}P1 at ${r.int(28, 38)} weeks presenting with headache and BP ${r.int(150, 175)}/${r.int(95, 110)}.`,
    entailment: 'The patient is pregnant.',
    contradiction: 'The patient is not pregnant.',
    neutral: 'The patient has preeclampsia.',
  }),
  (r) => ({
    premise: `Echo showed an EF of ${r.int(15, 35)}% with global hypokinesis.`,
    entailment: 'The patient has a reduced ejection fraction.',
    contradiction: 'The patient has normal cardiac function.',
    neutral: 'The patient has coronary artery disease.',
  }),
  (r) => ({
    premise: `Status post ${r.pick(['laparoscopic cholecystectomy', 'right hip hemiarthroplasty', 'CABG x3'])} on hospital day ${r.int(1, 4)}.`,
    entailment: 'The patient underwent surgery.',
    contradiction: 'The patient has never had surgery.',
    neutral: 'The surgery was complicated by bleeding.',
  }),
];

/** PTB-style tokens: punctuation split off, parentheses as -LRB-/-RRB-. */
export function tokenize(sentence: string): string[] {
  const spaced = sentence.replace(/([(),;:]|\.$)/g, ' $1 ');
  return spaced
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => (t === '(' ? '-LRB-' : t === ')' ? '-RRB-' : t));
}

function tag(token: string): string {
  if (/^[.,;:]$/.test(token)) return token;
  if (token === '-LRB-' || token === '-RRB-') return token;
  if (/^[\d./%]+$/.test(token)) return 'CD';
  return 'NN';
}

/** A flat bracketed constituency parse: `(ROOT (S (NN a) (CD 1) (. .)))`. */
export function flatParse(sentence: string): string {
  return '(ROOT (S ' + tokenize(sentence).map((t) => `(${tag(t)} ${t})`).join(' ') + '))';
}

/** A right-branching binary parse: `( a ( b c ) )`. */
export function binaryParse(sentence: string): string {
  const tokens = tokenize(sentence);
  let out = tokens[tokens.length - 1] ?? '';
  for (let i = tokens.length - 2; i >= 0; i--) out = `( ${tokens[i]} ${out} )`;
  return out;
}

function record(r: SynthRandom, premise: string, hypothesis: string, label: NliLabel): MedNliRecord {
  return {
    sentence1: premise,
    pairID: `${r.hex(8)}-${r.hex(4)}-11e7-${r.hex(4)}-${r.hex(12)}`,
    sentence1_parse: flatParse(premise),
    sentence1_binary_parse: binaryParse(premise),
    sentence2: hypothesis,
    sentence2_parse: flatParse(hypothesis),
    sentence2_binary_parse: binaryParse(hypothesis),
    gold_label: label,
  };
}

/**
 * `count` MedNLI records: premises in triplets (one hypothesis per label, labels in random order).
 * The first premises use the non-ASCII scenarios so that small files contain °, µ and é.
 */
export function generateMedNli(r: SynthRandom, count: number): MedNliRecord[] {
  const out: MedNliRecord[] = [];
  for (let p = 0; out.length < count; p++) {
    const build = p < NON_ASCII_SCENARIOS.length ? NON_ASCII_SCENARIOS[p]! : r.pick(SCENARIOS);
    const s = build(r);
    const labels = r.shuffled<NliLabel>(['entailment', 'neutral', 'contradiction']);
    for (const label of labels) {
      if (out.length >= count) break;
      out.push(record(r, s.premise, s[label], label));
    }
  }
  return out;
}
