/**
 * Response bodies of the OpenAI-compatible API in vLLM 0.11's field order (what `model_dump_json`
 * produces, unset streaming fields excluded). Version-dependent field names come from vllm-compat.
 */
import { REASONING_FIELD } from './vllm-compat.js';

/** Token usage. `prompt_tokens_details` is null unless --enable-prompt-tokens-details. */
export interface Usage {
  readonly prompt_tokens: number;
  readonly total_tokens: number;
  readonly completion_tokens: number;
  readonly prompt_tokens_details: { readonly cached_tokens: number } | null;
}

/** Builds a usage object. */
export function usage(prompt: number, completion: number, cachedTokens: number | null): Usage {
  return {
    prompt_tokens: prompt,
    total_tokens: prompt + completion,
    completion_tokens: completion,
    prompt_tokens_details: cachedTokens === null ? null : { cached_tokens: cachedTokens },
  };
}

/** One finished choice. */
export interface ChoiceOutcome {
  readonly index: number;
  readonly text: string;
  readonly finishReason: 'stop' | 'length' | 'abort';
  readonly stopReason: string | null;
}

/** Non-streaming chat completion body. */
export function chatCompletionBody(id: string, created: number, model: string, choices: readonly ChoiceOutcome[], u: Usage): unknown {
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: choices.map((c) => ({
      index: c.index,
      message: {
        role: 'assistant',
        content: c.text,
        refusal: null,
        annotations: null,
        audio: null,
        function_call: null,
        tool_calls: [],
        [REASONING_FIELD]: null,
      },
      logprobs: null,
      finish_reason: c.finishReason,
      stop_reason: c.stopReason,
      token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: null,
    usage: u,
    prompt_logprobs: null,
    prompt_token_ids: null,
    kv_transfer_params: null,
  };
}

/** One streaming chat chunk for choice `index`. */
export function chatChunk(
  id: string,
  created: number,
  model: string,
  index: number,
  delta: Readonly<Record<string, string>>,
  finish: { reason: string; stopReason: string | null } | null,
  u?: Usage,
): unknown {
  const choice: Record<string, unknown> = { index, delta, logprobs: null, finish_reason: finish ? finish.reason : null };
  if (finish) choice['stop_reason'] = finish.stopReason;
  const body: Record<string, unknown> = { id, object: 'chat.completion.chunk', created, model, choices: [choice] };
  if (u) body['usage'] = u;
  return body;
}

/** The final usage-only chunk of a stream (`stream_options.include_usage`). */
export function usageChunk(id: string, created: number, model: string, object: string, u: Usage): unknown {
  return { id, object, created, model, choices: [], usage: u };
}

/** Non-streaming text completion body. */
export function completionBody(id: string, created: number, model: string, choices: readonly ChoiceOutcome[], u: Usage): unknown {
  return {
    id,
    object: 'text_completion',
    created,
    model,
    choices: choices.map((c) => ({
      index: c.index,
      text: c.text,
      logprobs: null,
      finish_reason: c.finishReason,
      stop_reason: c.stopReason,
      token_ids: null,
      prompt_logprobs: null,
      prompt_token_ids: null,
    })),
    service_tier: null,
    system_fingerprint: null,
    usage: u,
    kv_transfer_params: null,
  };
}

/** One streaming completion chunk. */
export function completionChunk(
  id: string,
  created: number,
  model: string,
  index: number,
  text: string,
  finish: { reason: string; stopReason: string | null } | null,
  u?: Usage,
): unknown {
  const body: Record<string, unknown> = {
    id,
    object: 'text_completion',
    created,
    model,
    choices: [{ index, text, logprobs: null, finish_reason: finish ? finish.reason : null, stop_reason: finish ? finish.stopReason : null }],
  };
  if (u) body['usage'] = u;
  return body;
}

/** `GET /v1/models` body: one card per served name. */
export function modelsBody(names: readonly string[], root: string, maxModelLen: number, created: number, permId: () => string): unknown {
  return {
    object: 'list',
    data: names.map((id) => ({
      id,
      object: 'model',
      created,
      owned_by: 'vllm',
      root,
      parent: null,
      max_model_len: maxModelLen,
      permission: [
        {
          id: `modelperm-${permId()}`,
          object: 'model_permission',
          created,
          allow_create_engine: false,
          allow_sampling: true,
          allow_logprobs: true,
          allow_search_indices: false,
          allow_view: true,
          allow_fine_tuning: false,
          organization: '*',
          group: null,
          is_blocking: false,
        },
      ],
    })),
  };
}
