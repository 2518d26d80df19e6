/**
 * Expands the LongHealth benchmark into CLUE's prompts (the two loops of `main()` in `eval/eval_LongHealth.py`):
 * task 1 for every question first, then tasks 2 and 3, all drawing from ONE random source in CLUE's order.
 * CLUE's random state is unseeded; here it is a {@link PyRandom} seeded from the run seed, so a run is reproducible.
 */
import { ClueError } from '../errors.js';
import { PyRandom } from '../pyrandom.js';
import type { ChatMessage, PromptSample } from '../types.js';
import type { LongHealthBenchmark, LongHealthPatient, LongHealthQuestion } from './loader.js';
import {
  ANSWER_F_TEXT,
  DEFAULT_SEPARATOR,
  LONGHEALTH_PROMPT_TEMPLATE,
  LONGHEALTH_SYS_PROMPT,
  createPrompt,
  formatOptions,
  type PromptQuestion,
} from './prompt.js';
import { getCorrectAnswer, type GoldSource } from './scoring.js';
import { memoiseTokenizer, type Tokenizer } from './tokenizer.js';

/** A LongHealth task: 1 (answer documents + own non-answer documents), 2 (answer docs + distractors), 3 (distractors only). */
export type LongHealthTaskNumber = 1 | 2 | 3;

/** Prompts per question: task 1 uses rounds 0..4; tasks 2/3 share rounds 0..9 (odd -> task 2, even -> task 3). */
export const TASK1_ROUNDS = 5;
/** See {@link TASK1_ROUNDS}. */
export const TASK23_ROUNDS = 10;
/** Distractor documents sampled per task 2/3 prompt (`sample_distractions(..., n=10)`). */
export const DISTRACTORS_PER_PROMPT = 10;
/** `--max_len` of CLUE's `run_LongHealth8k.sh` (task 1 budget before subtracting the system prompt). */
export const DEFAULT_MAX_LEN_TASK1 = 8140;
/** `max_new_tokens` of CLUE's LongHealth SamplingParams. */
export const LONGHEALTH_MAX_NEW_TOKENS = 50;

/** One LongHealth prompt, ready to send. */
export interface LongHealthPrompt extends PromptSample {
  /** 0-based position in CLUE's list for this task (`model_inputs`, `model_inputs_task2`, `model_inputs_task3`). */
  readonly index: number;
  readonly task: LongHealthTaskNumber;
  readonly patientId: string;
  /** 0-based position of the question in the patient's list. */
  readonly questionIndex: number;
  /** CLUE's `j` (0..4 for task 1, 0..9 for tasks 2/3). */
  readonly round: number;
  /** `[{role: 'system', content: sys_prompt}, {role: 'user', content: prompt}]`. */
  readonly messages: readonly [ChatMessage, ChatMessage];
  /** Gold letter: `get_correct_answer` (tasks 1/2) or "F" (task 3); "" where CLUE's ground truth is `None`. */
  readonly reference: string;
  /** False when no option contains the `correct` text (CLUE's `None`): every prediction then scores 0. */
  readonly goldFound: boolean;
}

/** Options of {@link planLongHealth}. */
export interface PlanLongHealthOptions {
  /** The evaluated model's tokenizer; wrapped in a memoising tokenizer for the run. */
  readonly tokenizer: Tokenizer;
  /** Seed of the run's random source (document shuffles and distractor samples). */
  readonly seed: number | bigint;
  /** Task 1 budget (`--max_len`, default 8140); `len(encode(sys_prompt))` is subtracted as in CLUE. */
  readonly maxLenTask1?: number;
  /** The model's `max_model_len`: tasks 2/3 budget before subtracting `len(encode(sys_prompt))`. */
  readonly maxModelLen: number;
  /** Parallel tokenizer calls while warming the cache (default 8). */
  readonly concurrency?: number;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0) throw new ClueError('INVALID_ARGUMENT', `LongHealth: ${name} must be a positive integer, got ${v}`);
}

/** Answer documents (in `answer_location` order) and the patient's other texts (in `texts` order). */
function splitDocuments(patient: LongHealthPatient, q: LongHealthQuestion): [Map<string, string>, string[]] {
  const answerDocs = new Map<string, string>();
  for (const textId of q.answerLocation.keys()) answerDocs.set(textId, patient.texts.get(textId) ?? '');
  const nonAnswer = [...patient.texts].filter(([id]) => !q.answerLocation.has(id)).map(([, t]) => t);
  return [answerDocs, nonAnswer];
}

/** The question as tasks 2/3 see it: CLUE sets `question["answer_f"]` (in place if present, else appended). */
function withAnswerF(q: LongHealthQuestion): PromptQuestion & GoldSource {
  const answers = new Map(q.answers);
  answers.set('answer_f', ANSWER_F_TEXT);
  return { question: q.question, correct: q.correct, answers };
}

/** `sample_distractions`' population: every text of every other patient, in file order. */
function distractorPool(bench: LongHealthBenchmark, patientId: string): string[] {
  return bench.patients.filter((p) => p.id !== patientId).flatMap((p) => [...p.texts.values()]);
}

/** Encodes every recurring text once, `concurrency` calls at a time, so the sequential planning hits the cache. */
async function warmCache(tokenizer: Tokenizer, bench: LongHealthBenchmark, concurrency: number): Promise<void> {
  const texts = new Set<string>([
    LONGHEALTH_SYS_PROMPT,
    LONGHEALTH_PROMPT_TEMPLATE,
    `\n\n${DEFAULT_SEPARATOR} NEW DOCUMENT ${DEFAULT_SEPARATOR}\n\n`,
  ]);
  for (const p of bench.patients) {
    for (const t of p.texts.values()) texts.add(t);
    for (const q of p.questions) {
      texts.add(q.question);
      texts.add(formatOptions(q, 'abcde'));
      texts.add(formatOptions(withAnswerF(q), 'abcdef'));
    }
  }
  const queue = [...texts];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) await tokenizer.encode(queue[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
}

function makePrompt(
  task: LongHealthTaskNumber,
  index: number,
  patientId: string,
  questionIndex: number,
  round: number,
  prompt: string,
  gold: string | undefined,
): LongHealthPrompt {
  return {
    index,
    task,
    patientId,
    questionIndex,
    round,
    messages: [
      { role: 'system', content: LONGHEALTH_SYS_PROMPT },
      { role: 'user', content: prompt },
    ],
    reference: gold ?? '',
    goldFound: gold !== undefined,
  };
}

/**
 * All LongHealth prompts, in CLUE's order and with CLUE's random consumption:
 * - task 1: per patient, per question, rounds j = 0..4, `create_prompt(answer_docs, non_answer_docs, question,
 *   max_len = maxLenTask1 - len(encode(sys_prompt)))` (options "abcde");
 * - tasks 2/3: per patient, per question (with `answer_f` added), rounds j = 0..9: 10 distractors sampled from the
 *   other patients' texts, then `create_prompt` with options "abcdef" and `max_len = maxModelLen -
 *   len(encode(sys_prompt))`; even j is task 3 (no answer documents, gold "F"), odd j is task 2.
 * The result lists task 1's prompts, then task 2's, then task 3's, each in CLUE's order (`index`).
 */
export async function planLongHealth(bench: LongHealthBenchmark, options: PlanLongHealthOptions): Promise<LongHealthPrompt[]> {
  const maxLenTask1 = options.maxLenTask1 ?? DEFAULT_MAX_LEN_TASK1;
  checkPositiveInt('maxLenTask1', maxLenTask1);
  checkPositiveInt('maxModelLen', options.maxModelLen);
  const concurrency = options.concurrency ?? 8;
  checkPositiveInt('concurrency', concurrency);
  if (typeof options.seed === 'number' && !Number.isSafeInteger(options.seed)) {
    throw new ClueError('INVALID_ARGUMENT', `LongHealth: seed must be an integer, got ${options.seed}`);
  }
  const tokenizer = memoiseTokenizer(options.tokenizer);
  const rng = new PyRandom(options.seed);
  await warmCache(tokenizer, bench, concurrency);
  const lenSys = (await tokenizer.encode(LONGHEALTH_SYS_PROMPT)).length;

  const task1: LongHealthPrompt[] = [];
  const maxLen1 = maxLenTask1 - lenSys;
  for (const patient of bench.patients) {
    for (const q of patient.questions) {
      const [answerDocs, nonAnswer] = splitDocuments(patient, q);
      const gold = getCorrectAnswer(q);
      for (let j = 0; j < TASK1_ROUNDS; j++) {
        const { prompt } = await createPrompt(answerDocs, nonAnswer, q, { tokenizer, maxLen: maxLen1, rng });
        task1.push(makePrompt(1, task1.length, patient.id, q.index, j, prompt, gold));
      }
    }
  }

  const task2: LongHealthPrompt[] = [];
  const task3: LongHealthPrompt[] = [];
  const maxLen23 = options.maxModelLen - lenSys;
  const noDocs = new Map<string, string>();
  for (const patient of bench.patients) {
    const pool = distractorPool(bench, patient.id);
    for (const q of patient.questions) {
      const qf = withAnswerF(q);
      const [answerDocs] = splitDocuments(patient, q);
      const gold2 = getCorrectAnswer(qf);
      for (let j = 0; j < TASK23_ROUNDS; j++) {
        const distractors = rng.sample(pool, Math.min(DISTRACTORS_PER_PROMPT, pool.length));
        const isTask3 = j % 2 === 0;
        const { prompt } = await createPrompt(isTask3 ? noDocs : answerDocs, distractors, qf, {
          tokenizer,
          maxLen: maxLen23,
          rng,
          optionLabels: 'abcdef',
        });
        if (isTask3) task3.push(makePrompt(3, task3.length, patient.id, q.index, j, prompt, 'F'));
        else task2.push(makePrompt(2, task2.length, patient.id, q.index, j, prompt, gold2));
      }
    }
  }
  return [...task1, ...task2, ...task3];
}
