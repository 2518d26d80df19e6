/** A promise-based client of the coordinator's gRPC API, with deadlines and readable errors. */
import * as grpc from '@grpc/grpc-js';
import { TlsConfigError, clientCredentials, isTlsFailure, loadClueProto, type ClientTlsSettings } from '@clue/common';
import { ClueError } from '@clue/tasks';

/** Default coordinator address: $CLUE_COORDINATOR or the local cluster's. */
export function defaultCoordinator(): string {
  return process.env['CLUE_COORDINATOR'] ?? '127.0.0.1:50051';
}

/** A gRPC failure the CLI reports: user errors exit 2, refused credentials 3, key conflicts 5, unreachable/internal 1. */
export class RpcError extends Error {
  readonly grpcCode: number;
  readonly userError: boolean;
  /** The credentials were refused or the coordinator's certificate is not trusted. */
  readonly authError: boolean;
  /** ALREADY_EXISTS: the idempotency key already names a run with a different spec. */
  readonly conflict: boolean;
  constructor(message: string, grpcCode: number, authError = false) {
    super(message);
    this.name = 'RpcError';
    this.grpcCode = grpcCode;
    this.conflict = grpcCode === grpc.status.ALREADY_EXISTS;
    this.userError = [grpc.status.INVALID_ARGUMENT, grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION].includes(grpcCode);
    this.authError = authError || grpcCode === grpc.status.UNAUTHENTICATED || grpcCode === grpc.status.PERMISSION_DENIED;
  }
}

/**
 * The largest reply the CLI takes: the coordinator's send limit (64 MiB; ListRuns of 500 large runs is
 * the biggest reply, docs/limits.md). Kept equal to `SERVER_MAX_SEND_BYTES` by a test; not imported,
 * so CLI commands do not load the coordinator.
 */
export const CLI_MAX_RECEIVE_BYTES = 64 * 1024 * 1024;
/**
 * The largest request the CLI sends: RegisterDataset with the largest file the coordinator takes
 * (64 MiB) plus the message's other fields. The 512 MiB of old only let a file through that the
 * coordinator then refused. At least `SERVER_MAX_RECEIVE_BYTES` (tested).
 */
export const CLI_MAX_SEND_BYTES = 64 * 1024 * 1024 + 4096;

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;

/** The coordinator client. */
export class CoordinatorClient {
  private readonly client: grpc.Client;
  /** @throws ClueError when the CA file cannot be read. */
  constructor(
    readonly address: string,
    auth: ClientTlsSettings,
  ) {
    const { Coordinator } = loadClueProto();
    let creds;
    try {
      creds = clientCredentials(auth);
    } catch (e) {
      if (e instanceof TlsConfigError) throw new ClueError('INVALID_ARGUMENT', e.message);
      throw e;
    }
    this.client = new Coordinator(address, creds.credentials, {
      ...creds.options,
      'grpc.keepalive_time_ms': 20000,
      'grpc.max_receive_message_length': CLI_MAX_RECEIVE_BYTES,
      'grpc.max_send_message_length': CLI_MAX_SEND_BYTES,
    });
  }

  /** Calls a unary method with a deadline. */
  call<T>(method: string, req: unknown, timeoutMs = 30000): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary>)[method];
    if (!fn) throw new ClueError('INVALID_ARGUMENT', `no such coordinator method ${method}`);
    return new Promise<T>((resolve, reject) => {
      fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(this.wrap(err));
        else resolve(res as T);
      });
    });
  }

  /** Opens WatchRun; `onRun` gets every update; resolves when the server ends the stream. */
  watch<T>(runId: string, onRun: (run: T) => void, signal?: AbortSignal): Promise<void> {
    const call = (this.client as unknown as Record<string, (req: unknown) => grpc.ClientReadableStream<T>>)['watchRun']!.call(this.client, { runId });
    signal?.addEventListener('abort', () => call.cancel(), { once: true });
    return new Promise<void>((resolve, reject) => {
      call.on('data', onRun);
      call.on('end', () => resolve());
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED && signal?.aborted ? resolve() : reject(this.wrap(e))));
    });
  }

  /** Calls a server-streaming method and collects every message (bounded by `timeoutMs`). */
  collect<T>(method: string, req: unknown, timeoutMs = 120000): Promise<T[]> {
    const fn = (this.client as unknown as Record<string, (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<T>>)[method];
    if (!fn) throw new ClueError('INVALID_ARGUMENT', `no such coordinator method ${method}`);
    const call = fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs });
    return new Promise<T[]>((resolve, reject) => {
      const out: T[] = [];
      call.on('data', (m: T) => out.push(m));
      call.on('end', () => resolve(out));
      call.on('error', (e: grpc.ServiceError) => reject(this.wrap(e)));
    });
  }

  close(): void {
    this.client.close();
  }

  private wrap(e: grpc.ServiceError): RpcError {
    const details = e.details || e.message;
    if ((e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) && isTlsFailure(details)) {
      return new RpcError(
        `the TLS handshake with the coordinator at ${this.address} failed (${details}): does --tls-ca (CLUE_TLS_CA) name the CA that signed its certificate, and does the certificate name this host (--tls-server-name)?`,
        e.code,
        true,
      );
    }
    if (e.code === grpc.status.UNAUTHENTICATED || e.code === grpc.status.PERMISSION_DENIED) {
      return new RpcError(`the coordinator refused the call: ${details}`, e.code);
    }
    if (e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED) {
      return new RpcError(`cannot reach the coordinator at ${this.address} (${e.details || e.message}); is it running? (\`clue up\` starts a local cluster; --coordinator or CLUE_COORDINATOR sets the address)`, e.code);
    }
    return new RpcError(e.details || e.message, e.code);
  }
}
