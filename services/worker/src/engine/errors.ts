/**
 * Typed errors of the engine driver. Every failure between "serve model M on these GPUs" and "here are
 * chat completions" is an `EngineError` with a stable `code` and a classification telling the caller
 * what to do about it:
 *
 * - `retryable`: infrastructure trouble (crash, hang, transient 5xx, start-up hiccup). Retry, here or on
 *   another worker, without spending one of the unit's attempts.
 * - `permanent`: the same input fails every time (a 400 such as a context overflow, an invalid or gated
 *   model repository, a bad configuration). Record it, do not retry.
 * - `needsBiggerWorker`: the model does not fit this node's GPUs (or only with a safer profile the
 *   engine already tried). Schedule the model elsewhere.
 */

/** Stable error codes of the engine driver. */
export type EngineErrorCode =
  /** Bad options given to the driver itself (unknown GPU class, bad length or utilization). */
  | 'INVALID_CONFIG'
  /** The catalog says the model cannot fit this node's GPUs at the requested length. */
  | 'MODEL_DOES_NOT_FIT'
  /** vLLM: the KV cache cannot hold one max-length sequence; carries vLLM's estimated maximum length. */
  | 'START_FAILED_KV_CACHE'
  /** vLLM: weights and activations leave no memory for KV-cache blocks. */
  | 'START_FAILED_NO_KV_MEMORY'
  /** CUDA out of memory while loading. */
  | 'START_FAILED_OOM'
  /** The GPU already holds memory of another process (vLLM's "Free memory on device ... is less than desired"). */
  | 'START_FAILED_GPU_BUSY'
  /** The HTTP port was taken between choosing and binding it. */
  | 'START_FAILED_PORT_IN_USE'
  /** vLLM refused its arguments (usage error, max length above the model's, heads not divisible by TP...). */
  | 'START_FAILED_CONFIG'
  /** Any other start-up failure; the message carries the log tail. */
  | 'START_FAILED'
  /** The repository id is invalid, does not exist, or is gated without an accepted token. */
  | 'MODEL_INVALID_OR_GATED'
  /** `/health` did not answer 200 within the start-up budget. */
  | 'START_TIMEOUT'
  /** The server died (or its engine died) after it was ready. */
  | 'CRASHED'
  /** Requests were in flight but nothing progressed for the hang timeout; the server was killed. */
  | 'HUNG'
  /** vLLM answered 4xx (400: context overflow, bad sampling values...); never retried. */
  | 'REQUEST_REJECTED'
  /** 401/403/404 from vLLM: wrong API key, served model name or route. */
  | 'CONFIG_ERROR'
  /** Transient failures (5xx, connection errors, timeouts) persisted through every retry. */
  | 'REQUEST_FAILED'
  /** The caller cancelled (AbortSignal). */
  | 'ABORTED'
  /** The engine is stopped or stopping, so the request could not run. */
  | 'STOPPED';

/** What a caller should do about an error. */
export type EngineErrorClass = 'retryable' | 'permanent' | 'needsBiggerWorker';

/** The classification of every code. */
export const ENGINE_ERROR_CLASS: Readonly<Record<EngineErrorCode, EngineErrorClass>> = Object.freeze({
  INVALID_CONFIG: 'permanent',
  MODEL_DOES_NOT_FIT: 'needsBiggerWorker',
  START_FAILED_KV_CACHE: 'needsBiggerWorker',
  START_FAILED_NO_KV_MEMORY: 'needsBiggerWorker',
  START_FAILED_OOM: 'needsBiggerWorker',
  START_FAILED_GPU_BUSY: 'retryable',
  START_FAILED_PORT_IN_USE: 'retryable',
  START_FAILED_CONFIG: 'permanent',
  START_FAILED: 'retryable',
  MODEL_INVALID_OR_GATED: 'permanent',
  START_TIMEOUT: 'retryable',
  CRASHED: 'retryable',
  HUNG: 'retryable',
  REQUEST_REJECTED: 'permanent',
  CONFIG_ERROR: 'permanent',
  REQUEST_FAILED: 'retryable',
  ABORTED: 'retryable',
  STOPPED: 'retryable',
});

/** Optional structured details of an `EngineError`. */
export interface EngineErrorDetails {
  /** HTTP status of the response that caused it. */
  readonly status?: number;
  /** vLLM's `error.message` (REQUEST_REJECTED) or `error.param`. */
  readonly serverMessage?: string;
  readonly param?: string | null;
  /** True for a 400 about the context length (prompt or prompt + max_tokens too long). */
  readonly contextOverflow?: boolean;
  /** START_FAILED_KV_CACHE: the maximum model length vLLM estimated it could serve. */
  readonly estimatedMaxModelLen?: number;
  /** MODEL_INVALID_OR_GATED: true when the repository exists but is gated. */
  readonly gated?: boolean;
  /** Exit code / signal of the vLLM process, for start-up failures and crashes. */
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  /** The last lines of vLLM's log (start-up failures, crashes); never contains prompts or the API key. */
  readonly logTail?: readonly string[];
  /** How many HTTP attempts were made (REQUEST_FAILED). */
  readonly attempts?: number;
}

/** An engine-driver failure: a message for humans, a machine-readable code and its classification. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly details: EngineErrorDetails;
  constructor(code: EngineErrorCode, message: string, details: EngineErrorDetails = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }

  /** What to do about it. */
  get classification(): EngineErrorClass {
    return ENGINE_ERROR_CLASS[this.code];
  }
  /** Retry (here or elsewhere) without counting it against the work. */
  get retryable(): boolean {
    return this.classification === 'retryable';
  }
  /** The same input fails every time. */
  get permanent(): boolean {
    return this.classification === 'permanent';
  }
  /** The model needs a node with more (or larger) GPUs. */
  get needsBiggerWorker(): boolean {
    return this.classification === 'needsBiggerWorker';
  }
}

/** True for an `EngineError` with one of `codes` (any code when none are given). */
export function isEngineError(e: unknown, ...codes: EngineErrorCode[]): e is EngineError {
  return e instanceof EngineError && (codes.length === 0 || codes.includes(e.code));
}

/** The error an aborted signal carries: its reason when that is an `EngineError`, else `ABORTED`. */
export function abortError(signal: AbortSignal, what = 'request'): EngineError {
  const r: unknown = signal.reason;
  if (r instanceof EngineError) return r;
  const why = r instanceof Error && r.name === 'TimeoutError' ? 'timed out' : 'was cancelled';
  return new EngineError('ABORTED', `${what} ${why}`, {}, { cause: r });
}
