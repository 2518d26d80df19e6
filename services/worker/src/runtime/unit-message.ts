/** Parsing and checking of a work-queue message's payload (`UnitMessage`, JSON). */
import { parseUnitId, type UnitMessage } from '@clue/common';
import { TASK_IDS, type TaskId } from '@clue/tasks';

/** A payload that is not a usable UnitMessage (a poison message). */
export class BadUnitMessage extends Error {
  constructor(reason: string) {
    super(`bad unit message: ${reason}`);
    this.name = 'BadUnitMessage';
  }
}

function int(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new BadUnitMessage(`field '${k}' must be a whole number >= 0`);
  return v;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') throw new BadUnitMessage(`field '${k}' must be a non-empty string`);
  return v;
}

/**
 * Parses a payload.
 * @throws BadUnitMessage naming the field that is missing or malformed.
 */
export function parseUnitMessage(data: Uint8Array): UnitMessage {
  let o: unknown;
  try {
    o = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new BadUnitMessage('payload is not JSON');
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new BadUnitMessage('payload is not a JSON object');
  const r = o as Record<string, unknown>;
  const unitId = str(r, 'unitId');
  try {
    parseUnitId(unitId);
  } catch {
    throw new BadUnitMessage(`unitId '${unitId.slice(0, 100)}' is not <run>.<model>.<task>.<shard>`);
  }
  const task = str(r, 'task');
  if (!(TASK_IDS as readonly string[]).includes(task)) throw new BadUnitMessage(`unknown task '${task.slice(0, 40)}'`);
  const s = r['sampling'];
  if (s === null || typeof s !== 'object' || Array.isArray(s)) throw new BadUnitMessage("field 'sampling' must be an object");
  const sr = s as Record<string, unknown>;
  for (const k of ['temperature', 'topP', 'maxTokens', 'seed']) {
    if (typeof sr[k] !== 'number') throw new BadUnitMessage(`field 'sampling.${k}' must be a number`);
  }
  const bertscore = r['bertscore'];
  if (bertscore !== undefined && typeof bertscore !== 'boolean') throw new BadUnitMessage("field 'bertscore' must be a boolean when present");
  return {
    unitId,
    runId: str(r, 'runId'),
    model: str(r, 'model'),
    task: task as TaskId,
    shard: int(r, 'shard'),
    start: int(r, 'start'),
    end: int(r, 'end'),
    dataset: str(r, 'dataset'),
    sampling: { temperature: sr['temperature'] as number, topP: sr['topP'] as number, maxTokens: sr['maxTokens'] as number, seed: sr['seed'] as number },
    ...(bertscore === true ? { bertscore: true } : {}),
  };
}
