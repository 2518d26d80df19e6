/**
 * Chat templates: renders a messages array to prompt text the way each model family's Jinja template
 * does (closely enough for token counts), and raises the same errors: no template at all, or a
 * Mistral-style template that rejects a system message or a broken user/assistant alternation.
 * A `--chat-template` given on the command line cannot be executed (no Jinja here); it is rendered
 * generically, and treated as strict user/assistant alternation when its text raises vLLM's
 * alternation error and never mentions a system role.
 */
import type { ModelInfo, TemplateFamily } from './model-table.js';
import type { TokenizerSpec } from './tokenizer.js';
import { NO_CHAT_TEMPLATE_MESSAGE, ONLY_USER_ASSISTANT, ROLES_MUST_ALTERNATE } from './vllm-compat.js';

/** A chat message after request validation (content flattened to text). */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** Why a template could not be applied. `jinja` errors come from the template's raise_exception. */
export class ChatTemplateError extends Error {
  readonly kind: 'missing' | 'jinja';
  constructor(kind: 'missing' | 'jinja', message: string) {
    super(message);
    this.name = 'ChatTemplateError';
    this.kind = kind;
  }
}

/** The template in effect for a server. */
export interface ResolvedTemplate {
  readonly family: TemplateFamily | 'custom';
  /** Custom templates only: reject anything but strict user/assistant alternation. */
  readonly strictAlternation: boolean;
}

/** Options of one rendering. */
export interface RenderOptions {
  /** Append the assistant header. @default true */
  readonly addGenerationPrompt: boolean;
  /** Leave the last (assistant) message open. @default false */
  readonly continueFinalMessage: boolean;
}

/** The template in effect: `--chat-template` text if given, else the model's own. */
export function resolveTemplate(model: ModelInfo, customTemplate: string | null): ResolvedTemplate {
  if (customTemplate !== null) {
    const strict = customTemplate.includes('Conversation roles must alternate') && !customTemplate.includes('system');
    return { family: 'custom', strictAlternation: strict };
  }
  return { family: model.template, strictAlternation: false };
}

/** BOS/EOS strings of a model's tokenizer. */
export function tokenizerSpecFor(model: ModelInfo): TokenizerSpec {
  if (model.template === 'llama3' || model.template === 'llama31') return { bos: '<|begin_of_text|>', eos: '<|eot_id|>' };
  if (model.architecture.startsWith('Qwen')) return { bos: null, eos: '<|im_end|>' };
  if (model.template === 'phi3') return { bos: '<s>', eos: '<|end|>' };
  return { bos: '<s>', eos: '</s>' };
}

/** Text of an OpenAI message content: a string, null, or a list of parts (text parts joined by "\n"). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content
      .map((p) => (p !== null && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
      .filter((t) => t !== '')
      .join('\n');
  }
  return String(content);
}

function checkAlternation(messages: readonly ChatMessage[], rejectOthers: boolean): void {
  messages.forEach((m, i) => {
    if ((m.role === 'user') !== (i % 2 === 0)) throw new ChatTemplateError('jinja', ROLES_MUST_ALTERNATE);
    if (rejectOthers && m.role !== 'user' && m.role !== 'assistant') throw new ChatTemplateError('jinja', ONLY_USER_ASSISTANT);
  });
}

/**
 * Renders `messages` with the template.
 * @throws ChatTemplateError `missing` when the model has no template, `jinja` when the template rejects the roles.
 */
export function renderChat(
  template: ResolvedTemplate,
  messages: readonly ChatMessage[],
  tok: TokenizerSpec,
  opts: RenderOptions,
): string {
  if (template.family === 'none') throw new ChatTemplateError('missing', NO_CHAT_TEMPLATE_MESSAGE);
  if (opts.continueFinalMessage && messages.length > 0) {
    const head = renderChat(template, messages.slice(0, -1), tok, { addGenerationPrompt: true, continueFinalMessage: false });
    return head + messages[messages.length - 1]!.content;
  }
  const bos = tok.bos ?? '';
  const eos = tok.eos;
  const gen = opts.addGenerationPrompt;
  switch (template.family) {
    case 'llama2':
      return renderLlama2(messages, bos, eos);
    case 'mistral': {
      checkAlternation(messages, true);
      return bos + messages.map((m) => (m.role === 'user' ? `[INST] ${m.content} [/INST]` : m.content + eos)).join('');
    }
    case 'llama3':
    case 'llama31': {
      let body = '';
      let rest = messages;
      if (template.family === 'llama31') {
        const sys = messages[0]?.role === 'system' ? messages[0].content : '';
        if (messages[0]?.role === 'system') rest = messages.slice(1);
        body += header('system') + 'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' + sys.trim() + '<|eot_id|>';
      }
      body += rest.map((m) => header(m.role) + m.content.trim() + '<|eot_id|>').join('');
      return bos + body + (gen ? header('assistant') : '');
    }
    case 'zephyr':
      return messages.map((m) => `<|${m.role}|>\n${m.content}${eos}\n`).join('') + (gen ? '<|assistant|>\n' : '');
    case 'phi3':
      return messages.map((m) => `<|${m.role}|>\n${m.content}<|end|>\n`).join('') + (gen ? '<|assistant|>\n' : eos);
    case 'chatml':
      return messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + (gen ? '<|im_start|>assistant\n' : '');
    case 'custom':
      if (template.strictAlternation) checkAlternation(messages, false);
      return bos + messages.map((m) => `${m.role}: ${m.content}\n`).join('') + (gen ? 'assistant: ' : '');
  }
}

function header(role: string): string {
  return `<|start_header_id|>${role}<|end_header_id|>\n\n`;
}

function renderLlama2(messages: readonly ChatMessage[], bos: string, eos: string): string {
  let loop = messages;
  let sys: string | null = null;
  if (messages[0]?.role === 'system') {
    sys = messages[0].content;
    loop = messages.slice(1);
  }
  let out = '';
  loop.forEach((m, i) => {
    if ((m.role === 'user') !== (i % 2 === 0)) throw new ChatTemplateError('jinja', ROLES_MUST_ALTERNATE);
    const content = i === 0 && sys !== null ? `<<SYS>>\n${sys}\n<</SYS>>\n\n${m.content}` : m.content;
    if (m.role === 'user') out += `${bos}[INST] ${content.trim()} [/INST]`;
    else if (m.role === 'assistant') out += ` ${content.trim()} ${eos}`;
  });
  return out;
}
