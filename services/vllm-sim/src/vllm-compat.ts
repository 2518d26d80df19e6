/**
 * Everything that depends on the vLLM release the simulator imitates, in one place: the version
 * string, error texts, start-up log lines, metric names and bucket boundaries.
 *
 * Pinned release: **vLLM 0.11.0** (V1 engine, OpenAI-compatible server). Facts come from
 * /work/shared/reference/vllm.md plus issue reports of 0.10/0.11-era servers:
 * - errors use the nested shape `{"error": {message, type, param, code}}` (0.10.2+);
 * - chat pre-processing errors are reported as `f"{e} {e.__cause__}"`, so a plain ValueError ends in
 *   " None" and a Jinja error re-raised by vLLM's `apply_hf_chat_template` repeats its text;
 * - the prompt-length messages are the `_validate_input` texts of about 0.10–0.13;
 * - the readiness marker is `Starting vLLM API server 0 on http://...` (about 0.9–0.11);
 * - `vllm:gpu_cache_usage_perc` is gone (hidden since 0.10), `vllm:time_per_output_token_seconds`
 *   is deprecated but still shown in 0.11 next to `vllm:inter_token_latency_seconds`.
 */

/** The vLLM version reported by `--version` and `GET /version`. */
export const VLLM_VERSION = '0.11.0';

/** The model `vllm serve` uses when no model is named (EngineArgs default of this era). */
export const DEFAULT_MODEL = 'Qwen/Qwen3-0.6B';

/** KV-cache block size in tokens (vLLM's CUDA default). */
export const BLOCK_SIZE = 16;

// ---------------------------------------------------------------------------------------------
// HTTP error texts

/** Body of a 401 from the API-key middleware (not the normal error shape). */
export const UNAUTHORIZED_BODY = { error: 'Unauthorized' } as const;

/** FastAPI's bodies for unknown routes and wrong methods. */
export const NOT_FOUND_BODY = { detail: 'Not Found' } as const;
/** FastAPI's body for a known route called with the wrong method. */
export const METHOD_NOT_ALLOWED_BODY = { detail: 'Method Not Allowed' } as const;

/** 404 text for a `model` field naming no served model. */
export function modelNotFoundMessage(model: string): string {
  return `The model \`${model}\` does not exist.`;
}

/** The `param` vLLM 0.11 puts in the unknown-model 404 (older builds: null). */
export const MODEL_NOT_FOUND_PARAM = 'model';

/** How chat/tokenize pre-processing errors are rendered: `f"{e} {e.__cause__}"`. */
export function preprocessErrorMessage(message: string, cause: string | null): string {
  return `${message} ${cause ?? 'None'}`;
}

/** ValueError raised when the tokenizer has no chat template and none was given. */
export const NO_CHAT_TEMPLATE_MESSAGE =
  'As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.';

/** The Jinja `raise_exception` text of the Mistral/Mixtral/Llama-2 templates. */
export const ROLES_MUST_ALTERNATE = 'Conversation roles must alternate user/assistant/user/assistant/...';

/** The Mistral template's text for a role other than user/assistant. */
export const ONLY_USER_ASSISTANT = 'Only user and assistant roles are supported!';

/** Prompt alone does not fit (no max_tokens given). */
export function promptTooLongMessage(maxModelLen: number, promptTokens: number): string {
  return (
    `This model's maximum context length is ${maxModelLen} tokens. However, your request has ` +
    `${promptTokens} input tokens. Please reduce the length of the input messages.`
  );
}

/** Prompt plus max_tokens do not fit. */
export function maxTokensTooLargeMessage(maxTokens: number, maxModelLen: number, promptTokens: number): string {
  return (
    `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ` +
    `${maxModelLen} tokens and your request has ${promptTokens} input tokens ` +
    `(${maxTokens} > ${maxModelLen} - ${promptTokens}).`
  );
}

/** SamplingParams validation texts (plain ValueErrors, 400). */
export const samplingErrors = {
  temperature: (t: number) => `temperature must be non-negative, got ${t}.`,
  topP: (p: number) => `top_p must be in (0, 1], got ${p}.`,
  n: (n: number) => `n must be at least 1, got ${n}.`,
  maxTokens: (m: number) => `max_tokens must be at least 1, got ${m}.`,
} as const;

/** Pydantic model-validator text for stream_options without stream. */
export const STREAM_OPTIONS_WITHOUT_STREAM = 'Stream options can only be defined when `stream=True`.';

/** Text of the /tokenize validation error when both add_generation_prompt and continue_final_message are set. */
export const GEN_PROMPT_AND_CONTINUE =
  'Cannot set both `continue_final_message` and `add_generation_prompt` to True.';

/** Model-validator text when /tokenize gets both forms. */
export const TOKENIZE_PROMPT_AND_MESSAGES = 'Only one of `prompt` or `messages` may be given.';

/**
 * Returned by the API-server route when the runner has no handler for it (api_server.py
 * `create_chat_completion` & co.): `base(raw_request).create_error_response(...)` is *returned*,
 * not wrapped in a JSONResponse, so FastAPI sends it with **HTTP 200** and the usual error body.
 */
export const UNSUPPORTED_API_MESSAGE = {
  chat: 'The model does not support Chat Completions API',
  completions: 'The model does not support Completions API',
  embeddings: 'The model does not support Embeddings API',
  pooling: 'The model does not support Pooling API',
} as const;

/**
 * Pooling/embedding input too long (vllm/entrypoints/renderer.py `_create_tokens_prompt`, used by
 * /pooling and /v1/embeddings in 0.11.0; a prompt of exactly max_model_len tokens is allowed).
 */
export function poolingInputTooLongMessage(maxModelLen: number, promptTokens: number): string {
  return promptTooLongMessage(maxModelLen, promptTokens);
}

/** renderer.py `_validate_and_normalize_truncate_tokens`. */
export function truncateTooLargeMessage(truncate: number, maxLength: number): string {
  return `truncate_prompt_tokens (${truncate}) cannot be greater than max_length (${maxLength}). Please select a smaller truncation size.`;
}

/** PoolingParams._verify_valid_parameters. */
export function poolingParamsInvalidMessage(task: string, valid: readonly string[], invalid: readonly string[]): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
  return `Task ${task} only supports ${list(valid)} parameters, does not support ${list(invalid)} parameters`;
}

/** serving_pooling.py (0.11.1+): a task the model has no pooler for. */
export function poolingTaskUnsupportedMessage(task: string, supported: readonly string[]): string {
  return `Task ${task} is not supported, it must be one of (${supported.map((t) => `'${t}'`).join(', ')}).`;
}

/** serving_pooling.py / serving_embedding.py: `dimensions` on these endpoints. */
export const DIMENSIONS_UNSUPPORTED = 'dimensions is currently not supported';

/** What a tokenizer's decode raises for an id it cannot convert. */
export const DETOKENIZE_OVERFLOW = 'out of range integral type conversion attempted';

/** Message of the 500 the simulator's `error_rate` fault returns. */
export const INJECTED_500_MESSAGE = 'EngineGenerateError: simulated engine failure (VLLM_SIM_FAULTS error_rate)';

// ---------------------------------------------------------------------------------------------
// Start-up failure texts

/** KV cache cannot hold one max-length sequence (kv_cache_utils.check_enough_kv_cache_memory). */
export function kvCacheTooSmallMessage(maxModelLen: number, neededGiB: number, availableGiB: number, estimated: number): string {
  return (
    `To serve at least one request with the models's max seq len (${maxModelLen}), (${neededGiB.toFixed(2)} GiB KV cache is ` +
    `needed, which is larger than the available KV cache memory (${availableGiB.toFixed(2)} GiB). Based on the available ` +
    `memory, the estimated maximum model length is ${estimated}. Try increasing gpu_memory_utilization or decreasing ` +
    `max_model_len when initializing the engine.`
  );
}

/** Weights and activations leave no memory for the KV cache. */
export const NO_CACHE_MEMORY_MESSAGE =
  'No available memory for the cache blocks. Try increasing gpu_memory_utilization when initializing the engine.';

/** PyTorch's CUDA OOM text (sizes in the units torch prints). */
export function cudaOomMessage(o: {
  tryMiB: number;
  totalGiB: number;
  freeMiB: number;
  inUseGiB: number;
  allocatedGiB: number;
  reservedMiB: number;
}): string {
  return (
    `CUDA out of memory. Tried to allocate ${o.tryMiB.toFixed(2)} MiB. GPU 0 has a total capacity of ${o.totalGiB.toFixed(2)} GiB ` +
    `of which ${o.freeMiB.toFixed(2)} MiB is free. Including non-PyTorch memory, this process has ${o.inUseGiB.toFixed(2)} GiB ` +
    `memory in use. Of the allocated memory ${o.allocatedGiB.toFixed(2)} GiB is allocated by PyTorch, and ` +
    `${o.reservedMiB.toFixed(2)} MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large ` +
    `try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory ` +
    `Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)`
  );
}

/** transformers_utils/config.py get_config: neither a repo nor a local model directory. */
export function invalidRepoMessage(model: string): string {
  return (
    `Invalid repository ID or local directory specified: '${model}'.\nPlease verify the following requirements:\n` +
    `1. Provide a valid Hugging Face repository ID.\n2. Specify a local directory that contains a recognized ` +
    `configuration file.\n   - For Hugging Face models: ensure the presence of a 'config.json'.\n` +
    `   - For Mistral models: ensure the presence of a 'params.json'.\n`
  );
}

/** huggingface_hub's GatedRepoError for a gated repo without an accepted token. */
export function gatedRepoMessage(model: string): string {
  return (
    `401 Client Error. (Request ID: Root=1-6710d5e2-3b5c1f0a2d7e4c9b8a6f0e1d)\n\nCannot access gated repo for url ` +
    `https://huggingface.co/${model}/resolve/main/config.json.\nAccess to model ${model} is restricted. You must have ` +
    `access to it and be authenticated to access it. Please log in.`
  );
}

/** The API server's last line when the engine core died during start-up (exit code 1). */
export const ENGINE_CORE_FAILED = 'Engine core initialization failed. See root cause above. Failed core proc(s): {}';

/** ModelConfig validation: --max-model-len above the model's max_position_embeddings. */
export function maxModelLenTooLargeMessage(user: number, derived: number): string {
  return (
    `1 validation error for ModelConfig\n  Value error, User-specified max_model_len (${user}) is greater than the derived ` +
    `max_model_len (max_position_embeddings=${derived} or model_max_length=None in model's config.json). To allow ` +
    `overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be ` +
    `used with extreme caution. If the model uses relative position encoding (RoPE), positions exceeding ` +
    `derived_max_model_len lead to nan. If the model uses absolute position encoding, positions exceeding ` +
    `derived_max_model_len will cause a CUDA array out-of-bounds error. [type=value_error, input_value=ArgsKwargs((), ` +
    `{...}), input_type=ArgsKwargs]`
  );
}

/** ModelConfig.verify_with_parallel_config: heads not divisible by TP. */
export function headsNotDivisibleMessage(heads: number, tp: number): string {
  return `Total number of attention heads (${heads}) must be divisible by tensor parallel size (${tp}).`;
}

/** load_chat_template: a --chat-template argument that looks like a path but cannot be read. */
export function chatTemplateUnreadableMessage(path: string, reason: string): string {
  return `The supplied chat template (${path}) looks like a file path, but it failed to be opened. Reason: ${reason}`;
}

/** Exit code of `vllm serve` when start-up fails (uncaught exception). */
export const EXIT_STARTUP_FAILURE = 1;
/** Exit code of argparse errors. */
export const EXIT_USAGE = 2;

/** argparse usage line of `vllm serve`. */
export const SERVE_USAGE = 'usage: vllm serve [model_tag] [options]';

// ---------------------------------------------------------------------------------------------
// Log lines (the `[file.py:line]` sources are those of a 0.11 build)

/** A log record: `[source]` and message. */
export type LogLine = readonly [source: string, message: string];

function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Every log record the simulator writes, as vLLM 0.11 words it. */
export const LOG = {
  version: (): LogLine => ['api_server.py:1839', `vLLM API server version ${VLLM_VERSION}`],
  nonDefaultArgs: (repr: string): LogLine => ['utils.py:233', `non-default args: ${repr}`],
  architecture: (arch: string): LogLine => ['model.py:547', `Resolved architecture: ${arch}`],
  modelNote: (text: string): LogLine => ['model.py:1421', text],
  poolingNoChunkedPrefill: (): LogLine => ['config.py:403', 'Only "last" pooling supports chunked prefill and prefix caching; disabling both.'],
  slowTokenizer: (): LogLine => ['tokenizer.py:254', 'Using a slow tokenizer. This might cause a significant slowdown. Consider using a fast tokenizer instead.'],
  supportedTasks: (repr: string): LogLine => ['api_server.py:1634', `Supported_tasks: ${repr}`],
  ignoredFields: (repr: string): LogLine => ['protocol.py:93', `The following fields were present in the request but ignored: ${repr}`],
  maxModelLen: (n: number): LogLine => ['model.py:1510', `Using max model len ${n}`],
  chunkedPrefill: (n: number): LogLine => ['scheduler.py:205', `Chunked prefill is enabled with max_num_batched_tokens=${n}.`],
  engineInit: (config: string): LogLine => ['core.py:77', `Initializing a V1 LLM engine (v${VLLM_VERSION}) with config: ${config}`],
  loadStart: (model: string): LogLine => ['gpu_model_runner.py:2602', `Starting to load model ${model}...`],
  weights: (s: number): LogLine => ['default_loader.py:267', `Loading weights took ${s.toFixed(2)} seconds`],
  modelLoad: (gib: number, s: number): LogLine => ['gpu_model_runner.py:2653', `Model loading took ${gib.toFixed(4)} GiB and ${s.toFixed(2)} seconds`],
  compile: (s: number): LogLine => ['monitor.py:34', `torch.compile takes ${s.toFixed(2)} s in total`],
  kvMemory: (gib: number): LogLine => ['gpu_worker.py:298', `Available KV cache memory: ${gib.toFixed(2)} GiB`],
  kvSize: (tokens: number): LogLine => ['kv_cache_utils.py:1087', `GPU KV cache size: ${thousands(tokens)} tokens`],
  concurrency: (len: number, x: number): LogLine => ['kv_cache_utils.py:1091', `Maximum concurrency for ${thousands(len)} tokens per request: ${x.toFixed(2)}x`],
  graphs: (s: number): LogLine => ['gpu_model_runner.py:3480', `Graph capturing finished in ${Math.round(s)} secs, took 0.52 GiB`],
  initEngine: (s: number): LogLine => ['core.py:210', `init engine (profile, create kv cache, warmup model) took ${s.toFixed(2)} seconds`],
  generationConfig: (): LogLine => [
    'model.py:1395',
    "Default sampling parameters have been overridden by the model's Hugging Face generation config recommended from " +
      'the model creator. If this is not intended, please relaunch vLLM instance with `--generation-config vllm`.',
  ],
  samplingDefaults: (repr: string): LogLine => ['serving_chat.py:139', `Using default chat sampling params from model: ${repr}`],
  /** The readiness marker (a worker may wait for it). */
  serverStart: (host: string, port: number): LogLine => ['api_server.py:1912', `Starting vLLM API server 0 on http://${host}:${port}`],
  routesHeader: (): LogLine => ['launcher.py:34', 'Available routes are:'],
  route: (path: string, methods: string): LogLine => ['launcher.py:34', `Route: ${path}, Methods: ${methods}`],
  shutdown: (): LogLine => ['launcher.py:99', 'Shutting down FastAPI HTTP server.'],
  stats: (promptTps: number, genTps: number, running: number, waiting: number, kvPct: number, hitPct: number): LogLine => [
    'loggers.py:123',
    `Engine 000: Avg prompt throughput: ${promptTps.toFixed(1)} tokens/s, Avg generation throughput: ${genTps.toFixed(1)} tokens/s, ` +
      `Running: ${running} reqs, Waiting: ${waiting} reqs, GPU KV cache usage: ${kvPct.toFixed(1)}%, Prefix cache hit rate: ${hitPct.toFixed(1)}%`,
  ],
  coreFailed: (traceback: readonly string[]): LogLine => ['core.py:708', ['EngineCore failed to start.', ...traceback].join('\n')],
  coreFatal: (cause: string): LogLine => [
    'core.py:776',
    'EngineCore encountered a fatal error.\nTraceback (most recent call last):\n' +
      `  File "${PY_SITE}/vllm/v1/engine/core.py", line 767, in run_engine_core\n    engine_core.run_busy_loop()\n${cause}`,
  ],
  outputHandlerFailed: (): LogLine => ['async_llm.py:480', `AsyncLLM output_handler failed.\nvllm.v1.engine.exceptions.EngineDeadError: ${ENGINE_DEAD_MESSAGE}`],
  requestException: (message: string): LogLine => ['api_server.py:1120', `Exception in request handling: ${message}`],
} as const;

/** Uvicorn's own lines (`INFO:     ...`). */
export const UVICORN = {
  started: (pid: number) => `Started server process [${pid}]`,
  waitingStartup: 'Waiting for application startup.',
  startupComplete: 'Application startup complete.',
  shuttingDown: 'Shutting down',
  waitingShutdown: 'Waiting for application shutdown.',
  shutdownComplete: 'Application shutdown complete.',
  finished: (pid: number) => `Finished server process [${pid}]`,
  access: (client: string, method: string, url: string, httpVersion: string, status: number, phrase: string) =>
    `${client} - "${method} ${url} HTTP/${httpVersion}" ${status} ${phrase}`,
  bindError: (host: string, port: number, reason: string) => `ERROR:    [Errno 98] error while attempting to bind on address ('${host}', ${port}): ${reason}`,
} as const;

/** EngineDeadError's text (also what a stream reports when the engine dies mid-request). */
export const ENGINE_DEAD_MESSAGE = 'EngineCore encountered an issue. See stack trace (above) for the root cause.';

/** Where vLLM is installed in the official image (appears in tracebacks). */
export const PY_SITE = '/usr/local/lib/python3.12/dist-packages';

/** Traceback frames (file line, then code line) of start-up failures, by where they are raised. */
export const FRAMES = {
  kv_cache: [
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`, '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 498, in __init__`, '  super().__init__(vllm_config, executor_class, log_stats,',
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 92, in __init__`, '  self._initialize_kv_caches(vllm_config)',
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 199, in _initialize_kv_caches`, '  kv_cache_configs = get_kv_cache_configs(vllm_config, kv_cache_specs,',
    `File "${PY_SITE}/vllm/v1/core/kv_cache_utils.py", line 1243, in get_kv_cache_configs`, '  check_enough_kv_cache_memory(vllm_config, kv_cache_spec_one_worker,',
    `File "${PY_SITE}/vllm/v1/core/kv_cache_utils.py", line 716, in check_enough_kv_cache_memory`, '  raise ValueError(',
  ],
  no_cache_memory: [
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`, '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 92, in __init__`, '  self._initialize_kv_caches(vllm_config)',
    `File "${PY_SITE}/vllm/v1/core/kv_cache_utils.py", line 691, in check_enough_kv_cache_memory`, '  raise ValueError("No available memory for the cache blocks. "',
  ],
  weights: [
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`, '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${PY_SITE}/vllm/v1/worker/gpu_model_runner.py", line 2610, in load_model`, '  self.model = model_loader.load_model(',
    `File "${PY_SITE}/vllm/model_executor/model_loader/base_loader.py", line 56, in load_model`, '  self.load_weights(model, model_config)',
    `File "${PY_SITE}/vllm/model_executor/model_loader/default_loader.py", line 288, in load_weights`, '  raise ValueError(',
  ],
  oom: [
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 699, in run_engine_core`, '  engine_core = EngineCoreProc(*args, **kwargs)',
    `File "${PY_SITE}/vllm/v1/engine/core.py", line 83, in __init__`, '  self.model_executor = executor_class(vllm_config)',
    `File "${PY_SITE}/vllm/v1/worker/gpu_model_runner.py", line 2610, in load_model`, '  self.model = model_loader.load_model(',
    `File "${PY_SITE}/vllm/model_executor/model_loader/base_loader.py", line 45, in load_model`, '  model = initialize_model(vllm_config=vllm_config,',
    `File "${PY_SITE}/torch/nn/modules/linear.py", line 106, in __init__`, '  torch.empty((out_features, in_features), **factory_kwargs)',
  ],
  processBootstrap: ['File "/usr/lib/python3.12/multiprocessing/process.py", line 314, in _bootstrap', '  self.run()'],
  apiServer: [
    'File "/usr/local/bin/vllm", line 10, in <module>', '  sys.exit(main())',
    `File "${PY_SITE}/vllm/entrypoints/cli/main.py", line 54, in main`, '  args.dispatch_function(args)',
    `File "${PY_SITE}/vllm/entrypoints/cli/serve.py", line 57, in cmd`, '  uvloop.run(run_server(args))',
    `File "${PY_SITE}/vllm/entrypoints/openai/api_server.py", line 1884, in run_server`, '  await run_server_worker(listen_address, sock, args, **uvicorn_kwargs)',
    `File "${PY_SITE}/vllm/entrypoints/openai/api_server.py", line 1902, in run_server_worker`, '  async with build_async_engine_client(',
    `File "${PY_SITE}/vllm/entrypoints/openai/api_server.py", line 180, in build_async_engine_client_from_engine_args`, '  vllm_config = engine_args.create_engine_config(usage_context=usage_context)',
  ],
  waitForEngine: [`File "${PY_SITE}/vllm/v1/engine/utils.py", line 874, in wait_for_engine_startup`, '  raise RuntimeError("Engine core initialization failed. "'],
  config: [
    `File "${PY_SITE}/vllm/engine/arg_utils.py", line 1131, in create_engine_config`, '  model_config = self.create_model_config()',
    `File "${PY_SITE}/vllm/transformers_utils/config.py", line 530, in get_config`, '  raise ValueError(',
  ],
  hfHub: [
    `File "${PY_SITE}/huggingface_hub/utils/_http.py", line 409, in hf_raise_for_status`, '  response.raise_for_status()',
    `File "${PY_SITE}/huggingface_hub/utils/_http.py", line 426, in hf_raise_for_status`, '  raise _format(GatedRepoError, message, response) from e',
  ],
} as const;

/** Routes listed after "Available routes are:". */
export const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['/openapi.json', 'HEAD, GET'],
  ['/docs', 'HEAD, GET'],
  ['/docs/oauth2-redirect', 'HEAD, GET'],
  ['/redoc', 'HEAD, GET'],
  ['/health', 'GET'],
  ['/load', 'GET'],
  ['/ping', 'POST'],
  ['/ping', 'GET'],
  ['/tokenize', 'POST'],
  ['/detokenize', 'POST'],
  ['/v1/models', 'GET'],
  ['/version', 'GET'],
  ['/v1/chat/completions', 'POST'],
  ['/v1/completions', 'POST'],
  ['/v1/embeddings', 'POST'],
  ['/pooling', 'POST'],
  ['/metrics', 'GET'],
];

// ---------------------------------------------------------------------------------------------
// Prometheus metrics (vllm/v1/metrics/loggers.py)

/** Metric names as scraped (counters already carry `_total`). */
export const METRIC = {
  running: 'vllm:num_requests_running',
  waiting: 'vllm:num_requests_waiting',
  kvUsage: 'vllm:kv_cache_usage_perc',
  promptTokens: 'vllm:prompt_tokens_total',
  generationTokens: 'vllm:generation_tokens_total',
  success: 'vllm:request_success_total',
  preemptions: 'vllm:num_preemptions_total',
  prefixQueries: 'vllm:prefix_cache_queries_total',
  prefixHits: 'vllm:prefix_cache_hits_total',
  ttft: 'vllm:time_to_first_token_seconds',
  itl: 'vllm:inter_token_latency_seconds',
  tpotDeprecated: 'vllm:time_per_output_token_seconds',
  requestTpot: 'vllm:request_time_per_output_token_seconds',
  e2e: 'vllm:e2e_request_latency_seconds',
  queue: 'vllm:request_queue_time_seconds',
  inference: 'vllm:request_inference_time_seconds',
  prefill: 'vllm:request_prefill_time_seconds',
  decode: 'vllm:request_decode_time_seconds',
  reqPromptTokens: 'vllm:request_prompt_tokens',
  reqGenerationTokens: 'vllm:request_generation_tokens',
  reqMaxTokens: 'vllm:request_params_max_tokens',
  reqMaxGeneration: 'vllm:request_max_num_generation_tokens',
  reqN: 'vllm:request_params_n',
  iterationTokens: 'vllm:iteration_tokens_total',
  cacheConfig: 'vllm:cache_config_info',
} as const;

/** HELP texts of the metrics, by the keys of METRIC. */
export const METRIC_HELP: Readonly<Record<keyof typeof METRIC, string>> = {
  running: 'Number of requests in model execution batches.',
  waiting: 'Number of requests waiting to be processed.',
  kvUsage: 'KV-cache usage. 1 means 100 percent usage.',
  promptTokens: 'Number of prefill tokens processed.',
  generationTokens: 'Number of generation tokens processed.',
  preemptions: 'Cumulative number of preemption from the engine.',
  prefixQueries: 'Prefix cache queries, in terms of number of queried tokens.',
  prefixHits: 'Prefix cache hits, in terms of number of cached tokens.',
  ttft: 'Histogram of time to first token in seconds.',
  itl: 'Histogram of inter-token latency in seconds.',
  tpotDeprecated: 'Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead.',
  requestTpot: 'Histogram of time_per_output_token_seconds per request.',
  e2e: 'Histogram of e2e request latency in seconds.',
  queue: 'Histogram of time spent in WAITING phase for request.',
  inference: 'Histogram of time spent in RUNNING phase for request.',
  prefill: 'Histogram of time spent in PREFILL phase for request.',
  decode: 'Histogram of time spent in DECODE phase for request.',
  reqPromptTokens: 'Number of prefill tokens processed.',
  reqGenerationTokens: 'Number of generation tokens processed.',
  reqMaxTokens: 'Histogram of the max_tokens request parameter.',
  reqMaxGeneration: 'Histogram of maximum number of requested generation tokens.',
  reqN: 'Histogram of the n request parameter.',
  iterationTokens: 'Histogram of number of tokens per engine_step.',
  success: 'Count of successfully processed requests.',
  cacheConfig: 'Information of the LLMEngine CacheConfig',
};

/** Finished reasons pre-created on `vllm:request_success_total`. */
export const FINISHED_REASONS = ['stop', 'length', 'abort'] as const;

/** Bucket boundaries, in seconds or counts. */
export const BUCKETS = {
  ttft: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0],
  tpot: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0],
  latency: [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0],
  n: [1, 2, 5, 10, 20],
  iteration: [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384],
} as const;

/** vLLM's `build_1_2_5_buckets(max)`: 1, 2, 5, 10, 20, 50, ... up to max. */
export function build125Buckets(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      const v = m * exp;
      if (v > max) return out;
      out.push(v);
    }
  }
}

/** The message field carrying reasoning text in chat responses of this release. */
export const REASONING_FIELD = 'reasoning_content';
