/**
 * POST /v1/completions: a text prompt (or a list of token ids), default max_tokens 16, `echo`.
 * Errors as vLLM's serving_completion reports them (plain `str(e)`, no " None").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { generateAnswer } from '../answers/generate.js';
import type { ServerContext } from '../context.js';
import { completionBody, completionChunk, usage, usageChunk } from '../openai-shapes.js';
import { TokenIdError } from '../tokenizer.js';
import { INJECTED_500_MESSAGE } from '../vllm-compat.js';
import { readSamplingFields, readStreamOptions } from './chat.js';
import { afterRun, checkEngineAlive, checkModel, requestId, runChoices } from './common.js';
import { checkContextLength, planOutput, resolveSampling } from './generation.js';
import { HttpError, badRequest, errorBody, sendEmpty, sendJson, sseData, sseDone, startSse } from './respond.js';
import { BodyReader } from './validation.js';

/** vLLM's CompletionRequest default for max_tokens. */
const DEFAULT_COMPLETION_MAX_TOKENS = 16;

function readPrompt(ctx: ServerContext, r: BodyReader): { text: string; ids: number[] } | undefined {
  const p = r.body['prompt'];
  if (p === undefined) {
    r.missing('prompt');
    return undefined;
  }
  if (typeof p === 'string') return { text: p, ids: ctx.tokenizer.encode(p, true) };
  if (Array.isArray(p) && p.length === 1 && typeof p[0] === 'string') return { text: p[0], ids: ctx.tokenizer.encode(p[0], true) };
  if (Array.isArray(p) && p.every((x) => Number.isInteger(x))) {
    try {
      return { text: ctx.tokenizer.decode(p as number[]), ids: p as number[] };
    } catch (e) {
      if (e instanceof TokenIdError) throw badRequest(e.message);
      throw e;
    }
  }
  r.at(['prompt'], 'string_type', 'Input should be a valid string (a single prompt or token ids are supported)', p);
  return undefined;
}

/** Handles one text completion request. */
export async function handleCompletions(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const r = new BodyReader(body);
  const prompt = readPrompt(ctx, r);
  const model = r.str('model');
  const fields = readSamplingFields(r, false);
  const stream = r.bool('stream') ?? false;
  const so = readStreamOptions(r, stream, ctx.args.enableForceIncludeUsage);
  const echo = r.bool('echo') ?? false;
  r.throwIfInvalid();
  checkModel(ctx, model);
  checkEngineAlive(ctx);
  const { text, ids } = prompt!;
  const maxTokens = fields.maxTokens ?? DEFAULT_COMPLETION_MAX_TOKENS;
  checkContextLength(ctx, ids.length, maxTokens, (m) => m);
  const sampling = resolveSampling(ctx, { ...fields, maxTokens }, ids.length, DEFAULT_COMPLETION_MAX_TOKENS);
  if (ctx.faults.injectError()) throw new HttpError(500, errorBody(INJECTED_500_MESSAGE, 'InternalServerError', 500));
  ctx.faults.onRequestAccepted();
  checkEngineAlive(ctx);
  ctx.metrics.observeRequestParams(sampling.maxTokens, sampling.n);

  const plans = Array.from({ length: sampling.n }, (_, i) => {
    const answer = generateAnswer({
      modelId: ctx.setup.model.hfId,
      prompt: text,
      seed: sampling.seed,
      temperature: sampling.temperature,
      skill: ctx.skill,
      instruct: ctx.setup.model.instruct,
      choiceIndex: i,
    });
    return planOutput(ctx.tokenizer, answer.text, sampling);
  });
  const id = requestId(req, 'cmpl');
  const created = Math.floor(Date.now() / 1000);
  const name = ctx.servedNames[0]!;
  const prefix = echo ? text : '';

  if (!stream) {
    const runs = await runChoices(ctx, res, ids, plans, null);
    if (runs.some((x) => x.finishReason === 'abort')) {
      if (ctx.faults.state === 'dead' && !res.writableEnded) sendEmpty(res, 500);
      return;
    }
    afterRun(ctx, runs);
    const completion = runs.reduce((a, x) => a + x.completionTokens, 0);
    const choices = runs.map((x, index) => ({ index, text: prefix + x.text, finishReason: x.finishReason, stopReason: x.stopReason }));
    sendJson(res, 200, completionBody(id, created, name, choices, usage(ids.length, completion, null)));
    return;
  }
  startSse(res);
  const echoed = new Set<number>();
  const runs = await runChoices(ctx, res, ids, plans, (i, delta, done) => {
    let t = delta;
    if (!echoed.has(i)) {
      echoed.add(i);
      t = prefix + t;
    }
    const plan = plans[i]!;
    if (done) sseData(res, completionChunk(id, created, name, i, t, { reason: plan.finishReason, stopReason: plan.stopReason }));
    else if (t !== '') sseData(res, completionChunk(id, created, name, i, t, null));
  });
  if (!runs.some((x) => x.finishReason === 'abort')) {
    afterRun(ctx, runs);
    if (so.includeUsage) {
      const completion = runs.reduce((a, x) => a + x.completionTokens, 0);
      sseData(res, usageChunk(id, created, name, 'text_completion', usage(ids.length, completion, null)));
    }
  }
  sseDone(res);
}
