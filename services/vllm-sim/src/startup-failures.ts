/**
 * The log tails vLLM prints when start-up fails, so a worker that tails and parses them sees the same
 * thing: the ERROR records of the engine core, the Python tracebacks on stderr and, for engine-core
 * failures, the API server's final `RuntimeError: Engine core initialization failed...`. The exit
 * code is 1 in every case.
 */
import type { VllmLogger } from './log.js';
import { ENGINE_CORE_FAILED, LOG_SOURCES } from './vllm-compat.js';

const SITE = '/usr/local/lib/python3.12/dist-packages';

/** Where in vLLM a start-up failure is raised. */
export type FailureSite = 'kv_cache' | 'no_cache_memory' | 'oom' | 'config' | 'hf_hub';

const CORE_FRAMES: Readonly<Record<'kv_cache' | 'no_cache_memory' | 'oom', readonly string[]>> = {
  kv_cache: [
    `File "${SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`,
    '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${SITE}/vllm/v1/engine/core.py", line 498, in __init__`,
    '  super().__init__(vllm_config, executor_class, log_stats,',
    `File "${SITE}/vllm/v1/engine/core.py", line 92, in __init__`,
    '  self._initialize_kv_caches(vllm_config)',
    `File "${SITE}/vllm/v1/engine/core.py", line 199, in _initialize_kv_caches`,
    '  kv_cache_configs = get_kv_cache_configs(vllm_config, kv_cache_specs,',
    `File "${SITE}/vllm/v1/core/kv_cache_utils.py", line 1243, in get_kv_cache_configs`,
    '  check_enough_kv_cache_memory(vllm_config, kv_cache_spec_one_worker,',
    `File "${SITE}/vllm/v1/core/kv_cache_utils.py", line 716, in check_enough_kv_cache_memory`,
    '  raise ValueError(',
  ],
  no_cache_memory: [
    `File "${SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`,
    '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${SITE}/vllm/v1/engine/core.py", line 92, in __init__`,
    '  self._initialize_kv_caches(vllm_config)',
    `File "${SITE}/vllm/v1/core/kv_cache_utils.py", line 691, in check_enough_kv_cache_memory`,
    '  raise ValueError("No available memory for the cache blocks. "',
  ],
  oom: [
    `File "${SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`,
    '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${SITE}/vllm/v1/engine/core.py", line 83, in __init__`,
    '  self.model_executor = executor_class(vllm_config)',
    `File "${SITE}/vllm/v1/worker/gpu_model_runner.py", line 2610, in load_model`,
    '  self.model = model_loader.load_model(',
    `File "${SITE}/vllm/model_executor/model_loader/base_loader.py", line 45, in load_model`,
    '  model = initialize_model(vllm_config=vllm_config,',
    `File "${SITE}/torch/nn/modules/linear.py", line 106, in __init__`,
    '  torch.empty((out_features, in_features), **factory_kwargs)',
  ],
};

const API_FRAMES = [
  'File "/usr/local/bin/vllm", line 10, in <module>',
  '  sys.exit(main())',
  `File "${SITE}/vllm/entrypoints/cli/main.py", line 54, in main`,
  '  args.dispatch_function(args)',
  `File "${SITE}/vllm/entrypoints/cli/serve.py", line 57, in cmd`,
  '  uvloop.run(run_server(args))',
  `File "${SITE}/vllm/entrypoints/openai/api_server.py", line 1884, in run_server`,
  '  await run_server_worker(listen_address, sock, args, **uvicorn_kwargs)',
  `File "${SITE}/vllm/entrypoints/openai/api_server.py", line 1902, in run_server_worker`,
  '  async with build_async_engine_client(',
  `File "${SITE}/vllm/entrypoints/openai/api_server.py", line 180, in build_async_engine_client_from_engine_args`,
  '  vllm_config = engine_args.create_engine_config(usage_context=usage_context)',
];

const CONFIG_FRAMES = [
  `File "${SITE}/vllm/engine/arg_utils.py", line 1131, in create_engine_config`,
  '  model_config = self.create_model_config()',
  `File "${SITE}/vllm/transformers_utils/config.py", line 530, in get_config`,
  '  raise ValueError(',
];

const HUB_FRAMES = [
  `File "${SITE}/huggingface_hub/utils/_http.py", line 409, in hf_raise_for_status`,
  '  response.raise_for_status()',
  `File "${SITE}/huggingface_hub/utils/_http.py", line 426, in hf_raise_for_status`,
  '  raise _format(GatedRepoError, message, response) from e',
];

function traceback(frames: readonly string[], exception: string, message: string): string[] {
  return ['Traceback (most recent call last):', ...frames.map((f) => '  ' + f), ...`${exception}: ${message}`.split('\n')];
}

/** Prints an engine-core start-up failure (KV cache, no cache memory, CUDA OOM). */
export function printEngineCoreFailure(log: VllmLogger, site: 'kv_cache' | 'no_cache_memory' | 'oom', exception: string, message: string): void {
  const tb = traceback(CORE_FRAMES[site], exception, message);
  log.error(LOG_SOURCES.coreFailed, ['EngineCore failed to start.', ...tb].join('\n'), 'EngineCore_DP0');
  log.stderrLines(['Process EngineCore_DP0:', ...traceback(['File "/usr/lib/python3.12/multiprocessing/process.py", line 314, in _bootstrap', '  self.run()', ...CORE_FRAMES[site]], exception, message)], 'EngineCore_DP0');
  const apiTb = traceback(
    [...API_FRAMES, `File "${SITE}/vllm/v1/engine/utils.py", line 874, in wait_for_engine_startup`, '  raise RuntimeError("Engine core initialization failed. "'],
    'RuntimeError',
    ENGINE_CORE_FAILED,
  );
  log.stderrLines(apiTb);
}

/** Prints an API-server start-up failure (bad config, invalid or gated repo). */
export function printApiServerFailure(log: VllmLogger, site: 'config' | 'hf_hub', exception: string, message: string): void {
  const frames = site === 'hf_hub' ? [...API_FRAMES, ...HUB_FRAMES] : [...API_FRAMES, ...CONFIG_FRAMES];
  log.stderrLines(traceback(frames, exception, message));
}
