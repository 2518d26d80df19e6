/**
 * Typed errors of the coordinator, and the ONE function that maps any thrown value to a gRPC status.
 * Handlers throw; the gRPC adapters call {@link toGrpcStatus} at their boundary. Messages name what is
 * wrong (a spec field, a unit id, a file/record) and never carry patient text or stack traces.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ClueError, coerceError } from '@clue/tasks';

/** Stable error codes of the coordinator. */
export type CoordinatorErrorCode =
  /** Bad input: a spec field, a dataset file, a malformed id or value. */
  | 'INVALID_ARGUMENT'
  /** A run, unit or worker does not exist. */
  | 'NOT_FOUND'
  /** The call is valid but the state does not allow it (e.g. a results object not written yet, an unregistered worker). */
  | 'FAILED_PRECONDITION'
  /** The idempotency key already names a run with a different spec (submit.ts, idempotency.ts). */
  | 'ALREADY_EXISTS'
  /** A compare-and-set kept losing against concurrent writers. */
  | 'ABORTED'
  /** JetStream is not reachable (the caller should retry). */
  | 'UNAVAILABLE'
  /** The coordinator is shutting down. */
  | 'SHUTTING_DOWN'
  /** A bug or an unexpected state. */
  | 'INTERNAL';

/** An error with a stable code; `field` names the request field at fault, when there is one. */
export class CoordinatorError extends Error {
  readonly code: CoordinatorErrorCode;
  readonly field: string | undefined;
  constructor(code: CoordinatorErrorCode, message: string, options?: ErrorOptions & { field?: string }) {
    super(message, options);
    this.name = 'CoordinatorError';
    this.code = code;
    this.field = options?.field;
  }
}

/** Shorthand for an INVALID_ARGUMENT naming `field`: the message reads `field: reason`. */
export function invalidArgument(field: string, reason: string, options?: ErrorOptions): CoordinatorError {
  return new CoordinatorError('INVALID_ARGUMENT', `${field}: ${reason}`, { ...options, field });
}

/** A gRPC status: code and details (the message shown to the client). */
export interface GrpcStatusInfo {
  readonly code: GrpcStatus;
  readonly details: string;
}

const CODE_TO_STATUS: Readonly<Record<CoordinatorErrorCode, GrpcStatus>> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  ABORTED: GrpcStatus.ABORTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  SHUTTING_DOWN: GrpcStatus.UNAVAILABLE,
  INTERNAL: GrpcStatus.INTERNAL,
};

/** Names of NATS client errors that mean "JetStream is not reachable right now". */
const NATS_UNAVAILABLE = new Set(['TimeoutError', 'ClosedConnectionError', 'NoRespondersError', 'RequestError', 'ConnectionError', 'DrainingConnectionError']);

/**
 * Maps anything thrown by a handler to a gRPC status: coordinator codes one to one, task-library
 * errors (bad dataset, unknown model/task/preset) to INVALID_ARGUMENT, NATS connectivity errors to
 * UNAVAILABLE, everything else to INTERNAL (message only, never a stack).
 */
export function toGrpcStatus(e: unknown): GrpcStatusInfo {
  const s = unboundedStatus(e);
  return { code: s.code, details: boundedDetails(s.details) };
}

/**
 * The longest status message sent, in characters. grpc-message travels in the HTTP/2 trailers, and a
 * grpc-js client drops a trailer block that is too large: measured on loopback with grpc-js 1.14, an
 * ASCII message of 66,000 characters arrives and one of 80,000 ends the call in DEADLINE_EXCEEDED
 * (8,000 '…' arrive, 20,000 do not), and the client's next calls on that connection time out too.
 * 4,000 leaves that limit far behind, multi-byte characters included.
 */
export const STATUS_DETAILS_MAX = 4000;

/** `details` cut to {@link STATUS_DETAILS_MAX} at a line end where there is one, saying how much was left out. */
export function boundedDetails(details: string): string {
  if (details.length <= STATUS_DETAILS_MAX) return details;
  const room = STATUS_DETAILS_MAX - 120;
  const lineEnd = details.lastIndexOf('\n', room);
  const cut = lineEnd > room / 2 ? lineEnd : room;
  const rest = details.slice(cut);
  const lines = rest.split('\n').filter((l) => l.trim() !== '').length;
  return `${details.slice(0, cut)}\n… and ${lines} more line(s) (${rest.length} characters) not shown; fix the problems above and retry`;
}

function unboundedStatus(e: unknown): GrpcStatusInfo {
  if (e instanceof CoordinatorError) return { code: CODE_TO_STATUS[e.code], details: e.message };
  if (e instanceof ClueError) {
    const code = e.code === 'SCORER_UNAVAILABLE' ? GrpcStatus.FAILED_PRECONDITION : GrpcStatus.INVALID_ARGUMENT;
    return { code, details: e.message };
  }
  const err = coerceError(e);
  if (NATS_UNAVAILABLE.has(err.name) || NATS_UNAVAILABLE.has(err.constructor.name)) {
    return { code: GrpcStatus.UNAVAILABLE, details: `JetStream unavailable: ${err.message}` };
  }
  return { code: GrpcStatus.INTERNAL, details: `internal error: ${err.message}` };
}

/** True for the JetStream "wrong last sequence" answer of a failed KV create/update (a CAS conflict). */
export function isCasConflict(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 10071 || code === 10164;
}
