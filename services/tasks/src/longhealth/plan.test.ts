import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClueError } from '../errors.js';
import { PyRandom } from '../pyrandom.js';
import { loadLongHealth } from './loader.js';
import { planLongHealth, type LongHealthPrompt } from './plan.js';
import { LONGHEALTH_SYS_PROMPT } from './prompt.js';
import { longHealthAccuracy, longHealthCorrect, parseModelChoice } from './scoring.js';
import { SimpleTokenizer, type Tokenizer } from './tokenizer.js';
import { benchmarkJson, manyPatients, synthDocument, synthPatients } from './fixtures.js';
import { clueLongHealthSource, runClueMain } from './clue-reference.js';

const bench = loadLongHealth(benchmarkJson(synthPatients()), 'synthetic.json');
const QUESTIONS = 5;

/** The documents of a prompt, in order (split on CLUE's join separator). */
function documentsOf(p: LongHealthPrompt): string[] {
  const user = p.messages[1].content;
  const start = user.indexOf('--------------BEGIN DOCUMENTS--------------\n\n') + 45;
  const end = user.indexOf('\n\n--------------END DOCUMENTS--------------');
  return user.slice(start, end).split('\n\n--------------\n\n');
}

test('task order, counts, rounds, references and messages', async () => {
  const prompts = await planLongHealth(bench, { tokenizer: new SimpleTokenizer(), seed: 1, maxLenTask1: 1500, maxModelLen: 4000 });
  assert.equal(prompts.length, QUESTIONS * 15);
  const t1 = prompts.slice(0, 25);
  const t2 = prompts.slice(25, 50);
  const t3 = prompts.slice(50);
  assert.ok(t1.every((p) => p.task === 1) && t2.every((p) => p.task === 2) && t3.every((p) => p.task === 3));
  for (const list of [t1, t2, t3]) assert.deepEqual(list.map((p) => p.index), [...list.keys()]);
  assert.deepEqual(t1.slice(0, 6).map((p) => [p.patientId, p.questionIndex, p.round]), [
    ['patient_01', 0, 0],
    ['patient_01', 0, 1],
    ['patient_01', 0, 2],
    ['patient_01', 0, 3],
    ['patient_01', 0, 4],
    ['patient_01', 1, 0],
  ]);
  assert.deepEqual(t2.slice(0, 6).map((p) => p.round), [1, 3, 5, 7, 9, 1]);
  assert.deepEqual(t3.slice(0, 6).map((p) => p.round), [0, 2, 4, 6, 8, 0]);
  // references: Influenza -> B; "Aspirin" first in key order -> A; "2024" nowhere -> None;
  // "provided documents" -> None in task 1 but F (answer_f) in task 2; Lung -> C
  const refs = (list: LongHealthPrompt[]): string[] => list.filter((p) => p.round < 2).map((p) => p.reference);
  assert.deepEqual(refs(t1), ['B', 'B', 'A', 'A', '', '', '', '', 'C', 'C']);
  assert.deepEqual(refs(t2), ['B', 'A', '', 'F', 'C']);
  assert.ok(t3.every((p) => p.reference === 'F' && p.goldFound));
  assert.deepEqual(t1.map((p) => p.goldFound).filter((f) => !f).length, 10);
  for (const p of prompts) {
    assert.equal(p.messages[0].role, 'system');
    assert.equal(p.messages[0].content, LONGHEALTH_SYS_PROMPT);
    assert.equal(p.messages[1].role, 'user');
  }
  assert.ok(t1[0]!.messages[1].content.includes('\nE: COPD\n\nPlease answer'));
  assert.ok(t2[0]!.messages[1].content.includes('\nE: COPD\nF: Question cannot be answered with provided documents\n\nPlease'));
});

test('task 3 prompts hold only other patients\' texts; task 2 prompts hold the answer documents', async () => {
  const prompts = await planLongHealth(bench, { tokenizer: new SimpleTokenizer(), seed: 3, maxModelLen: 100000 });
  const owner = new Map<string, string>();
  for (const p of bench.patients) for (const t of p.texts.values()) owner.set(t, p.id);
  for (const p of prompts.filter((x) => x.task !== 1)) {
    const docs = documentsOf(p);
    const patient = bench.patients.find((x) => x.id === p.patientId)!;
    const q = patient.questions[p.questionIndex]!;
    const answerTexts = [...q.answerLocation.keys()].map((id) => patient.texts.get(id)!);
    const distractors = docs.filter((d) => !answerTexts.includes(d));
    const pool = bench.patients.filter((x) => x.id !== p.patientId).reduce((n, x) => n + x.texts.size, 0);
    assert.equal(distractors.length, Math.min(10, pool), 'min(10, other texts) distractors');
    assert.ok(distractors.every((d) => owner.get(d) !== undefined && owner.get(d) !== p.patientId));
    assert.equal(docs.length, Math.min(10, pool) + (p.task === 2 ? answerTexts.length : 0));
  }
});

test('random draws happen in CLUE\'s order: all task 1 shuffles, then per round sample then shuffle', async () => {
  const a = [synthDocument('A0', 5), synthDocument('A1', 6)];
  const b = [synthDocument('B0', 7), synthDocument('B1', 8)];
  const q = { question: 'Q?', options: ['v', 'w', 'x', 'y', 'z'] as const, correct: 'x', locations: ['text_0'] };
  const small = loadLongHealth(
    benchmarkJson([
      { id: 'A', texts: [['text_0', a[0]!], ['text_1', a[1]!]], questions: [{ ...q, options: [...q.options] }] },
      { id: 'B', texts: [['text_0', b[0]!], ['text_1', b[1]!]], questions: [{ ...q, options: [...q.options] }] },
    ] as Parameters<typeof benchmarkJson>[0]),
    'small.json',
  );
  const seed = 2024;
  const prompts = await planLongHealth(small, { tokenizer: new SimpleTokenizer(), seed, maxLenTask1: 100000, maxModelLen: 100000 });
  const rng = new PyRandom(seed);
  const expected: { task: number; docs: string[] }[] = [];
  for (const own of [a, b]) for (let j = 0; j < 5; j++) expected.push({ task: 1, docs: rng.shuffle([...own]) });
  const t2: { task: number; docs: string[] }[] = [];
  const t3: { task: number; docs: string[] }[] = [];
  for (const [own, pool] of [
    [a, b],
    [b, a],
  ] as const) {
    for (let j = 0; j < 10; j++) {
      const d = rng.sample(pool, 2);
      if (j % 2 === 0) t3.push({ task: 3, docs: rng.shuffle(d) });
      else t2.push({ task: 2, docs: rng.shuffle([own[0]!, ...d]) });
    }
  }
  expected.push(...t2, ...t3);
  assert.deepEqual(
    prompts.map((p) => ({ task: p.task, docs: documentsOf(p) })),
    expected,
  );
});

test('reproducible by seed, different across seeds', async () => {
  const opts = { maxLenTask1: 1500, maxModelLen: 3000 };
  const a = await planLongHealth(bench, { tokenizer: new SimpleTokenizer(), seed: 42, ...opts });
  const b = await planLongHealth(bench, { tokenizer: new SimpleTokenizer(), seed: 42, ...opts });
  const c = await planLongHealth(bench, { tokenizer: new SimpleTokenizer(), seed: 43, ...opts });
  assert.deepEqual(a, b);
  const differing = a.filter((p, i) => p.messages[1].content !== c[i]!.messages[1].content).length;
  assert.ok(differing > a.length / 2, `only ${differing} prompts differ`);
  assert.deepEqual(
    a.map((p) => [p.task, p.patientId, p.questionIndex, p.round, p.reference]),
    c.map((p) => [p.task, p.patientId, p.questionIndex, p.round, p.reference]),
  );
});

test('each distinct text is encoded once; truncations are decoded once per (document, length)', async () => {
  const inner = new SimpleTokenizer();
  const counts = new Map<string, number>();
  let decodes = 0;
  const counting: Tokenizer = {
    encode: async (t) => {
      counts.set(t, (counts.get(t) ?? 0) + 1);
      return inner.encode(t);
    },
    decode: async (ids) => {
      decodes++;
      return inner.decode(ids);
    },
  };
  const prompts = await planLongHealth(bench, { tokenizer: counting, seed: 5, maxLenTask1: 1200, maxModelLen: 100000 });
  assert.ok([...counts.values()].every((n) => n === 1));
  const truncatedTask1 = new Set(prompts.filter((p) => p.task === 1).map((p) => p.patientId + '/' + p.questionIndex));
  assert.ok(decodes > 0 && decodes <= truncatedTask1.size, `${decodes} decodes`);
});

test('budget: task 1 uses maxLenTask1 - len(encode(sys_prompt)), tasks 2/3 use maxModelLen - len(sys)', async () => {
  const tok = new SimpleTokenizer();
  const sysLen = tok.encodeSync(LONGHEALTH_SYS_PROMPT).length;
  const prompts = await planLongHealth(bench, { tokenizer: tok, seed: 9, maxLenTask1: 1000, maxModelLen: 1400 });
  // the user prompt never exceeds the budget by more than CLUE's bookkeeping allows: fixed parts + docs <= max_len
  for (const p of prompts) {
    const budget = (p.task === 1 ? 1000 : 1400) - sysLen;
    const docs = documentsOf(p);
    const docTokens = docs.reduce((n, d) => n + tok.encodeSync(d).length, 0);
    assert.ok(docTokens <= budget, `${p.task}/${p.index}: ${docTokens} > ${budget}`);
  }
  const last = (t: number): string => documentsOf(prompts.find((p) => p.task === t)!).join('|');
  assert.ok(last(1).includes('<s>'), 'task 1 at this budget truncates a document (BOS text kept)');
});

test('invalid options', async () => {
  const tokenizer = new SimpleTokenizer();
  await assert.rejects(planLongHealth(bench, { tokenizer, seed: 1, maxModelLen: 0 }), ClueError);
  await assert.rejects(planLongHealth(bench, { tokenizer, seed: 1, maxModelLen: 10, maxLenTask1: 1.5 }), /maxLenTask1/);
  await assert.rejects(planLongHealth(bench, { tokenizer, seed: 0.5, maxModelLen: 10 }), /seed/);
});

const source = clueLongHealthSource();

test('the whole run agrees with CLUE\'s main() under the same seed', { skip: source === undefined ? 'CLUE mirror not available' : false }, async () => {
  const responses = [
    'The correct answer is B: Influenza.',
    'The correct answer is F: cannot be answered',
    'The correct answer is A: x The correct answer is B: y',
    'the correct answer is C',
    'The correct answer is é: z',
    'The correct answer is C: Lung',
    'I think it is A.',
  ];
  const small = benchmarkJson(synthPatients());
  const large = benchmarkJson(manyPatients(12, 9)); // pools of 99 texts: random.sample's set-based branch
  for (const [data, seed, maxLen, maxModelLen] of [
    [small, 7, 1500, 3000],
    [small, 123456789, 900, 20000],
    [large, 99, 1000, 1100],
    [large, 5, 400, 700],
  ] as const) {
    const clue = runClueMain(source!, data, { seed, maxLen, maxModelLen, responses });
    const ours = await planLongHealth(loadLongHealth(data, 'synthetic.json'), {
      tokenizer: new SimpleTokenizer(),
      seed,
      maxLenTask1: maxLen,
      maxModelLen,
    });
    const accuracies: Record<string, number> = {};
    for (const task of [1, 2, 3] as const) {
      const list = ours.filter((p) => p.task === task);
      assert.deepEqual(
        list.map((p) => p.messages),
        clue.chats[task - 1],
        `task ${task} prompts`,
      );
      const log = clue.logs[task - 1]!;
      assert.deepEqual(
        list.map((p) => (p.goldFound ? p.reference : null)),
        log.map((l) => l['Ground Truth Answer']),
      );
      const outputs = list.map((_, i) => responses[i % responses.length]!);
      assert.deepEqual(outputs.map(parseModelChoice), log.map((l) => l['Model Answer']));
      accuracies[`Task${task}_Accuracy`] = longHealthAccuracy(list.map((p, i) => longHealthCorrect(outputs[i]!, p.reference, task === 3)));
    }
    assert.deepEqual(accuracies, JSON.parse(clue.results));
  }
});
