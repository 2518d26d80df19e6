/** Shared types of the task library. */

/** The six CLUE task ids, in the order of CLUE's levels (Level 1, then Level 2). */
export const TASK_IDS = ['mednli', 'meqsum', 'problemsummary', 'medisumqa', 'medisumcode', 'longhealth'] as const;

/** A CLUE task id. */
export type TaskId = (typeof TASK_IDS)[number];

/** A chat role as sent to an OpenAI-compatible server. */
export type ChatRole = 'system' | 'user' | 'assistant';

/** One chat message. Key order (role, content) is part of the JSON contract of `clue prompts`. */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/** One test sample of a task, ready to send: the full chat and the gold answer it is scored against. */
export interface PromptSample {
  /** 0-based position in CLUE's evaluation order (after the few-shot examples). */
  readonly index: number;
  readonly messages: readonly ChatMessage[];
  readonly reference: string;
}

/** Per-sample metric values keyed by CLUE's metric names (e.g. `ROUGE_L`, `ICD EM P`). */
export type MetricValues = Record<string, number>;
