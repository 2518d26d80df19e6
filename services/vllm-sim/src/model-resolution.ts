/**
 * What vLLM's ModelConfig makes of the model before loading it: `--hf-overrides` merged into the HF
 * config (`architectures`, `num_hidden_layers`), then the runner (`--runner auto|generate|pooling`)
 * and the convert type (`--convert`) resolved from the architecture as vllm/config/model.py
 * `_get_runner_type` / `_get_convert_type` do in 0.11.0.
 */
import type { ConvertOption, RunnerOption } from './cli-args.js';
import { encoderComputeParamsB, type ModelInfo } from './model-table.js';

/** The runner a server ends up with (the simulator serves `draft` like `generate`). */
export type RunnerType = 'generate' | 'pooling';

/** The model as configured, or why the configuration fails (a vLLM exception and its text). */
export type ModelResolution =
  | {
      readonly ok: true;
      readonly model: ModelInfo;
      readonly runner: RunnerType;
      readonly convert: Exclude<ConvertOption, 'auto'>;
      /** INFO lines vLLM logs while resolving (`Resolved --runner auto to ...`). */
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly exception: string; readonly message: string; readonly atLoad: boolean };

function fail(exception: string, message: string, atLoad = false): ModelResolution {
  return { ok: false, exception, message, atLoad };
}

/** HF config overrides the simulator understands; others are accepted and ignored. */
function applyOverrides(model: ModelInfo, o: Readonly<Record<string, unknown>>): ModelInfo | ModelResolution {
  let m = model;
  const archs = o['architectures'];
  if (Array.isArray(archs) && typeof archs[0] === 'string') m = { ...m, architecture: archs[0] };
  const n = o['num_hidden_layers'];
  if (n !== undefined) {
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      return fail('TypeError', `'${typeof n === 'number' ? 'float' : typeof n}' object cannot be interpreted as an integer`);
    }
    if (n < 1) return fail('ValueError', `num_hidden_layers must be at least 1 for ${model.hfId}, got ${n} (vllm-sim)`);
    if (n > model.layers) {
      // Layers the checkpoint does not have stay uninitialised; vLLM's DefaultModelLoader refuses that.
      const missing = [`encoder.layer.${model.layers}.attention.output.dense.bias`, `encoder.layer.${model.layers}.attention.output.dense.weight`];
      return fail('ValueError', `Following weights were not initialized from checkpoint: {${missing.map((x) => `'${x}'`).join(', ')}, ...}`, true);
    }
    const perLayerB = (12 * m.hidden * m.hidden) / 1e9;
    m = {
      ...m,
      layers: n,
      paramsB: m.paramsB - (model.layers - n) * perLayerB,
      ...(m.encoderOnly ? { activeParamsB: encoderComputeParamsB(n, m.hidden) } : {}),
    };
  }
  return m;
}

/** True for architectures vLLM's registry lists as pooling models (BERT-style encoders). */
function isPoolingArch(model: ModelInfo): boolean {
  return model.encoderOnly === true || /(?:^Bert|Roberta|EmbeddingModel$)/.test(model.architecture);
}

/**
 * Applies `--hf-overrides` and resolves runner and convert type.
 * @returns the effective model, or vLLM's configuration error.
 */
export function resolveModel(
  base: ModelInfo,
  hfOverrides: Readonly<Record<string, unknown>> | string | null,
  runnerOpt: RunnerOption,
  convertOpt: ConvertOption,
): ModelResolution {
  if (typeof hfOverrides === 'string') {
    return fail(
      'pydantic_core._pydantic_core.ValidationError',
      `1 validation error for ModelConfig\nhf_overrides\n  Input should be a valid dictionary [type=dict_type, input_value='${hfOverrides}', input_type=str]`,
    );
  }
  const applied = hfOverrides ? applyOverrides(base, hfOverrides) : base;
  if ('ok' in applied) return applied;
  const model = applied;
  const pooling = isPoolingArch(model);
  const notes: string[] = [];
  let runner: RunnerType;
  if (runnerOpt === 'auto') {
    runner = pooling ? 'pooling' : 'generate';
    if (runner !== 'generate') notes.push('Resolved `--runner auto` to `--runner pooling`. Pass the value explicitly to silence this message.');
  } else {
    runner = runnerOpt === 'pooling' ? 'pooling' : 'generate';
  }
  let convert: Exclude<ConvertOption, 'auto'>;
  if (convertOpt !== 'auto') convert = convertOpt;
  else if (runner === 'pooling' && !pooling) {
    // No *ForCausalLM default for the pooling runner: vLLM falls back to `embed` (Sentence Transformers case).
    convert = 'embed';
    notes.push('Resolved `--convert auto` to `--convert embed`. Pass the value explicitly to silence this message.');
  } else convert = 'none';
  if (runner === 'generate' && pooling) return fail('ValueError', 'This model does not support `--runner generate`.');
  return { ok: true, model, runner, convert, notes };
}
