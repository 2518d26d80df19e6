/**
 * Answers for MeDiSumCode, LongHealth and prompts of no known task.
 */
import type { GenContext } from './short-tasks.js';
import { between, contentWords, overlap, wordSet } from './text.js';

/** ICD-10 codes a model would plausibly give for common conditions named in a letter. */
const KEYWORD_CODES: ReadonlyArray<readonly [RegExp, string]> = [
  [/type 2 diabetes|diabetes mellitus|\bdm2?\b|\bt2dm\b/i, 'E11.9'],
  [/hypertension|\bhtn\b/i, 'I10'],
  [/atrial fibrillation|\bafib\b|a-fib/i, 'I48.91'],
  [/heart failure|\bchf\b|hfref|hfpef/i, 'I50.9'],
  [/chronic kidney|\bckd\b/i, 'N18.9'],
  [/acute kidney|\baki\b/i, 'N17.9'],
  [/\bcopd\b|chronic obstructive/i, 'J44.9'],
  [/pneumonia/i, 'J18.9'],
  [/hyperlipidemia|hypercholesterol/i, 'E78.5'],
  [/depress/i, 'F32.9'],
  [/anemia/i, 'D64.9'],
  [/sepsis/i, 'A41.9'],
  [/urinary tract infection|\buti\b/i, 'N39.0'],
  [/obesity/i, 'E66.9'],
  [/hypothyroid/i, 'E03.9'],
  [/coronary artery disease|\bcad\b/i, 'I25.10'],
  [/asthma/i, 'J45.909'],
  [/reflux|\bgerd\b/i, 'K21.9'],
  [/stroke|cerebral infarction/i, 'I63.9'],
  [/myocardial infarction|\bnstemi\b|\bstemi\b/i, 'I21.4'],
  [/hyponatremia/i, 'E87.1'],
  [/hypokalemia/i, 'E87.6'],
  [/cirrhosis/i, 'K74.60'],
  [/tobacco|smok/i, 'F17.210'],
  [/alcohol/i, 'F10.20'],
  [/pulmonary embol/i, 'I26.99'],
  [/deep vein thromb|\bdvt\b/i, 'I82.409'],
];
const COMMON = ['I10', 'E11.9', 'E78.5', 'Z79.4', 'Z87.891', 'K21.9', 'F32.9', 'N18.3', 'D64.9', 'Z95.1'];
const ICD_IN_TEXT = /\b[A-TV-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?\b/g;

/** MeDiSumCode: `ICD-10 Codes: ` + codes copied from the letter or implied by its diagnoses. */
export function answerMedisumcode({ item, rng, skill }: GenContext): string {
  const letter = between(item, 'BEGIN DISCHARGE LETTER--------------', '--------------END') ?? item;
  const candidates = [...new Set([...(letter.match(ICD_IN_TEXT) ?? []), ...KEYWORD_CODES.filter(([re]) => re.test(letter)).map(([, c]) => c)])];
  const codes = candidates.filter(() => rng.chance(0.35 + 0.6 * skill));
  const extra = rng.int(1 + Math.round(3 * (1 - skill)));
  for (let i = 0; i < extra; i++) codes.push(rng.pick(COMMON));
  if (codes.length === 0) codes.push(rng.pick(COMMON));
  if (rng.chance((1 - skill) * 0.3)) {
    codes.push(`${'ABCDEFGHIJKLMNOPQRST'[rng.int(20)]}${10 + rng.int(90)}.${rng.int(10)}${rng.int(10)}X`);
  }
  const unique = [...new Set(codes)];
  if (rng.chance((1 - skill) * 0.25)) return 'The diagnoses correspond to the following codes:\n' + unique.map((c) => `- ${c}`).join('\n');
  return 'ICD-10 Codes: ' + unique.join(', ');
}

/** LongHealth: `The correct answer is X: <option>.` choosing the option best supported by the documents. */
export function answerLongHealth({ item, rng, skill }: GenContext): string {
  const docs = between(item, '--------------BEGIN DOCUMENTS--------------', '--------------END DOCUMENTS--------------') ?? '';
  const endAt = item.indexOf('--------------END DOCUMENTS--------------');
  const tail = endAt >= 0 ? item.slice(endAt) : item;
  const options = [...tail.matchAll(/^([A-F]): (.*)$/gm)].map((m) => ({ letter: m[1]!, text: m[2]!.trim() }));
  if (options.length === 0) return 'The correct answer is A: the information is in the documents.';
  const docWords = wordSet(docs);
  const noAnswer = options.find((o) => /cannot be answered/i.test(o.text));
  const real = options.filter((o) => o !== noAnswer);
  const best = real.reduce((a, b) => (overlap(b.text, docWords) > overlap(a.text, docWords) ? b : a), real[0] ?? options[0]!);
  const guess = noAnswer && overlap(best.text, docWords) < 0.75 ? noAnswer : best;
  const choice = rng.chance(0.2 + 0.8 * skill) ? guess : rng.pick(options);
  if (rng.chance((1 - skill) * 0.45)) {
    const forms = [`Answer: ${choice.letter}`, `${choice.letter}) ${choice.text}`, `The answer is ${choice.letter}: ${choice.text}.`];
    return rng.pick(forms);
  }
  return `The correct answer is ${choice.letter}: ${choice.text}.`;
}

/** Any other prompt: a short sentence built from the prompt's content words. */
export function answerGeneric({ item, rng }: GenContext): string {
  const cw = contentWords(item);
  if (cw.length === 0) return 'Hello! How can I help you today?';
  const n = Math.min(cw.length, 4 + rng.int(8));
  const start = rng.int(Math.max(1, cw.length - n + 1));
  return `Here is a brief answer about ${cw.slice(start, start + n).join(' ')}.`;
}
