/** `clue prompts`: print CLUE's chat for every test sample of a dataset file, as JSONL. */
import type { Argv } from 'yargs';
import { buildTaskPrompts, getShortTask, parseTaskId, readBytes, ClueError } from '@clue/tasks';
import { writeLines } from '../output.js';
import { longHealthPromptLines } from './prompts-longhealth.js';

interface PromptsArgs {
  task: string;
  data: string;
  limit?: number;
  'few-shot'?: number;
  seed?: number;
  'max-model-len': number;
  'max-len-task1': number;
}

export function registerPrompts(y: Argv): Argv {
  return y.command(
    'prompts',
    'Print the chat messages CLUE sends for each test sample (JSONL: index, messages, reference)',
    (c) =>
      c
        .option('task', { type: 'string', demandOption: true, describe: 'mednli | meqsum | problemsummary | medisumqa | medisumcode | longhealth' })
        .option('data', { type: 'string', demandOption: true, describe: 'dataset file in its CLUE format' })
        .option('limit', { type: 'number', describe: 'print only the first N samples' })
        .option('few-shot', { type: 'number', describe: "few-shot examples (default: CLUE's per task)" })
        .option('seed', { type: 'number', describe: 'shuffle seed (default 1, as CLUE; LongHealth: run seed, default 0)' })
        .option('max-model-len', { type: 'number', default: 8192, describe: 'LongHealth tasks 2/3 budget: the model context length' })
        .option('max-len-task1', { type: 'number', default: 8140, describe: "LongHealth task 1 budget (CLUE's --max_len)" }),
    async (argv) => {
      await runPrompts(argv as unknown as PromptsArgs);
    },
  );
}

async function runPrompts(a: PromptsArgs): Promise<void> {
  if (a.limit !== undefined && (!Number.isInteger(a.limit) || a.limit < 0)) {
    throw new ClueError('INVALID_ARGUMENT', `--limit must be a whole number >= 0, got ${a.limit}`);
  }
  const task = parseTaskId(a.task);
  if (task === 'longhealth') {
    const lines = await longHealthPromptLines({
      file: a.data,
      seed: a.seed ?? 0,
      maxModelLen: a['max-model-len'],
      maxLenTask1: a['max-len-task1'],
      ...(a.limit !== undefined ? { limit: a.limit } : {}),
    });
    await writeLines(lines);
    return;
  }
  const def = getShortTask(task);
  const prompts = buildTaskPrompts(def, readBytes(a.data), a.data, {
    ...(a['few-shot'] !== undefined ? { fewShot: a['few-shot'] } : {}),
    ...(a.seed !== undefined ? { seed: a.seed } : {}),
  });
  const samples = a.limit !== undefined ? prompts.samples.slice(0, a.limit) : prompts.samples;
  await writeLines(
    samples.map((s) => JSON.stringify({ index: s.index, messages: s.messages.map((m) => ({ role: m.role, content: m.content })), reference: s.reference })),
  );
}
