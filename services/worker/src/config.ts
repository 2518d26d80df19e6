/**
 * The worker's configuration, validated once at start-up: command-line flags (yargs, strict), each
 * falling back to an environment variable `CLUE_<FLAG>` (e.g. `--worker-id` ← `CLUE_WORKER_ID`), then
 * to its default. The result is frozen and passed down; nothing deeper reads `process.env` for
 * settings. Secrets (`CLUE_NATS_PASSWORD`, `CLUE_NATS_TOKEN`, `CLUE_TOKEN`, `HF_TOKEN`) are only ever taken
 * from the environment or from files, never from the command line, and never logged.
 */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { readTokenFile, resolveNatsAuth, type NatsAuthSettings } from '@clue/common';
import { WorkerConfigError } from './runtime/errors.js';
import { parseGpuFlag, type NodeInventory } from './runtime/gpu-inventory.js';

/** The worker package's bundled templates (`chat-templates/default.jinja`: CLUE's plain-text prompt for base models). */
export const BUNDLED_CHAT_TEMPLATES = fileURLToPath(new URL('../chat-templates', import.meta.url));

/** The validated configuration. Durations are in ms. */
export interface WorkerConfig {
  /** NATS server URLs. */
  readonly nats: readonly string[];
  /** NATS credentials file (`--nats-creds`), if any. */
  readonly natsCreds: string | null;
  /** NATS token (only from `CLUE_NATS_TOKEN`); never logged. */
  readonly natsToken: string | null;
  /** NATS user, password and CA of the worker role. */
  readonly natsAuth: NatsAuthSettings;
  /** Coordinator gRPC address `host:port`. */
  readonly coordinator: string;
  /** TLS and the worker's bearer token for the coordinator's WorkerApi. */
  readonly coordinatorAuth: {
    /** CA of the coordinator's certificate; null = the system's roots. */
    readonly caFile: string | null;
    readonly serverName: string | null;
    /** The worker token (from `--token-file` or CLUE_TOKEN). Never logged. */
    readonly token: string;
  };
  readonly workerId: string;
  /** The node name sent at registration. */
  readonly node: string;
  /** `--gpus` (simulated inventory); null = detect with nvidia-smi. */
  readonly gpus: NodeInventory | null;
  /** `vllm`, a path, or a `.js` file run with this Node (vllm-sim). */
  readonly engineExecutable: string;
  /** Extra environment of the engine process (`--engine-env KEY=VAL`). */
  readonly engineEnv: Readonly<Record<string, string>>;
  /** Units run at once. */
  readonly slots: number;
  /** ICD-10 validity table (MeDiSumCode's VALID CODES); null = none (MeDiSumCode units are handed back). */
  readonly icd10Table: string | null;
  /** No engine progress for this long with requests in flight = hung. */
  readonly hangTimeoutMs: number;
  /** A BERTScore unit waits this long for any scorer to answer before it is handed back. */
  readonly bertscoreWaitSeconds: number;
  /** How long SIGTERM lets running units finish before they are handed back. */
  readonly drainTimeoutMs: number;
  /** Engine SIGTERM → SIGKILL grace. */
  readonly engineStopGraceMs: number;
  /** Engine spawn-to-ready budget. */
  readonly engineStartupTimeoutMs: number;
  /** Upper bound of the `working()` interval (also capped at a third of the consumer's ack_wait). */
  readonly workingIntervalMs: number;
  /** Redelivery delay of a unit handed back after an infrastructure failure. */
  readonly retryDelayMs: number;
  /** `expires` of each pull request. */
  readonly pullExpiresMs: number;
  /** Where fetched datasets are cached; null = memory only. */
  readonly cacheDir: string | null;
  /** Port of the Prometheus `/metrics` endpoint; null = none. */
  readonly metricsPort: number | null;
  readonly metricsHost: string;
  /**
   * Chat templates for catalog models without a built-in one (`chatTemplate: 'none'`):
   * `<dir>/<model-key>.jinja`, else `<dir>/default.jinja`; null = none (vLLM then refuses their chats).
   */
  readonly chatTemplateDir: string | null;
  /** `--gpu-memory-utilization` for vLLM; null = the engine's default (0.9). */
  readonly gpuMemoryUtilization: number | null;
  /** `--max-num-seqs` for vLLM; null = vLLM's default. */
  readonly maxNumSeqs: number | null;
  readonly logLevel: string;
}

interface Spec {
  readonly type: 'string' | 'number';
  readonly describe: string;
  readonly array?: boolean;
}

/** Every flag; the environment variable is `CLUE_` + the flag in upper snake case. */
const FLAGS: Readonly<Record<string, Spec>> = {
  nats: { type: 'string', describe: 'NATS server URL(s), comma-separated [default: nats://127.0.0.1:4222]' },
  'nats-creds': { type: 'string', describe: 'NATS credentials file (a token can be given in CLUE_NATS_TOKEN)' },
  'nats-user': { type: 'string', describe: 'NATS user of the worker role (password: --nats-password-file or CLUE_NATS_PASSWORD)' },
  'nats-password-file': { type: 'string', describe: 'file holding the NATS password' },
  'nats-ca': { type: 'string', describe: "PEM CA of the NATS servers' certificate (turns TLS on)" },
  coordinator: { type: 'string', describe: 'coordinator gRPC address host:port [default: 127.0.0.1:50051]' },
  'tls-ca': { type: 'string', describe: "PEM CA of the coordinator's certificate [default: the system's roots]" },
  'tls-server-name': { type: 'string', describe: "name to expect in the coordinator's certificate [default: the host of --coordinator]" },
  'token-file': { type: 'string', describe: 'file holding the worker API token (or CLUE_TOKEN); required' },
  'worker-id': { type: 'string', describe: 'worker id (NATS-token safe) [default: worker-<hostname>]' },
  gpus: { type: 'string', describe: 'simulated GPUs CLASS:COUNT, e.g. H100-80GB:8 [default: detect with nvidia-smi]' },
  'engine-executable': { type: 'string', describe: 'vLLM executable, or the vllm-sim main.js [default: vllm]' },
  'engine-env': { type: 'string', array: true, describe: 'KEY=VALUE for the engine process (repeatable; CLUE_ENGINE_ENV: comma-separated)' },
  slots: { type: 'number', describe: 'units one engine group runs at once [default: 1]' },
  'icd10-table': { type: 'string', describe: "ICD-10 table for MeDiSumCode's VALID CODES" },
  'hang-seconds': { type: 'number', describe: 'no engine progress for this long with requests in flight = hung [default: 180]' },
  'bertscore-wait-seconds': { type: 'number', describe: 'a BERTScore unit waits this long for a scorer to answer, then is handed back [default: 600]' },
  'drain-seconds': { type: 'number', describe: 'on SIGTERM, time running units get to finish [default: 10]' },
  'engine-stop-seconds': { type: 'number', describe: 'engine SIGTERM → SIGKILL grace [default: 10]' },
  'engine-startup-seconds': { type: 'number', describe: 'engine start-up budget [default: 1200]' },
  'working-seconds': { type: 'number', describe: 'interval of working() on a running unit (max 15) [default: 10]' },
  'retry-delay-seconds': { type: 'number', describe: 'redelivery delay of a unit after an infrastructure failure [default: 5]' },
  'pull-expires-seconds': { type: 'number', describe: 'expiry of one pull request (min 1) [default: 5]' },
  'cache-dir': { type: 'string', describe: 'dataset cache directory [default: memory only]' },
  'metrics-port': { type: 'number', describe: 'serve Prometheus /metrics on this port [default: off]' },
  'metrics-host': { type: 'string', describe: 'address of the /metrics endpoint [default: 0.0.0.0]' },
  'chat-template-dir': {
    type: 'string',
    describe: 'chat templates for base models: <dir>/<model-key>.jinja or <dir>/default.jinja (default: the bundled plain-text template)',
  },
  'gpu-memory-utilization': { type: 'number', describe: "vLLM --gpu-memory-utilization [default: the engine's 0.9]" },
  'max-num-seqs': { type: 'number', describe: "vLLM --max-num-seqs [default: vLLM's]" },
  'log-level': { type: 'string', describe: 'pino level [default: info]' },
};

function envName(flag: string): string {
  return `CLUE_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Raw values: the flag, else the environment variable. */
type Raw = Record<string, string | number | string[] | undefined>;

function readRaw(argv: readonly string[], env: NodeJS.ProcessEnv): Raw {
  let y = yargs([...argv])
    .scriptName('clue-worker')
    .usage('$0 [options]\n\nEvery option can also be set with CLUE_<OPTION> (e.g. CLUE_WORKER_ID).')
    .strict()
    .version(false)
    .help(false)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new WorkerConfigError('command line', msg);
    });
  for (const [name, spec] of Object.entries(FLAGS)) y = y.option(name, { type: spec.type, describe: spec.describe, ...(spec.array ? { array: true } : {}) });
  const parsed = y.parseSync() as Record<string, unknown>;
  if (Array.isArray(parsed['_']) && parsed['_'].length > 0) {
    throw new WorkerConfigError('command line', `unexpected argument '${String(parsed['_'][0])}' (the worker takes only options)`);
  }
  const raw: Raw = {};
  for (const [name, spec] of Object.entries(FLAGS)) {
    const v = parsed[name];
    if (v !== undefined) {
      if (spec.array) raw[name] = (v as unknown[]).map(String);
      else if (Array.isArray(v)) throw new WorkerConfigError(`--${name}`, 'given more than once');
      else raw[name] = v as string | number;
      continue;
    }
    const e = env[envName(name)];
    if (e === undefined || e === '') continue;
    if (spec.array) raw[name] = e.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else raw[name] = e;
  }
  return raw;
}

/** The usage text (`--help`). */
export function usage(): string {
  const lines = Object.entries(FLAGS).map(([n, s]) => `  --${n.padEnd(24)} ${s.describe}  (env ${envName(n)})`);
  return ['Usage: clue-worker [options]', '', ...lines, ''].join('\n');
}

function str(raw: Raw, name: string, dflt: string): string {
  const v = raw[name];
  if (v === undefined) return dflt;
  const s = String(v).trim();
  if (s === '') throw new WorkerConfigError(`--${name}`, 'must not be empty');
  return s;
}

function optStr(raw: Raw, name: string): string | null {
  return raw[name] === undefined ? null : str(raw, name, '');
}

function num(raw: Raw, name: string, dflt: number, check: { min: number; max?: number; int?: boolean }): number {
  const v = raw[name];
  if (v === undefined) return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  const bad = !Number.isFinite(n) || n < check.min || (check.max !== undefined && n > check.max) || (check.int === true && !Number.isInteger(n));
  if (bad) {
    const range = check.max !== undefined ? `from ${check.min} to ${check.max}` : `>= ${check.min}`;
    throw new WorkerConfigError(`--${name}`, `must be ${check.int ? 'a whole number' : 'a number'} ${range}, got ${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
  }
  return n;
}

function optNum(raw: Raw, name: string, check: { min: number; max?: number; int?: boolean }): number | null {
  return raw[name] === undefined ? null : num(raw, name, 0, check);
}

function parseEngineEnv(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new WorkerConfigError('--engine-env', `'${key}${eq < 0 ? '' : '=…'}' is not KEY=VALUE with a valid variable name`);
    }
    out[key] = item.slice(eq + 1);
  }
  return out;
}

function checkCoordinator(addr: string): string {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(addr)) {
    throw new WorkerConfigError('--coordinator', `'${addr}' is not host:port`);
  }
  return addr;
}

function checkNats(list: string): string[] {
  const urls = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (urls.length === 0) throw new WorkerConfigError('--nats', 'names no server');
  for (const u of urls) {
    if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(u) && !/^[A-Za-z0-9.-]+:\d+$/.test(u)) {
      throw new WorkerConfigError('--nats', `'${u}' is not a NATS URL (nats://host:port)`);
    }
  }
  return urls;
}

function natsAuthOf(raw: Raw, env: NodeJS.ProcessEnv): NatsAuthSettings {
  try {
    return resolveNatsAuth(optStr(raw, 'nats-user'), optStr(raw, 'nats-password-file'), env['CLUE_NATS_PASSWORD'] ?? null, optStr(raw, 'nats-ca'));
  } catch (e) {
    throw new WorkerConfigError('--nats-user', (e as Error).message);
  }
}

/** The worker's API token: `--token-file` (CLUE_TOKEN_FILE), else CLUE_TOKEN. */
function apiToken(raw: Raw, env: NodeJS.ProcessEnv): string {
  const file = optStr(raw, 'token-file');
  if (file !== null) {
    try {
      return readTokenFile(file);
    } catch (e) {
      throw new WorkerConfigError('--token-file', (e as Error).message);
    }
  }
  const t = env['CLUE_TOKEN']?.trim();
  if (t) return t;
  throw new WorkerConfigError('--token-file', "the worker needs its API token for the coordinator: --token-file FILE (CLUE_TOKEN_FILE) or CLUE_TOKEN (the 'worker' key of the API token Secret)");
}

/** The default worker id: `worker-<hostname>` made NATS-token and KV-key safe. */
export function defaultWorkerId(host = hostname()): string {
  const clean = host.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `worker-${clean || 'node'}`;
}

/**
 * Parses and validates the configuration.
 * @throws WorkerConfigError naming the flag and what is wrong with it.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const raw = readRaw(argv, env);
  const workerId = str(raw, 'worker-id', defaultWorkerId());
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(workerId)) {
    throw new WorkerConfigError('--worker-id', `'${workerId}' may only contain letters, digits, '-' and '_' (it is a NATS token and a KV key)`);
  }
  const gpus = raw['gpus'] === undefined ? null : parseGpuFlag(String(raw['gpus']));
  const working = num(raw, 'working-seconds', 10, { min: 0.1, max: 15 });
  const token = env['CLUE_NATS_TOKEN'];
  return Object.freeze({
    natsAuth: natsAuthOf(raw, env),
    coordinatorAuth: Object.freeze({
      caFile: optStr(raw, 'tls-ca'),
      serverName: optStr(raw, 'tls-server-name'),
      token: apiToken(raw, env),
    }),
    nats: Object.freeze(checkNats(str(raw, 'nats', 'nats://127.0.0.1:4222'))),
    natsCreds: optStr(raw, 'nats-creds'),
    natsToken: token !== undefined && token !== '' ? token : null,
    coordinator: checkCoordinator(str(raw, 'coordinator', '127.0.0.1:50051')),
    workerId,
    node: hostname(),
    gpus,
    engineExecutable: str(raw, 'engine-executable', 'vllm'),
    engineEnv: Object.freeze(parseEngineEnv((raw['engine-env'] as string[] | undefined) ?? [])),
    slots: num(raw, 'slots', 1, { min: 1, max: 64, int: true }),
    icd10Table: optStr(raw, 'icd10-table') ?? (env['CLUE_ICD10_TABLE'] ? String(env['CLUE_ICD10_TABLE']) : null),
    hangTimeoutMs: num(raw, 'hang-seconds', 180, { min: 1 }) * 1000,
    bertscoreWaitSeconds: num(raw, 'bertscore-wait-seconds', 600, { min: 1, max: 86400 }),
    drainTimeoutMs: num(raw, 'drain-seconds', 10, { min: 0 }) * 1000,
    engineStopGraceMs: num(raw, 'engine-stop-seconds', 10, { min: 0 }) * 1000,
    engineStartupTimeoutMs: num(raw, 'engine-startup-seconds', 1200, { min: 1 }) * 1000,
    workingIntervalMs: working * 1000,
    retryDelayMs: num(raw, 'retry-delay-seconds', 5, { min: 0, max: 3600 }) * 1000,
    pullExpiresMs: num(raw, 'pull-expires-seconds', 5, { min: 1, max: 60 }) * 1000,
    cacheDir: optStr(raw, 'cache-dir'),
    metricsPort: optNum(raw, 'metrics-port', { min: 0, max: 65535, int: true }),
    metricsHost: str(raw, 'metrics-host', '0.0.0.0'),
    chatTemplateDir: optStr(raw, 'chat-template-dir') ?? BUNDLED_CHAT_TEMPLATES,
    gpuMemoryUtilization: optNum(raw, 'gpu-memory-utilization', { min: 0.05, max: 1 }),
    maxNumSeqs: optNum(raw, 'max-num-seqs', { min: 1, max: 65536, int: true }),
    logLevel: str(raw, 'log-level', 'info'),
  });
}

/** The configuration as a log line: no secrets, no engine environment values. */
export function describeConfig(c: WorkerConfig): Record<string, unknown> {
  return {
    nats: c.nats,
    natsAuth: c.natsCreds ? 'creds' : c.natsToken ? 'token' : c.natsAuth.user !== null ? `user ${c.natsAuth.user}` : 'none',
    natsTls: c.natsAuth.caFile !== null,
    coordinatorTlsCa: c.coordinatorAuth.caFile ?? 'system roots',
    coordinator: c.coordinator,
    workerId: c.workerId,
    gpus: c.gpus ? 'simulated' : 'nvidia-smi',
    engineExecutable: c.engineExecutable,
    engineEnvKeys: Object.keys(c.engineEnv),
    slots: c.slots,
    icd10Table: c.icd10Table !== null,
    hangSeconds: c.hangTimeoutMs / 1000,
    bertscoreWaitSeconds: c.bertscoreWaitSeconds,
    drainSeconds: c.drainTimeoutMs / 1000,
  };
}
