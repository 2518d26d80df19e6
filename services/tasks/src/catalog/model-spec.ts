/**
 * Types of the CLUE model catalog: what the orchestrator needs to know about one Hugging Face model
 * to serve it with vLLM and to build CLUE prompts for it.
 */

/** The model presets: `clue-v3` = the 25 LLMs of the June-2024 paper/website, `clue-v5` = the GEM-2025 comparison. */
export const PRESET_NAMES = ['clue-v3', 'clue-v5'] as const;

/** A preset name. */
export type PresetName = (typeof PRESET_NAMES)[number];

/** Whether a model is general-domain or biomedically adapted (CLUE's split). */
export type ModelKind = 'general' | 'biomedical';

/**
 * Where the chat template comes from.
 * - `builtin`: the tokenizer ships a `chat_template`, so vLLM's `/v1/chat/completions` works as is.
 * - `none`: a base model without a template; vLLM's chat endpoint refuses it (transformers >= 4.44 has
 *   no default template) unless the server is started with `--chat-template <file>`.
 */
export type ChatTemplateSource = 'builtin' | 'none';

/** The dtype to serve with (`vllm serve --dtype`). Both are 2 bytes per parameter. */
export type ServeDtype = 'bf16' | 'fp16';

/** The attention shape from `config.json`, used to size the KV cache and to check tensor-parallel splits. */
export interface AttentionLayout {
  /** `num_hidden_layers`. */
  readonly layers: number;
  /** `num_attention_heads`; the tensor-parallel size must divide it. */
  readonly heads: number;
  /** `num_key_value_heads` (grouped-query attention); equals `heads` for multi-head attention. */
  readonly kvHeads: number;
  /** `head_dim` (= `hidden_size / num_attention_heads`). */
  readonly headDim: number;
}

/** One model of the catalog. All data is frozen. */
export interface ModelSpec {
  /**
   * Short stable id, strict kebab-case (`[a-z0-9]+(-[a-z0-9]+)*`). It is used as vLLM's
   * `--served-model-name`, as a NATS subject token and inside unit ids `<run>.<model>.<task>.<shard>`,
   * so it never contains a dot: version numbers are spelled `v0-1`, Llama 3.1 is `llama-3-1-...`.
   */
  readonly key: string;
  /** Hugging Face repository id, as passed to `vllm serve`. */
  readonly hfId: string;
  /** Other names accepted by `getModel` (former HF ids, names in the CLUE paper v5 / website). */
  readonly aliases: readonly string[];
  /** The name CLUE's website (v3) uses; for v5-only models the paper's name. */
  readonly displayName: string;
  /** Total parameters in billions. */
  readonly paramsB: number;
  /** Mixture-of-experts models only: parameters active per token, in billions. */
  readonly activeParamsB?: number;
  readonly kind: ModelKind;
  /** Key of the general model it was adapted from (CLUE's pairing), or null. */
  readonly baseModel: string | null;
  /** `max_position_embeddings` from `config.json` (vLLM's default `--max-model-len`). */
  readonly contextLength: number;
  /** `architectures[0]` from `config.json`. */
  readonly architecture: string;
  readonly attention: AttentionLayout;
  readonly chatTemplate: ChatTemplateSource;
  /**
   * False when the chat template rejects (or silently drops) a `system` message. CLUE's paper-era
   * code (`eval/utils.py` `build_first_turn` with `has_system=False`) then sent no system turn and
   * put `sys_prompt + "\n\n" + user_prompt` into the first user turn (just `sys_prompt` when there
   * is no few-shot example). Meaningful only when `chatTemplate` is `builtin`.
   */
  readonly systemRole: boolean;
  readonly dtype: ServeDtype;
  /** True when the HF repo is gated (needs an `HF_TOKEN` whose account accepted the terms). */
  readonly gated: boolean;
  readonly presets: readonly PresetName[];
  /** Caveats, and every fact that could not be verified. */
  readonly notes?: string;
}
