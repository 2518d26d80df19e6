/**
 * Simulator-only settings, read once from the environment at start-up:
 * `VLLM_SIM_GPU`, `VLLM_SIM_TIME_SCALE`, `VLLM_SIM_SKILL`, `VLLM_SIM_ORACLE`, `VLLM_SIM_FAULTS`,
 * `VLLM_SIM_MODELS`. Everything is validated here so a bad value fails before any socket opens.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SimError } from './errors.js';
import { NO_FAULTS, type FaultSpec, parseFaults } from './faults.js';
import { DEFAULT_GPU, type GpuProfile, getGpuProfile } from './gpu-profiles.js';
import type { ModelInfo, TemplateFamily } from './model-table.js';
import { loadOracle } from './oracle.js';
import type { PoolingApi } from './pooling/pooling-params.js';

/** Resolved simulator settings. */
export interface SimSettings {
  readonly gpu: GpuProfile;
  /** Modelled durations are divided by this. @default 1 */
  readonly timeScale: number;
  /** `VLLM_SIM_SKILL`: one number for every model, a map by served name / HF id, or unset. */
  readonly skill: number | ReadonlyMap<string, number> | null;
  /** Gold answers by prompt hash, or null without an oracle. */
  readonly oracle: ReadonlyMap<string, string> | null;
  readonly faults: FaultSpec;
  /**
   * `VLLM_SIM_FAULTS_FOR`: the faults apply only to a server whose model (HF id) or served name is
   * this (a worker gives every engine the same environment; tests target one engine group). Unset: all.
   */
  readonly faultsFor: string | null;
  /** Entries from `VLLM_SIM_MODELS`. */
  readonly extraModels: readonly ModelInfo[];
  /**
   * `VLLM_SIM_POOLING_API`: which release's /pooling semantics to imitate. @default '0.11.1' — the
   * release the worker image pins (0.11.0's /pooling has no `task` and softmaxes per-token states,
   * useless for BERTScore; the worker refuses such a scorer).
   */
  readonly poolingApi: PoolingApi;
}

function parseSkill(raw: string | undefined): number | Map<string, number> | null {
  if (raw === undefined || raw.trim() === '') return null;
  const text = raw.trim();
  const inRange = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
  if (!text.startsWith('{')) {
    const n = Number(text);
    if (text === '' || !inRange(n)) throw new SimError('INVALID_ENV', `VLLM_SIM_SKILL: expected a number in [0, 1] or a JSON map, got '${raw}'`);
    return n;
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new SimError('INVALID_ENV', `VLLM_SIM_SKILL: invalid JSON: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new SimError('INVALID_ENV', 'VLLM_SIM_SKILL: the JSON form must be an object {"model": skill}');
  }
  const map = new Map<string, number>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!inRange(v)) throw new SimError('INVALID_ENV', `VLLM_SIM_SKILL: skill of '${k}' must be a number in [0, 1]`);
    map.set(k, v);
  }
  return map;
}

const TEMPLATES: readonly TemplateFamily[] = ['llama2', 'llama3', 'llama31', 'mistral', 'zephyr', 'phi3', 'chatml', 'none'];

function modelFromJson(v: unknown, where: string): ModelInfo {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SimError('INVALID_ENV', `${where}: must be an object`);
  const o = v as Record<string, unknown>;
  const num = (k: string, opt = false): number | undefined => {
    const x = o[k];
    if (x === undefined && opt) return undefined;
    if (typeof x !== 'number' || !(x > 0)) throw new SimError('INVALID_ENV', `${where}: field '${k}' must be a positive number`);
    return x;
  };
  const hfId = o['hfId'];
  if (typeof hfId !== 'string' || hfId === '') throw new SimError('INVALID_ENV', `${where}: field 'hfId' must be a non-empty string`);
  const template = (o['template'] ?? 'none') as TemplateFamily;
  if (!TEMPLATES.includes(template)) {
    throw new SimError('INVALID_ENV', `${where}: field 'template' must be one of ${TEMPLATES.join(', ')}`);
  }
  const dtype = o['dtype'] ?? 'bfloat16';
  if (dtype !== 'bfloat16' && dtype !== 'float16' && dtype !== 'float32') {
    throw new SimError('INVALID_ENV', `${where}: field 'dtype' must be bfloat16, float16 or float32`);
  }
  const skill = o['skill'];
  if (skill !== undefined && !(typeof skill === 'number' && skill >= 0 && skill <= 1)) {
    throw new SimError('INVALID_ENV', `${where}: field 'skill' must be a number in [0, 1]`);
  }
  const gen = o['generationConfig'];
  if (gen !== undefined && (gen === null || typeof gen !== 'object')) {
    throw new SimError('INVALID_ENV', `${where}: field 'generationConfig' must be an object`);
  }
  const opt = <K extends string>(k: K, x: number | undefined) => (x === undefined ? {} : { [k]: x });
  return {
    hfId,
    paramsB: num('paramsB')!,
    layers: num('layers')!,
    hidden: num('hidden')!,
    heads: num('heads')!,
    kvHeads: num('kvHeads')!,
    headDim: num('headDim')!,
    contextLength: num('contextLength')!,
    architecture: typeof o['architecture'] === 'string' ? o['architecture'] : 'LlamaForCausalLM',
    dtype,
    template,
    instruct: typeof o['instruct'] === 'boolean' ? o['instruct'] : template !== 'none',
    ...opt('activeParamsB', num('activeParamsB', true)),
    ...opt('experts', num('experts', true)),
    ...opt('expertsPerToken', num('expertsPerToken', true)),
    ...(skill === undefined ? {} : { skill: skill as number }),
    ...(gen === undefined ? {} : { generationConfig: gen as ModelInfo['generationConfig'] & object }),
  };
}

/**
 * Reads a `VLLM_SIM_MODELS` file: a JSON array of model objects (fields of `ModelInfo`), or an object
 * keyed by HF id whose values omit `hfId`.
 * @throws SimError naming the file and the entry.
 */
export function loadModelsFile(path: string): ModelInfo[] {
  let obj: unknown;
  try {
    obj = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SimError('UNREADABLE_FILE', `VLLM_SIM_MODELS: cannot read ${path}: ${(e as Error).message}`);
  }
  if (Array.isArray(obj)) return obj.map((v, i) => modelFromJson(v, `VLLM_SIM_MODELS: ${path}, entry ${i + 1}`));
  if (obj !== null && typeof obj === 'object') {
    return Object.entries(obj as Record<string, unknown>).map(([k, v]) =>
      modelFromJson({ hfId: k, ...(v as object) }, `VLLM_SIM_MODELS: ${path}, entry '${k}'`),
    );
  }
  throw new SimError('INVALID_ENV', `VLLM_SIM_MODELS: ${path} must hold a JSON array or object`);
}

function parsePoolingApi(raw: string | undefined): PoolingApi {
  const v = (raw ?? '').trim();
  if (v === '0.11.0') return '0.11.0';
  if (v === '' || v === '0.11.1' || v === '0.11.2') return '0.11.1';
  throw new SimError('INVALID_ENV', `VLLM_SIM_POOLING_API: expected 0.11.0, 0.11.1 or 0.11.2, got '${raw}'`);
}

/**
 * Reads and validates every `VLLM_SIM_*` variable.
 * @throws SimError for the first bad variable.
 */
/** The settings for a server of `model` served as `servedNames`: faults dropped when `faultsFor` names another model. */
export function settingsForServer(sim: SimSettings, model: string, servedNames: readonly string[]): SimSettings {
  if (sim.faultsFor === null || sim.faultsFor === model || servedNames.includes(sim.faultsFor)) return sim;
  return { ...sim, faults: NO_FAULTS };
}

export function loadSimSettings(env: NodeJS.ProcessEnv): SimSettings {
  const gpu = getGpuProfile(env['VLLM_SIM_GPU'] ?? DEFAULT_GPU);
  const rawScale = env['VLLM_SIM_TIME_SCALE'];
  const timeScale = rawScale === undefined || rawScale.trim() === '' ? 1 : Number(rawScale);
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new SimError('INVALID_ENV', `VLLM_SIM_TIME_SCALE: expected a positive number, got '${rawScale}'`);
  }
  const oraclePath = env['VLLM_SIM_ORACLE'];
  const modelsPath = env['VLLM_SIM_MODELS'];
  return {
    gpu,
    timeScale,
    skill: parseSkill(env['VLLM_SIM_SKILL']),
    oracle: oraclePath ? loadOracle(oraclePath) : null,
    faults: parseFaults(env['VLLM_SIM_FAULTS']),
    faultsFor: (env['VLLM_SIM_FAULTS_FOR'] ?? '').trim() || null,
    extraModels: modelsPath ? loadModelsFile(modelsPath) : [],
    poolingApi: parsePoolingApi(env['VLLM_SIM_POOLING_API']),
  };
}

/**
 * The answer quality for a model: `VLLM_SIM_SKILL` (number, or map entry for a served name or the
 * model id), else the table's value, else a stable value in [0.35, 0.75] derived from the name.
 */
export function resolveSkill(setting: SimSettings['skill'], names: readonly string[], model: ModelInfo): number {
  if (typeof setting === 'number') return setting;
  if (setting) {
    for (const n of [...names, model.hfId]) {
      const v = setting.get(n);
      if (v !== undefined) return v;
    }
  }
  if (model.skill !== undefined) return model.skill;
  const h = createHash('sha256').update(model.hfId).digest();
  return 0.35 + (h.readUInt32BE(0) / 2 ** 32) * 0.4;
}
