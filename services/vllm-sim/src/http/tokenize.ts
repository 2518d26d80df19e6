/**
 * POST /tokenize (completion form `{prompt, add_special_tokens=true}` or chat form `{messages,
 * add_generation_prompt=true, add_special_tokens=false}`) and POST /detokenize (`{tokens}` → `{prompt}`).
 * The chat form applies the same template as /v1/chat/completions, so its count equals
 * usage.prompt_tokens.
 */
import type { ServerResponse } from 'node:http';
import { ChatTemplateError, contentText, renderChat } from '../chat-template.js';
import type { ServerContext } from '../context.js';
import { TokenIdError } from '../tokenizer.js';
import { DETOKENIZE_OVERFLOW, GEN_PROMPT_AND_CONTINUE, TOKENIZE_PROMPT_AND_MESSAGES, preprocessErrorMessage } from '../vllm-compat.js';
import { checkModel } from './common.js';
import { badRequest, sendJson } from './respond.js';
import { BodyReader, readMessages } from './validation.js';

/** Handles /tokenize. */
export function handleTokenize(ctx: ServerContext, res: ServerResponse, body: unknown): void {
  const r = new BodyReader(body);
  const model = r.str('model');
  const strs = r.bool('return_token_strs') ?? false;
  const hasPrompt = r.body['prompt'] !== undefined;
  const hasMessages = r.body['messages'] !== undefined;
  let ids: number[] = [];
  if (hasPrompt && hasMessages) {
    r.valueError(TOKENIZE_PROMPT_AND_MESSAGES);
  } else if (hasMessages) {
    const raw = readMessages(r);
    const addGen = r.bool('add_generation_prompt') ?? true;
    const contFinal = r.bool('continue_final_message') ?? false;
    const addSpecial = r.bool('add_special_tokens') ?? false;
    if (addGen && contFinal) r.valueError(GEN_PROMPT_AND_CONTINUE);
    r.throwIfInvalid();
    checkModel(ctx, model);
    const messages = raw.map((m) => ({ role: m.role, content: contentText(m.content) }));
    let text: string;
    try {
      text = renderChat(ctx.setup.template, messages, ctx.tokenizerSpec, { addGenerationPrompt: addGen, continueFinalMessage: contFinal });
    } catch (e) {
      if (e instanceof ChatTemplateError) throw badRequest(preprocessErrorMessage(e.message, e.kind === 'jinja' ? e.message : null));
      throw e;
    }
    ids = ctx.tokenizer.encode(text, addSpecial);
  } else {
    const prompt = r.str('prompt');
    const addSpecial = r.bool('add_special_tokens') ?? true;
    if (!hasPrompt) r.missing('prompt');
    r.throwIfInvalid();
    checkModel(ctx, model);
    ids = ctx.tokenizer.encode(prompt ?? '', addSpecial);
  }
  r.throwIfInvalid();
  sendJson(res, 200, {
    count: ids.length,
    max_model_len: ctx.setup.maxModelLen,
    tokens: ids,
    token_strs: strs ? ids.map((id) => ctx.tokenizer.tokenString(id)) : null,
  });
}

/** Handles /detokenize. */
export function handleDetokenize(ctx: ServerContext, res: ServerResponse, body: unknown): void {
  const r = new BodyReader(body);
  const model = r.str('model');
  const tokens = r.body['tokens'];
  if (tokens === undefined) r.missing('tokens');
  else if (!Array.isArray(tokens)) r.at(['tokens'], 'list_type', 'Input should be a valid list', tokens);
  else {
    tokens.forEach((t, i) => {
      if (!Number.isInteger(t)) r.at(['tokens', i], 'int_type', 'Input should be a valid integer', t);
    });
  }
  r.throwIfInvalid();
  checkModel(ctx, model);
  try {
    sendJson(res, 200, { prompt: ctx.tokenizer.decode(tokens as number[]) });
  } catch (e) {
    if (e instanceof TokenIdError) throw badRequest(DETOKENIZE_OVERFLOW);
    throw e;
  }
}
