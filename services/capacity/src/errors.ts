/**
 * Typed errors of the capacity simulator: a message for humans plus a stable code, so the CLI maps
 * them to exit codes without matching message text.
 */

/** Stable error codes of @clue/capacity. */
export type CapacityErrorCode =
  /** A cluster description that cannot be parsed (names the bad part and the known GPU classes). */
  | 'INVALID_CLUSTER'
  /** A bad simulation input (an empty matrix, a negative time, a unit of an unknown model). */
  | 'INVALID_ARGUMENT'
  /** The reality model cannot run a model that the catalog says fits (vllm-sim and the catalog disagree). */
  | 'REALITY_MISMATCH'
  /** Work is left but nothing can ever run it (the policy placed nothing and no event is pending). */
  | 'SIMULATION_STUCK';

/** An error of the capacity simulator. */
export class CapacityError extends Error {
  readonly code: CapacityErrorCode;
  constructor(code: CapacityErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CapacityError';
    this.code = code;
  }
}
