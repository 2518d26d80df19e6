/**
 * The state machine of one engine group (a disjoint set of the node's GPUs, one vLLM server, one
 * model). Every transition is logged with the group id and the model.
 *
 *   loading ──ready──▶ serving ──release──▶ releasing ──units settled, engine stopped──▶ stopped
 *      │                  │                     ▲
 *      │ load failed      │ engine gave up      │ release
 *      ▼                  ▼                     │
 *    failed ──────────────────────────────────────┘
 *
 * - `loading`: vLLM starts on the group's GPUs (`CUDA_VISIBLE_DEVICES`); no unit is pulled.
 * - `serving`: units of the model are pulled, one per free slot of the group. A crashed or hung
 *   server is restarted by the engine driver meanwhile (the affected units are handed back).
 * - `failed`: the load failed (or the driver gave up restarting); reported to the coordinator with
 *   the engine's error code, which releases the group and learns from it.
 * - `releasing`: the coordinator no longer lists the group: no more pulls, running units finish (a
 *   drain hands them back), the server is stopped. `stopped` is final; the GPUs are free again.
 */
import type { Logger } from '@clue/common';

/** Every group state. */
export const GROUP_STATES = ['loading', 'serving', 'failed', 'releasing', 'stopped'] as const;

/** A group state. */
export type GroupStateName = (typeof GROUP_STATES)[number];

const ALLOWED: Readonly<Record<GroupStateName, readonly GroupStateName[]>> = {
  loading: ['serving', 'failed', 'releasing'],
  serving: ['failed', 'releasing'],
  failed: ['releasing'],
  releasing: ['stopped'],
  stopped: [],
};

/** Holds a group's state; checks and logs every transition. */
export class GroupStateMachine {
  private current: GroupStateName = 'loading';
  private readonly listeners: Array<(from: GroupStateName, to: GroupStateName) => void> = [];

  constructor(
    private readonly groupId: string,
    private readonly model: string,
    private readonly log: Logger,
  ) {
    this.log.info({ group: groupId, model, to: 'loading' }, 'group state');
  }

  /** The current state. */
  get state(): GroupStateName {
    return this.current;
  }

  /** Calls `fn` on every transition. */
  onTransition(fn: (from: GroupStateName, to: GroupStateName) => void): void {
    this.listeners.push(fn);
  }

  /** Moves to `to` if allowed (a no-op when already there); returns whether it moved. */
  tryTo(to: GroupStateName, reason?: string): boolean {
    const from = this.current;
    if (from === to || !ALLOWED[from].includes(to)) return false;
    this.current = to;
    this.log.info({ group: this.groupId, model: this.model, from, to, ...(reason !== undefined ? { reason } : {}) }, 'group state');
    for (const fn of this.listeners) fn(from, to);
    return true;
  }
}
