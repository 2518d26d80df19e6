/** Finding dataset files: `task=FILE` pairs, or a directory holding files under CLUE's names. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ClueError, SHORT_TASKS, parseTaskId, type TaskId } from '@clue/tasks';

/** CLUE's file name per task (data/<Task>/<file>). */
export const CLUE_FILE_NAMES: Readonly<Record<TaskId, string>> = {
  ...(Object.fromEntries(SHORT_TASKS.map((t) => [t.id, t.fileName])) as Record<Exclude<TaskId, 'longhealth'>, string>),
  longhealth: 'benchmark_v5.json',
};

/** Resolves `--data` values (each `task=FILE` or a directory) into task -> file. */
export function resolveDataArgs(values: readonly string[]): Partial<Record<TaskId, string>> {
  const out: Partial<Record<TaskId, string>> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq > 0) {
      const task = parseTaskId(v.slice(0, eq));
      const file = v.slice(eq + 1);
      if (!existsSync(file)) throw new ClueError('INVALID_ARGUMENT', `--data ${v}: no such file ${file}`);
      out[task] = file;
      continue;
    }
    if (!existsSync(v) || !statSync(v).isDirectory()) {
      throw new ClueError('INVALID_ARGUMENT', `--data ${v}: give a directory with CLUE's file names, or task=FILE`);
    }
    let found = 0;
    for (const [task, name] of Object.entries(CLUE_FILE_NAMES) as [TaskId, string][]) {
      const p = join(v, name);
      if (existsSync(p)) {
        out[task] ??= p;
        found++;
      }
    }
    if (found === 0) {
      throw new ClueError('INVALID_ARGUMENT', `--data ${v}: no CLUE dataset files there (expected names: ${Object.values(CLUE_FILE_NAMES).join(', ')})`);
    }
  }
  return out;
}
