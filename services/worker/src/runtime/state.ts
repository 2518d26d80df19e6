/**
 * The worker's state machine (the node as a whole; each engine group has its own, `group-state.ts`).
 * Every transition is logged with the worker id.
 *
 *   starting ──▶ registering ──▶ idle ◀──▶ running ──▶ draining ──▶ stopped
 *
 * - `starting`: find the GPUs, connect NATS, open the buckets.
 * - `registering`: `Register` with the coordinator (retried until it answers).
 * - `idle`: no engine group serves (none assigned, or all still loading/releasing); `GetAssignment`
 *   is polled.
 * - `running`: at least one engine group serves its model and pulls its units.
 * - `draining` (SIGTERM): no more pulls; running units get `--drain-seconds` to finish, then are
 *   handed back; every engine is stopped; NATS is closed.
 * - `stopped`: drained and closed (exit 0). `failed`: an unrecoverable error (exit 1).
 * Any state can go to `draining` or `failed`; `stopped` and `failed` are final.
 */
import type { Logger } from '@clue/common';

/** Every state, in lifecycle order. */
export const WORKER_STATES = ['starting', 'registering', 'idle', 'running', 'draining', 'stopped', 'failed'] as const;

/** A worker state. */
export type WorkerState = (typeof WORKER_STATES)[number];

const ALLOWED: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  starting: ['registering', 'draining', 'failed'],
  registering: ['idle', 'draining', 'failed'],
  idle: ['running', 'draining', 'failed'],
  running: ['idle', 'draining', 'failed'],
  draining: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

/** A transition, as listeners see it. */
export interface WorkerTransition {
  readonly from: WorkerState;
  readonly to: WorkerState;
  readonly model: string | null;
  readonly reason?: string;
}

/** Holds the state, checks and logs every transition. */
export class WorkerStateMachine {
  private current: WorkerState = 'starting';
  private currentModel: string | null = null;
  private readonly log: Logger;
  private readonly workerId: string;
  private readonly listeners: Array<(t: WorkerTransition) => void> = [];

  constructor(workerId: string, logger: Logger) {
    this.workerId = workerId;
    this.log = logger;
  }

  /** The current state. */
  get state(): WorkerState {
    return this.current;
  }

  /** The models the node's groups serve (comma-separated), or null. */
  get model(): string | null {
    return this.currentModel;
  }

  /** True in `stopped` and `failed`. */
  get final(): boolean {
    return this.current === 'stopped' || this.current === 'failed';
  }

  /** Calls `fn` on every transition. */
  onTransition(fn: (t: WorkerTransition) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Moves to `to` (a no-op when already there with the same model).
   * @throws Error for a transition the machine does not allow (a bug).
   */
  to(to: WorkerState, model: string | null = this.currentModel, reason?: string): void {
    const from = this.current;
    if (from === to && model === this.currentModel) return;
    if (from !== to && !ALLOWED[from].includes(to)) throw new Error(`worker state: ${from} → ${to} is not a valid transition`);
    this.current = to;
    this.currentModel = model;
    const t: WorkerTransition = { from, to, model, ...(reason !== undefined ? { reason } : {}) };
    this.log.info({ workerId: this.workerId, model, from, to, ...(reason !== undefined ? { reason } : {}) }, 'worker state');
    for (const fn of this.listeners) fn(t);
  }

  /** Moves to `to` if allowed; returns whether it moved. */
  tryTo(to: WorkerState, model: string | null = this.currentModel, reason?: string): boolean {
    if (this.current !== to && !ALLOWED[this.current].includes(to)) return false;
    this.to(to, model, reason);
    return true;
  }
}
