/** Checks and plumbing shared by the generation endpoints. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../context.js';
import type { SequenceHandle } from '../engine.js';
import { MODEL_NOT_FOUND_PARAM, modelNotFoundMessage } from '../vllm-compat.js';
import { runChoice, type ChoiceRun, type OutputPlan } from './generation.js';
import { HttpError, errorBody } from './respond.js';

/**
 * vLLM's `_check_model`: a missing or empty model is fine, otherwise it must be a served name.
 * @throws HttpError 404 NotFoundError.
 */
export function checkModel(ctx: ServerContext, model: string | undefined): void {
  if (model === undefined || model === '' || ctx.servedNames.includes(model)) return;
  throw new HttpError(404, errorBody(modelNotFoundMessage(model), 'NotFoundError', 404, MODEL_NOT_FOUND_PARAM));
}

/**
 * A dead engine answers generation requests with a bare 500.
 * @throws HttpError 500 with an empty body.
 */
export function checkEngineAlive(ctx: ServerContext): void {
  if (ctx.faults.state === 'dead') throw new HttpError(500, undefined, 'EngineDeadError');
}

/** `<prefix>-<X-Request-Id header or a random uuid hex>`. */
export function requestId(req: IncomingMessage, prefix: string): string {
  const h = req.headers['x-request-id'];
  const given = Array.isArray(h) ? h[0] : h;
  return `${prefix}-${given && given !== '' ? given : randomUUID().replaceAll('-', '')}`;
}

/**
 * Runs every planned choice. Client disconnects and server shutdown abort the sequences.
 * `onText(index)` receives streaming deltas; pass null for non-streaming requests.
 */
export async function runChoices(
  ctx: ServerContext,
  res: ServerResponse,
  promptIds: readonly number[],
  plans: readonly OutputPlan[],
  onText: ((index: number, delta: string, done: boolean) => void) | null,
): Promise<ChoiceRun[]> {
  const handles: SequenceHandle[] = [];
  const abortAll = () => handles.forEach((h) => h.abort());
  let settled = false;
  const onClose = () => {
    if (!settled) abortAll();
  };
  res.on('close', onClose);
  ctx.inflight.add(abortAll);
  try {
    return await Promise.all(
      plans.map((plan, i) =>
        runChoice(ctx, promptIds, plan, onText ? (delta, _g, done) => onText(i, delta, done) : null, (h) => handles.push(h)),
      ),
    );
  } finally {
    settled = true;
    res.off('close', onClose);
    ctx.inflight.delete(abortAll);
  }
}

/** Outcome handling after a run: counts finished requests for the fault triggers. */
export function afterRun(ctx: ServerContext, runs: readonly ChoiceRun[]): void {
  if (runs.every((r) => r.finishReason !== 'abort')) ctx.faults.onRequestFinished();
}
