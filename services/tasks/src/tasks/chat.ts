/**
 * CLUE's chat construction (eval/utils.py): `build_first_turn`, `build_few_shot_examples`,
 * `build_model_input`, reproduced with their quirks:
 * - the first few-shot example is only added when both its user prompt and its answer are non-empty
 *   (Python truthiness in `build_first_turn`), later examples always are;
 * - with zero few-shot examples the chat is the system turn plus the user turn.
 */
import type { ChatMessage } from '../types.js';
import type { PyRecord } from '../py/value.js';
import { pyFormat } from '../py/format.js';

/** The templates of one task. */
export interface ChatTemplates {
  readonly systemPrompt: string;
  readonly userTemplate: string;
  readonly assistantTemplate: string;
}

/** `build_first_turn(sys_prompt, user_prompt, assistant_response)`. */
export function buildFirstTurn(systemPrompt: string, user: string | null, assistant: string | null): ChatMessage[] {
  const chat: ChatMessage[] = [{ role: 'system', content: systemPrompt }];
  if (user && assistant) {
    chat.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
  }
  return chat;
}

/**
 * The shared prefix of every test chat: `build_few_shot_examples(examples, ...)` when there are
 * examples, else `build_first_turn(sys_prompt, None, None)`.
 */
export function buildFewShotChat(examples: readonly PyRecord[], t: ChatTemplates): ChatMessage[] {
  if (examples.length === 0) return buildFirstTurn(t.systemPrompt, null, null);
  let chat: ChatMessage[] = [];
  examples.forEach((example, i) => {
    const user = pyFormat(t.userTemplate, example);
    const assistant = pyFormat(t.assistantTemplate, example);
    if (i === 0) chat = buildFirstTurn(t.systemPrompt, user, assistant);
    else chat.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
  });
  return chat;
}

/** `build_model_input(example, user_prompt_template, few_shot_chat)`. */
export function buildModelInput(example: PyRecord, userTemplate: string, prefix: readonly ChatMessage[]): ChatMessage[] {
  return [...prefix, { role: 'user', content: pyFormat(userTemplate, example) }];
}
