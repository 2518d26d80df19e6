/**
 * Test harness: a real nats-server, a coordinator on 127.0.0.1:0, gRPC clients built from the real
 * protos, synthetic CLUE datasets registered through RegisterDataset, and a tiny fake worker that
 * uses the real WorkerApi and the real JetStream pull consumer (no engine: it writes SampleRecords
 * with metric values the test chooses).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { pino } from 'pino';
import {
  KV_UNITS,
  OBJ_RESULTS,
  UNITS_STREAM,
  loadClueProto,
  modelConsumer,
  clientCredentials,
  localClientAuth,
  startNatsServer,
  type ApiRole,
  type LocalSecurity,
  type Logger,
  type NatsServer,
  type BertScoreRecord,
  type SampleRecord,
  type UnitMessage,
} from '@clue/common';
import { generateDatasets, isScorerModel, type TaskId } from '@clue/tasks';
import { Coordinator, type CoordinatorEndpoints } from '../coordinator.js';
import { configWith, type CoordinatorConfig } from '../config.js';

/** A promisified unary call; with `deadlineMs`, one that ends in DEADLINE_EXCEEDED after that long. */
export function rpc<T>(client: grpc.Client, method: string, req: unknown, deadlineMs?: number): Promise<T> {
  const fn = (client as unknown as Record<string, (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: T) => void) => void>)[method]!;
  const options: grpc.CallOptions = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
  return new Promise((resolve, reject) => fn.call(client, req, options, (e, res) => (e ? reject(e) : resolve(res))));
}

/** Clients of both services on one address. */
export interface Clients {
  readonly coordinator: grpc.Client;
  readonly workerApi: grpc.Client;
  close(): void;
}

/** TLS credentials (trusting the bundle's CA) with the token of `role` (or none), and their channel options. */
export function channelFor(security: LocalSecurity, role: ApiRole | null): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  return clientCredentials(localClientAuth(security, role));
}

/** A client of `Service` (a generated constructor) at `address` as `role`. */
export function clientAs<C extends grpc.Client>(
  Service: new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => C,
  address: string,
  security: LocalSecurity,
  role: ApiRole | null,
): C {
  const c = channelFor(security, role);
  return new Service(address, c.credentials, c.options);
}

/**
 * Connects gRPC clients to `address` over TLS: the public API with the `coordinatorRole` token
 * (operator by default), the worker API with the worker token.
 */
export function clients(address: string, security: LocalSecurity, coordinatorRole: ApiRole | null = 'operator'): Clients {
  const p = loadClueProto();
  const coordinator = clientAs(p.Coordinator, address, security, coordinatorRole);
  const workerApi = clientAs(p.WorkerApi, address, security, 'worker');
  return {
    coordinator,
    workerApi,
    close() {
      coordinator.close();
      workerApi.close();
    },
  };
}

/** A running coordinator with clients. */
export interface TestCoordinator {
  readonly coordinator: Coordinator;
  readonly address: string;
  /** What start() returned (ports of /metrics and the report pages when configured). */
  readonly endpoints: CoordinatorEndpoints;
  readonly clients: Clients;
  stop(): Promise<void>;
}

/** The coordinator's secured settings for the test server `nats` (its user, CA, certificate, tokens). */
export function secureConfig(nats: NatsServer): Partial<CoordinatorConfig> {
  const s = nats.security;
  return {
    natsUrl: nats.url,
    natsAuth: { user: 'coordinator', password: s.natsPasswords.coordinator, caFile: s.caFile },
    tlsCertFile: s.grpcCertFile,
    tlsKeyFile: s.grpcKeyFile,
    tokensDir: s.tokensDir,
  };
}

/** Starts a coordinator against `nats` on 127.0.0.1:0 (silent logs unless CLUE_TEST_LOG is set). */
export async function startCoordinator(nats: NatsServer, overrides: Partial<CoordinatorConfig> = {}, logger?: Logger): Promise<TestCoordinator> {
  const level = process.env['CLUE_TEST_LOG'] ?? 'silent';
  const config = configWith({ ...secureConfig(nats), grpcHost: '127.0.0.1', grpcPort: 0, logLevel: level, reconcileSeconds: 0.5, shutdownGraceSeconds: 2, ...overrides });
  const coordinator = new Coordinator(config, { logger: logger ?? pino({ level }, pino.destination(2)) });
  const ep = await coordinator.start();
  const c = clients(ep.grpc, nats.security);
  return {
    coordinator,
    address: ep.grpc,
    endpoints: ep,
    clients: c,
    async stop() {
      c.close();
      await coordinator.stop();
    },
  };
}

/** A nats-server plus a coordinator. */
export interface TestCluster extends TestCoordinator {
  readonly nats: NatsServer;
}

/** Starts nats-server and a coordinator. */
export async function startCluster(overrides: Partial<CoordinatorConfig> = {}, logger?: Logger): Promise<TestCluster> {
  const nats = await startNatsServer();
  try {
    const c = await startCoordinator(nats, overrides, logger);
    return {
      ...c,
      nats,
      async stop() {
        await c.stop();
        await nats.stop();
      },
    };
  } catch (e) {
    await nats.stop();
    throw e;
  }
}

/** Generates synthetic CLUE files (`samples` per task) and registers those of `tasks`; returns task -> sha256. */
export async function registerSynthetic(client: grpc.Client, tasks: readonly TaskId[], samples: number): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'clue-coord-data-'));
  try {
    const files = await generateDatasets({ outDir: dir, samples });
    const out: Record<string, string> = {};
    for (const t of tasks) {
      const d = await rpc<{ sha256: string }>(client, 'RegisterDataset', { task: t, fileName: files[t].split('/').pop(), content: readFileSync(files[t]) });
      out[t] = d.sha256;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GPU-seconds a fake worker reports per sample of a completed unit. */
export const FAKE_GPU_SECONDS_PER_SAMPLE = 0.25;

/** What the fake worker writes for one sample. */
export type SampleMetrics = (unit: UnitMessage, index: number) => { metrics: Record<string, number>; subtask?: number; bertscore?: BertScoreRecord };

/**
 * The BERTScore statistics a fake worker reports for a BERTScore unit when the test gives none:
 * deterministic per sample (a real worker gets them from a scorer group).
 */
export function fakeBertScore(index: number): BertScoreRecord {
  return { p: 0.8 + (index % 10) / 100, r: 0.75 + (index % 7) / 100, pPad: 0.85, rPad: 0.8, hypTokens: 12, refTokens: 12 };
}

/** Options of {@link FakeWorker}. */
export interface FakeWorkerOptions {
  readonly id: string;
  /** The server to connect to, as the worker user. */
  readonly nats: NatsServer;
  readonly workerApi: grpc.Client;
  readonly metrics: SampleMetrics;
  /** @default two H100-80GB */
  readonly gpus?: readonly { gpuClass: string; memoryGib: number }[];
  /** Decides the outcome of a unit: complete (default), or fail with a kind. */
  readonly outcome?: (unit: UnitMessage) => 'complete' | { fail: 'deterministic' | 'infrastructure' | 'error'; reason: string };
}

/** A tiny worker: Register, GetAssignment, pull one unit at a time, write results, CompleteUnit, ack. */
export class FakeWorker {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private units: KV | undefined;
  /** Unit ids this worker completed (accepted or not), in order. */
  readonly completed: string[] = [];
  private groups: { id: string; gpuIndices: number[]; model: string; tensorParallelSize: number }[] = [];

  constructor(private readonly o: FakeWorkerOptions) {}

  /** Connects and registers. */
  async start(): Promise<void> {
    this.nc = await connect({ ...this.o.nats.connectOptions('worker'), maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    this.js = jetstream(this.nc, { timeout: 1500 });
    this.units = await new Kvm(this.js).open(KV_UNITS);
    // Two by default: the coordinator may put a BERTScore scorer group on one (the fake worker
    // answers no scoring requests; it writes the statistics itself).
    const gpus = (this.o.gpus ?? [{ gpuClass: 'H100-80GB', memoryGib: 79.1 }, { gpuClass: 'H100-80GB', memoryGib: 79.1 }]).map((g, index) => ({ index, ...g, uuid: `GPU-${index}` }));
    await rpc(this.o.workerApi, 'Register', { workerId: this.o.id, node: 'test-node', gpus, engine: 'fake' });
  }

  /**
   * Asks for the layout, reporting the groups of the last answer as serving (a fake engine loads at
   * once); returns the models of the layout ([] when there is nothing to do).
   */
  async assignment(): Promise<string[]> {
    const groups = this.groups.map((g) => ({ ...g, state: 'serving', unitsRunning: 0, freeSlots: 1 }));
    const a = await rpc<{ groups: { id: string; gpuIndices: number[]; model: string; tensorParallelSize: number }[] }>(this.o.workerApi, 'GetAssignment', { workerId: this.o.id, groups });
    this.groups = a.groups.map((g) => ({ id: g.id, gpuIndices: g.gpuIndices, model: g.model, tensorParallelSize: g.tensorParallelSize }));
    // Scorer groups pull no units (the fake worker writes BERTScore statistics itself).
    return this.groups.map((g) => g.model).filter((m) => !isScorerModel(m));
  }

  /** Pulls and handles one unit of `model`; returns its id, or null when none arrived within `expiresMs`. */
  async processOne(model: string, expiresMs = 1000): Promise<string | null> {
    const consumer = await this.js!.consumers.get(UNITS_STREAM, modelConsumer(model));
    const m = await consumer.next({ expires: expiresMs });
    if (!m) return null;
    const unit = m.json<UnitMessage>();
    const rec = await this.units!.get(unit.unitId);
    const state = rec?.json<{ state: string }>().state;
    if (state === 'done' || state === 'failed') {
      await m.ackAck();
      return unit.unitId;
    }
    const outcome = this.o.outcome?.(unit) ?? 'complete';
    if (outcome !== 'complete') {
      const r = await rpc<{ deadLettered: boolean }>(this.o.workerApi, 'FailUnit', { workerId: this.o.id, unitId: unit.unitId, kind: outcome.fail, reason: outcome.reason });
      if (r.deadLettered) m.term();
      else m.nak();
      return unit.unitId;
    }
    await this.writeResults(unit);
    // GPU time: 0.25 s per sample (no GPU class, so the estimator learns nothing from the fake).
    const gpuSeconds = (unit.end - unit.start) * FAKE_GPU_SECONDS_PER_SAMPLE;
    await rpc(this.o.workerApi, 'CompleteUnit', { workerId: this.o.id, unitId: unit.unitId, resultsObject: unit.unitId, samples: unit.end - unit.start, gpuSeconds });
    this.completed.push(unit.unitId);
    await m.ackAck();
    return unit.unitId;
  }

  /** Writes the unit's results object (JSONL of SampleRecord, sha256 in the description); returns the sha. */
  async writeResults(unit: UnitMessage): Promise<string> {
    const lines: string[] = [];
    for (let i = unit.start; i < unit.end; i++) {
      const { metrics, subtask, bertscore } = this.o.metrics(unit, i);
      const rec: SampleRecord = {
        index: i,
        promptSha256: createHash('sha256').update(`${unit.unitId}:${i}`).digest('hex'),
        output: '',
        finishReason: 'stop',
        promptTokens: 100,
        completionTokens: 5,
        metrics,
        ...(subtask !== undefined ? { subtask } : {}),
        ...(unit.bertscore === true ? { bertscore: bertscore ?? fakeBertScore(i) } : {}),
      };
      lines.push(JSON.stringify(rec));
    }
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const os = await new Objm(this.js!).open(OBJ_RESULTS);
    await os.putBlob({ name: unit.unitId, description: sha }, bytes);
    return sha;
  }

  /** Runs until GetAssignment has nothing left and no unit arrives; returns the units handled. */
  async drain(maxIdleRounds = 3): Promise<number> {
    let handled = 0;
    let idle = 0;
    while (idle < maxIdleRounds) {
      const models = await this.assignment();
      if (models.length === 0) {
        idle++;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      let any = false;
      for (const model of models) {
        const id = await this.processOne(model, 1000);
        if (id) {
          handled++;
          any = true;
        }
      }
      idle = any ? 0 : idle + 1;
    }
    return handled;
  }

  /** Closes the NATS connection. */
  async stop(): Promise<void> {
    await this.nc?.close();
  }
}

/** Polls GetRun until `pred` holds (or throws after `timeoutMs`). */
export async function waitForRun<T extends { state: string }>(client: grpc.Client, runId: string, pred: (run: T) => boolean, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await rpc<T>(client, 'GetRun', { runId });
      if (pred(last)) return last;
    } catch {
      // coordinator or NATS briefly away
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not reach the expected state; last: ${JSON.stringify(last?.state)}`);
}
