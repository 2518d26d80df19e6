/**
 * Public types of the `VllmEngine` façade: options, states, events and snapshots.
 */
import type { ModelSpec } from '@clue/tasks';
import type { EngineError, EngineErrorCode } from './errors.js';
import type { HttpTransport } from './http-transport.js';
import type { GpuInventory, LaunchOptions } from './launch-plan.js';
import type { EngineLogger } from './logger.js';
import type { PoolOutcome } from './request-pool.js';
import type { RetryPolicy } from './retry.js';
import type { ChatResult } from './vllm-client.js';

/** Engine lifecycle states (see engine.ts for the transitions). */
export type EngineState = 'idle' | 'starting' | 'ready' | 'draining' | 'stopping' | 'stopped' | 'failed' | 'crashed';

/** Options of a `VllmEngine`. Durations are in ms. */
export interface VllmEngineOptions {
  /** The GPUs this engine may use. */
  readonly inventory: GpuInventory;
  /** Launch defaults (executable, env, seed, API key...); `start()` can override per model. */
  readonly launch?: LaunchOptions;
  readonly logger?: EngineLogger;
  /** Spawn-to-ready budget. @default 1200000 (20 min) */
  readonly startupTimeoutMs?: number;
  /** `/health` poll interval while loading. @default 500 */
  readonly healthPollMs?: number;
  /** SIGTERM → SIGKILL grace. @default 15000 */
  readonly stopGraceMs?: number;
  /** Spawns per `start()` (port clashes and safer-profile retries included). @default 3 */
  readonly maxStartAttempts?: number;
  /** No progress for this long with requests in flight = hung; 0 disables. @default 180000 */
  readonly hangTimeoutMs?: number;
  /** @default min(hangTimeoutMs / 4, 5000) */
  readonly hangCheckIntervalMs?: number;
  /** Restart the server after a crash or hang. @default true */
  readonly autoRestart?: boolean;
  /** Automatic restarts without a successful request in between before the engine gives up (`failed`). @default 3 */
  readonly maxConsecutiveRestarts?: number;
  /** Times one request is re-run after its server crashed, hung or was restarted. @default 2 */
  readonly requestEngineRetries?: number;
  /** HTTP retry policy for transient failures (5xx, connection errors). */
  readonly retry?: Partial<RetryPolicy>;
  /** Time limit of one chat HTTP attempt. @default 600000 */
  readonly chatAttemptTimeoutMs?: number;
  /** In-flight requests of `chatBatch`. @default the server's max-num-seqs */
  readonly concurrency?: number;
  /** Time `stop()`/`restart()` lets in-flight requests finish before cutting them off. @default 0 */
  readonly drainTimeoutMs?: number;
  /** Builds the HTTP transport of each server (tests wrap it to count requests). */
  readonly transportFactory?: (baseUrl: string, maxSockets: number) => HttpTransport;
  /** Receives every (filtered, redacted) log line of the server. */
  readonly onLogLine?: (line: string) => void;
  /** Environment the server's variables are merged over. @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/** A state transition. */
export interface StateChange {
  readonly from: EngineState;
  readonly to: EngineState;
  /** The model served (or being started), if any. */
  readonly model: string | null;
  readonly reason?: string;
}

/** Events for metrics and logs. */
export type EngineEvent =
  /** The server became ready; `loadMs` is spawn-to-ready of the successful attempt. */
  | {
      readonly type: 'loaded';
      readonly model: string;
      readonly loadMs: number;
      readonly attempt: number;
      readonly maxModelLen: number;
      readonly tensorParallelSize: number;
      readonly pid: number | null;
      readonly port: number;
    }
  /** One spawn failed (an OOM has code START_FAILED_OOM); `willRetry` when another attempt follows. */
  | { readonly type: 'start-failed'; readonly model: string; readonly code: EngineErrorCode; readonly attempt: number; readonly willRetry: boolean }
  /** The next attempt runs with a safer profile. */
  | { readonly type: 'safer-profile'; readonly model: string; readonly changes: Readonly<Record<string, { from: unknown; to: unknown }>> }
  /** The server died after it was ready (process exit, or /health 503). */
  | { readonly type: 'crash'; readonly model: string; readonly reason: string }
  /** The server was killed because it hung. */
  | { readonly type: 'hang-kill'; readonly model: string; readonly inFlight: number; readonly stalledMs: number }
  /** A server restart began (`crash`, `hang`, `manual`). */
  | { readonly type: 'restart'; readonly model: string; readonly reason: 'crash' | 'hang' | 'manual' };

/** The event map of `VllmEngine` (Node EventEmitter). */
export interface EngineEventMap {
  state: [StateChange];
  event: [EngineEvent];
}

/** A snapshot of what the engine serves. */
export interface EngineInfo {
  readonly state: EngineState;
  readonly model: ModelSpec | null;
  readonly pid: number | null;
  readonly port: number | null;
  /** `max_model_len` read from `/v1/models`. */
  readonly maxModelLen: number | null;
  /** The server's `--max-num-seqs` (explicit or vLLM's default). */
  readonly maxNumSeqs: number | null;
  /** In-flight target of `chatBatch`. */
  readonly concurrency: number | null;
  readonly tensorParallelSize: number | null;
  /** Server restarts since the engine was created (crash, hang, manual). */
  readonly restarts: number;
  readonly lastError: EngineError | null;
}

/** Per-batch options. */
export interface BatchOptions {
  readonly signal?: AbortSignal;
  /** Per-request time limit (including HTTP retries); unset = none. */
  readonly requestTimeoutMs?: number;
  /** In-flight requests for this batch. @default the engine's concurrency */
  readonly concurrency?: number;
  /** Called as each request settles. */
  readonly onResult?: (outcome: PoolOutcome<ChatResult>) => void;
}
