/**
 * Turns a dataset file of a short task into CLUE's evaluation samples: load, check and prepare every
 * record, `random.seed(1); random.shuffle(data)`, the first `fewShot` records become the shared
 * few-shot turns, every later record is one test chat.
 */
import { DatasetError, type DatasetLocation } from '../errors.js';
import { PyRandom } from '../pyrandom.js';
import type { PromptSample } from '../types.js';
import type { PyRecord } from '../py/value.js';
import { buildFewShotChat, buildModelInput } from './chat.js';
import type { ShortTaskDefinition } from './task.js';
import { ClueError } from '../errors.js';

/** CLUE's shuffle seed (`random.seed(1)` in every eval script). */
export const CLUE_SHUFFLE_SEED = 1;

/** Options of {@link buildTaskPrompts}. */
export interface BuildPromptsOptions {
  /** Few-shot examples; @default the task's CLUE value. */
  readonly fewShot?: number;
  /** Shuffle seed; @default 1 (CLUE's). */
  readonly seed?: number;
}

/** A test sample plus where its record came from. */
export interface TaskSample extends PromptSample {
  readonly source: DatasetLocation;
}

/** The evaluation set of one task file. */
export interface TaskPrompts {
  readonly task: ShortTaskDefinition;
  readonly fewShot: number;
  /** Sources of the records used as few-shot examples. */
  readonly fewShotSources: readonly DatasetLocation[];
  readonly samples: readonly TaskSample[];
}

/** Builds CLUE's chats for every test sample of a dataset file's bytes. Throws DatasetError. */
export function buildTaskPrompts(
  task: ShortTaskDefinition,
  bytes: Uint8Array,
  file: string,
  options: BuildPromptsOptions = {},
): TaskPrompts {
  const fewShot = options.fewShot ?? task.fewShot;
  if (!Number.isInteger(fewShot) || fewShot < 0) {
    throw new ClueError('INVALID_ARGUMENT', `few-shot count must be a whole number >= 0, got ${fewShot}`);
  }
  const loaded = task.load(bytes, file);
  const prepared: PyRecord[] = loaded.records.map((r, i) => task.prepare(r, loaded.locations[i]!));
  if (prepared.length <= fewShot) {
    throw new DatasetError(
      { file },
      `has ${prepared.length} record(s); ${task.name} needs more than its ${fewShot} few-shot example(s) to have anything to score`,
    );
  }
  const order = new PyRandom(options.seed ?? CLUE_SHUFFLE_SEED).shuffle(prepared.map((_, i) => i));
  const examples = order.slice(0, fewShot).map((i) => prepared[i]!);
  const prefix = buildFewShotChat(examples, task);
  const samples: TaskSample[] = order.slice(fewShot).map((recIndex, index) => {
    const record = prepared[recIndex]!;
    const loc = loaded.locations[recIndex]!;
    return {
      index,
      messages: buildModelInput(record, task.userTemplate, prefix),
      reference: record.get(task.referenceField) as string,
      source: loc,
    };
  });
  return { task, fewShot, fewShotSources: order.slice(0, fewShot).map((i) => loaded.locations[i]!), samples };
}
