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

/**
 * For a model whose chat template rejects a system turn (Mistral/Mixtral Instruct and others marked
 * `systemRole: false` in the catalog): CLUE's paper-era code sent `system + "\n\n" + user` as the
 * first user turn. Chats without a leading system turn are returned unchanged.
 */
export function mergeSystemIntoFirstUser(messages: readonly ChatMessage[]): ChatMessage[] {
  const [first, ...rest] = messages;
  if (!first || first.role !== 'system') return [...messages];
  const i = rest.findIndex((m) => m.role === 'user');
  if (i < 0) return [{ role: 'user', content: first.content }, ...rest];
  return rest.map((m, k) => (k === i ? { role: 'user', content: `${first.content}\n\n${m.content}` } : m));
}
