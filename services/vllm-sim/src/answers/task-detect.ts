/**
 * Recognises which CLUE task a prompt belongs to from the fixed phrases of CLUE's system prompts and
 * user templates, and cuts out the test item (the text after the last occurrence of the task's input
 * marker, so few-shot turns and system text merged into a user turn are skipped).
 */

/** The CLUE tasks, plus `generic` for anything else. */
export type TaskKind = 'mednli' | 'meqsum' | 'problemsummary' | 'medisumqa' | 'medisumcode' | 'longhealth' | 'generic';

/** A recognised prompt. */
export interface TaskInput {
  readonly task: TaskKind;
  /** The test item: text from the last input marker to the end of the last user turn (or prompt). */
  readonly item: string;
}

/** Input markers of CLUE's user templates. */
export const MARKERS: Readonly<Record<Exclude<TaskKind, 'generic'>, string>> = {
  mednli: 'SENTENCE_1:',
  meqsum: '--------------PATIENT INQUIRY--------------',
  problemsummary: '--------------BEGIN DISCHARGE LETTER--------------',
  medisumqa: '--------------BEGIN DISCHARGE LETTER--------------',
  medisumcode: '--------------BEGIN DISCHARGE LETTER--------------',
  longhealth: '--------------BEGIN DOCUMENTS--------------',
};

function classify(text: string): TaskKind {
  if (text.includes('BEGIN DOCUMENTS') || text.includes('The correct answer is')) return 'longhealth';
  if (text.includes('ICD-10')) return 'medisumcode';
  if (text.includes('SENTENCE_1') || text.includes('ENTAILMENT, NEUTRAL or CONTRADICTION')) return 'mednli';
  if (text.includes('PATIENT INQUIRY') || text.includes('concise question')) return 'meqsum';
  if (text.includes('diagnoses and patient problems') || text.includes('summarize the diagnoses and problems')) return 'problemsummary';
  if (text.includes('BEGIN DISCHARGE LETTER') || text.includes('answer questions related to this document')) return 'medisumqa';
  return 'generic';
}

/**
 * Detects the task of a chat (`instructions` = system text + first user turn, `last` = the last user
 * turn) or of a plain-text prompt (pass the prompt as both).
 */
export function detectTask(instructions: string, last: string): TaskInput {
  const task = classify(instructions + '\n' + last);
  if (task === 'generic') return { task, item: last };
  const marker = MARKERS[task];
  const at = last.lastIndexOf(marker);
  return { task, item: at >= 0 ? last.slice(at) : last };
}
