/**
 * POST /pooling and POST /v1/embeddings on a pooling-runner server (vLLM 0.11.0's
 * serving_pooling.py / serving_embedding.py with the renderer's input handling):
 * - `input`: a string, a list of strings, a list of token ids or a list of lists of token ids; each
 *   prompt becomes one engine request (`<id>-<i>`), scheduled with the others by the engine;
 * - `add_special_tokens` (true), `truncate_prompt_tokens` (-1 = max_model_len; text keeps the first
 *   k tokens, token ids the last k), `encoding_format` float|base64 (little-endian float32),
 *   `dimensions` (refused), plus the pooler fields of pooling-params.ts;
 * - a prompt longer than max_model_len is a 400 with the renderer's text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../context.js';
import type { SequenceHandle } from '../engine.js';
import { l2Normalize, softmax } from '../pooling/hidden-states.js';
import {
  POOLING_TASK_LITERALS, PoolingParamsError, planEmbedding, planPooling, type PoolingPlan,
} from '../pooling/pooling-params.js';
import { pyRepr } from '../py-repr.js';
import { TokenIdError } from '../tokenizer.js';
import {
  DIMENSIONS_UNSUPPORTED, INJECTED_500_MESSAGE, LOG, NO_CHAT_TEMPLATE_MESSAGE, poolingInputTooLongMessage,
  preprocessErrorMessage, truncateTooLargeMessage,
} from '../vllm-compat.js';
import { checkEngineAlive, checkModel, requestId } from './common.js';
import { HttpError, badRequest, errorBody, sendEmpty, sendJson } from './respond.js';
import { BodyReader } from './validation.js';

type Endpoint = 'pooling' | 'embeddings';

/** Fields of EmbeddingCompletionRequest (0.11.0); PoolingCompletionRequest adds the 0.11.1 ones. */
const KNOWN_FIELDS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user', 'truncate_prompt_tokens', 'add_special_tokens', 'priority', 'request_id', 'normalize']);
const POOLING_0111_FIELDS = ['task', 'softmax', 'activation', 'use_activation'];

function readInput(r: BodyReader): Array<string | number[]> | undefined {
  const v = r.body['input'];
  if (v === undefined) {
    r.missing('input');
    return undefined;
  }
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    if (v.length === 0) return [];
    if (v.every((x) => typeof x === 'string')) return v as string[];
    if (v.every((x) => Number.isInteger(x))) return [v as number[]];
    if (v.every((x) => Array.isArray(x) && x.every((y) => Number.isInteger(y)))) return v as number[][];
  }
  r.at(['input'], 'string_type', 'Input should be a valid string', v);
  return undefined;
}

function truncate(ids: number[], k: number | null, fromText: boolean, addSpecial: boolean, sepId: number | null): number[] {
  if (k === null || ids.length <= k) return ids;
  if (!fromText) return ids.slice(ids.length - k);
  // HF tokenizer truncation (right side) keeps the special tokens around what is left.
  if (addSpecial && sepId !== null && k >= 2) return [...ids.slice(0, k - 1), sepId];
  return ids.slice(0, k);
}

function encodeBase64(rows: readonly Float32Array[]): string {
  const n = rows.reduce((a, r) => a + r.length, 0);
  const buf = Buffer.alloc(n * 4);
  let o = 0;
  for (const r of rows) for (const x of r) o = buf.writeFloatLE(x, o);
  return buf.toString('base64');
}

function applyHead(v: Float32Array, plan: PoolingPlan): Float32Array {
  if (plan.activation === 'normalize') return l2Normalize(v);
  if (plan.activation === 'softmax') return softmax(v);
  return v;
}

/** Runs the prompts through the engine (one pooling sequence each); resolves false if aborted. */
function schedule(ctx: ServerContext, res: ServerResponse, prompts: readonly number[][]): Promise<boolean> {
  const handles: SequenceHandle[] = [];
  const abortAll = () => handles.forEach((h) => h.abort());
  const onClose = () => abortAll();
  res.on('close', onClose);
  ctx.inflight.add(abortAll);
  const runs = prompts.map(
    (ids) =>
      new Promise<boolean>((resolve) => {
        handles.push(
          ctx.engine.add({
            promptTokenIds: ids,
            outputLength: 1,
            finishReason: 'stop',
            pooling: true,
            onProgress() {},
            onFinish: (r) => resolve(r.finishReason !== 'abort'),
          }),
        );
      }),
  );
  return Promise.all(runs).then((ok) => {
    res.off('close', onClose);
    ctx.inflight.delete(abortAll);
    return ok.every(Boolean);
  });
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, body: unknown, endpoint: Endpoint): Promise<void> {
  const r = new BodyReader(body);
  const api = ctx.sim.poolingApi;
  if (r.body['messages'] !== undefined) {
    r.throwIfInvalid();
    throw badRequest(preprocessErrorMessage(NO_CHAT_TEMPLATE_MESSAGE, null));
  }
  const inputs = readInput(r);
  const model = r.str('model');
  const fmt = r.str('encoding_format') ?? 'float';
  if (fmt !== 'float' && fmt !== 'base64') r.at(['encoding_format'], 'literal_error', "Input should be 'float' or 'base64'", fmt);
  const truncateTokens = r.int('truncate_prompt_tokens');
  if (truncateTokens !== undefined && truncateTokens < -1) {
    r.at(['truncate_prompt_tokens'], 'greater_than_equal', 'Input should be greater than or equal to -1', truncateTokens);
  }
  const addSpecial = r.bool('add_special_tokens') ?? true;
  const normalize = r.bool('normalize');
  const dimensions = r.int('dimensions');
  r.int('priority');
  const with0111 = endpoint === 'pooling' && api === '0.11.1';
  const task = with0111 ? r.str('task') : undefined;
  if (task !== undefined && !(POOLING_TASK_LITERALS as readonly string[]).includes(task)) {
    r.at(['task'], 'literal_error', `Input should be ${POOLING_TASK_LITERALS.map((t) => `'${t}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}`, task);
  }
  const softmaxField = with0111 ? (r.bool('softmax') ?? r.bool('activation')) : undefined;
  const useActivation = with0111 ? r.bool('use_activation') : undefined;
  r.throwIfInvalid();
  checkModel(ctx, model);
  const known = with0111 ? new Set([...KNOWN_FIELDS, ...POOLING_0111_FIELDS]) : KNOWN_FIELDS;
  const ignored = Object.keys(r.body).filter((k) => !known.has(k));
  if (ignored.length > 0) ctx.log.warning(LOG.ignoredFields(`{${ignored.map((k) => pyRepr(k)).join(', ')}}`));

  if (dimensions !== undefined) throw badRequest(DIMENSIONS_UNSUPPORTED);
  const L = ctx.setup.maxModelLen;
  let k: number | null = truncateTokens ?? null;
  if (k !== null && k < 0) k = L;
  if (k !== null && k > L) throw badRequest(truncateTooLargeMessage(k, L));
  const sepId = 'sepId' in ctx.tokenizer ? (ctx.tokenizer as { sepId: number }).sepId : null;
  const prompts: number[][] = [];
  for (const inp of k === 0 ? [] : (inputs ?? [])) {
    const fromText = typeof inp === 'string';
    const ids = truncate(fromText ? ctx.tokenizer.encode(inp, addSpecial) : inp, k, fromText, addSpecial, sepId);
    if (ids.length > L) throw badRequest(poolingInputTooLongMessage(L, ids.length));
    prompts.push(ids);
  }
  if (inputs !== undefined && inputs.length === 0) throw badRequest('please provide at least one prompt');

  let plan: PoolingPlan;
  try {
    plan = endpoint === 'embeddings'
      ? planEmbedding(normalize, ctx.args.poolerConfig)
      : planPooling(api, { task, normalize, softmax: softmaxField, useActivation }, ctx.args.poolerConfig);
  } catch (e) {
    if (e instanceof PoolingParamsError) throw badRequest(e.message);
    throw e;
  }
  for (const ids of prompts) {
    if (ids.length === 0) throw badRequest('The decoder prompt cannot be empty');
    const max = Math.max(...ids);
    try {
      ctx.tokenizer.tokenString(max);
    } catch (e) {
      if (e instanceof TokenIdError || e instanceof RangeError) throw badRequest(`Token id ${max} is out of vocabulary`);
      throw e;
    }
  }

  checkEngineAlive(ctx);
  if (ctx.faults.injectError()) throw new HttpError(500, errorBody(INJECTED_500_MESSAGE, 'InternalServerError', 500));
  ctx.faults.onRequestAccepted();
  checkEngineAlive(ctx);
  const id = requestId(req, endpoint === 'pooling' ? 'pool' : 'embd');
  const created = Math.floor(Date.now() / 1000);
  const finished = await schedule(ctx, res, prompts);
  if (!finished) {
    if (ctx.faults.state === 'dead' && !res.writableEnded) sendEmpty(res, 500);
    return;
  }
  ctx.faults.onRequestFinished();

  const hidden = ctx.hiddenStates!;
  const data = prompts.map((ids, index) => {
    const states = hidden.forward(ids);
    const rows = plan.pooling === 'CLS' ? [applyHead(states[0]!, plan)] : states.map((v) => applyHead(v, plan));
    const payload = fmt === 'base64' ? encodeBase64(rows) : plan.pooling === 'CLS' ? Array.from(rows[0]!) : rows.map((v) => Array.from(v));
    return endpoint === 'pooling' ? { index, object: 'pooling', data: payload } : { index, object: 'embedding', embedding: payload };
  });
  const promptTokens = prompts.reduce((a, p) => a + p.length, 0);
  sendJson(res, 200, {
    id,
    object: 'list',
    created,
    model: ctx.servedNames[0]!,
    data,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0, prompt_tokens_details: null },
  });
}

/** Handles POST /pooling. */
export function handlePooling(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  return handle(ctx, req, res, body, 'pooling');
}

/** Handles POST /v1/embeddings. */
export function handleEmbeddings(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  return handle(ctx, req, res, body, 'embeddings');
}
