/**
 * Coordinator configuration: command-line flags (yargs), each with a `CLUE_*` environment variable
 * and a default, in that order of precedence (flag > env > default). Everything is validated once,
 * at start-up; every problem is reported together and nothing is read from the environment later.
 */
import yargs from 'yargs';
import { loadTokenDir, readPem, resolveNatsAuth, type NatsAuthSettings } from '@clue/common';

/** The validated, frozen configuration of one coordinator process. */
export interface CoordinatorConfig {
  /** NATS server URL(s), comma separated. */
  readonly natsUrl: string;
  /** NATS user, password and CA (the password comes from a file or CLUE_NATS_PASSWORD; never logged). */
  readonly natsAuth: NatsAuthSettings;
  /** PEM certificate chain and key of the gRPC server (TLS is always on). */
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  /** Directory of the API token files `reader`, `operator`, `worker` (a mounted Secret). */
  readonly tokensDir: string | null;
  /** How often the token files are read again (added and revoked tokens apply without a restart). */
  readonly tokensReloadSeconds: number;
  readonly grpcHost: string;
  /** 0 = a random free port (tests). */
  readonly grpcPort: number;
  /** Port of the `/metrics` HTTP endpoint; undefined = no endpoint. */
  readonly metricsPort: number | undefined;
  /** Port of the HTTPS report pages (`/runs/<id>/report`); undefined = none. */
  readonly reportPort: number | undefined;
  /** Target GPU-seconds of one unit (on the reference GPU class). */
  readonly unitsTargetGpuSeconds: number;
  /** Non-infrastructure failures a unit may have before it is dead-lettered. */
  readonly maxAttempts: number;
  /** A running unit without progress for this long is re-queued (counted as an infrastructure failure). */
  readonly stallSeconds: number;
  /** JetStream replicas of every stream, KV bucket and object store (1 on a single server, 3 in production). */
  readonly replicas: number;
  /** How often workers must call in (GetAssignment or ReportProgress); their KV records expire after 4x this. */
  readonly heartbeatSeconds: number;
  /** Period of the reconcile tick (finishing cells and runs, stall detection). */
  readonly reconcileSeconds: number;
  /** Seconds a worker with nothing to do waits before asking again. */
  readonly pollAfterSeconds: number;
  /** A new replica of a model must shorten its remaining time by more than this many load times. */
  readonly spreadFactor: number;
  /** A model no live worker can hold fails its queued units after this long. */
  readonly unplaceableSeconds: number;
  /** One BERTScore scorer group per this many live GPUs (at least one while BERTScore units remain). */
  readonly gpusPerScorer: number;
  /** Grace period of a shutdown before in-flight calls are cancelled. */
  readonly shutdownGraceSeconds: number;
  /** `exact` means or CLUE's arithmetic (`clue`: first sample counted twice, 2-decimal rounding). */
  readonly aggregation: 'exact' | 'clue';
  readonly logLevel: string;
}

/** Thrown when flags or environment are invalid; lists every issue. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Kind = 'string' | 'int' | 'number';

interface OptionSpec {
  readonly env: string;
  readonly kind: Kind;
  readonly default?: string;
  readonly describe: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
}

/** Every flag with its environment variable, default and range. */
export const CONFIG_OPTIONS = {
  nats: { env: 'CLUE_NATS_URL', kind: 'string', default: 'nats://127.0.0.1:4222', describe: 'NATS server URL(s), comma separated' },
  'nats-user': { env: 'CLUE_NATS_USER', kind: 'string', describe: 'NATS user of the coordinator (its password: --nats-password-file or CLUE_NATS_PASSWORD)' },
  'nats-password-file': { env: 'CLUE_NATS_PASSWORD_FILE', kind: 'string', describe: 'file holding the NATS password' },
  'nats-ca': { env: 'CLUE_NATS_CA', kind: 'string', describe: "PEM file of the CA that signed the NATS servers' certificate (turns TLS on)" },
  'tls-cert': { env: 'CLUE_TLS_CERT', kind: 'string', describe: 'PEM certificate (chain) the gRPC server presents (required)' },
  'tls-key': { env: 'CLUE_TLS_KEY', kind: 'string', describe: 'PEM private key of --tls-cert (required)' },
  'tokens-dir': {
    env: 'CLUE_TOKENS_DIR', kind: 'string',
    describe: 'directory with the API token files reader, operator and worker, one token per line (required)',
  },
  'tokens-reload-seconds': {
    env: 'CLUE_TOKENS_RELOAD_SECONDS', kind: 'number', default: '30', min: 0.1, max: 86400,
    describe: 'read the token files again this often (a changed Secret applies without a restart)',
  },
  'grpc-host': { env: 'CLUE_GRPC_HOST', kind: 'string', default: '0.0.0.0', describe: 'address the gRPC server binds' },
  'grpc-port': { env: 'CLUE_GRPC_PORT', kind: 'int', default: '50051', min: 0, max: 65535, describe: 'gRPC port (0 = random)' },
  'metrics-port': { env: 'CLUE_METRICS_PORT', kind: 'int', min: 0, max: 65535, describe: 'port of the Prometheus /metrics endpoint (unset = none)' },
  'report-port': {
    env: 'CLUE_REPORT_PORT', kind: 'int', min: 0, max: 65535,
    describe: 'port of the HTTPS report pages /runs/<id>/report (TLS with --tls-cert; a reader or operator token) (unset = none)',
  },
  'units-target-gpu-seconds': {
    env: 'CLUE_UNITS_TARGET_GPU_SECONDS', kind: 'number', default: '120', min: 0.01, max: 86400,
    describe: 'estimated GPU-seconds one work unit should take (LongHealth units get half)',
  },
  'max-attempts': { env: 'CLUE_MAX_ATTEMPTS', kind: 'int', default: '3', min: 1, max: 100, describe: 'failed attempts before a unit is dead-lettered' },
  'stall-seconds': { env: 'CLUE_STALL_SECONDS', kind: 'number', default: '600', min: 1, max: 86400, describe: 'a running unit without progress for this long is re-queued' },
  replicas: { env: 'CLUE_JS_REPLICAS', kind: 'int', default: '1', min: 1, max: 5, describe: 'JetStream replicas of streams, KV buckets and object stores' },
  'heartbeat-seconds': { env: 'CLUE_HEARTBEAT_SECONDS', kind: 'number', default: '10', min: 1, max: 3600, describe: 'how often workers must call in' },
  'reconcile-seconds': { env: 'CLUE_RECONCILE_SECONDS', kind: 'number', default: '5', min: 0.1, max: 3600, describe: 'period of the reconcile tick' },
  'poll-after-seconds': { env: 'CLUE_POLL_AFTER_SECONDS', kind: 'int', default: '5', min: 1, max: 3600, describe: 'idle workers ask again after this long' },
  'spread-factor': {
    env: 'CLUE_SPREAD_FACTOR', kind: 'number', default: '0', min: 0, max: 100,
    describe: 'another engine group for a model on the critical path only when it shortens the model\'s remaining time by more than this many load times',
  },
  'unplaceable-seconds': {
    env: 'CLUE_UNPLACEABLE_SECONDS', kind: 'number', default: '120', min: 1, max: 86400,
    describe: 'a model that no live worker can hold fails its queued units after this long',
  },
  'gpus-per-scorer': {
    env: 'CLUE_GPUS_PER_SCORER', kind: 'int', default: '32', min: 1, max: 100000,
    describe: 'one BERTScore scorer engine group (SciBERT, 1 GPU) per this many live GPUs, at least one while BERTScore work remains',
  },
  'shutdown-grace-seconds': { env: 'CLUE_SHUTDOWN_GRACE_SECONDS', kind: 'number', default: '10', min: 0, max: 3600, describe: 'grace period before in-flight calls are cancelled' },
  aggregation: { env: 'CLUE_AGGREGATION', kind: 'string', default: 'exact', choices: ['exact', 'clue'], describe: "cell means: exact, or CLUE's arithmetic" },
  'log-level': { env: 'CLUE_LOG_LEVEL', kind: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], describe: 'log level (logs go to stderr)' },
} as const satisfies Record<string, OptionSpec>;

type Flag = keyof typeof CONFIG_OPTIONS;

function parseValue(flag: string, spec: OptionSpec, raw: string, issues: string[]): string | number | undefined {
  const where = `--${flag} (${spec.env})`;
  if (spec.kind === 'string') {
    if (raw.trim() === '') return void issues.push(`${where}: must not be empty`);
    if (spec.choices && !spec.choices.includes(raw)) return void issues.push(`${where}: must be one of ${spec.choices.join(', ')}, got '${raw}'`);
    return raw;
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) return void issues.push(`${where}: must be a number, got '${raw}'`);
  if (spec.kind === 'int' && !Number.isInteger(n)) return void issues.push(`${where}: must be a whole number, got '${raw}'`);
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    return void issues.push(`${where}: must be from ${spec.min} to ${spec.max}, got ${raw}`);
  }
  return n;
}

/**
 * Parses flags and environment into a frozen {@link CoordinatorConfig}.
 * @throws ConfigError listing every invalid or unknown flag and variable.
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): CoordinatorConfig {
  return parseConfig(argv, env, true);
}

/** Checks the security files (readable, well-formed); returns the problems. */
function securityIssues(c: CoordinatorConfig): string[] {
  const issues: string[] = [];
  const attempt = (f: () => unknown): void => {
    try {
      f();
    } catch (e) {
      issues.push((e as Error).message);
    }
  };
  if (c.tlsCertFile === null || c.tlsKeyFile === null) {
    issues.push('--tls-cert and --tls-key (CLUE_TLS_CERT, CLUE_TLS_KEY) are required: the gRPC server only speaks TLS');
  } else {
    attempt(() => readPem(c.tlsCertFile!, '--tls-cert', 'CERTIFICATE'));
    attempt(() => readPem(c.tlsKeyFile!, '--tls-key', 'PRIVATE KEY'));
  }
  if (c.tokensDir === null) issues.push('--tokens-dir (CLUE_TOKENS_DIR) is required: every gRPC call needs a bearer token');
  else attempt(() => loadTokenDir(c.tokensDir!));
  return issues;
}

function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, requireSecurity: boolean): CoordinatorConfig {
  let y = yargs([...argv])
    .scriptName('clue-coordinator')
    .usage('$0 [options]\n\nThe CLUE coordinator: plans runs, schedules workers, keeps all state in JetStream, serves gRPC.')
    .strict()
    .version(false)
    .help()
    .fail((msg, err) => {
      throw err ?? new ConfigError([msg]);
    });
  for (const [flag, spec] of Object.entries(CONFIG_OPTIONS) as [Flag, OptionSpec][]) {
    const dflt = spec.default !== undefined ? ` [default: ${spec.default}]` : '';
    y = y.option(flag, { type: 'string', describe: `${spec.describe} (env ${spec.env})${dflt}` });
  }
  const args = y.parseSync() as Record<string, unknown>;
  const issues: string[] = [];
  const values: Partial<Record<Flag, string | number>> = {};
  for (const [flag, spec] of Object.entries(CONFIG_OPTIONS) as [Flag, OptionSpec][]) {
    const fromFlag = args[flag];
    const raw = Array.isArray(fromFlag) ? String(fromFlag[fromFlag.length - 1]) : typeof fromFlag === 'string' ? fromFlag : env[spec.env] ?? spec.default;
    if (raw === undefined) continue;
    const v = parseValue(flag, spec, raw, issues);
    if (v !== undefined) values[flag] = v;
  }
  if (issues.length) throw new ConfigError(issues);
  const num = (f: Flag): number => values[f] as number;
  const str = (f: Flag): string => values[f] as string;
  const opt = (f: Flag): string | null => (values[f] as string | undefined) ?? null;
  let natsAuth: NatsAuthSettings = { user: null, password: null, caFile: null };
  try {
    natsAuth = resolveNatsAuth(opt('nats-user'), opt('nats-password-file'), env['CLUE_NATS_PASSWORD'] ?? null, opt('nats-ca'));
  } catch (e) {
    issues.push((e as Error).message);
  }
  const config: CoordinatorConfig = Object.freeze({
    natsUrl: str('nats'),
    natsAuth,
    tlsCertFile: opt('tls-cert'),
    tlsKeyFile: opt('tls-key'),
    tokensDir: opt('tokens-dir'),
    tokensReloadSeconds: num('tokens-reload-seconds'),
    grpcHost: str('grpc-host'),
    grpcPort: num('grpc-port'),
    metricsPort: values['metrics-port'] as number | undefined,
    reportPort: values['report-port'] as number | undefined,
    unitsTargetGpuSeconds: num('units-target-gpu-seconds'),
    maxAttempts: num('max-attempts'),
    stallSeconds: num('stall-seconds'),
    replicas: num('replicas'),
    heartbeatSeconds: num('heartbeat-seconds'),
    reconcileSeconds: num('reconcile-seconds'),
    pollAfterSeconds: num('poll-after-seconds'),
    spreadFactor: num('spread-factor'),
    unplaceableSeconds: num('unplaceable-seconds'),
    gpusPerScorer: num('gpus-per-scorer'),
    shutdownGraceSeconds: num('shutdown-grace-seconds'),
    aggregation: str('aggregation') as 'exact' | 'clue',
    logLevel: str('log-level'),
  });
  if (requireSecurity) issues.push(...securityIssues(config));
  if (issues.length) throw new ConfigError(issues);
  return config;
}

/** The defaults with overrides, without parsing flags (tests and embedding, e.g. `clue up`). */
export function configWith(overrides: Partial<CoordinatorConfig>): CoordinatorConfig {
  return Object.freeze({ ...parseConfig([], {}, false), ...overrides });
}
