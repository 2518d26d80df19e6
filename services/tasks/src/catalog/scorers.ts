/**
 * The scorer engines: encoder models the cluster serves next to the LLMs to compute model-based
 * metrics. Only BERTScore for now: CLUE calls `bert_score.score(preds, refs, lang="en-sci")`, i.e.
 * `allenai/scibert_scivocab_uncased` with its encoder cut to the first 8 of 12 layers, the slow
 * (uncased) BertTokenizer, fp32, no idf.
 *
 * vLLM serves it with its pooling runner and the `token_embed` task (per-token hidden states;
 * `*Model` architectures support it), with the config overridden to 8 layers — the same truncation
 * bert_score applies to `model.encoder.layer` — and `--tokenizer-mode slow` so the server's
 * tokenizer is the slow BertTokenizer bert_score uses (`use_fast_tokenizer=False`).
 *
 * Scorers are not LLMs of the matrix: a run cannot name one, and `getModel` does not find them.
 * `getEngineModel` finds both (the engine driver and the placement policy use it).
 */
import type { TaskId } from '../types.js';
import { getModel } from './catalog.js';
import type { ModelSpec } from './model-spec.js';

/** The BERTScore scorer's catalog key (vLLM's `--served-model-name`). */
export const BERTSCORE_SCORER_KEY = 'scibert-scorer';

/** bert_score's `model2layers["allenai/scibert_scivocab_uncased"]`. */
export const BERTSCORE_LAYERS = 8;

/** SciBERT's `max_position_embeddings`: inputs are cut to this many wordpieces ([CLS] … [SEP]). */
export const BERTSCORE_MAX_TOKENS = 512;

/** The SciBERT scorer as the engine driver launches it. */
export const BERTSCORE_SCORER: ModelSpec = Object.freeze({
  key: BERTSCORE_SCORER_KEY,
  hfId: 'allenai/scibert_scivocab_uncased',
  aliases: Object.freeze([]) as readonly string[],
  displayName: 'SciBERT (BERTScore, layer 8)',
  paramsB: 0.11,
  kind: 'biomedical',
  baseModel: null,
  contextLength: BERTSCORE_MAX_TOKENS,
  architecture: 'BertModel',
  attention: Object.freeze({ layers: 12, heads: 12, kvHeads: 12, headDim: 64 }),
  chatTemplate: 'none',
  systemRole: false,
  dtype: 'fp16',
  gated: false,
  presets: Object.freeze([]) as readonly never[],
  notes:
    'Served in fp32 (--dtype float32) as bert_score runs it; `dtype` here only sizes memory, which is negligible (0.11B parameters).',
}) as ModelSpec;

/** The scorers, by key. */
export const SCORER_MODELS: readonly ModelSpec[] = Object.freeze([BERTSCORE_SCORER]);

/**
 * The vLLM flags that turn `vllm serve allenai/scibert_scivocab_uncased` into bert_score's encoder:
 * pooling runner, 8 layers, slow tokenizer, fp32 (appended after the standard flags).
 */
export const BERTSCORE_ENGINE_ARGS: readonly string[] = Object.freeze([
  '--runner', 'pooling',
  '--hf-overrides', JSON.stringify({ architectures: ['BertModel'], num_hidden_layers: BERTSCORE_LAYERS }),
  '--tokenizer-mode', 'slow',
  '--dtype', 'float32',
]);

/** The tasks whose CLUE score includes BERTScore F1 (bert_score.score over predictions and references). */
export const BERTSCORE_TASKS: ReadonlySet<TaskId> = new Set<TaskId>(['meqsum', 'problemsummary', 'medisumqa']);

/** True when `key` is a scorer's key. */
export function isScorerModel(key: string): boolean {
  return SCORER_MODELS.some((m) => m.key === key);
}

/**
 * An engine's model: an LLM of the catalog (any name `getModel` accepts) or a scorer (by key).
 * @throws ClueError UNKNOWN_MODEL.
 */
export function getEngineModel(keyOrHfId: string): ModelSpec {
  return SCORER_MODELS.find((m) => m.key === keyOrHfId.trim()) ?? getModel(keyOrHfId);
}
