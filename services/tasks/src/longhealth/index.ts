/** LongHealth (CLUE Level 2): loader, prompt construction, planning of the three tasks, scoring. */
export {
  loadLongHealth,
  type LongHealthBenchmark,
  type LongHealthPatient,
  type LongHealthQuestion,
  type AnswerSpan,
} from './loader.js';
export {
  LONGHEALTH_SYS_PROMPT,
  LONGHEALTH_PROMPT_TEMPLATE,
  ANSWER_F_TEXT,
  DEFAULT_SEPARATOR,
  DISTRACTION,
  createPrompt,
  formatOptions,
  renderLongHealthPrompt,
  type PromptQuestion,
  type CreatePromptOptions,
  type CreatedPrompt,
  type PromptDocument,
} from './prompt.js';
export {
  planLongHealth,
  TASK1_ROUNDS,
  TASK23_ROUNDS,
  DISTRACTORS_PER_PROMPT,
  DEFAULT_MAX_LEN_TASK1,
  LONGHEALTH_MAX_NEW_TOKENS,
  type LongHealthPrompt,
  type LongHealthTaskNumber,
  type PlanLongHealthOptions,
} from './plan.js';
export {
  getCorrectAnswer,
  parseModelChoice,
  longHealthCorrect,
  longHealthAccuracy,
  pyContains,
  PY_WORD_CHAR,
  type GoldSource,
} from './scoring.js';
export {
  SimpleTokenizer,
  MemoTokenizer,
  memoiseTokenizer,
  decodePrefix,
  type Tokenizer,
  type SimpleTokenizerOptions,
  type MemoTokenizerStats,
} from './tokenizer.js';
