/**
 * Synthetic MeQSum records (sheet "QS": File | CHQ | Summary): a chatty consumer health question
 * ("SUBJECT: ...\nMESSAGE: ...") and its one-sentence summary. Deterministic edge cases: every 9th
 * Summary has a leading or trailing space, every 13th message ends with an emoji (an astral
 * character), messages are often multi-line, and some topics carry é or µ.
 */
import type { SynthRandom } from './rng.js';

/** One MeQSum row. */
export type MeqsumRecord = {
  readonly File: string;
  readonly CHQ: string;
  readonly Summary: string;
};

const DRUGS: readonly string[] = [
  'cetirizine', 'metformin', 'lisinopril', 'atorvastatin', 'omeprazole', 'gabapentin', 'levothyroxine',
  'prednisone', 'ibuprofen', 'sertraline', 'amoxicillin', 'warfarin', 'tramadol', 'vitamin B12',
];

const CONDITIONS: readonly string[] = [
  'shingles', "Ménière's disease", 'fibromyalgia', 'psoriasis', 'gout', 'kidney stones', 'sleep apnea',
  'macular degeneration', "Crohn's disease", 'tinnitus', 'restless legs syndrome', 'lupus',
  "Parkinson's disease", 'celiac disease', 'vertigo', 'sciatica', 'trigeminal neuralgia',
];

const RELATIVES: readonly string[] = ['my mother', 'my husband', 'my son', 'my wife', 'my father', 'my sister', 'I'];

const GREETINGS: readonly string[] = ['', 'Hello, ', 'Hi. ', 'Dear Sir/Madam, ', 'Good morning.\n', 'hello '];

const CLOSINGS: readonly string[] = [
  '', ' Thank you.', ' Thanks in advance for any help.', '\nThank you for your time.', ' Please help.',
  '\n\nSincerely, a worried reader',
];

interface Question {
  readonly subject: string;
  readonly body: string;
  readonly summary: string;
}

type QuestionBuilder = (r: SynthRandom) => Question;

const BUILDERS: readonly QuestionBuilder[] = [
  (r) => {
    const d = r.pick(DRUGS);
    return {
      subject: `who and where to get ${d}`,
      body: `Who manufactures ${d}? My pharmacy is looking for a new supply and cannot get it from their usual distributor.`,
      summary: `Who manufactures ${d}?`,
    };
  },
  (r) => {
    const d = r.pick(DRUGS);
    const who = r.pick(RELATIVES);
    return {
      subject: `${d} side effects`,
      body: `${capital(who)} ${who === 'I' ? 'have' : 'has'} been taking ${d} for ${r.int(2, 11)} months and ${who === 'I' ? 'feel' : 'feels'} dizzy and tired all the time.\nCould this be from the medicine? What side effects does it have?`,
      summary: `What are the side effects of ${d}?`,
    };
  },
  (r) => {
    const [a, b] = r.sample(DRUGS, 2);
    return {
      subject: `${a} and ${b}`,
      body: `Is it safe to take ${a} together with ${b}? My doctor prescribed ${b} last week and I forgot to ask him.`,
      summary: `Can ${a} and ${b} be taken together?`,
    };
  },
  (r) => {
    const c = r.pick(CONDITIONS);
    const who = r.pick(RELATIVES);
    return {
      subject: c,
      body: `${capital(who)} was diagnosed with ${c} ${r.int(2, 20)} years ago. Nothing the doctors gave has worked so far.\nAre there any new treatments or clinical trials?`,
      summary: `What are the treatments for ${c}?`,
    };
  },
  (r) => {
    const c = r.pick(CONDITIONS);
    return {
      subject: `cause of ${c}`,
      body: `What causes ${c}? Nobody in my family has ever had it and I am only ${r.int(24, 67)} years old.`,
      summary: `What causes ${c}?`,
    };
  },
  (r) => {
    const c = r.pick(CONDITIONS);
    return {
      subject: `${c} hereditary?`,
      body: `My grandmother and my aunt both had ${c}. Will my children get it too? Should they be tested?`,
      summary: `Is ${c} hereditary?`,
    };
  },
  (r) => {
    const dose = r.pick(['25', '50', '88', '100']);
    return {
      subject: 'thyroid dose',
      body: `I take ${dose} µg of levothyroxine every morning.\nMy last TSH was ${r.decimal(4.6, 9.9, 1)}. Should the dose be changed and how long until I feel better?`,
      summary: 'How is the dose of levothyroxine adjusted?',
    };
  },
  (r) => {
    const c = r.pick(CONDITIONS);
    return {
      subject: '',
      body: `where can i find information on ${c}. my doctor did not explain much and the leaflet is in another language`,
      summary: `Where can I find information on ${c}?`,
    };
  },
];

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `count` MeQSum rows. */
export function generateMeqsum(r: SynthRandom, count: number): MeqsumRecord[] {
  const out: MeqsumRecord[] = [];
  for (let i = 0; i < count; i++) {
    const q = r.pick(BUILDERS)(r);
    let message = r.pick(GREETINGS) + q.body + r.pick(CLOSINGS);
    if (i % 13 === 6) message += ' 🙂';
    const chq = q.subject === '' && r.chance(0.5) ? `MESSAGE: ${message}` : `SUBJECT: ${q.subject}\nMESSAGE: ${message}`;
    let summary = q.summary;
    if (i % 9 === 4) summary = i % 2 === 0 ? ' ' + summary : summary + ' ';
    out.push({ File: `${i + 1}-${r.digits(9)}.xml.txt`, CHQ: chq, Summary: summary });
  }
  return out;
}
