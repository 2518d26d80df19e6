/**
 * POST /v1/chat/completions, in vLLM's order: request validation (400 "Bad Request"), model check
 * (404), dead engine (bare 500), chat template and tokenization (400, message + " None"), context
 * length (400), sampling parameters (400), then generation — streamed as SSE or returned whole.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateAnswer } from '../answers/generate.js';
import { ChatTemplateError, contentText, renderChat, type ChatMessage } from '../chat-template.js';
import type { ServerContext } from '../context.js';
import { promptSha256 } from '../oracle.js';
import { chatChunk, chatCompletionBody, usage, usageChunk } from '../openai-shapes.js';
import { ENGINE_DEAD_MESSAGE, GEN_PROMPT_AND_CONTINUE, INJECTED_500_MESSAGE, STREAM_OPTIONS_WITHOUT_STREAM, preprocessErrorMessage } from '../vllm-compat.js';
import { afterRun, checkEngineAlive, checkModel, requestId, runChoices } from './common.js';
import { checkContextLength, planOutput, resolveSampling, type SamplingFields } from './generation.js';
import { HttpError, badRequest, errorBody, sendEmpty, sendJson, sseData, sseDone, startSse } from './respond.js';
import { BodyReader, readMessages } from './validation.js';

/** Reads the sampling fields shared with /v1/completions. */
export function readSamplingFields(r: BodyReader, chat: boolean): SamplingFields {
  const mct = chat ? r.int('max_completion_tokens') : undefined;
  const mt = r.int('max_tokens');
  return {
    // Python: `request.max_completion_tokens or request.max_tokens`.
    maxTokens: mct !== undefined && mct !== 0 ? mct : mt,
    temperature: r.num('temperature'),
    topP: r.num('top_p'),
    n: r.int('n'),
    seed: r.int('seed'),
    stop: r.stop('stop'),
    ignoreEos: r.bool('ignore_eos') ?? false,
    minTokens: r.int('min_tokens') ?? 0,
    includeStopStr: r.bool('include_stop_str_in_output') ?? false,
  };
}

/** Stream options: `include_usage`, `continuous_usage_stats`. */
export function readStreamOptions(r: BodyReader, stream: boolean, forceUsage: boolean): { includeUsage: boolean; continuous: boolean } {
  const so = r.obj('stream_options');
  if (so !== undefined && !stream) r.valueError(STREAM_OPTIONS_WITHOUT_STREAM);
  return { includeUsage: so?.['include_usage'] === true || forceUsage, continuous: so?.['continuous_usage_stats'] === true };
}

/** Handles one chat completion request. */
export async function handleChat(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const r = new BodyReader(body);
  const raw = readMessages(r);
  const model = r.str('model');
  const fields = readSamplingFields(r, true);
  const stream = r.bool('stream') ?? false;
  const so = readStreamOptions(r, stream, ctx.args.enableForceIncludeUsage);
  const addGen = r.bool('add_generation_prompt') ?? true;
  const contFinal = r.bool('continue_final_message') ?? false;
  if (addGen && contFinal) r.valueError(GEN_PROMPT_AND_CONTINUE);
  r.throwIfInvalid();
  checkModel(ctx, model);
  checkEngineAlive(ctx);

  const messages: ChatMessage[] = raw.map((m) => ({ role: m.role, content: contentText(m.content) }));
  let prompt: string;
  try {
    prompt = renderChat(ctx.setup.template, messages, ctx.tokenizerSpec, { addGenerationPrompt: addGen, continueFinalMessage: contFinal });
  } catch (e) {
    if (e instanceof ChatTemplateError) throw badRequest(preprocessErrorMessage(e.message, e.kind === 'jinja' ? e.message : null));
    throw e;
  }
  const promptIds = ctx.tokenizer.encode(prompt, false);
  checkContextLength(ctx, promptIds.length, fields.maxTokens, (m) => preprocessErrorMessage(m, null));
  const sampling = resolveSampling(ctx, fields, promptIds.length, null);
  if (ctx.faults.injectError()) throw new HttpError(500, errorBody(INJECTED_500_MESSAGE, 'InternalServerError', 500));
  ctx.faults.onRequestAccepted();
  checkEngineAlive(ctx);
  ctx.metrics.observeRequestParams(sampling.maxTokens, sampling.n);

  const oracleAnswer = ctx.sim.oracle?.get(promptSha256(raw));
  const plans = Array.from({ length: sampling.n }, (_, i) => {
    const answer = generateAnswer({
      modelId: ctx.setup.model.hfId,
      messages,
      seed: sampling.seed,
      temperature: sampling.temperature,
      skill: ctx.skill,
      instruct: ctx.setup.model.instruct,
      choiceIndex: i,
      ...(oracleAnswer === undefined ? {} : { oracleAnswer }),
    });
    return planOutput(ctx.tokenizer, answer.text, sampling);
  });
  const id = requestId(req, 'chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const name = ctx.servedNames[0]!;
  const cached = (n: number) => (ctx.args.enablePromptTokensDetails ? n : null);

  if (!stream) {
    const runs = await runChoices(ctx, res, promptIds, plans, null);
    if (runs.some((x) => x.finishReason === 'abort')) {
      if (ctx.faults.state === 'dead' && !res.writableEnded) sendEmpty(res, 500);
      return;
    }
    afterRun(ctx, runs);
    const completion = runs.reduce((a, x) => a + x.completionTokens, 0);
    const choices = runs.map((x, index) => ({ index, text: x.text, finishReason: x.finishReason, stopReason: x.stopReason }));
    sendJson(res, 200, chatCompletionBody(id, created, name, choices, usage(promptIds.length, completion, cached(runs[0]!.cachedTokens))));
    return;
  }

  startSse(res);
  const started = new Set<number>();
  const produced = new Array<number>(plans.length).fill(0);
  const running = () => usage(promptIds.length, produced.reduce((a, b) => a + b, 0), null);
  const runs = await runChoices(ctx, res, promptIds, plans, (i, delta, done) => {
    produced[i] = produced[i]! + 1;
    const u = so.continuous ? running() : undefined;
    if (!started.has(i)) {
      started.add(i);
      sseData(res, chatChunk(id, created, name, i, { role: 'assistant', content: '' }, null, u));
    }
    const plan = plans[i]!;
    if (done) sseData(res, chatChunk(id, created, name, i, { content: delta }, { reason: plan.finishReason, stopReason: plan.stopReason }, u));
    else if (delta !== '') sseData(res, chatChunk(id, created, name, i, { content: delta }, null, u));
  });
  if (runs.some((x) => x.finishReason === 'abort')) {
    if (ctx.faults.state === 'dead') sseData(res, errorBody(ENGINE_DEAD_MESSAGE));
    sseDone(res);
    return;
  }
  afterRun(ctx, runs);
  if (so.includeUsage) {
    const completion = runs.reduce((a, x) => a + x.completionTokens, 0);
    sseData(res, usageChunk(id, created, name, 'chat.completion.chunk', usage(promptIds.length, completion, cached(runs[0]!.cachedTokens))));
  }
  sseDone(res);
}
