/**
 * Typed errors of @clue/report: a message for humans plus a stable code, so the CLI maps them to exit
 * codes without matching message text.
 */

/** Stable error codes of @clue/report. */
export type ReportErrorCode =
  /** A bad argument (an empty sample set, a confidence outside (0, 1), a diff of another run). */
  | 'INVALID_ARGUMENT'
  /** A gate policy that cannot be used (names the field and what is allowed). */
  | 'GATE_POLICY_INVALID';

/** An error of @clue/report. */
export class ReportError extends Error {
  readonly code: ReportErrorCode;
  constructor(code: ReportErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReportError';
    this.code = code;
  }
}

/** A gate policy that cannot be used; `field` names the offending field ('' for the whole document). */
export class GatePolicyError extends ReportError {
  readonly source: string;
  readonly field: string;
  constructor(source: string, field: string, message: string, options?: ErrorOptions) {
    super('GATE_POLICY_INVALID', `${source}: ${field === '' ? '' : `${field}: `}${message}`, options);
    this.name = 'GatePolicyError';
    this.source = source;
    this.field = field;
  }
}
