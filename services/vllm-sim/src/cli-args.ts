/**
 * Command-line parsing with vLLM's argparse semantics: `serve MODEL` plus flags, `--flag value` and
 * `--flag=value`, underscores accepted for dashes, `--no-<flag>` for boolean flags, `-tp/-pp/-dp`
 * aliases, `--served-model-name A B` (nargs +), `--max-model-len 1k|1K|25.6k`. Flags the simulator
 * does not model are accepted and ignored; a table of vLLM's boolean flags keeps `--flag MODEL`
 * from swallowing the model name.
 */
import { DEFAULT_MODEL, SERVE_USAGE } from './vllm-compat.js';
import { UsageError } from './errors.js';

/** Everything `vllm serve` was told, resolved to defaults where vLLM has a static default. */
export interface ServeArgs {
  /** `model_tag` or `--model`: HF id or path. */
  readonly model: string;
  /** `--host`; null binds all interfaces (logged as 0.0.0.0). */
  readonly host: string | null;
  /** @default 8000 */
  readonly port: number;
  /** `--served-model-name`; null means the model id is the only name. */
  readonly servedModelNames: readonly string[] | null;
  /** `--max-model-len`; null means the model's context length. */
  readonly maxModelLen: number | null;
  /** @default 1 */
  readonly tensorParallelSize: number;
  /** @default 1 */
  readonly pipelineParallelSize: number;
  /** @default 0.9 */
  readonly gpuMemoryUtilization: number;
  /** null: resolved at start-up from the GPU (256, or 1024 on big non-A100 GPUs). */
  readonly maxNumSeqs: number | null;
  /** null: resolved at start-up (2048, or 8192 on big non-A100 GPUs). */
  readonly maxNumBatchedTokens: number | null;
  /** @default 0 */
  readonly seed: number;
  /** `auto` (model's generation_config.json), `vllm`, or a folder path. @default 'auto' */
  readonly generationConfig: string;
  /** `--chat-template` (file path or inline template), or null. */
  readonly chatTemplate: string | null;
  /** `--api-key` values (empty: no auth unless VLLM_API_KEY is set). */
  readonly apiKeys: readonly string[];
  /** @default 'auto' */
  readonly dtype: string;
  readonly enforceEager: boolean;
  /** null = default (enabled in V1). */
  readonly enablePrefixCaching: boolean | null;
  readonly disableLogStats: boolean;
  readonly disableAccessLog: boolean;
  readonly enablePromptTokensDetails: boolean;
  readonly enableForceIncludeUsage: boolean;
  /** `--runner auto|generate|pooling|draft`. @default 'auto' */
  readonly runner: RunnerOption;
  /** `--convert auto|none|embed|classify|reward`. @default 'auto' */
  readonly convert: ConvertOption;
  /** `--hf-overrides` JSON object merged into the HF config, a non-JSON string (rejected at start-up), or null. */
  readonly hfOverrides: Readonly<Record<string, unknown>> | string | null;
  /** `--tokenizer-mode auto|slow|mistral|custom`. @default 'auto' */
  readonly tokenizerMode: string;
  /** `--pooler-config` (or the deprecated `--override-pooler-config`) JSON object, or null. */
  readonly poolerConfig: Readonly<Record<string, unknown>> | null;
  /** The flags given on the command line, by Python attribute name, for the `non-default args` log line. */
  readonly given: ReadonlyMap<string, unknown>;
}

/** Result of parsing a command line. */
export type CliCommand =
  | { readonly kind: 'version' }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'serve'; readonly args: ServeArgs };

type FlagType = 'int' | 'float' | 'str' | 'hint' | 'list' | 'bool' | 'json' | 'dict-or-str';

/** vLLM's `RunnerOption` (vllm/config/model.py). */
export type RunnerOption = 'auto' | 'generate' | 'pooling' | 'draft';
/** vLLM's `ConvertOption`. */
export type ConvertOption = 'auto' | 'none' | 'embed' | 'classify' | 'reward';

/** argparse `choices` of the flags that have them (Literal types in vLLM's ModelConfig). */
const CHOICES: Readonly<Record<string, readonly string[]>> = {
  runner: ['auto', 'generate', 'pooling', 'draft'],
  convert: ['auto', 'none', 'embed', 'classify', 'reward'],
  'tokenizer-mode': ['auto', 'slow', 'mistral', 'custom'],
  dtype: ['auto', 'half', 'float16', 'bfloat16', 'float', 'float32'],
};

/** How Python prints `json.loads` in vLLM's parse_type error (the address varies per process in vLLM). */
const JSON_LOADS_REPR = '<function loads at 0x7f3a2c5e8d60>';

/** Flags the simulator reads (long name without dashes → type). */
const KNOWN: Record<string, FlagType> = {
  model: 'str',
  host: 'str',
  port: 'int',
  'served-model-name': 'list',
  'max-model-len': 'hint',
  'tensor-parallel-size': 'int',
  'pipeline-parallel-size': 'int',
  'data-parallel-size': 'int',
  'gpu-memory-utilization': 'float',
  'max-num-seqs': 'int',
  'max-num-batched-tokens': 'hint',
  seed: 'int',
  'generation-config': 'str',
  'chat-template': 'str',
  'api-key': 'list',
  dtype: 'str',
  runner: 'str',
  convert: 'str',
  'hf-overrides': 'dict-or-str',
  'tokenizer-mode': 'str',
  'pooler-config': 'json',
  'override-pooler-config': 'json',
  'enforce-eager': 'bool',
  'enable-prefix-caching': 'bool',
  'disable-log-stats': 'bool',
  'disable-uvicorn-access-log': 'bool',
  'enable-prompt-tokens-details': 'bool',
  'enable-force-include-usage': 'bool',
};

/** vLLM flags that take no value (store_true / BooleanOptionalAction), accepted and ignored. */
const BOOLEAN_FLAGS = new Set([
  'trust-remote-code', 'disable-log-requests', 'enable-log-requests', 'enable-chunked-prefill', 'disable-custom-all-reduce',
  'enable-lora', 'enable-lora-bias', 'fully-sharded-loras', 'enable-sleep-mode', 'enable-auto-tool-choice',
  'enable-server-load-tracking', 'disable-frontend-multiprocessing', 'enable-request-id-headers', 'disable-fastapi-docs',
  'return-tokens-as-token-ids', 'enable-prompt-embeds', 'skip-tokenizer-init', 'disable-sliding-window',
  'disable-cascade-attn', 'enable-expert-parallel', 'enable-eplb', 'enable-dbo', 'async-scheduling',
  'enable-tokenizer-info-endpoint', 'enable-log-outputs', 'headless', 'enable-ssl-refresh', 'calculate-kv-scales',
  'use-tqdm-on-load', 'ray-workers-use-nsight', 'disable-hybrid-kv-cache-manager', 'trust-request-chat-template',
  'exclude-tools-when-tool-choice-none', 'disable-async-output-proc', 'allow-credentials', 'enable-per-request-metrics',
  'kv-sharing-fast-prefill', 'enable-multimodal-encoder-data-parallel', 'disable-mm-preprocessor-cache',
  'enable-mfu-metrics', 'enable-graceful-shutdown', 'disable-chunked-mm-input', 'enable-layerwise-nvtx-tracing',
  'show-hidden-metrics', 'enable-return-routed-experts', 'enable-force-include-usage',
]);

/** Flags taking one or more values (nargs '+'). */
const MULTI_VALUE = new Set(['served-model-name', 'api-key', 'middleware', 'lora-modules', 'allowed-origins']);

/** Short aliases. */
const ALIASES: Record<string, string> = {
  '-tp': 'tensor-parallel-size',
  '-pp': 'pipeline-parallel-size',
  '-dp': 'data-parallel-size',
  '-q': 'quantization',
  '-O': 'compilation-config',
  '-v': 'version',
  '-h': 'help',
};

/**
 * vLLM's `human_readable_int`: `25.6k` = 25600, `1K` = 1024 (decimals not allowed with binary
 * suffixes), plain integers as is.
 * @throws UsageError on anything else.
 */
export function parseHumanReadableInt(value: string, flag = '--max-model-len'): number {
  const v = value.trim();
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtT])$/.exec(v);
  if (m) {
    const num = m[1]!;
    const suffix = m[2]!;
    const decimal: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
    const binary: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
    if (suffix in decimal) return Math.trunc(Number(num) * decimal[suffix]!);
    if (!/^\d+$/.test(num)) {
      throw new UsageError(
        `argument ${flag}: Decimals are not allowed with binary suffixes like ${suffix}. Did you mean to use ${num}${suffix.toLowerCase()} instead?`,
      );
    }
    return Number(num) * binary[suffix]!;
  }
  if (!/^[-+]?\d+$/.test(v)) throw new UsageError(`argument ${flag}: invalid human_readable_int value: '${value}'`);
  return Number(v);
}

function convert(name: string, type: FlagType, raw: string): unknown {
  const flag = `--${name}`;
  switch (type) {
    case 'int':
      if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw new UsageError(`argument ${flag}: invalid int value: '${raw}'`);
      return Number(raw);
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || Number.isNaN(n)) throw new UsageError(`argument ${flag}: invalid float value: '${raw}'`);
      return n;
    }
    case 'hint':
      return parseHumanReadableInt(raw, flag);
    case 'dict-or-str':
      // vLLM's union_dict_and_str: only a `{...}` value is parsed as JSON; anything else stays a string.
      if (!/^\s*\{[\s\S]*\}\s*$/.test(raw)) return raw;
      return parseJsonArg(flag, raw);
    case 'json':
      return parseJsonArg(flag, raw);
    default: {
      const choices = CHOICES[name];
      if (choices && !choices.includes(raw)) {
        throw new UsageError(`argument ${flag}: invalid choice: '${raw}' (choose from ${choices.map((c) => `'${c}'`).join(', ')})`);
      }
      return raw;
    }
  }
}

/** vLLM's `optional_type(json.loads)`: '' and 'None' are None, else JSON or an argparse error. */
function parseJsonArg(flag: string, raw: string): unknown {
  if (raw === '' || raw === 'None') return null;
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`argument ${flag}: Value ${raw} cannot be converted to ${JSON_LOADS_REPR}.`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isFlagToken(t: string): boolean {
  return t.startsWith('-') && !/^-\d/.test(t) && t !== '-';
}

/** The `--help` text. */
function helpText(): string {
  return `${SERVE_USAGE}\n\nStart the vLLM OpenAI compatible API server (simulated by vllm-sim).\n\n` +
    `positional arguments:\n  model_tag             The model tag to serve (optional if specified in config)\n\n` +
    `Simulator settings come from VLLM_SIM_* environment variables; see services/vllm-sim/README.md.\n`;
}

/**
 * Parses `argv` (without node and script path).
 * @throws UsageError for argparse-level errors (bad values, missing values, unknown subcommand).
 */
export function parseCli(argv: readonly string[]): CliCommand {
  if (argv.includes('--version') || argv.includes('-v')) return { kind: 'version' };
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    return { kind: 'help', text: helpText() };
  }
  const [sub, ...rest] = argv;
  if (sub !== 'serve') {
    throw new UsageError(
      `argument subparser: invalid choice: '${sub}' (choose from 'chat', 'complete', 'serve', 'bench', 'collect-env', 'run-batch')`,
    );
  }
  const values = new Map<string, unknown>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!;
    if (!isFlagToken(tok)) {
      positionals.push(tok);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    const eq = tok.indexOf('=');
    const head = eq >= 0 ? tok.slice(0, eq) : tok;
    if (eq >= 0) inline = tok.slice(eq + 1);
    if (head.startsWith('--')) name = head.slice(2).replaceAll('_', '-');
    else if (ALIASES[head] !== undefined) name = ALIASES[head];
    else if (/^-O\d$/.test(head)) continue; // -O3: optimisation level, ignored
    else throw new UsageError(`unrecognized arguments: ${tok}`);

    if (name.startsWith('no-') && (KNOWN[name.slice(3)] === 'bool' || BOOLEAN_FLAGS.has(name.slice(3)))) {
      if (KNOWN[name.slice(3)] === 'bool') values.set(name.slice(3), false);
      continue;
    }
    const type: FlagType | undefined = KNOWN[name] ?? (BOOLEAN_FLAGS.has(name) ? 'bool' : undefined);
    if (type === 'bool') {
      if (inline !== undefined) throw new UsageError(`argument --${name}: ignored explicit argument '${inline}'`);
      values.set(name, true);
      continue;
    }
    if (type === 'list' || MULTI_VALUE.has(name)) {
      const items: string[] = inline !== undefined ? [inline] : [];
      while (inline === undefined && i + 1 < rest.length && !isFlagToken(rest[i + 1]!)) items.push(rest[++i]!);
      if (items.length === 0) throw new UsageError(`argument --${name}: expected at least one argument`);
      if (type === 'list') values.set(name, items);
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = rest[i + 1];
      if (type === undefined && (next === undefined || isFlagToken(next) || /^(enable|disable|no|use)-/.test(name))) {
        continue; // unknown flag without a value: treat as boolean
      }
      if (next === undefined || (isFlagToken(next) && type !== undefined)) {
        throw new UsageError(`argument --${name}: expected one argument`);
      }
      raw = next;
      i++;
    }
    if (type !== undefined) values.set(name, convert(name, type, raw));
  }
  if (positionals.length > 1) throw new UsageError(`unrecognized arguments: ${positionals.slice(1).join(' ')}`);
  return { kind: 'serve', args: resolve(values, positionals[0]) };
}

function resolve(values: Map<string, unknown>, modelTag: string | undefined): ServeArgs {
  const get = <T>(k: string, d: T): T => (values.has(k) ? (values.get(k) as T) : d);
  const model = modelTag ?? get<string>('model', DEFAULT_MODEL);
  const given = new Map<string, unknown>();
  if (modelTag !== undefined) given.set('model_tag', modelTag);
  for (const [k, v] of values) given.set(k.replaceAll('-', '_'), v);
  if (modelTag !== undefined) given.set('model', modelTag);
  const port = get('port', 8000);
  if (port < 0 || port > 65535) throw new UsageError(`argument --port: invalid port ${port}`);
  return {
    model,
    host: get<string | null>('host', null),
    port,
    servedModelNames: get<string[] | null>('served-model-name', null),
    maxModelLen: get<number | null>('max-model-len', null),
    tensorParallelSize: get('tensor-parallel-size', 1),
    pipelineParallelSize: get('pipeline-parallel-size', 1),
    gpuMemoryUtilization: get('gpu-memory-utilization', 0.9),
    maxNumSeqs: get<number | null>('max-num-seqs', null),
    maxNumBatchedTokens: get<number | null>('max-num-batched-tokens', null),
    seed: get('seed', 0),
    generationConfig: get('generation-config', 'auto'),
    chatTemplate: get<string | null>('chat-template', null),
    apiKeys: get<string[]>('api-key', []),
    dtype: get('dtype', 'auto'),
    enforceEager: get('enforce-eager', false),
    enablePrefixCaching: get<boolean | null>('enable-prefix-caching', null),
    disableLogStats: get('disable-log-stats', false),
    disableAccessLog: get('disable-uvicorn-access-log', false),
    enablePromptTokensDetails: get('enable-prompt-tokens-details', false),
    enableForceIncludeUsage: get('enable-force-include-usage', false),
    runner: get<RunnerOption>('runner', 'auto'),
    convert: get<ConvertOption>('convert', 'auto'),
    hfOverrides: hfOverrides(values.get('hf-overrides')),
    tokenizerMode: get('tokenizer-mode', 'auto'),
    poolerConfig: poolerConfig(values.get('pooler-config') ?? values.get('override-pooler-config')),
    given,
  };
}

function hfOverrides(v: unknown): Readonly<Record<string, unknown>> | string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || isObject(v)) return v;
  return JSON.stringify(v);
}

function poolerConfig(v: unknown): Readonly<Record<string, unknown>> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw new UsageError(`argument --pooler-config: Value ${JSON.stringify(v)} cannot be converted to PoolerConfig.`);
  return v;
}
