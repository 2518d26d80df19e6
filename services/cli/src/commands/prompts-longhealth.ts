/**
 * LongHealth prompts for `clue prompts`. Token budgets depend on the evaluated model's tokenizer;
 * offline this uses the library's deterministic SimpleTokenizer (the worker uses vLLM's /tokenize),
 * so document selection here shows the procedure, not a particular model's cut points.
 */
import { SimpleTokenizer, loadLongHealth, planLongHealth, readText } from '@clue/tasks';

export interface LongHealthPromptOptions {
  readonly file: string;
  readonly seed: number;
  readonly maxModelLen: number;
  readonly maxLenTask1: number;
  readonly limit?: number;
}

/** JSONL lines `{index, task, patient, question, messages, reference}` in CLUE's order. */
export async function longHealthPromptLines(o: LongHealthPromptOptions): Promise<string[]> {
  const bench = loadLongHealth(readText(o.file), o.file);
  const prompts = await planLongHealth(bench, {
    tokenizer: new SimpleTokenizer(),
    seed: o.seed,
    maxLenTask1: o.maxLenTask1,
    maxModelLen: o.maxModelLen,
  });
  const shown = o.limit !== undefined ? prompts.slice(0, o.limit) : prompts;
  return shown.map((p, index) =>
    JSON.stringify({
      index,
      task: p.task,
      patient: p.patientId,
      question: p.questionIndex,
      messages: p.messages.map((m) => ({ role: m.role, content: m.content })),
      reference: p.reference,
    }),
  );
}
