/**
 * The gRPC server: Coordinator and WorkerApi on one port, plus the standard health service
 * (grpc.health.v1; overall status under "" and per service). TLS only; every Coordinator and
 * WorkerApi call needs a bearer token of a role the method allows (the health service needs none, for
 * probes). Every request is checked against the bounds table (limits.ts) after authentication and
 * before its handler runs. Shutdown: tryShutdown (stop accepting, wait for in-flight calls), then
 * forceShutdown after the grace period.
 */
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { COORDINATOR_ROLES, WORKER_API_ROLES, guardService, loadClueProto, serverTlsCredentials, type Denial, type TokenTable } from '@clue/common';
import type { CoordinatorError } from '../errors.js';
import { COORDINATOR_LIMITS, SERVER_MAX_RECEIVE_BYTES, SERVER_MAX_SEND_BYTES, WORKER_API_LIMITS } from './limits.js';
import { boundedDefinition, boundedService } from './request-bounds.js';

/** Health-checked service names. */
export const HEALTH_SERVICES = ['', 'clue.v1.Coordinator', 'clue.v1.WorkerApi'] as const;


/** A bound server. */
export interface BoundGrpcServer {
  readonly server: Server;
  readonly health: HealthImplementation;
  /** `host:port` actually bound. */
  readonly address: string;
  readonly port: number;
  setHealth(status: ServingStatus): void;
  /** Graceful stop within `graceMs`, then forced. */
  shutdown(graceMs: number): Promise<void>;
}

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** The certificate the server presents. */
  readonly tls: { readonly certFile: string; readonly keyFile: string };
  /** Bearer tokens and their roles. */
  readonly tokens: TokenTable;
  /** Called for every refused call (logs and metrics; no token in it). */
  readonly onDenied?: (d: Denial) => void;
  /** Called for every request refused by the bounds table (unary and server-streaming calls). */
  readonly onOutOfBounds?: (method: string, e: CoordinatorError) => void;
  readonly host: string;
  readonly port: number;
  readonly coordinator: UntypedServiceImplementation;
  readonly workerApi: UntypedServiceImplementation;
}

/** Creates, binds and starts the server (health NOT_SERVING until `setHealth('SERVING')`). */
export async function startGrpcServer(options: GrpcServerOptions): Promise<BoundGrpcServer> {
  const proto = loadClueProto();
  // Receive: the largest legitimate request (RegisterDataset); each method's own, smaller bound is
  // checked on the encoded bytes before decoding. Send: the largest reply (docs/limits.md).
  const server = new Server({
    'grpc.max_receive_message_length': SERVER_MAX_RECEIVE_BYTES,
    'grpc.max_send_message_length': SERVER_MAX_SEND_BYTES,
  });
  const creds = serverTlsCredentials(options.tls.certFile, options.tls.keyFile);
  const guard = { tokens: options.tokens, ...(options.onDenied ? { onDenied: options.onDenied } : {}) };
  const onReject = options.onOutOfBounds ?? ((): void => undefined);
  const coordinatorDef = boundedDefinition(proto.Coordinator.service, COORDINATOR_LIMITS, proto.definition);
  const workerApiDef = boundedDefinition(proto.WorkerApi.service, WORKER_API_LIMITS, proto.definition);
  server.addService(
    coordinatorDef,
    guardService(coordinatorDef, boundedService(coordinatorDef, options.coordinator, onReject), {
      ...guard,
      roles: COORDINATOR_ROLES,
      hint: 'clue reads it from CLUE_TOKEN or --token-file',
    }),
  );
  server.addService(
    workerApiDef,
    guardService(workerApiDef, boundedService(workerApiDef, options.workerApi, onReject), {
      ...guard,
      roles: WORKER_API_ROLES,
      hint: 'the worker reads it from --token-file or CLUE_TOKEN',
    }),
  );
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING' as ServingStatus])));
  health.addToServer(server);
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, creds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  const setHealth = (status: ServingStatus): void => {
    for (const s of HEALTH_SERVICES) health.setStatus(s, status);
  };
  let stopping: Promise<void> | undefined;
  return {
    server,
    health,
    address: `${host}:${port}`,
    port,
    setHealth,
    shutdown(graceMs: number) {
      stopping ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return stopping;
    },
  };
}
