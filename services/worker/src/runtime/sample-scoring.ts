/**
 * Per-sample pieces of a unit: the chat as sent to the model (system turn merged into the first user
 * turn for models whose template rejects one), the prompt hash, the `max_tokens` CLUE uses, and the
 * scoring of one output with CLUE's metrics (`scoreSample`; LongHealth: `longHealthCorrect` → 100 or 0
 * under `Task<n>_Accuracy`, the values `aggregateSamples` expects).
 */
import { createHash } from 'node:crypto';
import {
  LONGHEALTH_MAX_NEW_TOKENS,
  getShortTask,
  longHealthCorrect,
  mergeSystemIntoFirstUser,
  scoreSample,
  type ChatMessage,
  type Icd10Table,
  type MetricValues,
  type ModelSpec,
  type TaskId,
} from '@clue/tasks';
import type { SamplingSpec } from '@clue/common';
import type { UnitSample } from './samples.js';

/**
 * The chat sent to `model`: unchanged, or with the system turn merged into the first user turn when
 * the catalog says the model's (built-in) template rejects a system role.
 */
export function adaptMessages(model: ModelSpec, messages: readonly ChatMessage[]): readonly ChatMessage[] {
  if (!model.systemRole && model.chatTemplate === 'builtin' && messages[0]?.role === 'system') return mergeSystemIntoFirstUser(messages);
  return messages;
}

/**
 * sha256 of the chat as sent: `JSON.stringify(messages.map(m => ({role, content})))` in UTF-8 — the
 * same canonical form vllm-sim's oracle keys use.
 */
export function promptSha256(messages: readonly ChatMessage[]): string {
  return createHash('sha256')
    .update(JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content }))), 'utf8')
    .digest('hex');
}

/** `max_tokens`: the spec's value, or (0) the task's CLUE value (MedNLI 20, LongHealth 50, others 512). */
export function maxTokensFor(task: TaskId, sampling: SamplingSpec): number {
  if (sampling.maxTokens > 0) return sampling.maxTokens;
  return task === 'longhealth' ? LONGHEALTH_MAX_NEW_TOKENS : getShortTask(task).maxTokens;
}

/**
 * CLUE's per-sample metrics of `output` (an empty string for a sample that could not be run).
 * @throws ClueError for MeDiSumCode without an ICD-10 table.
 */
export function scoreOutput(task: TaskId, sample: UnitSample, output: string, icd10: Icd10Table | null): MetricValues {
  if (task === 'longhealth') {
    const subtask = sample.subtask ?? 1;
    const ok = longHealthCorrect(output, sample.reference === '' ? undefined : sample.reference, subtask === 3);
    return { [`Task${subtask}_Accuracy`]: ok ? 100 : 0 };
  }
  return scoreSample(task, output, sample.reference, icd10 ? { icd10 } : {});
}

/** Checks the sampling values of a unit; returns a reason when they are unusable. */
export function samplingProblem(s: SamplingSpec): string | null {
  if (!(typeof s.temperature === 'number' && s.temperature >= 0 && Number.isFinite(s.temperature))) return `sampling.temperature ${s.temperature} is not >= 0`;
  if (!(typeof s.topP === 'number' && s.topP > 0 && s.topP <= 1)) return `sampling.topP ${s.topP} is not in (0, 1]`;
  if (!(Number.isInteger(s.maxTokens) && s.maxTokens >= 0)) return `sampling.maxTokens ${s.maxTokens} is not a whole number >= 0`;
  if (!Number.isSafeInteger(s.seed) || s.seed < 0) return `sampling.seed ${s.seed} is not a whole number >= 0`;
  return null;
}
