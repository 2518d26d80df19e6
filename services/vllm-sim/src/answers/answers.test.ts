import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../chat-template.js';
import { generateAnswer, type AnswerRequest } from './generate.js';
import { detectTask } from './task-detect.js';

const SYS = {
  mednli: 'You will recieve two sentences. Valid answers are: ENTAILMENT, NEUTRAL or CONTRADICTION.',
  meqsum: 'Your primary responsibility will be to summarize patient inquiries as concise question.',
  problem: "Your task is to summarize the diagnoses and problems that led to the patient's hospitalization.",
  qa: 'You should carefully review the contents and accurately answer questions related to this document.',
  code: 'Your task is to identify all primary and secondary diagnoses from the report and list their respective ICD-10 codes.',
  lh: 'You will be expected to carefully review the contents and accurately answer multiple-choice questions.',
};

const LETTER =
  '--------------BEGIN DISCHARGE LETTER--------------\nPatient with type 2 diabetes mellitus and hypertension admitted for community acquired pneumonia. ' +
  'He was treated with ceftriaxone and azithromycin.\n\nAssessment: pneumonia, improving; acute kidney injury, resolved; chronic atrial fibrillation.\n' +
  '--------------END DISCHARGE LETTER--------------\n';

function lhPrompt(correctInDocs: boolean): string {
  const docs = correctInDocs
    ? 'The patient was diagnosed with pulmonary sarcoidosis and treated with prednisone. Follow-up showed regression.'
    : 'A different patient had a knee operation and physiotherapy.';
  return (
    `\n--------------BEGIN DOCUMENTS--------------\n\n${docs}\n\n--------------END DOCUMENTS--------------\n\n` +
    'What was the main diagnosis?\nA: Lung cancer\nB: Pulmonary sarcoidosis\nC: Tuberculosis of the spine\nD: Asthma bronchiale\nE: Heart failure\n' +
    (correctInDocs ? '' : 'F: Question cannot be answered with provided documents\n') +
    '\nPlease answer using the following format:\n1. Begin your answer with the phrase "The correct answer is".\n'
  );
}

function chat(system: string, user: string): ChatMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

function req(messages: ChatMessage[], over: Partial<AnswerRequest> = {}): AnswerRequest {
  return { modelId: 'm', messages, seed: 0, temperature: 0, skill: 0.9, instruct: true, ...over };
}

test('the CLUE task is recognised from the system prompt and user template', () => {
  assert.equal(detectTask(SYS.mednli, 'SENTENCE_1: a\nSENTENCE_2: b').task, 'mednli');
  assert.equal(detectTask(SYS.meqsum, '--------------PATIENT INQUIRY--------------\nx').task, 'meqsum');
  assert.equal(detectTask(SYS.problem, LETTER).task, 'problemsummary');
  assert.equal(detectTask(SYS.qa, LETTER + 'Why was I admitted?').task, 'medisumqa');
  assert.equal(detectTask(SYS.code, LETTER).task, 'medisumcode');
  assert.equal(detectTask(SYS.lh, lhPrompt(true)).task, 'longhealth');
  assert.equal(detectTask('You are helpful.', 'Tell me a joke').task, 'generic');
  // The item is the text after the LAST input marker (few-shot turns merged into one user turn are skipped).
  assert.equal(detectTask(SYS.mednli, 'SENTENCE_1: old\nSENTENCE_1: new').item, 'SENTENCE_1: new');
});

test('answers have each task\'s shape', () => {
  assert.match(generateAnswer(req(chat(SYS.mednli, '\nSENTENCE_1: No fever.\nSENTENCE_2: The patient is febrile.\n'), { skill: 1 })).text, /ENTAILMENT|NEUTRAL|CONTRADICTION/);
  const q = generateAnswer(req(chat(SYS.meqsum, '--------------PATIENT INQUIRY--------------\nSUBJECT: cetirizine\nMESSAGE: Who makes cetirizine? Where can I buy cetirizine tablets?\n--------------END PATIENT INQUIRY--------------'), { skill: 1 })).text;
  assert.match(q, /\?$/);
  assert.match(q, /cetirizine/i);
  const code = generateAnswer(req(chat(SYS.code, LETTER), { skill: 1 })).text;
  assert.match(code, /^ICD-10 Codes: [A-TV-Z]\d\d/);
  const lh = generateAnswer(req(chat(SYS.lh, lhPrompt(true)), { skill: 1 })).text;
  assert.match(lh, /^The correct answer is [A-F]: /);
  const ps = generateAnswer(req(chat(SYS.problem, LETTER), { skill: 1 })).text;
  assert.ok(ps.length > 3 && !ps.includes('BEGIN'));
  const qa = generateAnswer(req(chat(SYS.qa, LETTER + 'Why was I admitted?'), { skill: 1 })).text;
  assert.match(qa, /\.$/);
});

test('deterministic: same inputs same output; temperature 0 ignores the seed; the seed matters when sampling', () => {
  const msgs = chat(SYS.lh, lhPrompt(true));
  assert.equal(generateAnswer(req(msgs, { seed: 1 })).text, generateAnswer(req(msgs, { seed: 2 })).text);
  const outs = new Set<string>();
  for (let seed = 0; seed < 40; seed++) outs.add(generateAnswer(req(msgs, { seed, temperature: 1, skill: 0.3 })).text);
  assert.ok(outs.size > 1, 'different seeds give different samples');
  assert.equal(generateAnswer(req(msgs, { seed: 5, temperature: 1 })).text, generateAnswer(req(msgs, { seed: 5, temperature: 1 })).text);
  assert.notEqual(
    [...Array(20).keys()].map((s) => generateAnswer(req(msgs, { modelId: 'a', seed: s, temperature: 1, skill: 0.4 })).text).join('|'),
    [...Array(20).keys()].map((s) => generateAnswer(req(msgs, { modelId: 'b', seed: s, temperature: 1, skill: 0.4 })).text).join('|'),
  );
});

test('skill drives quality: a strong model answers LongHealth correctly far more often than a weak one', () => {
  const accuracy = (skill: number) => {
    let ok = 0;
    for (let seed = 0; seed < 200; seed++) {
      const t = generateAnswer(req(chat(SYS.lh, lhPrompt(true)), { seed, temperature: 1, skill })).text;
      if (/^The correct answer is B:/.test(t)) ok++;
    }
    return ok / 200;
  };
  const strong = accuracy(0.95);
  const weak = accuracy(0.2);
  assert.ok(strong > 0.7, String(strong));
  assert.ok(weak < 0.4, String(weak));
  // Without the answer in the documents, a strong model picks F.
  const t3 = generateAnswer(req(chat(SYS.lh, lhPrompt(false)), { skill: 1 })).text;
  assert.match(t3, /^The correct answer is F:/);
});

test('the oracle answer is returned verbatim; base models may ramble on', () => {
  const msgs = chat(SYS.mednli, 'SENTENCE_1: a\nSENTENCE_2: b');
  assert.deepEqual(generateAnswer(req(msgs, { oracleAnswer: 'NEUTRAL' })), { text: 'NEUTRAL', source: 'oracle', task: 'mednli' });
  const lengths = [...Array(30).keys()].map((seed) => generateAnswer(req(chat(SYS.code, LETTER), { seed, temperature: 1, skill: 0.2, instruct: false })).text.length);
  assert.ok(Math.max(...lengths) > 400, 'some base-model answers keep going');
});
