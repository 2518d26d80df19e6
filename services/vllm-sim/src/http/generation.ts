/**
 * What chat and text completions share: sampling-parameter resolution and checks, the context-length
 * check, the output plan (answer text → tokens, stop strings, max_tokens, ignore_eos) and running one
 * choice through the engine with incremental text for streaming.
 */
import { continuationText } from '../answers/generate.js';
import type { ServerContext } from '../context.js';
import type { SequenceHandle } from '../engine.js';
import type { TextTokenizer } from '../tokenizer.js';
import { maxTokensTooLargeMessage, promptTooLongMessage, samplingErrors } from '../vllm-compat.js';
import { badRequest } from './respond.js';

/** Sampling fields as the request gave them. */
export interface SamplingFields {
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly n: number | undefined;
  readonly seed: number | undefined;
  readonly stop: readonly string[];
  readonly ignoreEos: boolean;
  readonly minTokens: number;
  readonly includeStopStr: boolean;
}

/** Sampling parameters in effect. */
export interface Sampling {
  readonly maxTokens: number;
  /** What was requested (for the max_tokens histogram): the request's value or the default. */
  readonly temperature: number;
  readonly seed: number;
  readonly n: number;
  readonly stop: readonly string[];
  readonly ignoreEos: boolean;
  readonly minTokens: number;
  readonly includeStopStr: boolean;
}

/**
 * vLLM's `_validate_input`: reject when the prompt alone fills the context (no max_tokens), or when
 * prompt + max_tokens exceed it. `wrap` renders the message as the endpoint does (chat appends " None").
 * @throws HttpError 400.
 */
export function checkContextLength(ctx: ServerContext, promptTokens: number, maxTokens: number | undefined, wrap: (m: string) => string): void {
  const L = ctx.setup.maxModelLen;
  if (maxTokens === undefined) {
    if (promptTokens >= L) throw badRequest(wrap(promptTooLongMessage(L, promptTokens)));
  } else if (promptTokens + maxTokens > L) {
    throw badRequest(wrap(maxTokensTooLargeMessage(maxTokens, L, promptTokens)));
  }
}

/**
 * Resolves sampling parameters: request values, else generation_config defaults, else vLLM's.
 * The default max_tokens is what is left of the context, capped by `max_new_tokens`.
 * @throws HttpError 400 for values SamplingParams rejects.
 */
export function resolveSampling(ctx: ServerContext, f: SamplingFields, promptTokens: number, defaultMaxTokens: number | null): Sampling {
  const d = ctx.setup.generationDefaults;
  const temperature = f.temperature ?? d.temperature ?? 1.0;
  const topP = f.topP ?? d.top_p ?? 1.0;
  const n = f.n ?? 1;
  if (n < 1) throw badRequest(samplingErrors.n(n));
  if (temperature < 0) throw badRequest(samplingErrors.temperature(temperature));
  if (!(topP > 0 && topP <= 1)) throw badRequest(samplingErrors.topP(topP));
  let maxTokens = f.maxTokens ?? defaultMaxTokens ?? ctx.setup.maxModelLen - promptTokens;
  if (f.maxTokens === undefined && d.max_new_tokens !== undefined) maxTokens = Math.min(maxTokens, d.max_new_tokens);
  if (maxTokens < 1) throw badRequest(samplingErrors.maxTokens(maxTokens));
  return {
    maxTokens,
    temperature,
    seed: f.seed ?? ctx.args.seed,
    n,
    stop: f.stop,
    ignoreEos: f.ignoreEos,
    minTokens: f.minTokens,
    includeStopStr: f.includeStopStr,
  };
}

/** What one choice will generate. */
export interface OutputPlan {
  /** Engine steps (output tokens) until the sequence finishes. */
  readonly length: number;
  readonly finishReason: 'stop' | 'length';
  readonly stopReason: string | null;
  /** Visible text after `k` generated tokens. */
  textAt(k: number): string;
}

/** Plans the output of an answer under the sampling parameters. */
export function planOutput(tok: TextTokenizer, answer: string, s: Sampling): OutputPlan {
  let generated = answer;
  let visible = answer;
  let stopReason: string | null = null;
  let cut = -1;
  for (const st of s.stop) {
    if (st === '') continue;
    const i = answer.indexOf(st);
    if (i >= 0 && (cut < 0 || i < cut)) {
      cut = i;
      stopReason = st;
    }
  }
  if (cut >= 0 && stopReason !== null) {
    generated = answer.slice(0, cut + stopReason.length);
    visible = s.includeStopStr ? generated : answer.slice(0, cut);
  }
  let ids = tok.encode(generated);
  const target = cut < 0 ? (s.ignoreEos ? s.maxTokens : s.minTokens) : 0;
  if (ids.length < target) {
    generated += continuationText(answer, (target - ids.length) * 6 + 16);
    visible = generated;
    ids = tok.encode(generated);
  }
  let length = ids.length + (cut < 0 && !s.ignoreEos ? 1 : 0);
  let finishReason: 'stop' | 'length' = 'stop';
  if (s.ignoreEos || length > s.maxTokens) {
    length = s.maxTokens;
    finishReason = 'length';
    stopReason = null;
    ids = ids.slice(0, length);
  }
  const cum: number[] = [0];
  for (const id of ids) cum.push(cum[cum.length - 1]! + tok.tokenString(id).length);
  return {
    length,
    finishReason,
    stopReason,
    textAt(k: number): string {
      return visible.slice(0, Math.min(cum[Math.min(k, ids.length)]!, visible.length));
    },
  };
}

/** How a choice ended. */
export interface ChoiceRun {
  readonly finishReason: 'stop' | 'length' | 'abort';
  readonly stopReason: string | null;
  readonly text: string;
  readonly completionTokens: number;
  readonly cachedTokens: number;
}

/**
 * Runs one choice through the engine. `onText(delta, generated)` is called for every step that
 * produced a token. Resolves when the sequence ends (also on abort). Returns the abort handle via `bind`.
 */
export function runChoice(
  ctx: ServerContext,
  promptIds: readonly number[],
  plan: OutputPlan,
  onText: ((delta: string, generated: number, done: boolean) => void) | null,
  bind: (h: SequenceHandle) => void,
): Promise<ChoiceRun> {
  return new Promise((resolve) => {
    let shown = 0;
    const handle = ctx.engine.add({
      promptTokenIds: promptIds,
      outputLength: plan.length,
      finishReason: plan.finishReason,
      onProgress(generated) {
        // The last token's text goes out with the finish reason (onFinish).
        if (!onText || generated >= plan.length) return;
        const text = plan.textAt(generated);
        const delta = text.slice(shown);
        shown = text.length;
        onText(delta, generated, false);
      },
      onFinish(r) {
        const text = r.finishReason === 'abort' ? plan.textAt(r.generated) : plan.textAt(plan.length);
        if (onText && r.finishReason !== 'abort') onText(text.slice(shown), r.generated, true);
        resolve({
          finishReason: r.finishReason,
          stopReason: r.finishReason === 'abort' ? null : plan.stopReason,
          text,
          completionTokens: r.generated,
          cachedTokens: r.cachedTokens,
        });
      },
    });
    bind(handle);
  });
}
