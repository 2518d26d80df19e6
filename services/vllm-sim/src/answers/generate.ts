/**
 * The simulated model output: a deterministic function of (model, prompt, seed, temperature). With
 * temperature 0 the seed is ignored. An oracle hit returns the gold answer verbatim; otherwise the
 * task recognised from the prompt picks a generator whose quality follows the model's skill. Base
 * (non-instruct) models often keep going after the answer, as real ones do.
 */
import type { ChatMessage } from '../chat-template.js';
import { answerGeneric, answerLongHealth, answerMedisumcode } from './long-tasks.js';
import { createRng, type Rng } from './rng.js';
import { answerMedNli, answerMedisumqa, answerMeqsum, answerProblemSummary, type GenContext } from './short-tasks.js';
import { detectTask, type TaskKind } from './task-detect.js';
import { words } from './text.js';

/** Inputs of one generation. */
export interface AnswerRequest {
  /** Model id (part of the seed material). */
  readonly modelId: string;
  /** Chat messages, or a plain prompt for /v1/completions. */
  readonly messages?: readonly ChatMessage[];
  readonly prompt?: string;
  /** Seed in effect (request seed, else the server's --seed). */
  readonly seed: number;
  readonly temperature: number;
  /** Answer quality in [0, 1]. */
  readonly skill: number;
  /** False for base models. */
  readonly instruct: boolean;
  /** Index of the choice when n > 1. @default 0 */
  readonly choiceIndex?: number;
  /** Gold answer from the oracle, if the prompt hash matched. */
  readonly oracleAnswer?: string;
}

/** The generated text and where it came from. */
export interface Answer {
  readonly text: string;
  readonly source: 'oracle' | 'model';
  readonly task: TaskKind;
}

const GENERATORS: Readonly<Record<TaskKind, (c: GenContext) => string>> = {
  mednli: answerMedNli,
  meqsum: answerMeqsum,
  problemsummary: answerProblemSummary,
  medisumqa: answerMedisumqa,
  medisumcode: answerMedisumcode,
  longhealth: answerLongHealth,
  generic: answerGeneric,
};

/** Seed material: temperature 0 is greedy, so the seed does not matter then. */
function seedMaterial(r: AnswerRequest): string {
  const sampled = r.temperature > 0;
  return JSON.stringify([r.modelId, r.messages ?? r.prompt ?? '', sampled ? r.seed : null, r.temperature, r.choiceIndex ?? 0]);
}

/** Generates the answer text. */
export function generateAnswer(r: AnswerRequest): Answer {
  let instructions: string;
  let last: string;
  if (r.messages !== undefined) {
    const firstUser = r.messages.find((m) => m.role === 'user')?.content ?? '';
    const system = r.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
    instructions = system + '\n' + firstUser;
    last = [...r.messages].reverse().find((m) => m.role === 'user')?.content ?? r.messages[r.messages.length - 1]?.content ?? '';
  } else {
    instructions = r.prompt ?? '';
    last = r.prompt ?? '';
  }
  const { task, item } = detectTask(instructions, last);
  if (r.oracleAnswer !== undefined) return { text: r.oracleAnswer, source: 'oracle', task };
  const rng = createRng(seedMaterial(r));
  const skill = r.skill * (r.temperature <= 0 ? 1 : Math.max(0.5, 1 - 0.12 * Math.min(r.temperature, 2)));
  let text = GENERATORS[task]({ item, rng, skill });
  if (!r.instruct && rng.chance(0.4 + 0.5 * (1 - skill))) text += '\n\n' + ramble(item, rng, 80 + rng.int(220));
  return { text, source: 'model', task };
}

function ramble(item: string, rng: Rng, n: number): string {
  const ws = words(item);
  if (ws.length === 0) return 'The end.';
  const out: string[] = [];
  let at = rng.int(ws.length);
  while (out.length < n) {
    out.push(ws[at % ws.length]!);
    at++;
  }
  return out.join(' ');
}

/**
 * Filler text of at least `minChars` characters continuing from `seedText` (used when a request asks
 * for `ignore_eos` or `min_tokens` beyond the natural answer).
 */
export function continuationText(seedText: string, minChars: number): string {
  const ws = words(seedText);
  const pool = ws.length > 0 ? ws : ['the', 'patient', 'was', 'seen', 'and', 'treated'];
  let out = '';
  for (let i = 0; out.length < minChars; i++) out += ' ' + pool[i % pool.length]!;
  return out;
}
