/**
 * Typed errors of the worker runtime. What happens to a unit is decided by the class of the error,
 * never by its message:
 *
 * - `UnitFailure` `infrastructure` (engine crash, hang, OOM, coordinator or NATS trouble, this worker's
 *   configuration): the unit goes back to the queue (`nak`), no attempt is spent.
 * - `UnitFailure` `deterministic` (bad data: the dataset cannot be read, the unit's range does not exist):
 *   the coordinator dead-letters the unit, the worker `term`s the message.
 * - `UnitFailure` `error` (an unexpected error, e.g. a bug): retried, but the coordinator counts an
 *   attempt and dead-letters the unit when they are used up.
 * Whatever the kind, the worker `term`s the message exactly when the coordinator answers that it
 * dead-lettered the unit, and `nak`s it otherwise.
 */
import { ClueError } from '@clue/tasks';

/** How a unit failed (the `kind` of `FailUnit`). */
export type FailureKind = 'infrastructure' | 'deterministic' | 'error';

/** A unit could not be completed. */
export class UnitFailure extends Error {
  readonly kind: FailureKind;
  constructor(kind: FailureKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UnitFailure';
    this.kind = kind;
  }
}

/** Shorthand for an infrastructure failure. */
export function infrastructure(message: string, cause?: unknown): UnitFailure {
  return new UnitFailure('infrastructure', message, cause === undefined ? undefined : { cause });
}

/** Shorthand for a deterministic failure. */
export function deterministic(message: string, cause?: unknown): UnitFailure {
  return new UnitFailure('deterministic', message, cause === undefined ? undefined : { cause });
}

/** Shorthand for an unexpected error (an attempt is counted). */
export function unexpected(message: string, cause?: unknown): UnitFailure {
  return new UnitFailure('error', message, cause === undefined ? undefined : { cause });
}

/** A bad flag, environment variable or node setup, found before anything starts. */
export class WorkerConfigError extends ClueError {
  /** The flag (or other setting) concerned, e.g. `--gpus`. */
  readonly setting: string;
  constructor(setting: string, reason: string) {
    super('INVALID_ARGUMENT', `${setting}: ${reason}`);
    this.name = 'WorkerConfigError';
    this.setting = setting;
  }
}

/** A coordinator call failed for good (after retries, or with a non-retryable status). */
export class CoordinatorError extends Error {
  /** The gRPC status code (grpc-js `status`). */
  readonly grpcCode: number;
  readonly method: string;
  /** True for statuses worth retrying later (unavailable, deadline, overload). */
  readonly transient: boolean;
  constructor(method: string, grpcCode: number, details: string, transient: boolean) {
    super(`coordinator ${method} failed (gRPC status ${grpcCode}): ${details}`);
    this.name = 'CoordinatorError';
    this.method = method;
    this.grpcCode = grpcCode;
    this.transient = transient;
  }
}

/** The message of any thrown value, first line only (log-safe: never includes stacks or payloads). */
export function errorLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
