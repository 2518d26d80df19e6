/**
 * Answers for the Level-1 CLUE tasks and MeDiSumQA, shaped like a model's answer and built from the
 * prompt's own words. `skill` (0–1) raises the chance of the sensible choice and lowers the chance
 * of format errors, so models score differently but reproducibly.
 */
import type { Rng } from './rng.js';
import { between, capitalise, contentWords, firstWords, overlap, sentences, wordSet, words } from './text.js';

/** What a task generator gets. */
export interface GenContext {
  readonly item: string;
  readonly rng: Rng;
  readonly skill: number;
}

const LABELS = ['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION'] as const;
const NEGATION = /\b(no|not|denies|denied|without|negative|absent|never|none)\b/i;

/** MedNLI: one of ENTAILMENT / NEUTRAL / CONTRADICTION (sometimes malformed at low skill). */
export function answerMedNli({ item, rng, skill }: GenContext): string {
  const s1 = between(item, 'SENTENCE_1:', 'SENTENCE_2:') ?? item;
  const at2 = item.indexOf('SENTENCE_2:');
  const s2 = at2 >= 0 ? item.slice(at2 + 'SENTENCE_2:'.length) : item;
  let guess: (typeof LABELS)[number];
  if (NEGATION.test(s2) !== NEGATION.test(s1)) guess = 'CONTRADICTION';
  else guess = overlap(s2, wordSet(s1)) >= 0.6 ? 'ENTAILMENT' : 'NEUTRAL';
  const label = rng.chance(0.35 + 0.6 * skill) ? guess : rng.pick(LABELS);
  const r = rng.next();
  if (r < (1 - skill) * 0.2) return `${label} or ${rng.pick(LABELS.filter((l) => l !== label))}`;
  if (r < (1 - skill) * 0.3) return 'The relation between the two sentences cannot be determined.';
  if (rng.chance(0.25)) return `The logical relation is ${label}.`;
  return label;
}

/** MeQSum: a short question about the inquiry's main words. */
export function answerMeqsum({ item, rng, skill }: GenContext): string {
  const inquiry = between(item, 'PATIENT INQUIRY--------------', '--------------END') ?? item;
  const msgAt = inquiry.indexOf('MESSAGE:');
  const msg = msgAt >= 0 ? inquiry.slice(msgAt + 8) : inquiry;
  if (rng.chance((1 - skill) * 0.35)) return `The patient is asking about ${firstWords(msg, 25)}.`;
  const cw = contentWords(msg);
  if (cw.length === 0) return 'What is this condition?';
  const freq = new Map<string, number>();
  for (const w of words(msg)) freq.set(w.toLowerCase(), (freq.get(w.toLowerCase()) ?? 0) + 1);
  const ranked = [...cw].sort((a, b) => score(b) - score(a) || cw.indexOf(a) - cw.indexOf(b));
  function score(w: string): number {
    return (freq.get(w.toLowerCase()) ?? 0) * (/^[A-Z]/.test(w) ? 1.5 : 1) + w.length / 20;
  }
  const k = 1 + rng.int(skill > 0.7 ? 2 : 3);
  const pickedRaw = rng.chance(0.15 + 0.8 * skill) ? ranked.slice(0, k) : Array.from({ length: k }, () => rng.pick(cw));
  const picked = [...new Set(pickedRaw)].sort((a, b) => cw.indexOf(a) - cw.indexOf(b));
  const topic = picked.join(' ');
  const lower = msg.toLowerCase();
  if (/treat|cure|therap|medication|remed/.test(lower)) return `What are the treatments for ${topic}?`;
  if (/side effect/.test(lower)) return `What are the side effects of ${topic}?`;
  if (/caus|why/.test(lower)) return `What causes ${topic}?`;
  if (/where|find|information|buy|manufactur/.test(lower)) return `Where can I find information on ${topic}?`;
  if (/symptom/.test(lower)) return `What are the symptoms of ${topic}?`;
  if (/test|diagnos/.test(lower)) return `How is ${topic} diagnosed?`;
  return rng.chance(0.5) ? `What is ${topic}?` : `How can I get information about ${topic}?`;
}

const MEDICAL = /itis\b|emia\b|osis\b|pathy\b|oma\b|failure|disease|infection|fracture|pneumonia|sepsis|diabetes|hypertension|syndrome|insufficiency|injury|bleed|stroke|cancer|fall|pain|\b[A-Z]{2,5}\b/;

/** Splits text into short diagnosis-like phrases (cut at punctuation and clinical connectives). */
function problemPhrases(text: string): string[] {
  return text
    .split(/[.;,:\n]|\b(?:and|with|who|was|were|is|are|found to have|h\/o|history of|admitted|presents?|presented|for|due to|secondary to|s\/p|at|on|of a)\b/i)
    .map((s) => s.replace(/^[\s\-*•\d)(]+|\s+$/g, '').replace(/^(?:a|an|the|mechanical)\s+/i, ''))
    .filter((s) => {
      const n = words(s).length;
      return n >= 1 && n <= 5 && /[a-z]{3}/i.test(s);
    });
}

/** ProblemSummary: a list of problems, mostly from the assessment part of the note. */
export function answerProblemSummary({ item, rng, skill }: GenContext): string {
  const letter = between(item, 'BEGIN DISCHARGE LETTER--------------', '--------------END') ?? item;
  const blank = letter.lastIndexOf('\n\n');
  const assessment = blank >= 0 ? letter.slice(blank) : letter;
  const ranked = [...new Set(problemPhrases(assessment).filter((p) => MEDICAL.test(p)))];
  const all = problemPhrases(letter);
  if (all.length === 0) return 'No problems identified';
  const k = 2 + rng.int(3);
  const items: string[] = [];
  for (let i = 0; i < k; i++) {
    const c = rng.chance(0.3 + 0.65 * skill) && ranked[i] !== undefined ? ranked[i]! : rng.pick(all);
    const phrase = capitalise(c.trim());
    if (!items.includes(phrase)) items.push(phrase);
  }
  const list = items.join(rng.chance(0.5) ? '; ' : ', ');
  if (rng.chance((1 - skill) * 0.3)) return `The patient was admitted with ${list}. Further workup and follow-up are recommended.`;
  return list;
}

/** MeDiSumQA: the letter's sentence that best matches the question, shortened. */
export function answerMedisumqa({ item, rng, skill }: GenContext): string {
  const letter = between(item, 'BEGIN DISCHARGE LETTER--------------', '--------------END') ?? item;
  const endAt = item.indexOf('--------------END DISCHARGE LETTER--------------');
  const question = endAt >= 0 ? item.slice(endAt + 48) : '';
  const ss = sentences(letter);
  if (ss.length === 0) return 'You were treated in the hospital and are now ready to go home.';
  const q = wordSet(question);
  const best = ss.reduce((a, b) => (overlap(b, q) > overlap(a, q) ? b : a));
  const chosen = rng.chance(0.3 + 0.65 * skill) ? best : rng.pick(ss);
  let answer = capitalise(words(chosen).slice(0, 25).join(' ')) + '.';
  if (rng.chance((1 - skill) * 0.4)) answer += ' ' + capitalise(words(rng.pick(ss)).slice(0, 20).join(' ')) + '.';
  return answer;
}
