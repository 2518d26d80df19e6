/**
 * One coordinator instance: builds the components over one NATS connection and runs them.
 *
 * Lifecycle (each transition logged):
 *   created --start()--> starting --JetStream ready, recovery done, gRPC bound--> serving
 *   starting --error--> failed (everything opened so far is closed)
 *   serving --stop()--> stopping --> stopped
 * Stopping: health NOT_SERVING, end watch streams, stop the reconcile tick, gRPC tryShutdown (no new
 * calls, in-flight ones finish) then forceShutdown after the grace period, wait for background
 * finalisation, drain NATS, close /metrics. `stop()` is idempotent and returns the same promise.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { startReportServer } from './report-server.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectWhenReachable, createLogger, describeNatsAuth, loadTokenDir, natsSecurityOptions, watchTokenDir, type Logger } from '@clue/common';
import type { CoordinatorConfig } from './config.js';
import { ensureJetStream } from '@clue/common';
import { typedBuckets, type CoordinatorContext } from './context.js';
import { CoordinatorMetrics } from './metrics.js';
import { DatasetRegistry } from './datasets.js';
import { ProgressTracker } from './progress.js';
import { Mutex } from './concurrency.js';
import { RunSubmitter } from './submit.js';
import { Finalizer } from './finalize.js';
import { CompletionService } from './completion.js';
import { RunCanceller } from './cancel.js';
import { GateVerdicts } from './gate-verdicts.js';
import { WorkerRegistry } from './workers.js';
import { AssignmentService } from './assignment.js';
import { CapacityBoard, CapacityTracker } from './capacity.js';
import { Estimator } from './estimates.js';
import { ModelHealth } from './model-health.js';
import { Reconciler } from './reconcile.js';
import { consumeMaxDeliveries, type AdvisoryListener } from './dead-letter.js';
import { startGrpcServer, type BoundGrpcServer } from './grpc/server.js';
import { coordinatorService } from './grpc/coordinator-service.js';
import { workerService } from './grpc/worker-service.js';

/** Lifecycle states of a {@link Coordinator}. */
export type CoordinatorState = 'created' | 'starting' | 'serving' | 'stopping' | 'stopped' | 'failed';

/** Where a started coordinator listens. */
export interface CoordinatorEndpoints {
  /** `host:port` of the gRPC server. */
  readonly grpc: string;
  readonly grpcPort: number;
  readonly metricsPort?: number;
  readonly reportPort?: number;
}

/** Options of a {@link Coordinator}. */
export interface CoordinatorOptions {
  /** @default a pino logger on stderr at the configured level */
  readonly logger?: Logger;
  /** Extra NATS connection options (tests). */
  readonly natsName?: string;
}

/** A coordinator process's core, startable and stoppable in-process (tests, `clue up`). */
export class Coordinator {
  private stateValue: CoordinatorState = 'created';
  private readonly logger: Logger;
  private nc: NatsConnection | undefined;
  private grpc: BoundGrpcServer | undefined;
  private httpServer: HttpServer | undefined;
  private reportServer: HttpsServer | undefined;
  private advisories: AdvisoryListener | undefined;
  private stopTokenWatch: (() => void) | undefined;
  private reconciler: Reconciler | undefined;
  private finalizer: Finalizer | undefined;
  private readonly watches = new Set<AbortController>();
  private stopping: Promise<void> | undefined;
  /** The shared context (available once started). */
  context: CoordinatorContext | undefined;

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly options: CoordinatorOptions = {},
  ) {
    this.logger = options.logger ?? createLogger('clue-coordinator', { level: config.logLevel });
  }

  /** The current lifecycle state. */
  get state(): CoordinatorState {
    return this.stateValue;
  }

  private transition(to: CoordinatorState): void {
    this.logger.info({ from: this.stateValue, to }, 'coordinator state');
    this.stateValue = to;
  }

  /** Connects, prepares JetStream, recovers active runs and starts serving. @throws on any start-up failure. */
  async start(): Promise<CoordinatorEndpoints> {
    if (this.stateValue !== 'created') throw new Error(`cannot start a coordinator in state ${this.stateValue}`);
    this.transition('starting');
    try {
      return await this.startInner();
    } catch (e) {
      this.transition('failed');
      await this.close().catch(() => undefined);
      throw e;
    }
  }

  private async startInner(): Promise<CoordinatorEndpoints> {
    const { config, logger } = this;
    const nc = await connectWhenReachable(
      {
        servers: config.natsUrl.split(',').map((s) => s.trim()),
        name: this.options.natsName ?? 'clue-coordinator',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        ...natsSecurityOptions(config.natsAuth, 'coordinator'),
      },
      { auth: config.natsAuth, logger },
    );
    this.nc = nc;
    logger.info(describeNatsAuth(config.natsAuth), 'connected to NATS');
    if (config.natsAuth.user === null || config.natsAuth.caFile === null) {
      logger.warn(describeNatsAuth(config.natsAuth), 'NATS without a user or without TLS: set --nats-user and --nats-ca (docs/security.md)');
    }
    void this.logNatsStatus(nc);
    const jet = await ensureJetStream(nc, { replicas: config.replicas, workerTtlMs: 4 * config.heartbeatSeconds * 1000 });
    const metrics = new CoordinatorMetrics({ defaultMetrics: config.metricsPort !== undefined });
    const ctx: CoordinatorContext = {
      config,
      logger,
      metrics,
      jet,
      ...typedBuckets(jet),
      datasets: new DatasetRegistry(jet.datasets),
      progress: new ProgressTracker(),
      capacity: new CapacityBoard(),
      publishLock: new Mutex(),
    };
    this.context = ctx;
    const submitter = new RunSubmitter(ctx);
    const finalizer = new Finalizer(ctx);
    this.finalizer = finalizer;
    const estimator = new Estimator();
    const health = new ModelHealth();
    const completion = new CompletionService(ctx, finalizer, estimator);
    const registry = new WorkerRegistry(ctx);
    const assignments = new AssignmentService(ctx, registry, estimator, health);
    const capacity = new CapacityTracker(ctx, assignments, estimator, health, completion);
    const canceller = new RunCanceller(ctx);
    const reconciler = new Reconciler(ctx, submitter, finalizer, completion, capacity);
    this.reconciler = reconciler;

    await reconciler.recover();
    const gates = new GateVerdicts(ctx);
    gates.restore((await ctx.runs.list()).map((r) => r.value));
    this.advisories = await consumeMaxDeliveries(ctx, (unit, deliveries) => completion.deliveriesExhausted(unit.unitId, deliveries));
    if (config.tlsCertFile === null || config.tlsKeyFile === null || config.tokensDir === null) {
      throw new Error('the coordinator needs --tls-cert, --tls-key and --tokens-dir: its gRPC API is served only over TLS, with bearer tokens');
    }
    const tokens = loadTokenDir(config.tokensDir);
    logger.info({ tokens: tokens.counts() }, 'API tokens loaded');
    this.stopTokenWatch = watchTokenDir(config.tokensDir, tokens, {
      intervalMs: config.tokensReloadSeconds * 1000,
      onReload: (counts) => logger.info({ tokens: counts }, 'API tokens reloaded'),
      onError: (message) => logger.error({ error: message }, 'API token files changed but cannot be used; the previous tokens stay in force'),
    });
    const grpc = await startGrpcServer({
      tls: { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile },
      tokens,
      onDenied: (d) => {
        metrics.authDenied.inc({ method: d.method, reason: d.reason });
        logger.warn({ method: d.method, reason: d.reason, role: d.role, peer: d.peer }, 'call refused');
      },
      host: config.grpcHost,
      port: config.grpcPort,
      onOutOfBounds: (method, e) => logger.debug({ method, field: e.field }, 'request out of bounds'),
      coordinator: coordinatorService({
        ctx,
        submitter,
        canceller,
        gates,
        registry,
        onRunsChanged: () => assignments.invalidate(),
        submitWarnings: (models) => capacity.warnings(models),
        trackWatch: () => this.trackWatch(),
      }),
      workerApi: workerService({ ctx, registry, assignments, completion }),
    });
    this.grpc = grpc;
    reconciler.start();
    let metricsPort: number | undefined;
    if (config.metricsPort !== undefined) {
      const m = await metrics.serve(config.grpcHost, config.metricsPort, () => this.stateValue === 'serving');
      this.httpServer = m.server;
      metricsPort = m.port;
    }
    let reportPort: number | undefined;
    if (config.reportPort !== undefined) {
      const r = await startReportServer({
        host: config.grpcHost,
        port: config.reportPort,
        tls: { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile },
        tokens,
        ctx,
        onDenied: (d) => {
          metrics.authDenied.inc({ method: 'report', reason: d.reason });
          logger.warn({ path: d.path, reason: d.reason, role: d.role }, 'report request refused');
        },
      });
      this.reportServer = r.server;
      reportPort = r.port;
    }
    grpc.setHealth('SERVING');
    this.transition('serving');
    return {
      grpc: grpc.address,
      grpcPort: grpc.port,
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      ...(reportPort !== undefined ? { reportPort } : {}),
    };
  }

  private trackWatch(): { signal: AbortSignal; release: () => void } {
    const ac = new AbortController();
    this.watches.add(ac);
    return {
      signal: ac.signal,
      release: () => {
        ac.abort();
        this.watches.delete(ac);
      },
    };
  }

  private async logNatsStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') this.logger.warn({ nats: s.type }, 'NATS connection status');
    }
  }

  /** Waits until background cell/run finalisation is idle (tests). */
  async settle(): Promise<void> {
    await this.finalizer?.idle();
  }

  /** Graceful stop (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.stateValue === 'serving') this.transition('stopping');
      await this.close();
      if (this.stateValue !== 'failed') this.transition('stopped');
    })();
    return this.stopping;
  }

  private async close(): Promise<void> {
    const errors: unknown[] = [];
    const step = async (fn: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        errors.push(e);
      }
    };
    const graceMs = this.config.shutdownGraceSeconds * 1000;
    await step(() => this.grpc?.setHealth('NOT_SERVING'));
    this.stopTokenWatch?.();
    for (const w of this.watches) w.abort();
    await step(() => this.reconciler?.stop());
    await step(() => this.grpc?.shutdown(graceMs));
    await step(() => closeServer(this.reportServer));
    await step(() => Promise.race([this.finalizer?.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]));
    await step(() => this.advisories?.stop());
    await step(() => (this.nc && !this.nc.isClosed() ? this.nc.drain() : undefined));
    await step(() => closeServer(this.httpServer));
    if (errors.length) this.logger.warn({ errors: errors.map((e) => (e as Error).message) }, 'errors while stopping');
  }
}

/** Closes an HTTP(S) server and its open connections; resolves once it is closed (at once without one). */
function closeServer(server: HttpServer | HttpsServer | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
