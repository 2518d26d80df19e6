/**
 * Which pooling task a /pooling or /v1/embeddings request runs and which head activation applies,
 * as vLLM's PoolingParams.verify decides it. Two releases differ here (`VLLM_SIM_POOLING_API`):
 *
 * - **0.11.0** (the pinned release): /pooling always runs task `encode` = ALL pooling + the reward
 *   head, which applies **softmax over the hidden dimension** unless `--pooler-config
 *   '{"softmax": false}'`. The request has no `task`/`softmax` fields (extra fields are ignored with
 *   a warning); `normalize` or `dimensions` are rejected for `encode`.
 * - **0.11.1** (also 0.11.2): /pooling takes `task` (`token_embed` for BertModel by default);
 *   `token_embed` is ALL pooling + L2 normalisation per token unless `normalize: false`.
 *
 * /v1/embeddings is task `embed` (CLS pooling for BertModel, normalised by default) in both.
 */
import { poolingParamsInvalidMessage, poolingTaskUnsupportedMessage } from '../vllm-compat.js';

/** The pooling API generation the simulator imitates. */
export type PoolingApi = '0.11.0' | '0.11.1';

/** What the pooler does for one request. */
export interface PoolingPlan {
  readonly task: 'encode' | 'embed' | 'token_embed';
  /** ALL: one vector per token; CLS: the first token's vector. */
  readonly pooling: 'ALL' | 'CLS';
  readonly activation: 'none' | 'normalize' | 'softmax';
}

/** Request fields that affect the pooler. */
export interface PoolingFields {
  readonly task: string | undefined;
  readonly normalize: boolean | undefined;
  readonly softmax: boolean | undefined;
  readonly useActivation: boolean | undefined;
}

/** A request the pooler refuses (400 BadRequestError with this text). */
export class PoolingParamsError extends Error {
  readonly code = 'POOLING_PARAMS';
  constructor(message: string) {
    super(message);
    this.name = 'PoolingParamsError';
  }
}

/** Tasks of a BertModel-style embedding model per API generation (order as vLLM's pooler dict). */
export function supportedPoolingTasks(api: PoolingApi): readonly string[] {
  return api === '0.11.0' ? ['encode', 'embed'] : ['token_embed', 'embed'];
}

/** Tasks the 0.11.1 request schema accepts in `task` (vllm/tasks.py PoolingTask). */
export const POOLING_TASK_LITERALS = ['embed', 'classify', 'score', 'token_embed', 'token_classify', 'plugin'] as const;

/**
 * Resolves the plan of a /pooling request.
 * @throws PoolingParamsError for tasks or parameters vLLM refuses.
 */
export function planPooling(api: PoolingApi, f: PoolingFields, poolerConfig: Readonly<Record<string, unknown>> | null): PoolingPlan {
  const cfg = (k: string) => (poolerConfig && typeof poolerConfig[k] === 'boolean' ? (poolerConfig[k] as boolean) : undefined);
  if (api === '0.11.0') {
    if (f.normalize !== undefined) {
      throw new PoolingParamsError(poolingParamsInvalidMessage('encode', ['softmax', 'step_tag_id', 'returned_token_ids'], ['normalize']));
    }
    const softmax = cfg('softmax') ?? true;
    return { task: 'encode', pooling: 'ALL', activation: softmax ? 'softmax' : 'none' };
  }
  const supported = supportedPoolingTasks(api);
  const task = f.task ?? 'token_embed';
  if (!supported.includes(task)) throw new PoolingParamsError(poolingTaskUnsupportedMessage(task, supported));
  if (f.useActivation !== undefined || f.softmax !== undefined) {
    throw new PoolingParamsError(poolingParamsInvalidMessage(task, ['dimensions', 'normalize'], ['use_activation']));
  }
  const normalize = f.normalize ?? cfg('normalize') ?? true;
  return { task: task as 'token_embed' | 'embed', pooling: task === 'embed' ? 'CLS' : 'ALL', activation: normalize ? 'normalize' : 'none' };
}

/** Plan of a /v1/embeddings request: task `embed`, CLS pooling, normalised unless `normalize: false`. */
export function planEmbedding(normalize: boolean | undefined, poolerConfig: Readonly<Record<string, unknown>> | null): PoolingPlan {
  const cfg = poolerConfig && typeof poolerConfig['normalize'] === 'boolean' ? (poolerConfig['normalize'] as boolean) : undefined;
  return { task: 'embed', pooling: 'CLS', activation: (normalize ?? cfg ?? true) ? 'normalize' : 'none' };
}
