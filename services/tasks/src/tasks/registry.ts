/** The five few-shot CLUE tasks by id (LongHealth has its own module, `longhealth/`). */
import { ClueError } from '../errors.js';
import { TASK_IDS, type TaskId } from '../types.js';
import type { ShortTaskDefinition } from './task.js';
import { mednli } from './mednli.js';
import { meqsum } from './meqsum.js';
import { problemsummary } from './problemsummary.js';
import { medisumqa } from './medisumqa.js';
import { medisumcode } from './medisumcode.js';

/** Definitions of the five short tasks, in CLUE's order. */
export const SHORT_TASKS: readonly ShortTaskDefinition[] = [mednli, meqsum, problemsummary, medisumqa, medisumcode];

/** Display names of all six tasks. */
export const TASK_NAMES: Readonly<Record<TaskId, string>> = {
  mednli: 'MedNLI',
  meqsum: 'MeQSum',
  problemsummary: 'Problem Summary',
  medisumqa: 'MeDiSumQA',
  medisumcode: 'MeDiSumCode',
  longhealth: 'LongHealth',
};

/** Validates a task id; throws ClueError UNKNOWN_TASK listing the valid ids. */
export function parseTaskId(id: string): TaskId {
  const norm = id.trim().toLowerCase().replace(/[\s_-]/g, '');
  const found = TASK_IDS.find((t) => t === norm);
  if (!found) throw new ClueError('UNKNOWN_TASK', `unknown task '${id}'; valid tasks: ${TASK_IDS.join(', ')}`);
  return found;
}

/** The definition of a short task; throws for LongHealth or an unknown id. */
export function getShortTask(id: string): ShortTaskDefinition {
  const tid = parseTaskId(id);
  const def = SHORT_TASKS.find((t) => t.id === tid);
  if (!def) throw new ClueError('INVALID_ARGUMENT', `task '${tid}' is not a few-shot task (LongHealth is built by its own planner)`);
  return def;
}
