/**
 * The worker's heartbeat: `GetAssignment` every `intervalMs` (the coordinator's heartbeat_seconds),
 * sooner when the coordinator asks for it (`poll_after_seconds`), and at once when something changed
 * (`pollSoon`: a group freed a slot, finished loading or releasing, found its queue empty), carrying
 * the node's engine groups. Ticks never overlap. Each answer is handed to `onAssignment` (the groups
 * are brought in line with it); when the coordinator cannot be reached the groups keep serving what
 * they serve (units live in JetStream, so the worker keeps working). When the
 * coordinator no longer knows the worker (FAILED_PRECONDITION / NOT_FOUND, e.g. its record expired
 * while the coordinator was down), the worker registers again.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@clue/common';
import type { Assignment, CoordinatorClient } from './coordinator-client.js';
import { CoordinatorError, errorLine } from './errors.js';
import { sleep } from './sleep.js';
import type { GroupStatus } from './engine-group.js';

/** Shortest gap between two polls asked for by changes. */
const MIN_GAP_MS = 50;

/** Options of the poller. */
export interface AssignmentPollerOptions {
  readonly coordinator: CoordinatorClient;
  /** Heartbeat interval. */
  readonly intervalMs: number;
  /** The node's engine groups, as reported. */
  readonly groups: () => readonly GroupStatus[];
  /** Receives every answer. */
  readonly onAssignment: (a: Assignment) => void;
  /** Registers the worker again. */
  readonly reregister?: (signal: AbortSignal) => Promise<void>;
  readonly logger: Logger;
}

/** Polls the coordinator for the model to serve. */
export class AssignmentPoller {
  private readonly o: AssignmentPollerOptions;
  private latest: Assignment | null = null;
  private readonly stopCtl = new AbortController();
  private loop: Promise<void> | null = null;
  private waiters: Array<() => void> = [];
  private wake: AbortController = new AbortController();
  /** pollSoon() was called since the current poll started. */
  private soon = false;
  private failures = 0;

  constructor(options: AssignmentPollerOptions) {
    this.o = options;
  }

  /** The latest assignment (null before the first answer). */
  get current(): Assignment | null {
    return this.latest;
  }

  /** Starts polling (the first poll runs at once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Polls now instead of at the next tick (e.g. right after a unit finished). */
  pollSoon(): void {
    this.soon = true;
    this.wake.abort();
  }

  /** Resolves after the next poll has answered (or failed), or when `signal` fires. */
  nextPoll(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || this.stopCtl.signal.aborted) return resolve();
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops polling; waits for a poll in progress. */
  async stop(): Promise<void> {
    this.stopCtl.abort();
    this.wake.abort();
    await this.loop;
    this.notify();
  }

  private async run(): Promise<void> {
    const stop = this.stopCtl.signal;
    while (!stop.aborted) {
      const before = this.latest;
      this.soon = false;
      try {
        const a = await this.o.coordinator.getAssignment(this.o.groups(), {
          retryForMs: Math.max(1000, this.o.intervalMs),
          signal: stop,
        });
        this.latest = a;
        if (this.failures > 0) this.o.logger.info({ after: this.failures }, 'coordinator reachable again');
        this.failures = 0;
        const ids = (x: Assignment | null): string => (x?.groups ?? []).map((g) => g.id).sort().join(',');
        if (ids(before) !== ids(a)) this.o.logger.info({ groups: a.groups.map((g) => `${g.id}`), previous: (before?.groups ?? []).map((g) => g.id) }, 'layout changed');
        if (!stop.aborted) this.o.onAssignment(a);
      } catch (e) {
        if (stop.aborted) break;
        if (e instanceof CoordinatorError && (e.grpcCode === grpc.status.FAILED_PRECONDITION || e.grpcCode === grpc.status.NOT_FOUND) && this.o.reregister) {
          this.o.logger.warn({ error: e.message }, 'the coordinator does not know this worker; registering again');
          try {
            await this.o.reregister(stop);
            continue;
          } catch (re) {
            if (stop.aborted) break;
            this.o.logger.warn({ error: errorLine(re) }, 'registering again failed');
          }
        }
        this.failures++;
        if (this.failures === 1 || this.failures % 10 === 0) {
          this.o.logger.warn({ failures: this.failures, error: errorLine(e) }, 'GetAssignment failed; keeping the last assignment');
        }
      }
      this.notify();
      const a = this.latest;
      const delay = a && a.pollAfterSeconds > 0 ? Math.min(this.o.intervalMs, a.pollAfterSeconds * 1000) : this.o.intervalMs;
      this.wake = new AbortController();
      // Changes during the poll ask again at once (after a short gap that coalesces bursts of them).
      if (this.soon && this.failures === 0) await sleep(MIN_GAP_MS, stop);
      else await sleep(delay, AbortSignal.any([stop, this.wake.signal]));
    }
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
