/**
 * THE bounds table of every request the coordinator accepts (issue #14): for every field of every
 * request message of `clue.v1.Coordinator` and `clue.v1.WorkerApi`, how long, how many or how large it
 * may be, plus each request's largest encoded size (derived from its fields). Enforced at the gRPC
 * boundary (request-bounds.ts) before a handler does any work; the spec parser, the worker registry
 * and the assignment parser read their numbers from here, so no field has two limits.
 *
 * Fields are named as in the protos (snake_case); strings are bounded in UTF-16 code units
 * ("characters"), which the encoded UTF-8 size bounds to at most 3 bytes each. The chosen numbers
 * and the reasons for them are in docs/limits.md (its table is generated from this one by `npm run docs:limits`, grpc/limits-doc.ts).
 */

/** A bounded string; `pattern` restricts the character set of ids that become KV keys or subject tokens. */
export interface StringBound {
  readonly kind: 'string';
  readonly maxChars: number;
  readonly pattern?: { readonly re: RegExp; readonly describe: string };
}
/** A bounded `bytes` field. */
export interface BytesBound {
  readonly kind: 'bytes';
  readonly maxBytes: number;
}
/** A number in `[min, max]` (`(min, max]` when `minExclusive`); `integer` for whole numbers. */
export interface NumberBound {
  readonly kind: 'number';
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  readonly minExclusive?: boolean;
  /** Appended to the message, e.g. "(0 = all)". */
  readonly note?: string;
}
/** A bool: every value is in bounds (listed so the table covers every field). */
export interface BoolBound {
  readonly kind: 'bool';
}
/** A repeated field: at most `maxCount` elements, each within `element`. */
export interface ListBound {
  readonly kind: 'list';
  readonly maxCount: number;
  readonly element: FieldBound;
}
/** A map field: at most `maxEntries` entries, keys and values within their bounds. */
export interface MapBound {
  readonly kind: 'map';
  readonly maxEntries: number;
  readonly key: FieldBound;
  readonly value: FieldBound;
}
/** A nested message: bounds of its fields. */
export interface MessageBound {
  readonly kind: 'message';
  readonly fields: MessageBounds;
}
/** The bound of one field. */
export type FieldBound = StringBound | BytesBound | NumberBound | BoolBound | ListBound | MapBound | MessageBound;
/** Bounds of a message's fields, by proto field name. */
export type MessageBounds = Readonly<Record<string, FieldBound>>;

/** The bounds of one method's request. */
export interface RequestLimits {
  /** The request message's proto name (without package). */
  readonly message: string;
  readonly fields: MessageBounds;
  /** Largest encoded request accepted: the encoded size of the largest in-bounds message. */
  readonly maxBytes: number;
}

/** `top_p` -> `topP`, as @grpc/proto-loader names fields (keepCase false). */
export function camelName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const KIB = 1024;
const MIB = 1024 * KIB;

const str = (maxChars: number, pattern?: StringBound['pattern']): StringBound => (pattern ? { kind: 'string', maxChars, pattern } : { kind: 'string', maxChars });
const int = (min: number, max: number, note?: string): NumberBound => (note ? { kind: 'number', integer: true, min, max, note } : { kind: 'number', integer: true, min, max });
const real = (min: number, max: number, extra: Partial<Pick<NumberBound, 'minExclusive' | 'note'>> = {}): NumberBound => ({ kind: 'number', integer: false, min, max, ...extra });
const list = (maxCount: number, element: FieldBound): ListBound => ({ kind: 'list', maxCount, element });
const BOOL: BoolBound = { kind: 'bool' };

/** Run ids: `r` + 12 hex today; KV keys and subject tokens, so letters, digits, `_` and `-` only. */
export const RUN_ID: StringBound = str(128, { re: /^[A-Za-z0-9_-]*$/, describe: "letters, digits, '_' and '-'" });
/** Worker ids are KV keys: tokens of letters, digits, `_`, `-`, separated by dots (workers.ts checks the dots). */
export const WORKER_ID: StringBound = str(200, { re: /^[A-Za-z0-9_.-]*$/, describe: "letters, digits, '_', '-' and '.'" });
/** Unit ids `<run>.<model>.<task>.<shard>` (about 60 characters today). */
export const UNIT_ID: StringBound = str(256);
/** A model: a catalog key (at most 27 characters today) or a Hugging Face id (`org/name`, HF caps the name at 96). */
export const MODEL_NAME: StringBound = str(200);
/** A task id (the longest is 14 characters). */
export const TASK_ID: StringBound = str(64);
/** Short enumerations and codes: GPU class, group state, failure kind and code, engine, preset. */
export const CODE: StringBound = str(64);
/** Free text: cancel and failure reasons (the worker cuts its failure lines to fit). */
export const REASON: StringBound = str(1024);
/** A sha256 as text (64 hex characters; the parser trims and lower-cases it). */
export const SHA256_TEXT: StringBound = str(128);
/** Node GPU indices (nvidia-smi numbers; 8 or 16 per node in practice). */
export const GPU_INDEX: NumberBound = int(0, 255);
/** GPUs per worker and per engine group (8 per node in practice). */
export const MAX_GPUS = 64;
/** Engine groups per worker (one per GPU at most). */
export const MAX_GROUPS = 64;
/** Units one engine group runs at once. */
export const UNITS_PER_GROUP = int(0, 1024);
/** Tensor-parallel size of a group (0 = the group's GPU count). */
export const TENSOR_PARALLEL = int(0, 64, '(0 = the group\'s GPU count)');
/** Samples and counts within one unit (the planner caps a unit at 1000 samples). */
const UNIT_SAMPLES = int(0, 1_000_000);
/** Token counters (int64 on the wire, numbers here: safe integers only). */
const TOKENS = int(0, Number.MAX_SAFE_INTEGER);
/** Largest dataset file RegisterDataset takes in its one message (CLUE's largest files are a few MB). */
export const DATASET_MAX_BYTES = 64 * MIB;
/** ListRuns returns at most this many runs. */
export const LIST_RUNS_MAX = 500;

/** The Sampling message. */
export const SAMPLING_BOUNDS = {
  temperature: real(0, 2),
  top_p: real(0, 1, { minExclusive: true }),
  max_tokens: int(0, 131_072, "(0 = the task's CLUE value)"),
  seed: int(0, Number.MAX_SAFE_INTEGER),
} as const satisfies MessageBounds;

/** The RunSpec message. */
export const RUN_SPEC_BOUNDS = {
  name: str(200),
  // A few hundred names: aliases and HF ids of the 31 catalog models, duplicates collapse.
  models: list(256, MODEL_NAME),
  // CLUE has 6 tasks; duplicates collapse.
  tasks: list(32, TASK_ID),
  datasets: { kind: 'map', maxEntries: 32, key: TASK_ID, value: SHA256_TEXT } as MapBound,
  sampling: { kind: 'message', fields: SAMPLING_BOUNDS } as MessageBound,
  max_samples: int(0, 10_000_000, '(0 = all)'),
  idempotency_key: str(256),
  preset: CODE,
  disable_bertscore: BOOL,
} as const satisfies MessageBounds;

const GPU_BOUNDS: MessageBounds = {
  index: GPU_INDEX,
  gpu_class: CODE,
  memory_gib: real(0, 4096),
  uuid: str(128),
};

/** The EngineGroupStatus message (GetAssignment). */
export const ENGINE_GROUP_BOUNDS = {
  // Group ids are made by the coordinator (worker, GPUs, model); 300 leaves room for long HF ids.
  id: str(300),
  gpu_indices: list(MAX_GPUS, GPU_INDEX),
  model: MODEL_NAME,
  state: CODE,
  units_running: UNITS_PER_GROUP,
  free_slots: UNITS_PER_GROUP,
  tensor_parallel_size: TENSOR_PARALLEL,
  load_seconds: real(0, 1_000_000),
  failure_code: CODE,
  failure_reason: REASON,
} as const satisfies MessageBounds;

/** The GateVerdict message (RecordGateVerdict; recorded_at is set by the coordinator and ignored). */
export const GATE_VERDICT_BOUNDS = {
  passed: BOOL,
  against_run_id: RUN_ID,
  violations: int(0, 1_000_000),
  // One line naming the violated cells; the CLI cuts its summary to fit.
  summary: str(2000),
  recorded_at: str(64),
} as const satisfies MessageBounds;

type Fields = MessageBounds;
const COORDINATOR_FIELDS: Readonly<Record<string, readonly [string, Fields]>> = {
  SubmitRun: ['SubmitRunRequest', { spec: { kind: 'message', fields: RUN_SPEC_BOUNDS } }],
  GetRun: ['GetRunRequest', { run_id: RUN_ID }],
  ListRuns: ['ListRunsRequest', { limit: int(0, LIST_RUNS_MAX, '(0 = 20)') }],
  CancelRun: ['CancelRunRequest', { run_id: RUN_ID, reason: REASON }],
  WatchRun: ['WatchRunRequest', { run_id: RUN_ID }],
  GetResults: ['GetResultsRequest', { run_id: RUN_ID }],
  GetSamples: ['GetSamplesRequest', { run_id: RUN_ID, model: MODEL_NAME, task: TASK_ID }],
  ListWorkers: ['ListWorkersRequest', {}],
  RecordGateVerdict: ['RecordGateVerdictRequest', { run_id: RUN_ID, verdict: { kind: 'message', fields: GATE_VERDICT_BOUNDS } }],
  // File names: 255 is the longest name most file systems allow.
  RegisterDataset: ['RegisterDatasetRequest', { task: TASK_ID, file_name: str(255), content: { kind: 'bytes', maxBytes: DATASET_MAX_BYTES } }],
};

const WORKER_API_FIELDS: Readonly<Record<string, readonly [string, Fields]>> = {
  // Node names are DNS names (at most 253 characters).
  Register: ['RegisterRequest', { worker_id: WORKER_ID, node: str(253), gpus: list(MAX_GPUS, { kind: 'message', fields: GPU_BOUNDS }), engine: CODE }],
  GetAssignment: ['AssignmentRequest', { worker_id: WORKER_ID, groups: list(MAX_GROUPS, { kind: 'message', fields: ENGINE_GROUP_BOUNDS }) }],
  ReportProgress: [
    'ProgressReport',
    { worker_id: WORKER_ID, unit_id: UNIT_ID, samples_done: UNIT_SAMPLES, samples_total: UNIT_SAMPLES, prompt_tokens: TOKENS, generated_tokens: TOKENS },
  ],
  // CompleteUnit carries no outputs: they are in the object store already; the request names the object.
  CompleteUnit: [
    'CompleteUnitRequest',
    {
      worker_id: WORKER_ID,
      unit_id: UNIT_ID,
      results_object: str(512),
      results_sha256: SHA256_TEXT,
      samples: UNIT_SAMPLES,
      gpu_seconds: real(0, 10_000_000),
      gpu_class: CODE,
      tensor_parallel_size: TENSOR_PARALLEL,
    },
  ],
  FailUnit: ['FailUnitRequest', { worker_id: WORKER_ID, unit_id: UNIT_ID, kind: CODE, reason: REASON }],
};

/** A varint's largest size (10 bytes for a negative int32/int64), a tag's and a length prefix's (fields < 2048, lengths < 4 GiB). */
const VARINT = 10;
const TAG = 2;
const LEN = 5;

/** The encoded size of the largest in-bounds value of a field, tag included. */
export function maxEncodedBytes(b: FieldBound): number {
  switch (b.kind) {
    case 'string':
      return TAG + LEN + 3 * b.maxChars;
    case 'bytes':
      return TAG + LEN + b.maxBytes;
    case 'number':
      return TAG + (b.integer ? VARINT : 8);
    case 'bool':
      return TAG + 1;
    case 'list':
      return b.maxCount * maxEncodedBytes(b.element);
    case 'map':
      return b.maxEntries * (TAG + LEN + maxEncodedBytes(b.key) + maxEncodedBytes(b.value));
    case 'message':
      return TAG + LEN + messageBytes(b.fields);
  }
}

function messageBytes(fields: MessageBounds): number {
  return Object.values(fields).reduce((n, f) => n + maxEncodedBytes(f), 0);
}

function build(table: Readonly<Record<string, readonly [string, Fields]>>): Readonly<Record<string, RequestLimits>> {
  return Object.fromEntries(Object.entries(table).map(([method, [message, fields]]) => [method, { message, fields, maxBytes: messageBytes(fields) }]));
}

/** Request bounds of `clue.v1.Coordinator`, by method. */
export const COORDINATOR_LIMITS: Readonly<Record<string, RequestLimits>> = build(COORDINATOR_FIELDS);
/** Request bounds of `clue.v1.WorkerApi`, by method (ReportProgress: per streamed message). */
export const WORKER_API_LIMITS: Readonly<Record<string, RequestLimits>> = build(WORKER_API_FIELDS);

/** Every service's bounds, by service name as in the protos. */
export const REQUEST_LIMITS = { Coordinator: COORDINATOR_LIMITS, WorkerApi: WORKER_API_LIMITS } as const;

/**
 * The server's `grpc.max_receive_message_length`: the largest legitimate request of any method
 * (RegisterDataset with a {@link DATASET_MAX_BYTES} file). Smaller per-method bounds are checked on the
 * encoded request before it is decoded.
 */
export const SERVER_MAX_RECEIVE_BYTES: number = Math.max(...[COORDINATOR_LIMITS, WORKER_API_LIMITS].flatMap((t) => Object.values(t).map((l) => l.maxBytes)));

/**
 * The server's `grpc.max_send_message_length`: the largest reply. The biggest in-bounds replies are a
 * Run (or a GetResults table) of a 31-model x 6-task run, about 1 MB with the longest reasons; ListRuns
 * sends up to 500 runs, usually small (one 20-cell run is ~5 KB). 64 MiB covers 500 runs of 186 cells
 * each with their reasons; streams (WatchRun, GetSamples) send one Run or one Sample per message.
 */
export const SERVER_MAX_SEND_BYTES = 64 * MIB;
