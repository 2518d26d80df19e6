import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClueError } from '../errors.js';
import {
  MODELS,
  PRESETS,
  PRESET_NAMES,
  closeModelMatches,
  getModel,
  hasModel,
  modelLookupNames,
  presetModels,
  type ModelSpec,
} from './catalog.js';
import {
  GPU_CLASSES,
  GPU_CLASS_NAMES,
  OVERHEAD_GIB_PER_GPU,
  defaultMaxModelLen,
  estimateKvCacheGiB,
  estimateMinMemoryGiB,
  estimateWeightsGiB,
  getGpuClass,
  kvCacheBytesPerToken,
  perGpuMemoryGiB,
  tensorParallelSize,
  tpByGpuClass,
} from './gpu.js';

const keysOf = (ms: readonly ModelSpec[]): string[] => ms.map((m) => m.key);
const clueError = (code: string, re: RegExp) => (e: unknown) =>
  e instanceof ClueError && e.code === code && re.test(e.message);

describe('catalog data', () => {
  it('v3 preset: the 25 website models in order, 12 biomedical and 13 general', () => {
    const v3 = presetModels('clue-v3');
    assert.deepEqual(keysOf(v3), [
      'llama-2-7b', 'meditron-7b', 'llama-2-7b-chat', 'mistral-7b-v0-1', 'internist-7b-v0-2', 'biomistral-7b',
      'biomistral-7b-dare', 'mistral-7b-instruct-v0-1', 'zephyr-7b-beta', 'mistral-7b-instruct-v0-2',
      'llama-3-8b-instruct', 'openbiollm-8b', 'jsl-med-sft-llama-3-8b', 'jsl-medllama-3-8b-v1-0',
      'jsl-medllama-3-8b-v2-0', 'aloe-8b-alpha', 'phi-3-mini-128k-instruct', 'mixtral-8x7b-instruct-v0-1',
      'llama-2-70b', 'meditron-70b', 'clinicalcamel-70b', 'llama-2-70b-chat', 'llama-3-70b-instruct',
      'openbiollm-70b', 'mixtral-8x22b-instruct-v0-1',
    ]);
    assert.equal(v3.filter((m) => m.kind === 'biomedical').length, 12);
    assert.equal(v3.filter((m) => m.kind === 'general').length, 13);
    assert.deepEqual(PRESETS['clue-v3'], keysOf(v3));
  });

  it('the uncertain llama2-7b-hf row is Llama-2-7b-chat-hf and says so', () => {
    const m = getModel('llama2-7b-hf');
    assert.equal(m.hfId, 'meta-llama/Llama-2-7b-chat-hf');
    assert.match(m.notes ?? '', /UNCERTAIN/);
    assert.equal(getModel('llama2-7b').hfId, 'meta-llama/Llama-2-7b-hf');
  });

  it('v5 preset: the 12 biomedical models and their 8 general bases, without the dropped ones', () => {
    const v5 = presetModels('clue-v5');
    const bio = v5.filter((m) => m.kind === 'biomedical').map((m) => m.hfId).sort();
    assert.deepEqual(bio, [
      'BioMistral/BioMistral-7B', 'BioMistral/BioMistral-7B-DARE', 'HPAI-BSC/Llama3-Aloe-8B-Alpha',
      'OpenMeditron/Meditron3-70B', 'OpenMeditron/Meditron3-8B', 'aaditya/Llama3-OpenBioLLM-70B',
      'aaditya/Llama3-OpenBioLLM-8B', 'epfl-llm/meditron-70b', 'epfl-llm/meditron-7b', 'internistai/base-7b-v0.2',
      'm42-health/Llama3-Med42-70B', 'm42-health/Llama3-Med42-8B',
    ]);
    const general = v5.filter((m) => m.kind === 'general').map((m) => m.key).sort();
    assert.deepEqual(general, [
      'llama-2-70b', 'llama-2-7b', 'llama-3-1-70b-instruct', 'llama-3-1-8b-instruct', 'llama-3-70b-instruct',
      'llama-3-8b-instruct', 'mistral-7b-instruct-v0-1', 'mistral-7b-v0-1',
    ]);
    for (const dropped of ['jsl-med-sft-llama-3-8b', 'jsl-medllama-3-8b-v1-0', 'jsl-medllama-3-8b-v2-0', 'clinicalcamel-70b']) {
      assert.ok(!PRESETS['clue-v5'].includes(dropped), dropped);
    }
    for (const m of v5.filter((x) => x.kind === 'biomedical')) {
      assert.ok(m.baseModel !== null && PRESETS['clue-v5'].includes(m.baseModel), `${m.key} base ${m.baseModel}`);
    }
  });

  it('every model is in a preset; presets list only known keys', () => {
    for (const m of MODELS) assert.ok(m.presets.length > 0, m.key);
    assert.deepEqual([...PRESET_NAMES], Object.keys(PRESETS));
    for (const p of PRESET_NAMES) for (const k of PRESETS[p]) assert.ok(hasModel(k), k);
  });

  it('keys are unique strict kebab-case (no dots: they become NATS subject tokens); hfIds are unique', () => {
    const keys = keysOf(MODELS);
    assert.equal(new Set(keys).size, keys.length);
    for (const k of keys) assert.match(k, /^[a-z0-9]+(?:-[a-z0-9]+)*$/, k);
    const ids = MODELS.map((m) => m.hfId.toLowerCase());
    assert.equal(new Set(ids).size, ids.length);
    for (const m of MODELS) assert.match(m.hfId, /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/, m.hfId);
  });

  it('no lookup name (key, HF id, display name, alias) belongs to two models', () => {
    const owner = new Map<string, string>();
    for (const m of MODELS) {
      for (const n of modelLookupNames(m)) {
        const prev = owner.get(n.toLowerCase());
        assert.ok(prev === undefined || prev === m.key, `'${n}' names both ${prev} and ${m.key}`);
        owner.set(n.toLowerCase(), m.key);
      }
    }
  });

  it('every baseModel is another existing key; biomedical models all have one', () => {
    for (const m of MODELS) {
      if (m.baseModel !== null) {
        assert.ok(hasModel(m.baseModel) && getModel(m.baseModel).key === m.baseModel, `${m.key} -> ${m.baseModel}`);
        assert.notEqual(m.baseModel, m.key);
      }
      if (m.kind === 'biomedical') assert.notEqual(m.baseModel, null, m.key);
    }
  });

  it('config facts are consistent', () => {
    for (const m of MODELS) {
      const a = m.attention;
      assert.ok(a.heads % a.kvHeads === 0, `${m.key} heads/kvHeads`);
      assert.ok(m.contextLength >= 2048 && Number.isInteger(m.contextLength), m.key);
      assert.ok(m.paramsB > 1 && m.paramsB < 200, m.key);
      if (m.chatTemplate === 'none') assert.equal(m.systemRole, false, `${m.key}: base model cannot take a system turn`);
      const moe = m.architecture === 'MixtralForCausalLM';
      assert.equal(m.activeParamsB !== undefined, moe, m.key);
      if (m.activeParamsB !== undefined) assert.ok(m.activeParamsB < m.paramsB, m.key);
    }
    for (const k of ['mistral-7b-instruct-v0-1', 'mistral-7b-instruct-v0-2', 'mixtral-8x7b-instruct-v0-1',
      'mixtral-8x22b-instruct-v0-1', 'phi-3-mini-128k-instruct']) {
      assert.equal(getModel(k).systemRole, false, k);
    }
    for (const k of ['llama-2-7b', 'llama-2-70b', 'mistral-7b-v0-1', 'meditron-7b', 'meditron-70b']) {
      assert.equal(getModel(k).chatTemplate, 'none', k);
    }
    assert.equal(getModel('llama-3-70b-instruct').systemRole, true);
    assert.equal(getModel('meditron-7b').contextLength, 2048);
    assert.equal(getModel('mixtral-8x22b-instruct-v0-1').contextLength, 65536);
  });

  it('is frozen', () => {
    const m = getModel('zephyr-7b-beta');
    assert.ok(Object.isFrozen(MODELS) && Object.isFrozen(m) && Object.isFrozen(m.attention) && Object.isFrozen(m.aliases));
    assert.throws(() => {
      (m as { paramsB: number }).paramsB = 1;
    }, TypeError);
  });
});

describe('getModel / presetModels', () => {
  it('finds a model by key, HF id, display name or alias, ignoring case and surrounding space', () => {
    const m = getModel('llama-3-70b-instruct');
    assert.equal(m.hfId, 'meta-llama/Meta-Llama-3-70B-Instruct');
    assert.equal(getModel('meta-llama/Meta-Llama-3-70B-Instruct'), m);
    assert.equal(getModel('META-LLAMA/meta-llama-3-70b-instruct'), m);
    assert.equal(getModel('  LLAMA-3-70B-INSTRUCT\n'), m);
    assert.equal(getModel('Meta-Llama-3-70B-Instruct'), m);
    assert.equal(getModel('meta-llama/Meta-Llama-3.1-8B-Instruct').key, 'llama-3-1-8b-instruct');
    assert.equal(getModel('Internist.ai 7b').key, 'internist-7b-v0-2');
  });

  it('unknown model -> UNKNOWN_MODEL naming close matches', () => {
    assert.throws(() => getModel('llama-3-8b'), clueError('UNKNOWN_MODEL', /unknown model 'llama-3-8b'; did you mean: llama-3-8b-instruct,/));
    assert.throws(() => getModel('llama3-70b'), clueError('UNKNOWN_MODEL', /did you mean: llama-3-70b-instruct,/));
    assert.throws(() => getModel('mixtral-8x7b-instruct'), clueError('UNKNOWN_MODEL', /mixtral-8x7b-instruct-v0-1/));
    assert.throws(() => getModel('biomistrall-7b'), clueError('UNKNOWN_MODEL', /did you mean: biomistral-7b\b/));
    assert.throws(() => getModel('gpt-4o'), clueError('UNKNOWN_MODEL', /unknown model 'gpt-4o'; known models: llama-2-7b, /));
    assert.throws(() => getModel('   '), clueError('UNKNOWN_MODEL', /empty/));
    assert.ok(closeModelMatches('zzzzzzzzzzzzzzzzzzzz').length === 0);
    assert.equal(hasModel('gpt-4o'), false);
  });

  it('presets: case-insensitive; unknown -> UNKNOWN_PRESET naming the valid presets', () => {
    assert.deepEqual(keysOf(presetModels('CLUE-V5')), PRESETS['clue-v5']);
    assert.equal(PRESETS['clue-v5'].length, 20);
    assert.throws(() => presetModels('clue-v4'), clueError('UNKNOWN_PRESET', /'clue-v4'.*clue-v3, clue-v5/));
  });
});

describe('GPU planning', () => {
  const H100 = 'H100-80GB';

  it('exports the four classes with their memory', () => {
    assert.deepEqual(GPU_CLASSES.map((g) => g.name), [...GPU_CLASS_NAMES]);
    assert.deepEqual(GPU_CLASS_NAMES, ['H100-80GB', 'A100-80GB', 'A100-40GB', 'L40S-48GB']);
    for (const g of GPU_CLASSES) assert.ok(g.memoryGiB < g.nominalGB && g.memoryGiB > 0.9 * g.nominalGB, g.name);
    assert.equal(getGpuClass('l40s-48gb').name, 'L40S-48GB');
    assert.throws(() => getGpuClass('T4'), clueError('INVALID_ARGUMENT', /unknown GPU class 'T4'.*H100-80GB/));
  });

  it('weights = params * 2 bytes / 2^30; KV per token from the config', () => {
    const l70 = getModel('llama-3-70b-instruct');
    assert.equal(estimateWeightsGiB(l70), (70.55e9 * 2) / 2 ** 30);
    assert.equal(kvCacheBytesPerToken(getModel('llama-3-8b-instruct')), 2 * 32 * 8 * 128 * 2);
    assert.equal(kvCacheBytesPerToken(l70, 2), 2 * 80 * 4 * 128 * 2);
    assert.equal(estimateKvCacheGiB(getModel('llama-3-8b-instruct'), 8192), 1);
    assert.equal(estimateKvCacheGiB(getModel('llama-3-8b-instruct'), 8190), 1, 'rounded up to 16-token blocks');
    const mini = getModel('llama-3-8b-instruct');
    assert.equal(estimateMinMemoryGiB(mini, 8192), estimateWeightsGiB(mini) + 1 + OVERHEAD_GIB_PER_GPU);
    assert.ok(estimateMinMemoryGiB(mini, 8192) > estimateMinMemoryGiB(mini, 1024));
    const fewKv: ModelSpec = { ...l70, attention: { ...l70.attention, kvHeads: 2 } };
    assert.equal(kvCacheBytesPerToken(fewKv, 8), 2 * 80 * 1 * 128 * 2, 'KV heads are replicated, not split below 1');
    assert.ok(perGpuMemoryGiB(l70, 4, 8192) < perGpuMemoryGiB(l70, 2, 8192));
  });

  it('TP sanity: 7B TP1 everywhere, Llama-3-70B 2/4, Mixtral-8x22B 4/8', () => {
    for (const k of ['llama-2-7b', 'mistral-7b-instruct-v0-1', 'biomistral-7b', 'zephyr-7b-beta', 'meditron-7b']) {
      assert.deepEqual(tpByGpuClass(getModel(k)), { 'H100-80GB': 1, 'A100-80GB': 1, 'A100-40GB': 1, 'L40S-48GB': 1 }, k);
    }
    assert.deepEqual(tpByGpuClass(getModel('llama-3-70b-instruct')),
      { 'H100-80GB': 2, 'A100-80GB': 2, 'A100-40GB': 4, 'L40S-48GB': 4 });
    assert.deepEqual(tpByGpuClass(getModel('mixtral-8x22b-instruct-v0-1')),
      { 'H100-80GB': 4, 'A100-80GB': 4, 'A100-40GB': 8, 'L40S-48GB': 8 });
  });

  it('every model fits on some GPU class at its default max-model-len', () => {
    for (const m of MODELS) {
      const fits = Object.values(tpByGpuClass(m)).filter((tp) => tp !== null);
      assert.ok(fits.length > 0, m.key);
      assert.equal(tensorParallelSize(m, H100), Math.min(...fits.map(Number)), m.key);
    }
  });

  it('default max-model-len is the context capped at 8192; a longer one can change TP or not fit', () => {
    assert.equal(defaultMaxModelLen(getModel('meditron-7b')), 2048);
    assert.equal(defaultMaxModelLen(getModel('llama-3-1-70b-instruct')), 8192);
    const l31 = getModel('llama-3-1-70b-instruct');
    assert.equal(tensorParallelSize(l31, H100), 2);
    assert.equal(tensorParallelSize(l31, H100, 0.9, 131072), 4);
    assert.equal(tensorParallelSize(getModel('mixtral-8x22b-instruct-v0-1'), 'A100-40GB', 0.9, 65536), null);
    assert.equal(tensorParallelSize(getModel('llama-3-70b-instruct'), H100, 0.5), 4, 'lower utilization needs more GPUs');
  });

  it('TP must divide the attention heads (and split the KV heads evenly)', () => {
    const big = getModel('mixtral-8x22b-instruct-v0-1');
    const withHeads = (m: ModelSpec, heads: number, kvHeads: number): ModelSpec => ({
      ...m, attention: { ...m.attention, heads, kvHeads },
    });
    assert.equal(tensorParallelSize(withHeads(big, 48, 8), 'A100-40GB'), 8);
    assert.equal(tensorParallelSize(withHeads(big, 36, 4), 'A100-40GB'), null, '8 GPUs would fit but 8 does not divide 36');
    assert.equal(tensorParallelSize(withHeads(big, 48, 12), 'A100-40GB'), null, '12 KV heads cannot be split over 8');
    assert.equal(tensorParallelSize(withHeads(big, 36, 4), H100), 4);
    const l70 = getModel('llama-3-70b-instruct');
    assert.equal(tensorParallelSize(withHeads(l70, 63, 9), H100), null, 'TP2 fits in memory but 2 does not divide 63');
    assert.equal(tensorParallelSize(withHeads(l70, 64, 8), H100), 2);
  });

  it('rejects bad arguments with INVALID_ARGUMENT', () => {
    const m = getModel('llama-3-8b-instruct');
    assert.throws(() => tensorParallelSize(m, 'V100'), clueError('INVALID_ARGUMENT', /unknown GPU class 'V100'/));
    assert.throws(() => tensorParallelSize(m, H100, 0), clueError('INVALID_ARGUMENT', /gpuMemoryUtilization/));
    assert.throws(() => tensorParallelSize(m, H100, 1.5), clueError('INVALID_ARGUMENT', /gpuMemoryUtilization/));
    assert.throws(() => tensorParallelSize(m, H100, 0.9, 16384), clueError('INVALID_ARGUMENT', /exceeds the context length of llama-3-8b-instruct \(8192\)/));
    assert.throws(() => estimateMinMemoryGiB(m, 0), clueError('INVALID_ARGUMENT', /positive integer/));
    assert.throws(() => perGpuMemoryGiB(m, 0, 1024), clueError('INVALID_ARGUMENT', /tensor-parallel size/));
  });
});
