/**
 * What the simulator knows about a model: size and attention shape (for memory and timing), context
 * length, chat-template family, generation_config defaults and a default answer quality ("skill").
 * A built-in table covers the CLUE models; `VLLM_SIM_MODELS` can add or override entries; other
 * names fall back to a layout guessed from a size in the name ("-7b", "8x22B", "0.5B").
 */

/**
 * Chat-template families the simulator can render.
 * `mistral` rejects any role order but user/assistant alternation (so a system message fails);
 * `llama2` takes an optional leading system message, then strict alternation; `none` has no template.
 */
export type TemplateFamily = 'llama2' | 'llama3' | 'llama31' | 'mistral' | 'zephyr' | 'phi3' | 'chatml' | 'none';

/** Sampling defaults from the model's generation_config.json (used with `--generation-config auto`). */
export interface GenerationDefaults {
  readonly temperature?: number;
  readonly top_p?: number;
  readonly top_k?: number;
  readonly max_new_tokens?: number;
}

/** One model. Sizes are those of `config.json`. */
export interface ModelInfo {
  /** Hugging Face id. */
  readonly hfId: string;
  /** Total parameters in billions. */
  readonly paramsB: number;
  /** Mixture-of-experts: parameters active per token, in billions. */
  readonly activeParamsB?: number;
  /** Mixture-of-experts: experts per layer and experts chosen per token. */
  readonly experts?: number;
  readonly expertsPerToken?: number;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** `max_position_embeddings`. */
  readonly contextLength: number;
  /** `architectures[0]`. */
  readonly architecture: string;
  /** `torch_dtype` of the checkpoint (what `--dtype auto` serves). */
  readonly dtype: 'bfloat16' | 'float16' | 'float32';
  /** Encoder-only (BERT-style) pooling model: no generation, bidirectional attention. */
  readonly encoderOnly?: boolean;
  /** `vocab_size` (used by encoder models' tokenizer). */
  readonly vocabSize?: number;
  readonly template: TemplateFamily;
  /** Instruction-tuned (false: a base model that tends to keep generating). */
  readonly instruct: boolean;
  readonly generationConfig?: GenerationDefaults;
  /** Default answer quality in [0, 1] (overridden by VLLM_SIM_SKILL). */
  readonly skill?: number;
}

type Layout = Pick<ModelInfo, 'layers' | 'hidden' | 'heads' | 'kvHeads' | 'headDim' | 'architecture'>;

const LLAMA2_7B: Layout = { layers: 32, hidden: 4096, heads: 32, kvHeads: 32, headDim: 128, architecture: 'LlamaForCausalLM' };
const LLAMA2_13B: Layout = { layers: 40, hidden: 5120, heads: 40, kvHeads: 40, headDim: 128, architecture: 'LlamaForCausalLM' };
const LLAMA_70B: Layout = { layers: 80, hidden: 8192, heads: 64, kvHeads: 8, headDim: 128, architecture: 'LlamaForCausalLM' };
const LLAMA3_8B: Layout = { layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, architecture: 'LlamaForCausalLM' };
const LLAMA3_3B: Layout = { layers: 28, hidden: 3072, heads: 24, kvHeads: 8, headDim: 128, architecture: 'LlamaForCausalLM' };
const YI_34B: Layout = { layers: 60, hidden: 7168, heads: 56, kvHeads: 8, headDim: 128, architecture: 'LlamaForCausalLM' };
const MISTRAL_7B: Layout = { layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, architecture: 'MistralForCausalLM' };
const MIXTRAL_8X7B: Layout = { layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, architecture: 'MixtralForCausalLM' };
const MIXTRAL_8X22B: Layout = { layers: 56, hidden: 6144, heads: 48, kvHeads: 8, headDim: 128, architecture: 'MixtralForCausalLM' };
const PHI3_MINI: Layout = { layers: 32, hidden: 3072, heads: 32, kvHeads: 32, headDim: 96, architecture: 'Phi3ForCausalLM' };
const BERT_BASE: Layout = { layers: 12, hidden: 768, heads: 12, kvHeads: 12, headDim: 64, architecture: 'BertModel' };
const QWEN3_06B: Layout = { layers: 28, hidden: 1024, heads: 16, kvHeads: 8, headDim: 128, architecture: 'Qwen3ForCausalLM' };

const META_GEN: GenerationDefaults = { temperature: 0.6, top_p: 0.9 };

function entry(
  hfId: string,
  paramsB: number,
  layout: Layout,
  contextLength: number,
  template: TemplateFamily,
  skill: number,
  extra: Partial<ModelInfo> = {},
): ModelInfo {
  return {
    hfId,
    paramsB,
    ...layout,
    contextLength,
    dtype: 'bfloat16',
    template,
    instruct: template !== 'none',
    skill,
    ...extra,
  };
}

const MOE_8X7B = { activeParamsB: 12.9, experts: 8, expertsPerToken: 2 };
const MOE_8X22B = { activeParamsB: 39.1, experts: 8, expertsPerToken: 2 };

/**
 * The built-in table: the CLUE v3/v5 models (skills roughly follow the paper's level averages / 60)
 * plus vLLM's default model.
 */
export const BUILTIN_MODELS: readonly ModelInfo[] = [
  entry('meta-llama/Llama-2-7b-hf', 6.74, LLAMA2_7B, 4096, 'none', 0.3, { dtype: 'float16', generationConfig: META_GEN }),
  entry('meta-llama/Llama-2-7b-chat-hf', 6.74, LLAMA2_7B, 4096, 'llama2', 0.55, { dtype: 'float16', generationConfig: META_GEN }),
  entry('meta-llama/Llama-2-70b-hf', 68.98, LLAMA_70B, 4096, 'none', 0.55, { dtype: 'float16', generationConfig: META_GEN }),
  entry('meta-llama/Llama-2-70b-chat-hf', 68.98, LLAMA_70B, 4096, 'llama2', 0.66, { dtype: 'float16', generationConfig: META_GEN }),
  entry('meta-llama/Meta-Llama-3-8B-Instruct', 8.03, LLAMA3_8B, 8192, 'llama3', 0.74, { generationConfig: META_GEN }),
  entry('meta-llama/Meta-Llama-3-70B-Instruct', 70.55, LLAMA_70B, 8192, 'llama3', 0.9, { generationConfig: META_GEN }),
  entry('meta-llama/Llama-3.1-8B-Instruct', 8.03, LLAMA3_8B, 131072, 'llama31', 0.8, { generationConfig: META_GEN }),
  entry('meta-llama/Llama-3.1-70B-Instruct', 70.55, LLAMA_70B, 131072, 'llama31', 0.93, { generationConfig: META_GEN }),
  entry('meta-llama/Meta-Llama-3.1-8B-Instruct', 8.03, LLAMA3_8B, 131072, 'llama31', 0.8, { generationConfig: META_GEN }),
  entry('meta-llama/Meta-Llama-3.1-70B-Instruct', 70.55, LLAMA_70B, 131072, 'llama31', 0.93, { generationConfig: META_GEN }),
  entry('mistralai/Mistral-7B-v0.1', 7.24, MISTRAL_7B, 32768, 'none', 0.36),
  entry('mistralai/Mistral-7B-Instruct-v0.1', 7.24, MISTRAL_7B, 32768, 'mistral', 0.53),
  entry('mistralai/Mistral-7B-Instruct-v0.2', 7.24, MISTRAL_7B, 32768, 'mistral', 0.71),
  entry('mistralai/Mixtral-8x7B-Instruct-v0.1', 46.7, MIXTRAL_8X7B, 32768, 'mistral', 0.75, MOE_8X7B),
  entry('mistralai/Mixtral-8x22B-Instruct-v0.1', 140.6, MIXTRAL_8X22B, 65536, 'mistral', 0.86, MOE_8X22B),
  entry('microsoft/Phi-3-mini-128k-instruct', 3.82, PHI3_MINI, 131072, 'phi3', 0.55),
  entry('BioMistral/BioMistral-7B', 7.24, MISTRAL_7B, 32768, 'mistral', 0.54),
  entry('BioMistral/BioMistral-7B-DARE', 7.24, MISTRAL_7B, 32768, 'mistral', 0.58),
  entry('epfl-llm/meditron-7b', 6.74, LLAMA2_7B, 4096, 'none', 0.18),
  entry('epfl-llm/meditron-70b', 68.98, LLAMA_70B, 4096, 'none', 0.48),
  entry('aaditya/Llama3-OpenBioLLM-8B', 8.03, LLAMA3_8B, 8192, 'llama3', 0.49),
  entry('aaditya/Llama3-OpenBioLLM-70B', 70.55, LLAMA_70B, 8192, 'llama3', 0.78),
  entry('HPAI-BSC/Llama3-Aloe-8B-Alpha', 8.03, LLAMA3_8B, 8192, 'llama3', 0.61),
  entry('johnsnowlabs/JSL-MedLlama-3-8B-v1.0', 8.03, LLAMA3_8B, 8192, 'llama3', 0.39),
  entry('johnsnowlabs/JSL-MedLlama-3-8B-v2.0', 8.03, LLAMA3_8B, 8192, 'llama3', 0.41),
  entry('johnsnowlabs/JSL-Med-Sft-Llama-3-8B', 8.03, LLAMA3_8B, 8192, 'llama3', 0.29),
  entry('wanglab/ClinicalCamel-70B', 68.98, LLAMA_70B, 4096, 'none', 0.52, { dtype: 'float16' }),
  entry('internistai/base-7b-v0.2', 7.24, MISTRAL_7B, 32768, 'chatml', 0.56),
  entry('HuggingFaceH4/zephyr-7b-beta', 7.24, MISTRAL_7B, 32768, 'zephyr', 0.59),
  entry('m42-health/Llama3-Med42-8B', 8.03, LLAMA3_8B, 8192, 'llama3', 0.74),
  entry('m42-health/Llama3-Med42-70B', 70.55, LLAMA_70B, 8192, 'llama3', 0.71),
  entry('OpenMeditron/Meditron3-8B', 8.03, LLAMA3_8B, 131072, 'llama31', 0.65),
  entry('OpenMeditron/Meditron3-70B', 70.55, LLAMA_70B, 131072, 'llama31', 0.84),
  // SciBERT (BERTScore's model in CLUE). Its config.json is float32; the matmul parameters of the
  // encoder layers (12 x 12 x hidden^2) are what a forward pass computes with.
  entry('allenai/scibert_scivocab_uncased', 0.11, BERT_BASE, 512, 'none', 0, {
    dtype: 'float32', encoderOnly: true, vocabSize: 31090, activeParamsB: encoderComputeParamsB(12, 768),
  }),
  entry('Qwen/Qwen3-0.6B', 0.6, QWEN3_06B, 40960, 'chatml', 0.3, { generationConfig: { temperature: 0.6, top_p: 0.95, top_k: 20 } }),
];

/** Parameters an encoder forward pass multiplies with: 12 x hidden^2 per layer (QKV, output, 4x MLP), in billions. */
export function encoderComputeParamsB(layers: number, hidden: number): number {
  return (layers * 12 * hidden * hidden) / 1e9;
}

function baseName(s: string): string {
  const t = s.replace(/\/+$/, '');
  return t.slice(t.lastIndexOf('/') + 1).toLowerCase();
}

/**
 * Finds a model by HF id (case-insensitive) or by the last path component (so a local directory
 * `/models/Meta-Llama-3-8B-Instruct` finds the HF entry). `extra` entries win over built-ins.
 */
export function findModel(name: string, extra: readonly ModelInfo[] = []): ModelInfo | undefined {
  const all = [...extra, ...BUILTIN_MODELS];
  const lower = name.toLowerCase().replace(/\/+$/, '');
  return all.find((m) => m.hfId.toLowerCase() === lower) ?? all.find((m) => baseName(m.hfId) === baseName(name));
}

/**
 * Guesses a model from a size in its name: `8x22B` (mixture of experts), `7b`, `0.5B`, `70B`.
 * Returns undefined when the name carries no size.
 */
export function guessModelFromName(name: string): ModelInfo | undefined {
  const base = baseName(name);
  const moe = /(\d+)x(\d+(?:\.\d+)?)b(?![a-z])/.exec(base);
  const plain = /(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z])/.exec(base);
  const instruct = /instruct|chat|-it(?![a-z])|zephyr|openbio|med42|aloe/.test(base);
  const template: TemplateFamily = instruct ? 'chatml' : 'none';
  const context = /128k/.test(base) ? 131072 : /32k/.test(base) ? 32768 : 8192;
  if (moe) {
    const experts = Number(moe[1]);
    const per = Number(moe[2]);
    const total = experts * per * 0.83;
    const layout = per >= 20 ? MIXTRAL_8X22B : MIXTRAL_8X7B;
    const active = total * (0.1 + (0.9 * 2) / experts);
    return entry(name, round2(total), layout, context, template, 0.5, { activeParamsB: round2(active), experts, expertsPerToken: 2 });
  }
  if (!plain) return undefined;
  const size = Number(plain[1]);
  if (!(size > 0)) return undefined;
  const layout =
    size <= 1.5 ? QWEN3_06B : size <= 4.5 ? LLAMA3_3B : size <= 10 ? LLAMA3_8B : size <= 20 ? LLAMA2_13B : size <= 45 ? YI_34B : LLAMA_70B;
  return entry(name, size, layout, context, template, 0.5);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Bytes per parameter for a served dtype (`auto` uses the checkpoint's dtype). */
export function bytesPerParam(model: ModelInfo, dtype: string): number {
  const d = dtype === 'auto' ? model.dtype : dtype;
  return d === 'float' || d === 'float32' ? 4 : 2;
}

/** The dtype name vLLM logs (`torch.bfloat16`, `torch.float16`, `torch.float32`). */
export function torchDtype(model: ModelInfo, dtype: string): string {
  const d = dtype === 'auto' ? model.dtype : dtype;
  if (d === 'half' || d === 'float16') return 'torch.float16';
  if (d === 'float' || d === 'float32') return 'torch.float32';
  return 'torch.bfloat16';
}

/** KV-cache bytes per token for the whole model (K and V, all layers, all KV heads). */
export function kvBytesPerToken(model: ModelInfo, dtypeBytes: number): number {
  return 2 * model.layers * model.kvHeads * model.headDim * dtypeBytes;
}
