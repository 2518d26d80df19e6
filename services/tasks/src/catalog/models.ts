/**
 * The model catalog data: the 25 LLMs of CLUE v3 (June 2024 paper/website) in the website's order,
 * then the models added for the v5 (GEM 2025) biomedical-vs-base comparison.
 *
 * Sources: names, biomedical/general split and pairings from CLUE's website/paper (see
 * /work/shared/reference/clue-paper-models-results.md); `config.json` facts from the models' public
 * Hugging Face configs (checked where a copy was readable, otherwise from knowledge of the public
 * model families); anything unverified is said in `notes`.
 */
import type { AttentionLayout, ModelSpec, PresetName } from './model-spec.js';

const V3: readonly PresetName[] = ['clue-v3'];
const V5: readonly PresetName[] = ['clue-v5'];
const V3_V5: readonly PresetName[] = ['clue-v3', 'clue-v5'];

const LLAMA2_7B: AttentionLayout = { layers: 32, heads: 32, kvHeads: 32, headDim: 128 };
const LLAMA2_70B: AttentionLayout = { layers: 80, heads: 64, kvHeads: 8, headDim: 128 };
const MISTRAL_7B: AttentionLayout = { layers: 32, heads: 32, kvHeads: 8, headDim: 128 };
const LLAMA3_8B: AttentionLayout = { layers: 32, heads: 32, kvHeads: 8, headDim: 128 };
const LLAMA3_70B: AttentionLayout = { layers: 80, heads: 64, kvHeads: 8, headDim: 128 };
const PHI3_MINI: AttentionLayout = { layers: 32, heads: 32, kvHeads: 32, headDim: 96 };
const MIXTRAL_8X7B: AttentionLayout = { layers: 32, heads: 32, kvHeads: 8, headDim: 128 };
const MIXTRAL_8X22B: AttentionLayout = { layers: 56, heads: 48, kvHeads: 8, headDim: 128 };

const LLAMA = 'LlamaForCausalLM';
const MISTRAL = 'MistralForCausalLM';

const MERGE_SYS = 'The template rejects a system turn; CLUE merged the system prompt into the first user turn.';
const MISTRAL_TEMPLATE =
  'Mistral [INST] template raises "Conversation roles must alternate user/assistant/user/assistant/..." on a system ' +
  'turn (newer tokenizer revisions may accept one); CLUE merged the system prompt into the first user turn.';
const LLAMA31_DATE =
  'The Llama 3.1 template writes "Cutting Knowledge Date" and "Today Date" lines into the system header.';

const DATA: ModelSpec[] = [
  // ---- CLUE v3: the 25 models, in the order of the website's modelScores ----
  { key: 'llama-2-7b', hfId: 'meta-llama/Llama-2-7b-hf', aliases: [], displayName: 'llama2-7b',
    paramsB: 6.74, kind: 'general', baseModel: null, contextLength: 4096, architecture: LLAMA, attention: LLAMA2_7B,
    chatTemplate: 'none', systemRole: false, dtype: 'fp16', gated: true, presets: V3_V5,
    notes: 'Base model: needs --chat-template. 4k context, so CLUE reports Level 1 only.' },
  { key: 'meditron-7b', hfId: 'epfl-llm/meditron-7b', aliases: ['MEDITRON-7B'], displayName: 'meditron-7b',
    paramsB: 6.74, kind: 'biomedical', baseModel: 'llama-2-7b', contextLength: 2048, architecture: LLAMA,
    attention: LLAMA2_7B, chatTemplate: 'none', systemRole: false, dtype: 'bf16', gated: true, presets: V3_V5,
    notes: 'Base model (continued pretraining of Llama-2-7B): needs --chat-template. config.json says ' +
      'max_position_embeddings 2048 (Llama-2 itself has 4096), vocab 32017. Original torch_dtype and the gating were ' +
      'not verified (an "ungated" re-upload exists, suggesting the repo is gated).' },
  { key: 'llama-2-7b-chat', hfId: 'meta-llama/Llama-2-7b-chat-hf', aliases: ['llama2-7b-hf'],
    displayName: 'llama2-7b-hf', paramsB: 6.74, kind: 'general', baseModel: 'llama-2-7b', contextLength: 4096,
    architecture: LLAMA, attention: LLAMA2_7B, chatTemplate: 'builtin', systemRole: true, dtype: 'fp16', gated: true,
    presets: V3,
    notes: 'UNCERTAIN mapping: the website row "llama2-7b-hf" is taken to be Llama-2-7b-chat-hf because its MeQSum ' +
      'scores look like a chat model\'s (the base Llama-2-7b-hf is the "llama2-7b" row). Level 1 only (4k context).' },
  { key: 'mistral-7b-v0-1', hfId: 'mistralai/Mistral-7B-v0.1', aliases: [], displayName: 'Mistral-7B-v0.1',
    paramsB: 7.24, kind: 'general', baseModel: null, contextLength: 32768, architecture: MISTRAL,
    attention: MISTRAL_7B, chatTemplate: 'none', systemRole: false, dtype: 'bf16', gated: true, presets: V3_V5,
    notes: 'Base model: needs --chat-template. sliding_window 4096.' },
  { key: 'internist-7b-v0-2', hfId: 'internistai/base-7b-v0.2', aliases: ['Internist.ai 7b', 'internist-7b'],
    displayName: 'internistai/base-7b-v0.2', paramsB: 7.24, kind: 'biomedical', baseModel: 'mistral-7b-v0-1',
    contextLength: 32768, architecture: MISTRAL, attention: MISTRAL_7B, chatTemplate: 'builtin', systemRole: false,
    dtype: 'bf16', gated: false, presets: V3_V5,
    notes: 'Continued pretraining of Mistral-7B-v0.1 (model card; trained at 4096 tokens although config.json keeps ' +
      '32768). An Alpaca-format chat template was added to the tokenizer on 2024-04-24; whether it accepts a system ' +
      'turn was not verified, so the system prompt is merged. CLUE v5 computes its deltas against ' +
      'Mistral-7B-Instruct-v0.1. torch_dtype and gating not verified.' },
  { key: 'biomistral-7b', hfId: 'BioMistral/BioMistral-7B', aliases: [], displayName: 'BioMistral-7B',
    paramsB: 7.24, kind: 'biomedical', baseModel: 'mistral-7b-instruct-v0-1', contextLength: 32768,
    architecture: MISTRAL, attention: MISTRAL_7B, chatTemplate: 'builtin', systemRole: false, dtype: 'bf16',
    gated: false, presets: V3_V5,
    notes: 'Further pretraining of Mistral-7B-Instruct-v0.1 on PubMed Central (trained at 2048 tokens). That the ' +
      'tokenizer carries the Mistral-Instruct template was not verified. ' + MERGE_SYS },
  { key: 'biomistral-7b-dare', hfId: 'BioMistral/BioMistral-7B-DARE', aliases: [], displayName: 'BioMistral-7B-DARE',
    paramsB: 7.24, kind: 'biomedical', baseModel: 'mistral-7b-instruct-v0-1', contextLength: 32768,
    architecture: MISTRAL, attention: MISTRAL_7B, chatTemplate: 'builtin', systemRole: false, dtype: 'bf16',
    gated: false, presets: V3_V5,
    notes: 'DARE-TIES merge of BioMistral-7B and Mistral-7B-Instruct-v0.1. Template and dtype not verified. ' +
      MERGE_SYS },
  { key: 'mistral-7b-instruct-v0-1', hfId: 'mistralai/Mistral-7B-Instruct-v0.1', aliases: [],
    displayName: 'Mistral-7B-Instruct-v0.1', paramsB: 7.24, kind: 'general', baseModel: 'mistral-7b-v0-1',
    contextLength: 32768, architecture: MISTRAL, attention: MISTRAL_7B, chatTemplate: 'builtin', systemRole: false,
    dtype: 'bf16', gated: true, presets: V3_V5, notes: MISTRAL_TEMPLATE + ' sliding_window 4096.' },
  { key: 'zephyr-7b-beta', hfId: 'HuggingFaceH4/zephyr-7b-beta', aliases: [], displayName: 'zephyr-7b-beta',
    paramsB: 7.24, kind: 'general', baseModel: 'mistral-7b-v0-1', contextLength: 32768, architecture: MISTRAL,
    attention: MISTRAL_7B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: false, presets: V3 },
  { key: 'mistral-7b-instruct-v0-2', hfId: 'mistralai/Mistral-7B-Instruct-v0.2', aliases: [],
    displayName: 'Mistral-7B-Instruct-v0.2', paramsB: 7.24, kind: 'general', baseModel: null, contextLength: 32768,
    architecture: MISTRAL, attention: MISTRAL_7B, chatTemplate: 'builtin', systemRole: false, dtype: 'bf16',
    gated: true, presets: V3,
    notes: MISTRAL_TEMPLATE + ' Built on Mistral-7B-v0.2 (rope_theta 1e6, no sliding window), not in the catalog.' },
  { key: 'llama-3-8b-instruct', hfId: 'meta-llama/Meta-Llama-3-8B-Instruct', aliases: [],
    displayName: 'Meta-Llama-3-8B-Instruct', paramsB: 8.03, kind: 'general', baseModel: null, contextLength: 8192,
    architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true,
    presets: V3_V5 },
  { key: 'openbiollm-8b', hfId: 'aaditya/Llama3-OpenBioLLM-8B', aliases: ['OpenBioLLM-8B'],
    displayName: 'Llama3-OpenBioLLM-8B', paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-8b-instruct',
    contextLength: 8192, architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: false, presets: V3_V5,
    notes: 'config.json eos_token_id is 128001 (<|end_of_text|>), not <|eot_id|>. The exact chat template was not ' +
      'verified (Llama-3 format assumed).' },
  { key: 'jsl-med-sft-llama-3-8b', hfId: 'johnsnowlabs/JSL-Med-Sft-Llama-3-8B', aliases: [],
    displayName: 'JSL-Med-Sft-Llama-3-8B', paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-8b-instruct',
    contextLength: 8192, architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: false, presets: V3,
    notes: 'Dropped in v5. Chat template, dtype and context length not verified (Llama-3-8B family assumed).' },
  { key: 'jsl-medllama-3-8b-v1-0', hfId: 'johnsnowlabs/JSL-MedLlama-3-8B-v1.0', aliases: [],
    displayName: 'JSL-MedLlama-3-8B-v1.0', paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-8b-instruct',
    contextLength: 8192, architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: false, presets: V3,
    notes: 'Dropped in v5. Chat template, dtype and context length not verified (Llama-3-8B family assumed).' },
  { key: 'jsl-medllama-3-8b-v2-0', hfId: 'johnsnowlabs/JSL-MedLlama-3-8B-v2.0', aliases: [],
    displayName: 'JSL-MedLlama-3-8B-v2.0', paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-8b-instruct',
    contextLength: 8192, architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: false, presets: V3, notes: 'Dropped in v5. Chat template not verified.' },
  { key: 'aloe-8b-alpha', hfId: 'HPAI-BSC/Llama3-Aloe-8B-Alpha', aliases: ['Aloe-8B-Alpha'],
    displayName: 'Llama3-Aloe-8B-Alpha', paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-8b-instruct',
    contextLength: 8192, architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: false, presets: V3_V5,
    notes: 'config.json eos_token_id is 128001. Chat template not verified (Llama-3 format assumed); CLUE pairs it ' +
      'with Meta-Llama-3-8B-Instruct.' },
  { key: 'phi-3-mini-128k-instruct', hfId: 'microsoft/Phi-3-mini-128k-instruct', aliases: [],
    displayName: 'Phi-3-mini-128k-instruct', paramsB: 3.82, kind: 'general', baseModel: null, contextLength: 131072,
    architecture: 'Phi3ForCausalLM', attention: PHI3_MINI, chatTemplate: 'builtin', systemRole: false, dtype: 'bf16',
    gated: false, presets: V3,
    notes: 'The paper-era (April-June 2024) template silently DROPPED system turns (Microsoft added system support in ' +
      'July 2024), so the system prompt must be merged into the first user turn. LongRoPE, trained base 4096.' },
  { key: 'mixtral-8x7b-instruct-v0-1', hfId: 'mistralai/Mixtral-8x7B-Instruct-v0.1', aliases: [],
    displayName: 'Mixtral-8x7B-Instruct-v0.1', paramsB: 46.7, activeParamsB: 12.9, kind: 'general', baseModel: null,
    contextLength: 32768, architecture: 'MixtralForCausalLM', attention: MIXTRAL_8X7B, chatTemplate: 'builtin',
    systemRole: false, dtype: 'bf16', gated: true, presets: V3, notes: MISTRAL_TEMPLATE },
  { key: 'llama-2-70b', hfId: 'meta-llama/Llama-2-70b-hf', aliases: [], displayName: 'Llama-2-70b',
    paramsB: 68.98, kind: 'general', baseModel: null, contextLength: 4096, architecture: LLAMA, attention: LLAMA2_70B,
    chatTemplate: 'none', systemRole: false, dtype: 'fp16', gated: true, presets: V3_V5,
    notes: 'Base model: needs --chat-template. Level 1 only (4k context).' },
  { key: 'meditron-70b', hfId: 'epfl-llm/meditron-70b', aliases: ['MEDITRON-70B'], displayName: 'meditron-70b',
    paramsB: 68.98, kind: 'biomedical', baseModel: 'llama-2-70b', contextLength: 4096, architecture: LLAMA,
    attention: LLAMA2_70B, chatTemplate: 'none', systemRole: false, dtype: 'bf16', gated: true, presets: V3_V5,
    notes: 'Base model (continued pretraining of Llama-2-70B): needs --chat-template. Level 1 only. Context length, ' +
      'torch_dtype and gating not verified.' },
  { key: 'clinicalcamel-70b', hfId: 'wanglab/ClinicalCamel-70B', aliases: [], displayName: 'ClinicalCamel-70B',
    paramsB: 68.98, kind: 'biomedical', baseModel: 'llama-2-70b', contextLength: 4096, architecture: LLAMA,
    attention: LLAMA2_70B, chatTemplate: 'none', systemRole: false, dtype: 'fp16', gated: false, presets: V3,
    notes: 'Dropped in v5. QLoRA fine-tune of Llama-2-70B; its pairing in CLUE is inferred. Chat template, context ' +
      'length, dtype and gating not verified (no tokenizer template assumed).' },
  { key: 'llama-2-70b-chat', hfId: 'meta-llama/Llama-2-70b-chat-hf', aliases: [],
    displayName: 'Llama-2-70b-chat', paramsB: 68.98, kind: 'general', baseModel: 'llama-2-70b', contextLength: 4096,
    architecture: LLAMA, attention: LLAMA2_70B, chatTemplate: 'builtin', systemRole: true, dtype: 'fp16', gated: true,
    presets: V3, notes: 'Level 1 only (4k context).' },
  { key: 'llama-3-70b-instruct', hfId: 'meta-llama/Meta-Llama-3-70B-Instruct', aliases: [],
    displayName: 'Meta-Llama-3-70B-Instruct', paramsB: 70.55, kind: 'general', baseModel: null, contextLength: 8192,
    architecture: LLAMA, attention: LLAMA3_70B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true,
    presets: V3_V5 },
  { key: 'openbiollm-70b', hfId: 'aaditya/Llama3-OpenBioLLM-70B', aliases: ['OpenBioLLM-70B'],
    displayName: 'Llama3-OpenBioLLM-70B', paramsB: 70.55, kind: 'biomedical', baseModel: 'llama-3-70b-instruct',
    contextLength: 8192, architecture: LLAMA, attention: LLAMA3_70B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: false, presets: V3_V5,
    notes: 'Fine-tuned from Meta-Llama-3-70B-Instruct (config.json _name_or_path); eos_token_id 128001.' },
  { key: 'mixtral-8x22b-instruct-v0-1', hfId: 'mistralai/Mixtral-8x22B-Instruct-v0.1', aliases: [],
    displayName: 'Mixtral-8x22B-Instruct-v0.1', paramsB: 140.62, activeParamsB: 39.1, kind: 'general',
    baseModel: null, contextLength: 65536, architecture: 'MixtralForCausalLM', attention: MIXTRAL_8X22B,
    chatTemplate: 'builtin', systemRole: false, dtype: 'bf16', gated: true, presets: V3,
    notes: 'Tokenizer v3 (vocab 32768). Depending on the revision its template raises on or silently drops a system ' +
      'turn; CLUE merged the system prompt into the first user turn.' },

  // ---- Added in CLUE v5 (GEM 2025) ----
  { key: 'med42-8b', hfId: 'm42-health/Llama3-Med42-8B', aliases: ['Med42-8B'], displayName: 'Med42-8B',
    paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-8b-instruct', contextLength: 8192, architecture: LLAMA,
    attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true, presets: V5,
    notes: 'Med42-v2, instruction-tuned from Llama-3-8B-Instruct (model card, 8k context). Gating and template ' +
      'details not verified.' },
  { key: 'med42-70b', hfId: 'm42-health/Llama3-Med42-70B', aliases: ['Med42-70B'], displayName: 'Med42-70B',
    paramsB: 70.55, kind: 'biomedical', baseModel: 'llama-3-70b-instruct', contextLength: 8192, architecture: LLAMA,
    attention: LLAMA3_70B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true, presets: V5,
    notes: 'Med42-v2, instruction-tuned from Llama-3-70B-Instruct. Gating and template details not verified.' },
  { key: 'meditron3-8b', hfId: 'OpenMeditron/Meditron3-8B', aliases: ['Meditron3-8B'], displayName: 'Meditron3-8B',
    paramsB: 8.03, kind: 'biomedical', baseModel: 'llama-3-1-8b-instruct', contextLength: 131072,
    architecture: LLAMA, attention: LLAMA3_8B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true,
    presets: V5,
    notes: 'Fine-tuned from Llama-3.1-8B (model card); CLUE v5 pairs it with Meta-Llama-3.1. Chat template, ' +
      'context length, dtype and gating not verified (the 70B sibling is gated, its config says float32, 131072).' },
  { key: 'meditron3-70b', hfId: 'OpenMeditron/Meditron3-70B', aliases: ['Meditron3-70B'],
    displayName: 'Meditron3-70B', paramsB: 70.55, kind: 'biomedical', baseModel: 'llama-3-1-70b-instruct',
    contextLength: 131072, architecture: LLAMA, attention: LLAMA3_70B, chatTemplate: 'builtin', systemRole: true,
    dtype: 'bf16', gated: true, presets: V5,
    notes: 'Fine-tuned from Llama-3.1-70B. config.json torch_dtype is float32 (serve as bf16); eos_token_id 128009. ' +
      'Chat template not verified.' },
  { key: 'llama-3-1-8b-instruct', hfId: 'meta-llama/Llama-3.1-8B-Instruct',
    aliases: ['meta-llama/Meta-Llama-3.1-8B-Instruct'], displayName: 'Meta-Llama-3.1-8B-Instruct', paramsB: 8.03,
    kind: 'general', baseModel: null, contextLength: 131072, architecture: LLAMA, attention: LLAMA3_8B,
    chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true, presets: V5,
    notes: 'Repo renamed from meta-llama/Meta-Llama-3.1-8B-Instruct (the old id redirects). ' + LLAMA31_DATE },
  { key: 'llama-3-1-70b-instruct', hfId: 'meta-llama/Llama-3.1-70B-Instruct',
    aliases: ['meta-llama/Meta-Llama-3.1-70B-Instruct'], displayName: 'Meta-Llama-3.1-70B-Instruct',
    paramsB: 70.55, kind: 'general', baseModel: null, contextLength: 131072, architecture: LLAMA,
    attention: LLAMA3_70B, chatTemplate: 'builtin', systemRole: true, dtype: 'bf16', gated: true, presets: V5,
    notes: 'Repo renamed from meta-llama/Meta-Llama-3.1-70B-Instruct (the old id redirects). ' + LLAMA31_DATE },
];

function freezeSpec(spec: ModelSpec): ModelSpec {
  Object.freeze(spec.aliases);
  Object.freeze(spec.presets);
  Object.freeze(spec.attention);
  return Object.freeze(spec);
}

/** Every model of the catalog: the 25 CLUE v3 models in the website's order, then the v5 additions. */
export const MODELS: readonly ModelSpec[] = Object.freeze(DATA.map(freezeSpec));
