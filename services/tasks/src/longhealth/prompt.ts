/**
 * CLUE's LongHealth prompt (`create_prompt` in `eval/eval_LongHealth.py`): fits the answer documents, then the
 * other documents, into a token budget measured with the model's tokenizer, cuts the first document that overflows,
 * shuffles the chosen documents and renders them into CLUE's template.
 */
import { ClueError } from '../errors.js';
import type { PyRandom } from '../pyrandom.js';
import { decodePrefix, type Tokenizer } from './tokenizer.js';

/** CLUE's `sys_prompt`, byte for byte (it starts and ends with a newline; one line ends with a space). */
export const LONGHEALTH_SYS_PROMPT = [
  '',
  'You are a highly skilled and detail-oriented assistant, specifically trained to assist medical professionals in interpreting and extracting key information from medical documents. Your primary responsibility will be to analyze discharge letters from hospitals. When you receive one or more of these letters, you will be expected to carefully review the contents and accurately answer multiple-choice questions related to these documents. ',
  '',
  'Your answers should be:',
  '1. Accurate: Make sure your answers are based on the information provided in the letters.',
  '2. Concise: Provide brief and direct answers without unnecessary elaboration.',
  '3. Contextual: Consider the context and specifics of each question to provide the most relevant information.',
  '',
  'Remember, your job is to streamline the physician\'s decision-making process by providing them with accurate and relevant information from discharge summaries. Efficiency and reliability are key.',
  '',
].join('\n');

/** CLUE's `prompt_template`, byte for byte, with its `{documents}`, `{question_text}` and `{options}` fields. */
export const LONGHEALTH_PROMPT_TEMPLATE = [
  '',
  '--------------BEGIN DOCUMENTS--------------',
  '',
  '{documents}',
  '',
  '--------------END DOCUMENTS--------------',
  '',
  '{question_text}',
  '{options}',
  '',
  'Please answer using the following format:',
  '1. Begin your answer with the phrase "The correct answer is".',
  '2. State the letter of the correct option (e.g., A, B, C, D, E).',
  '3. Follow the letter with a colon and the exact text of the option you chose.',
  '4. Make sure your answer is a single, concise sentence.',
  '',
  'For example, if the correct answer to a question is option C, and the text for C is \'Acute Bronchitis\', your answer should be: ',
  '\'The correct answer is C: Acute bronchitis.\'',
  '',
].join('\n');

/** The option CLUE adds as `answer_f` for tasks 2 and 3. */
export const ANSWER_F_TEXT = 'Question cannot be answered with provided documents';

/** CLUE's default document separator. */
export const DEFAULT_SEPARATOR = '--------------';

/** `doc_type` of a document that is not an answer document. */
export const DISTRACTION = 'distraction';

/** What `create_prompt` reads from a question: its text and its `answer_<label>` options. */
export interface PromptQuestion {
  readonly question: string;
  /** Option texts by key (`answer_a`, ...); must hold `answer_<label>` for every option label. */
  readonly answers: ReadonlyMap<string, string>;
}

/** Options of {@link createPrompt}. */
export interface CreatePromptOptions {
  /** The model's tokenizer (HF `encode` with BOS, `decode` keeping special tokens). */
  readonly tokenizer: Tokenizer;
  /** Token budget (`max_len`); CLUE passes the model limit minus `len(encode(sys_prompt))`. */
  readonly maxLen: number;
  /** Random source for the document shuffle; `null` means `shuffle=False`. */
  readonly rng: PyRandom | null;
  /** `separator` (default "--------------"). */
  readonly separator?: string;
  /** `option_labels`: "abcde" (task 1, the default) or "abcdef" (tasks 2/3). */
  readonly optionLabels?: string;
}

/** One document as placed in the prompt (after the shuffle). */
export interface PromptDocument {
  /** The answer document's text id, or "distraction". */
  readonly type: string;
  /** The text as inserted (a truncated document is `decode(encode(doc)[:n])`, possibly ""). */
  readonly text: string;
  /** CLUE's `doc_lengths` entry: the token count, or the remaining budget for the truncated one (may be < 0). */
  readonly length: number;
  /** Whether this is the document that overflowed the budget. */
  readonly truncated: boolean;
}

/** Result of {@link createPrompt}. */
export interface CreatedPrompt {
  /** The user message. */
  readonly prompt: string;
  /** The documents in prompt order. */
  readonly documents: readonly PromptDocument[];
  /** CLUE's final `total_len` bookkeeping value. */
  readonly totalLen: number;
}

/** `prompt_template.format(documents=..., question_text=..., options=...)` (values are not re-scanned). */
export function renderLongHealthPrompt(documents: string, questionText: string, options: string): string {
  const values: Record<string, string> = { documents, question_text: questionText, options };
  return LONGHEALTH_PROMPT_TEMPLATE.replace(/\{(documents|question_text|options)\}/g, (_m, key: string) => values[key] ?? '');
}

/**
 * The options block: `"\n".join(label.upper() + ": " + question[f"answer_{label}"] for label in option_labels)`.
 * Throws ClueError (INVALID_ARGUMENT) if an `answer_<label>` is missing (CLUE: KeyError).
 */
export function formatOptions(question: PromptQuestion, optionLabels: string): string {
  return Array.from(optionLabels, (label) => {
    const text = question.answers.get(`answer_${label}`);
    if (text === undefined) throw new ClueError('INVALID_ARGUMENT', `LongHealth question has no option 'answer_${label}'`);
    return `${label.toUpperCase()}: ${text}`;
  }).join('\n');
}

async function lengthOf(tokenizer: Tokenizer, text: string): Promise<number> {
  return (await tokenizer.encode(text)).length;
}

/**
 * CLUE's `create_prompt`, step for step:
 * 1. `total_len = len(encode(question)) + len(encode(options)) + len(encode(prompt_template))`; the separator is
 *    measured as `"\n\n{sep} NEW DOCUMENT {sep}\n\n"` although documents are joined with `"\n\n{sep}\n\n"`.
 * 2. Answer documents (in `answerDocs` order): one that fits (`total_len + len_doc <= max_len`) is taken whole and
 *    adds `len_doc + len_separator`; the first that does not is cut to `decode(encode(doc)[:max(max_len -
 *    total_len, 0)])`, `total_len` becomes `max_len`, and the answer loop stops.
 * 3. Non-answer documents, by the same rule (so once full, an empty "" document may be appended).
 * 4. The chosen documents are shuffled with `rng` (`random.shuffle` of the zipped list) and rendered.
 * Throws ClueError (INVALID_ARGUMENT) when shuffling an empty selection, where CLUE fails.
 */
export async function createPrompt(
  answerDocs: ReadonlyMap<string, string>,
  nonAnswerDocs: readonly string[],
  question: PromptQuestion,
  options: CreatePromptOptions,
): Promise<CreatedPrompt> {
  const { tokenizer, maxLen, rng } = options;
  if (!Number.isSafeInteger(maxLen)) throw new ClueError('INVALID_ARGUMENT', `create_prompt: maxLen must be an integer, got ${maxLen}`);
  const separator = options.separator ?? DEFAULT_SEPARATOR;
  const questionText = question.question;
  const optionsText = formatOptions(question, options.optionLabels ?? 'abcde');

  const [lenSeparator, lenQuestion, lenOptions, lenTemplate] = await Promise.all([
    lengthOf(tokenizer, `\n\n${separator} NEW DOCUMENT ${separator}\n\n`),
    lengthOf(tokenizer, questionText),
    lengthOf(tokenizer, optionsText),
    lengthOf(tokenizer, LONGHEALTH_PROMPT_TEMPLATE),
  ]);
  const answerEntries = [...answerDocs];
  const [lenAnswerDocs, lenNonAnswerDocs] = await Promise.all([
    Promise.all(answerEntries.map(([, doc]) => lengthOf(tokenizer, doc))),
    Promise.all(nonAnswerDocs.map((doc) => lengthOf(tokenizer, doc))),
  ]);

  const selected: PromptDocument[] = [];
  let totalLen = lenQuestion + lenOptions + lenTemplate;

  const place = async (type: string, doc: string, lenDoc: number): Promise<boolean> => {
    if (totalLen + lenDoc <= maxLen) {
      selected.push({ type, text: doc, length: lenDoc, truncated: false });
      totalLen += lenDoc + lenSeparator;
      return true;
    }
    const room = maxLen - totalLen;
    const text = await decodePrefix(tokenizer, doc, Math.max(room, 0));
    selected.push({ type, text, length: room, truncated: true });
    totalLen += room;
    return false;
  };

  for (let i = 0; i < answerEntries.length; i++) {
    const [docName, doc] = answerEntries[i]!;
    if (!(await place(docName, doc, lenAnswerDocs[i]!))) break;
  }
  for (let i = 0; i < nonAnswerDocs.length; i++) {
    if (!(await place(DISTRACTION, nonAnswerDocs[i]!, lenNonAnswerDocs[i]!))) break;
  }

  if (rng !== null) {
    if (selected.length === 0) {
      throw new ClueError('INVALID_ARGUMENT', 'create_prompt: no documents to shuffle (CLUE fails here with a ValueError)');
    }
    rng.shuffle(selected);
  }

  const documentsJoined = selected.map((d) => d.text).join(`\n\n${separator}\n\n`);
  return { prompt: renderLongHealthPrompt(documentsJoined, questionText, optionsText), documents: selected, totalLen };
}
