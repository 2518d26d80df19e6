import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ClueError } from '../errors.js';
import { PyRandom } from '../pyrandom.js';
import {
  ANSWER_F_TEXT,
  LONGHEALTH_PROMPT_TEMPLATE,
  LONGHEALTH_SYS_PROMPT,
  createPrompt,
  formatOptions,
  renderLongHealthPrompt,
  type PromptQuestion,
} from './prompt.js';
import { SimpleTokenizer } from './tokenizer.js';
import { clueLongHealthSource, runClue } from './clue-reference.js';

const tok = new SimpleTokenizer();
const len = (s: string): number => tok.encodeSync(s).length;
/** k words: 2k tokens with the SimpleTokenizer (k words, k-1 spaces, BOS). */
const words = (tag: string, k: number): string => Array.from({ length: k }, (_, i) => `${tag}w${i}`).join(' ');
const question: PromptQuestion = {
  question: 'Which diagnosis fits?',
  answers: new Map([
    ['answer_a', 'Pneumonia'],
    ['answer_b', 'Influenza'],
    ['answer_c', 'Bronchitis'],
    ['answer_d', 'Asthma'],
    ['answer_e', 'COPD'],
  ]),
};
const SEP_JOIN = '\n\n--------------\n\n';
const base = len(question.question) + len(formatOptions(question, 'abcde')) + len(LONGHEALTH_PROMPT_TEMPLATE);
const S = len('\n\n-------------- NEW DOCUMENT --------------\n\n');
const t1 = words('t1', 3);
const t2 = words('t2', 5);
const n1 = words('n1', 2);
const n2 = words('n2', 4);
const answerDocs = new Map([
  ['text_1', t1],
  ['text_2', t2],
]);

test('constants are CLUE\'s strings byte for byte', () => {
  const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
  assert.equal(sha(LONGHEALTH_SYS_PROMPT), '57ece39392d156fb5ae319c3ceeaf488a1b2d41d2ea24d8edad02e7ed71cf902');
  assert.equal(sha(LONGHEALTH_PROMPT_TEMPLATE), '28e53e9c1eb9f3ecb2d7b3f4a8391b48c4d49b6ba3d03a13ead6bc7a165fde53');
  assert.ok(LONGHEALTH_SYS_PROMPT.startsWith('\nYou are') && LONGHEALTH_SYS_PROMPT.endsWith('key.\n'));
});

test('token arithmetic of the fixtures', () => {
  assert.equal(S, 36); // BOS, "\n\n", 14 x "-", " ", NEW, " ", DOCUMENT, " ", 14 x "-", "\n\n"
  assert.deepEqual([len(t1), len(t2), len(n1), len(n2)], [6, 10, 4, 8]);
});

test('answer docs first, then others; the overflowing one is cut and the loop stops', async () => {
  const maxLen = base + 6 + S + 10 + S + 4 + S + 5;
  const r = await createPrompt(answerDocs, [n1, n2, words('n3', 1)], question, { tokenizer: tok, maxLen, rng: null });
  assert.deepEqual(
    r.documents.map((d) => [d.type, d.text, d.length, d.truncated]),
    [
      ['text_1', t1, 6, false],
      ['text_2', t2, 10, false],
      ['distraction', n1, 4, false],
      ['distraction', '<s>n2w0 n2w1 ', 5, true], // decode(encode(doc)[:5]) keeps the BOS text
    ],
  );
  assert.equal(r.totalLen, maxLen);
  assert.equal(r.prompt, renderLongHealthPrompt([t1, t2, n1, '<s>n2w0 n2w1 '].join(SEP_JOIN), question.question, formatOptions(question, 'abcde')));
  assert.ok(r.prompt.includes(`${t1}${SEP_JOIN}${t2}`));
  assert.ok(!r.prompt.includes('NEW DOCUMENT'));
});

test('an exact fit still adds the separator; the next doc gets a negative room and becomes ""', async () => {
  const maxLen = base + 6;
  const r = await createPrompt(answerDocs, [n1], question, { tokenizer: tok, maxLen, rng: null });
  assert.deepEqual(
    r.documents.map((d) => [d.type, d.text, d.length]),
    [
      ['text_1', t1, 6],
      ['text_2', '', -S],
      ['distraction', '', 0],
    ],
  );
  assert.equal(r.totalLen, maxLen);
  assert.ok(r.prompt.includes(`\n\n${t1}${SEP_JOIN}${SEP_JOIN}\n\n--------------END DOCUMENTS`));
});

test('an overflowing answer doc stops the answer loop but the other loop still appends ""', async () => {
  const maxLen = base + 7;
  const r = await createPrompt(
    new Map([
      ['text_2', t2],
      ['text_1', t1],
    ]),
    [n1, n2],
    question,
    { tokenizer: tok, maxLen, rng: null },
  );
  assert.deepEqual(
    r.documents.map((d) => [d.type, d.text, d.length]),
    [
      ['text_2', '<s>t2w0 t2w1 t2w2 ', 7],
      ['distraction', '', 0],
    ],
  );
});

test('budget below the fixed parts: everything is cut to ""', async () => {
  const r = await createPrompt(new Map(), [n1, n2], question, { tokenizer: tok, maxLen: base - 3, rng: null });
  assert.deepEqual(
    r.documents.map((d) => [d.text, d.length]),
    [['', -3]],
  );
  assert.equal(r.totalLen, base - 3);
});

test('separator measured as "NEW DOCUMENT" but joined plainly; option F for tasks 2/3', async () => {
  const q: PromptQuestion = { question: question.question, answers: new Map([...question.answers, ['answer_f', ANSWER_F_TEXT]]) };
  const opts = formatOptions(q, 'abcdef');
  assert.ok(opts.endsWith('\nE: COPD\nF: Question cannot be answered with provided documents'));
  const sepLen = len('\n\n== NEW DOCUMENT ==\n\n');
  const b = len(q.question) + len(opts) + len(LONGHEALTH_PROMPT_TEMPLATE);
  // n1 and n2 fit only when the measured separator length is used: b + 4 + sepLen + 8 = budget
  const maxLen = b + 4 + sepLen + 8;
  const r = await createPrompt(new Map(), [n1, n2], q, { tokenizer: tok, maxLen, rng: null, separator: '==', optionLabels: 'abcdef' });
  assert.deepEqual(r.documents.map((d) => d.text), [n1, n2]);
  assert.equal(r.totalLen, maxLen + sepLen);
  assert.ok(r.prompt.includes(`${n1}\n\n==\n\n${n2}`));
  assert.ok(r.prompt.includes('\nF: Question cannot be answered with provided documents\n\nPlease answer'));
});

test('the selected documents are shuffled once with the given random source', async () => {
  const rng = new PyRandom(7);
  const docs = [n1, n2, words('n3', 3)];
  const r = await createPrompt(new Map([['text_1', t1]]), docs, question, { tokenizer: tok, maxLen: 100000, rng });
  const order = new PyRandom(7).shuffle([t1, ...docs]);
  assert.deepEqual(r.documents.map((d) => d.text), order);
  const ref = new PyRandom(7);
  ref.shuffle([0, 1, 2, 3]);
  assert.equal(rng.random(), ref.random());
});

test('errors: no documents to shuffle, missing option', async () => {
  await assert.rejects(createPrompt(new Map(), [], question, { tokenizer: tok, maxLen: 1000, rng: new PyRandom(1) }), ClueError);
  const r = await createPrompt(new Map(), [], question, { tokenizer: tok, maxLen: 1000, rng: null });
  assert.ok(r.prompt.includes('--------------BEGIN DOCUMENTS--------------\n\n\n\n--------------END DOCUMENTS'));
  await assert.rejects(
    createPrompt(new Map(), [n1], question, { tokenizer: tok, maxLen: 1000, rng: null, optionLabels: 'abcdef' }),
    /answer_f/,
  );
});

test('renderLongHealthPrompt: values are not re-scanned', () => {
  const p = renderLongHealthPrompt('{options} $& $1', '{documents}', 'X');
  assert.ok(p.includes('\n{options} $& $1\n'));
  assert.ok(p.includes('\n{documents}\nX\n'));
});

const source = clueLongHealthSource();

test('create_prompt agrees with CLUE on random cases', { skip: source === undefined ? 'CLUE mirror not available' : false }, async () => {
  let x = 12345;
  const rand = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.floor((x / 2147483648) * n);
  };
  const cases = Array.from({ length: 150 }, (_, c) => {
    const nAnswer = rand(4);
    const nOther = rand(6);
    const answer = Array.from({ length: nAnswer }, (_, i) => [`text_${i}`, words(`c${c}a${i}`, rand(60))] as [string, string]);
    const other = Array.from({ length: nOther }, (_, i) => words(`c${c}o${i}`, rand(60)));
    const labels = rand(2) === 0 ? 'abcde' : 'abcdef';
    const shuffle = nAnswer + nOther > 0 && rand(5) !== 0;
    return { answer, other, labels, shuffle, maxLen: base - 20 + rand(320), seed: rand(1000000) };
  });
  const q: PromptQuestion = { question: question.question, answers: new Map([...question.answers, ['answer_f', ANSWER_F_TEXT]]) };
  const py = runClue<string[]>(
    { source, cases, question: { question: q.question, ...Object.fromEntries(q.answers) } },
    String.raw`
out = []
for c in req['cases']:
    qd = dict(req['question'])
    qd['answer_location'] = {k: {'start': [0.1], 'end': [0.2]} for k, _ in c['answer']}
    random.seed(c['seed'])
    with contextlib.redirect_stdout(io.StringIO()):
        prompt, _ = clue.create_prompt(dict(c['answer']), c['other'], qd, option_labels=c['labels'],
                                       max_len=c['maxLen'], tokenizer=SimpleTok(), shuffle=c['shuffle'])
    out.append(prompt)
print(json.dumps(out))
`,
  );
  const ours: string[] = [];
  for (const c of cases) {
    const r = await createPrompt(new Map(c.answer), c.other, q, {
      tokenizer: new SimpleTokenizer(),
      maxLen: c.maxLen,
      rng: c.shuffle ? new PyRandom(c.seed) : null,
      optionLabels: c.labels,
    });
    ours.push(r.prompt);
  }
  assert.equal(ours.length, py.length);
  for (let i = 0; i < ours.length; i++) assert.equal(ours[i], py[i], `case ${i}`);
});
