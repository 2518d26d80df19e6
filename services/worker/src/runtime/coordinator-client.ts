/**
 * The worker's client of the coordinator's `clue.v1.WorkerApi` (gRPC): every unary call has a deadline
 * and waits for the channel to (re)connect within it (`waitForReady`); transient failures
 * (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED) are retried with exponential backoff
 * and jitter for as long as the caller's budget allows. grpc-js reconnects the channel by itself.
 * The progress stream lives in `progress-reporter.ts`.
 */
import * as grpc from '@grpc/grpc-js';
import { clientCredentials, isTlsFailure, loadClueProto, type ClientTlsSettings } from '@clue/common';
import type { Logger } from '@clue/common';
import { CoordinatorError, errorLine, type FailureKind } from './errors.js';
import type { NodeGpu } from './gpu-inventory.js';
import type { GroupStatus } from './engine-group.js';
import type { GroupAssignment } from './engine-groups.js';
import { sleep } from './sleep.js';

/** What the worker registers. */
export interface Registration {
  readonly node: string;
  readonly gpus: readonly NodeGpu[];
  /** `vllm` or `vllm-sim`. */
  readonly engine: string;
}

/** The coordinator's answer to GetAssignment: the node's whole layout. */
export interface Assignment {
  /** Every group the node should run; a running group not listed is released. */
  readonly groups: readonly GroupAssignment[];
  /** 0 = the heartbeat interval. */
  readonly pollAfterSeconds: number;
}

/** CompleteUnit's request, without the worker id. */
export interface CompleteUnitInput {
  readonly unitId: string;
  readonly resultsObject: string;
  readonly resultsSha256: string;
  readonly samples: number;
  readonly gpuSeconds: number;
  /** Of the group that ran the unit. */
  readonly gpuClass: string;
  readonly tensorParallelSize: number;
}

/** Options of the client. */
export interface CoordinatorClientOptions {
  /** Deadline of one attempt. @default 10000 */
  readonly callTimeoutMs?: number;
  /** First backoff delay. @default 250 */
  readonly backoffBaseMs?: number;
  /** Largest backoff delay. @default 10000 */
  readonly backoffMaxMs?: number;
  readonly logger?: Logger;
  /** TLS (the coordinator's CA) and the worker's bearer token. */
  readonly auth: ClientTlsSettings;
}

/** Per-call options: how long to keep retrying, and a cancellation signal. */
export interface RetryBudget {
  /** Total time for all attempts; Infinity = until the signal fires. */
  readonly retryForMs: number;
  readonly signal?: AbortSignal;
}

const TRANSIENT = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.ABORTED]);

/** The worker's gRPC message limit both ways (see the constructor). */
export const WORKER_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

/** Promise-based WorkerApi client. */
export class CoordinatorClient {
  /** The underlying grpc-js client (the progress reporter opens its stream on it). */
  readonly client: grpc.Client;
  readonly address: string;
  readonly workerId: string;
  private readonly callTimeoutMs: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly log: Logger | undefined;

  constructor(address: string, workerId: string, options: CoordinatorClientOptions) {
    const { WorkerApi } = loadClueProto();
    this.address = address;
    this.workerId = workerId;
    const creds = clientCredentials(options.auth);
    this.client = new WorkerApi(address, creds.credentials, {
      ...creds.options,
      'grpc.keepalive_time_ms': 20_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 5_000,
      // Set on purpose, not left to defaults: the largest WorkerApi request the coordinator accepts is a
      // GetAssignment of 64 groups (~370 KB at every bound, docs/limits.md) and the largest reply an
      // Assignment of 64 groups (~60 KB); 4 MiB leaves room for both ten times over.
      'grpc.max_receive_message_length': WORKER_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': WORKER_MAX_MESSAGE_BYTES,
    });
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.baseMs = options.backoffBaseMs ?? 250;
    this.maxMs = options.backoffMaxMs ?? 10_000;
    this.log = options.logger;
  }

  /** Register; returns the heartbeat interval the coordinator wants (seconds, 0 = unspecified). */
  async register(r: Registration, budget: RetryBudget): Promise<{ heartbeatSeconds: number }> {
    const res = await this.call<{ heartbeatSeconds?: number }>(
      'Register',
      { workerId: this.workerId, node: r.node, gpus: r.gpus.map((g) => ({ index: g.index, gpuClass: g.gpuClass, memoryGib: g.memoryGib, uuid: g.uuid })), engine: r.engine },
      budget,
    );
    return { heartbeatSeconds: Number(res.heartbeatSeconds ?? 0) };
  }

  /** The node's layout for these groups (also the worker's heartbeat). */
  async getAssignment(groups: readonly GroupStatus[], budget: RetryBudget): Promise<Assignment> {
    const a = await this.call<{ groups?: Partial<GroupAssignment>[]; pollAfterSeconds?: number }>('GetAssignment', { workerId: this.workerId, groups }, budget);
    return {
      groups: (a.groups ?? []).map((g) => ({
        id: g.id ?? '',
        gpuIndices: [...(g.gpuIndices ?? [])],
        model: g.model ?? '',
        tensorParallelSize: Number(g.tensorParallelSize ?? 0),
        maxModelLen: Number(g.maxModelLen ?? 0),
      })),
      pollAfterSeconds: Number(a.pollAfterSeconds ?? 0),
    };
  }

  /** Marks the unit DONE; `accepted` false = it already was (a duplicate completion). */
  async completeUnit(input: CompleteUnitInput, budget: RetryBudget): Promise<{ accepted: boolean }> {
    const res = await this.call<{ accepted?: boolean }>('CompleteUnit', { workerId: this.workerId, ...input }, budget);
    return { accepted: res.accepted === true };
  }

  /** Reports a failed unit; `deadLettered` true when the coordinator moved it to the dead-letter stream. */
  async failUnit(unitId: string, kind: FailureKind, reason: string, budget: RetryBudget): Promise<{ deadLettered: boolean }> {
    const res = await this.call<{ deadLettered?: boolean }>('FailUnit', { workerId: this.workerId, unitId, kind, reason }, budget);
    return { deadLettered: res.deadLettered === true };
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  /**
   * One unary call with retries of transient statuses.
   * @throws CoordinatorError when the status is not transient, or the budget or signal ends the retries.
   */
  async call<T>(method: string, req: unknown, budget: RetryBudget): Promise<T> {
    const fn = (this.client as unknown as Record<string, Unary | undefined>)[method];
    if (!fn) throw new CoordinatorError(method, grpc.status.UNIMPLEMENTED, 'no such WorkerApi method', false);
    const until = Date.now() + budget.retryForMs;
    for (let attempt = 1; ; attempt++) {
      if (budget.signal?.aborted) throw new CoordinatorError(method, grpc.status.CANCELLED, 'cancelled', true);
      const left = until - Date.now();
      const timeout = Math.max(1, Math.min(this.callTimeoutMs, left));
      try {
        return await this.once<T>(fn, req, timeout, budget.signal);
      } catch (e) {
        const err = e as grpc.ServiceError;
        const code = typeof err.code === 'number' ? err.code : grpc.status.UNKNOWN;
        const transient = TRANSIENT.has(code);
        const details = err.details || errorLine(err);
        const delay = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(attempt - 1, 16)) * (0.5 + Math.random() / 2);
        if (!transient || Date.now() + delay >= until || budget.signal?.aborted) {
          throw new CoordinatorError(method, code, details, transient);
        }
        if (isTlsFailure(details) && (attempt === 1 || attempt % 20 === 0)) {
          // Retried (a certificate may be rotated) but never silently: the usual cause is the wrong --tls-ca.
          this.log?.warn({ method, attempt, details }, "TLS with the coordinator fails: does --tls-ca name the CA that signed its certificate? retrying");
        } else this.log?.debug({ method, code, attempt, delayMs: Math.round(delay) }, 'coordinator call failed; retrying');
        await sleep(delay, budget.signal);
      }
    }
  }

  private once<T>(fn: Unary, req: unknown, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = fn.call(this.client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs, waitForReady: true }, (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res as T);
      });
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
