/**
 * The start-up sequence of `vllm serve`, with vLLM's log lines and modelled durations (divided by
 * the time scale): resolve the model config, start the engine core, load weights, compile, profile
 * memory and size the KV cache, capture CUDA graphs. Any failure is printed as vLLM prints it and
 * reported as `{ ok: false }` so the caller exits with code 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServeArgs } from './cli-args.js';
import { resolveTemplate, type ResolvedTemplate } from './chat-template.js';
import { defaultSchedulerLimits } from './gpu-profiles.js';
import type { VllmLogger } from './log.js';
import { loadTimes, oom, planMemory, type MemoryInputs, type MemoryPlan } from './memory-plan.js';
import { resolveModel, type RunnerType } from './model-resolution.js';
import { bytesPerParam, findModel, guessModelFromName, torchDtype, type GenerationDefaults, type ModelInfo } from './model-table.js';
import { pyRepr } from './py-repr.js';
import type { SimSettings } from './sim-env.js';
import { printApiServerFailure, printEngineCoreFailure } from './startup-failures.js';
import {
  BLOCK_SIZE, LOG, NO_CACHE_MEMORY_MESSAGE, chatTemplateUnreadableMessage, gatedRepoMessage,
  headsNotDivisibleMessage, invalidRepoMessage, kvCacheTooSmallMessage, maxModelLenTooLargeMessage,
} from './vllm-compat.js';

/** Everything the server needs once the engine is up. */
export interface EngineSetup {
  readonly model: ModelInfo;
  readonly maxModelLen: number;
  readonly dtypeBytes: number;
  readonly plan: MemoryPlan;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly prefixCaching: boolean;
  readonly template: ResolvedTemplate;
  /** Sampling defaults in effect (`--generation-config`). */
  readonly generationDefaults: GenerationDefaults;
  /** `generate` serves the completion APIs; `pooling` serves /pooling and /v1/embeddings. */
  readonly runner: RunnerType;
}

/** Sleeps `ms` of wall-clock time. */
export type Sleep = (ms: number) => Promise<void>;

const GiB = 2 ** 30;

function loadChatTemplate(arg: string | null): { ok: true; text: string | null } | { ok: false; message: string } {
  if (arg === null) return { ok: true, text: null };
  const looksLikePath = /[/\\]/.test(arg) || /\.(jinja2?|j2)$/.test(arg);
  if (!looksLikePath) return { ok: true, text: arg };
  try {
    return { ok: true, text: readFileSync(arg, 'utf8') };
  } catch (e) {
    return { ok: false, message: chatTemplateUnreadableMessage(arg, (e as Error).message) };
  }
}

function generationDefaults(args: ServeArgs, model: ModelInfo): GenerationDefaults {
  if (args.generationConfig === 'vllm') return {};
  if (args.generationConfig !== 'auto') {
    const file = `${args.generationConfig.replace(/\/+$/, '')}/generation_config.json`;
    if (existsSync(file)) {
      try {
        const o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        const pick = (k: string) => (typeof o[k] === 'number' ? { [k]: o[k] } : {});
        return { ...pick('temperature'), ...pick('top_p'), ...pick('top_k'), ...pick('max_new_tokens') };
      } catch {
        return {};
      }
    }
  }
  return model.generationConfig ?? {};
}

/**
 * Runs the start-up sequence. Returns the engine setup, or `{ ok: false }` after printing vLLM's
 * failure output.
 */
export async function runStartup(
  args: ServeArgs,
  sim: SimSettings,
  log: VllmLogger,
  sleep: Sleep,
): Promise<{ ok: true; setup: EngineSetup } | { ok: false }> {
  const scaled = (s: number) => sleep((s * 1000) / sim.timeScale);
  const given = new Map(args.given);
  if (given.has('api_key')) given.set('api_key', '**REDACTED**');
  log.info(LOG.version());
  log.info(LOG.nonDefaultArgs(pyRepr(given)));

  const failConfig = async (exception: string, message: string, site: 'config' | 'hf_hub' = 'config') => {
    await scaled(3);
    printApiServerFailure(log, site, exception, message);
    return { ok: false as const };
  };
  if (sim.faults.failStart === 'gated') return failConfig('huggingface_hub.errors.GatedRepoError', gatedRepoMessage(args.model), 'hf_hub');
  const found = findModel(args.model, sim.extraModels) ?? guessModelFromName(args.model);
  if (!found || sim.faults.failStart === 'invalid_repo') return failConfig('ValueError', invalidRepoMessage(args.model));
  const resolved = resolveModel(found, args.hfOverrides, args.runner, args.convert);
  if (!resolved.ok && !resolved.atLoad) return failConfig(resolved.exception, resolved.message);
  const model = resolved.ok ? resolved.model : found;
  const runner: RunnerType = resolved.ok ? resolved.runner : 'pooling';
  const tp = args.tensorParallelSize * args.pipelineParallelSize;
  if (model.heads % args.tensorParallelSize !== 0) {
    return failConfig('ValueError', headsNotDivisibleMessage(model.heads, args.tensorParallelSize));
  }
  const allowLong = /^(1|true)$/i.test(process.env['VLLM_ALLOW_LONG_MAX_MODEL_LEN'] ?? '');
  const maxModelLen = args.maxModelLen ?? model.contextLength;
  if (maxModelLen > model.contextLength && !allowLong) {
    return failConfig('pydantic_core._pydantic_core.ValidationError', maxModelLenTooLargeMessage(maxModelLen, model.contextLength));
  }
  const tmpl = loadChatTemplate(args.chatTemplate);
  if (!tmpl.ok) return failConfig('ValueError', tmpl.message);

  const limits = defaultSchedulerLimits(sim.gpu);
  const maxNumSeqs = args.maxNumSeqs ?? limits.maxNumSeqs;
  // Encoder-only pooling models run without chunked prefill, so a whole max-length prompt must fit one step.
  const encoder = model.encoderOnly === true;
  const maxNumBatchedTokens = Math.max(args.maxNumBatchedTokens ?? limits.maxNumBatchedTokens, encoder ? maxModelLen : 0);
  const prefixCaching = encoder ? false : (args.enablePrefixCaching ?? true);
  const dtypeBytes = bytesPerParam(model, args.dtype);
  const times = loadTimes(model, sim.gpu, tp, dtypeBytes, args.enforceEager);
  if (resolved.ok) for (const note of resolved.notes) log.info(LOG.modelNote(note));
  log.info(LOG.architecture(model.architecture));
  log.info(LOG.maxModelLen(maxModelLen));
  if (encoder) log.info(LOG.poolingNoChunkedPrefill());
  else log.info(LOG.chunkedPrefill(maxNumBatchedTokens));
  if (args.tokenizerMode === 'slow') log.warning(LOG.slowTokenizer());
  const names = args.servedModelNames ?? [args.model];

  await scaled(times.processStart);
  log.info(
    LOG.engineInit(
      `model='${args.model}', tokenizer='${args.model}', ` +
      `dtype=${torchDtype(model, args.dtype)}, max_seq_len=${maxModelLen}, tensor_parallel_size=${args.tensorParallelSize}, ` +
      `pipeline_parallel_size=${args.pipelineParallelSize}, enforce_eager=${args.enforceEager ? 'True' : 'False'}, ` +
      `device_config=cuda, seed=${args.seed}, served_model_name=${names[0]}, enable_prefix_caching=${prefixCaching ? 'True' : 'False'}, ` +
      `chunked_prefill_enabled=${model.encoderOnly ? 'False' : 'True'}`,
    ),
    'EngineCore_DP0',
  );
  await scaled(times.distributedInit);
  log.info(LOG.loadStart(args.model), 'EngineCore_DP0');

  const memInputs: MemoryInputs = {
    model,
    gpu: sim.gpu,
    tensorParallelSize: tp,
    dtypeBytes,
    maxModelLen,
    gpuMemoryUtilization: args.gpuMemoryUtilization,
    maxNumBatchedTokens,
  };
  let outcome = planMemory(memInputs);
  if (sim.faults.failStart === 'oom') outcome = oom(memInputs, memInputs.gpu.memoryBytes);
  if (!outcome.ok && outcome.kind === 'oom') {
    await scaled(times.weights * 0.7);
    printEngineCoreFailure(log, 'oom', outcome.exception, outcome.message);
    return { ok: false };
  }
  if (!resolved.ok) {
    await scaled(times.weights);
    printEngineCoreFailure(log, 'weights', resolved.exception, resolved.message);
    return { ok: false };
  }
  await scaled(times.weights);
  const weightsGiB = (model.paramsB * 1e9 * dtypeBytes) / tp / GiB;
  log.info(LOG.weights(times.weights), 'EngineCore_DP0');
  log.info(LOG.modelLoad(weightsGiB, times.weights + 0.6), 'EngineCore_DP0');
  await scaled(times.compile);
  if (times.compile > 0) log.info(LOG.compile(times.compile), 'EngineCore_DP0');
  await scaled(times.profile);

  if (outcome.ok && sim.faults.failStart === 'kv_cache') {
    const per = outcome.plan.kvBytesPerTokenPerGpu * BLOCK_SIZE;
    const needed = Math.ceil(maxModelLen / BLOCK_SIZE) * per;
    const avail = needed * 0.9;
    outcome = { ok: false, kind: 'kv_cache', exception: 'ValueError', message: kvCacheTooSmallMessage(maxModelLen, needed / GiB, avail / GiB, Math.floor(avail / per) * BLOCK_SIZE) };
  }
  if (outcome.ok && sim.faults.failStart === 'no_cache_memory') {
    outcome = { ok: false, kind: 'no_cache_memory', exception: 'ValueError', message: NO_CACHE_MEMORY_MESSAGE };
  }
  if (!outcome.ok) {
    printEngineCoreFailure(log, outcome.kind === 'oom' ? 'oom' : outcome.kind, outcome.exception, outcome.message);
    return { ok: false };
  }
  const plan = outcome.plan;
  log.info(LOG.kvMemory(plan.kvBytesAvailable / GiB), 'EngineCore_DP0');
  log.info(LOG.kvSize(plan.kvTokens), 'EngineCore_DP0');
  log.info(LOG.concurrency(maxModelLen, plan.maxConcurrency), 'EngineCore_DP0');
  await scaled(times.graphs);
  if (times.graphs > 0) log.info(LOG.graphs(times.graphs), 'EngineCore_DP0');
  const initTook = times.weights + times.compile + times.profile + times.graphs + times.distributedInit;
  log.info(LOG.initEngine(initTook), 'EngineCore_DP0');

  const defaults = runner === 'pooling' ? {} : generationDefaults(args, model);
  if (Object.keys(defaults).length > 0) {
    log.warning(LOG.generationConfig());
    log.info(LOG.samplingDefaults(pyRepr(defaults)));
  }
  if (sim.faults.slowStartS > 0) await sleep(sim.faults.slowStartS * 1000);
  return {
    ok: true,
    setup: {
      model,
      maxModelLen,
      dtypeBytes,
      plan,
      maxNumSeqs,
      maxNumBatchedTokens,
      prefixCaching,
      template: resolveTemplate(model, tmpl.text),
      generationDefaults: defaults,
      runner,
    },
  };
}
