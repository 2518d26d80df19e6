/**
 * The gRPC server: Coordinator and WorkerApi on one port, plus the standard health service
 * (grpc.health.v1; overall status under "" and per service). TLS only; every Coordinator and
 * WorkerApi call needs a bearer token of a role the method allows (the health service needs none, for
 * probes). Shutdown: tryShutdown (stop accepting, wait for in-flight calls), then forceShutdown after
 * the grace period.
 */
import { Server, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { COORDINATOR_ROLES, WORKER_API_ROLES, guardService, loadClueProto, serverTlsCredentials, type Denial, type TokenTable } from '@clue/common';

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
  readonly host: string;
  readonly port: number;
  readonly maxMessageBytes: number;
  readonly coordinator: UntypedServiceImplementation;
  readonly workerApi: UntypedServiceImplementation;
}

/** Creates, binds and starts the server (health NOT_SERVING until `setHealth('SERVING')`). */
export async function startGrpcServer(options: GrpcServerOptions): Promise<BoundGrpcServer> {
  const proto = loadClueProto();
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
  });
  const creds = serverTlsCredentials(options.tls.certFile, options.tls.keyFile);
  const guard = { tokens: options.tokens, ...(options.onDenied ? { onDenied: options.onDenied } : {}) };
  server.addService(
    proto.Coordinator.service,
    guardService(proto.Coordinator.service, options.coordinator, { ...guard, roles: COORDINATOR_ROLES, hint: 'clue reads it from CLUE_TOKEN or --token-file' }),
  );
  server.addService(
    proto.WorkerApi.service,
    guardService(proto.WorkerApi.service, options.workerApi, { ...guard, roles: WORKER_API_ROLES, hint: 'the worker reads it from --token-file or CLUE_TOKEN' }),
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
