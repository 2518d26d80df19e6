/** Typed errors of the local cluster (`clue up`) and its supervisor. */

export type LocalClusterErrorCode =
  /** A component kept dying soon after each restart; the supervisor gave up. */
  | 'CRASH_LOOP'
  /** A component did not come up (the message names it and its log). */
  | 'START_FAILED'
  /** Ctrl-C or SIGTERM stopped the cluster before the run finished. */
  | 'INTERRUPTED';

export class LocalClusterError extends Error {
  readonly code: LocalClusterErrorCode;
  constructor(code: LocalClusterErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LocalClusterError';
    this.code = code;
  }
}
