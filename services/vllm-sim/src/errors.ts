/**
 * Typed errors of the simulator. `SimError` is a configuration or input problem of the simulator
 * itself (bad env var, unreadable oracle file); vLLM's own failures are reproduced as log output and
 * exit codes, not as these errors.
 */

/** Stable error codes. */
export type SimErrorCode = 'INVALID_ENV' | 'INVALID_ARGUMENT' | 'UNREADABLE_FILE' | 'UNKNOWN_GPU';

/** A simulator configuration error: a message for humans plus a machine-readable code. */
export class SimError extends Error {
  readonly code: SimErrorCode;
  constructor(code: SimErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimError';
    this.code = code;
  }
}

/** An argparse-style usage error (`vllm serve: error: ...`, exit code 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
