/**
 * Glue between grpc-js callbacks and async handlers: a thrown error becomes a gRPC status through
 * the one mapping function ({@link toGrpcStatus}); internal errors are logged (ids only, no payloads).
 */
import { status as GrpcStatus, type ServerErrorResponse, type ServiceError, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import type { Logger } from '@clue/common';
import { toGrpcStatus } from '../errors.js';

/** A grpc-js error object for a status. */
export function grpcError(e: unknown): Partial<ServiceError> & ServerErrorResponse {
  const s = toGrpcStatus(e);
  return { name: 'Error', message: s.details, code: s.code, details: s.details, metadata: new Metadata() };
}

/** Logs a failed call: internal errors as errors, client errors at debug. */
export function logFailure(logger: Logger, method: string, e: unknown): void {
  const s = toGrpcStatus(e);
  if (s.code === GrpcStatus.INTERNAL) logger.error({ method, err: (e as Error)?.stack ?? String(e) }, 'call failed');
  else logger.debug({ method, code: GrpcStatus[s.code], details: s.details }, 'call rejected');
}

/** Wraps an async unary handler. */
export function unary<Req, Res>(logger: Logger, method: string, fn: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    fn(call.request).then(
      (res) => callback(null, res),
      (e: unknown) => {
        logFailure(logger, method, e);
        callback(grpcError(e));
      },
    );
  };
}
