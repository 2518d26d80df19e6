/**
 * A small stand-in for the coordinator's WorkerApi, for the worker's tests: real gRPC (grpc-js with the
 * clue.v1 contracts), real JetStream state. Register answers a heartbeat; GetAssignment a fixed layout
 * of engine groups (`serve(model)`: one group on the first GPUs; or `layout` set directly);
 * CompleteUnit checks the results object and its sha256, then sets the UnitRecord DONE with
 * compare-and-set; FailUnit{deterministic} publishes the dead letter and marks the unit failed. Not
 * part of the runtime API.
 */
import * as grpc from '@grpc/grpc-js';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { JetStreamClient } from '@nats-io/jetstream';
import { WORKER_API_ROLES, deadSubject, guardService, loadClueProto, loadTokenDir, serverTlsCredentials, type LocalSecurity, type UnitMessage, type UnitRecord } from '@clue/common';
import { sha256Hex } from './datasets.js';

/** Calls the fake saw. */
export interface FakeCalls {
  registers: Array<{ workerId: string; gpus: unknown[]; engine: string }>;
  assignments: Array<{ workerId: string; groups: ReportedGroup[] }>;
  progress: Array<{ workerId: string; unitId: string; samplesDone: number; samplesTotal: number; generatedTokens: number }>;
  completions: Array<{ workerId: string; unitId: string; accepted: boolean; samples: number; gpuSeconds: number }>;
  failures: Array<{ workerId: string; unitId: string; kind: string; reason: string }>;
}

type Cb<T> = (err: Partial<grpc.ServiceError> | null, res?: T) => void;

/** A group as the worker reports it (proto EngineGroupStatus). */
export interface ReportedGroup {
  id: string;
  gpuIndices: number[];
  model: string;
  state: string;
  unitsRunning: number;
  freeSlots: number;
  tensorParallelSize: number;
  loadSeconds: number;
  failureCode: string;
  failureReason: string;
}

/** A group of the answer (proto GroupAssignment). */
export interface FakeGroup {
  id: string;
  gpuIndices: number[];
  model: string;
  hfId?: string;
  tensorParallelSize: number;
  maxModelLen: number;
}

/** The fake coordinator. */
export class FakeCoordinator {
  readonly calls: FakeCalls = { registers: [], assignments: [], progress: [], completions: [], failures: [] };
  /** What GetAssignment answers: the node's groups. */
  layout: FakeGroup[] = [];
  pollAfterSeconds = 1;
  heartbeatSeconds = 1;
  /** Registered workers; GetAssignment from anyone else fails with FAILED_PRECONDITION (as the real one). */
  readonly registered = new Set<string>();
  private server: grpc.Server | null = null;
  address = '';

  constructor(
    private readonly units: KV,
    private readonly results: ObjectStore,
    private readonly js: JetStreamClient,
  ) {}

  /** One group serving `model` on GPUs 0..tp-1 ('' = nothing to serve). */
  serve(model: string, maxModelLen = 8192, tp = 1): void {
    const gpuIndices = Array.from({ length: tp }, (_, i) => i);
    this.layout = model === '' ? [] : [{ id: `g${gpuIndices.join('-')}.${model}`, gpuIndices, model, tensorParallelSize: tp, maxModelLen }];
  }

  /** The groups of the worker's last report. */
  lastGroups(workerId?: string): ReportedGroup[] {
    const all = this.calls.assignments.filter((a) => workerId === undefined || a.workerId === workerId);
    return all[all.length - 1]?.groups ?? [];
  }

  /** Listens on 127.0.0.1 (a random port), over TLS, accepting the bundle's worker token only (as the coordinator does). */
  async start(security: LocalSecurity): Promise<string> {
    const { WorkerApi } = loadClueProto();
    const server = new grpc.Server();
    server.addService(WorkerApi.service, guardService(WorkerApi.service, {
      Register: (call: grpc.ServerUnaryCall<{ workerId: string; gpus: unknown[]; engine: string }, unknown>, cb: Cb<unknown>) => {
        this.calls.registers.push(call.request);
        this.registered.add(call.request.workerId);
        cb(null, { heartbeatSeconds: this.heartbeatSeconds });
      },
      GetAssignment: (call: grpc.ServerUnaryCall<{ workerId: string; groups: ReportedGroup[] }, unknown>, cb: Cb<unknown>) => {
        this.calls.assignments.push(call.request);
        if (!this.registered.has(call.request.workerId)) {
          cb({ code: grpc.status.FAILED_PRECONDITION, details: `worker ${call.request.workerId} is not registered` });
          return;
        }
        cb(null, { groups: this.layout, pollAfterSeconds: this.pollAfterSeconds });
      },
      ReportProgress: (call: grpc.ServerReadableStream<FakeCalls['progress'][number], unknown>, cb: Cb<unknown>) => {
        call.on('data', (r: FakeCalls['progress'][number]) => this.calls.progress.push(r));
        call.on('end', () => cb(null, {}));
        call.on('error', () => undefined);
      },
      CompleteUnit: (call: grpc.ServerUnaryCall<{ workerId: string; unitId: string; resultsObject: string; resultsSha256: string; samples: number; gpuSeconds: number }, unknown>, cb: Cb<unknown>) => {
        this.complete(call.request).then(
          (accepted) => cb(null, { accepted }),
          (e: { code?: number; message?: string }) => cb({ code: e.code ?? grpc.status.INTERNAL, details: e.message ?? String(e) }),
        );
      },
      FailUnit: (call: grpc.ServerUnaryCall<{ workerId: string; unitId: string; kind: string; reason: string }, unknown>, cb: Cb<unknown>) => {
        this.calls.failures.push(call.request);
        this.fail(call.request).then(
          (deadLettered) => cb(null, { deadLettered }),
          (e: Error) => cb({ code: grpc.status.INTERNAL, details: e.message }),
        );
      },
    }, { tokens: loadTokenDir(security.tokensDir), roles: WORKER_API_ROLES, hint: 'the worker token' }));
    const creds = serverTlsCredentials(security.grpcCertFile, security.grpcKeyFile);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    this.address = `127.0.0.1:${port}`;
    return this.address;
  }

  /** Stops at once. */
  stop(): void {
    this.server?.forceShutdown();
    this.server = null;
  }

  private async complete(r: { workerId: string; unitId: string; resultsObject: string; resultsSha256: string; samples: number; gpuSeconds: number }): Promise<boolean> {
    for (;;) {
      const e = await this.units.get(r.unitId);
      if (!e || e.operation !== 'PUT') throw Object.assign(new Error(`unknown unit ${r.unitId}`), { code: grpc.status.NOT_FOUND });
      const rec = e.json<UnitRecord>();
      if (rec.state === 'done') {
        this.calls.completions.push({ workerId: r.workerId, unitId: r.unitId, accepted: false, samples: r.samples, gpuSeconds: r.gpuSeconds });
        return false;
      }
      const blob = await this.results.getBlob(r.resultsObject);
      if (!blob || sha256Hex(blob) !== r.resultsSha256) {
        throw Object.assign(new Error(`results object ${r.resultsObject} missing or its sha256 differs`), { code: grpc.status.FAILED_PRECONDITION });
      }
      const next: UnitRecord = { ...rec, state: 'done', worker: r.workerId, resultsObject: r.resultsObject, updatedAt: new Date().toISOString() };
      try {
        await this.units.update(r.unitId, JSON.stringify(next), e.revision);
      } catch {
        continue; // lost the compare-and-set: read again
      }
      this.calls.completions.push({ workerId: r.workerId, unitId: r.unitId, accepted: true, samples: r.samples, gpuSeconds: r.gpuSeconds });
      return true;
    }
  }

  private async fail(r: { unitId: string; kind: string; reason: string }): Promise<boolean> {
    if (r.kind !== 'deterministic') return false;
    const e = await this.units.get(r.unitId);
    if (!e) return false;
    const rec = e.json<UnitRecord>();
    const msg: Partial<UnitMessage> & { reason: string; kind: string } = { unitId: rec.id, runId: rec.runId, model: rec.model, task: rec.task, reason: r.reason, kind: r.kind };
    await this.js.publish(deadSubject(rec.model, rec.task), JSON.stringify(msg));
    await this.units.put(r.unitId, JSON.stringify({ ...rec, state: 'failed', reason: r.reason, updatedAt: new Date().toISOString() }));
    return true;
  }
}
