/**
 * Graceful shutdown (SIGTERM/SIGINT), in this order:
 *
 * 1. `draining`: every engine group stops pulling (a message arriving meanwhile is handed back);
 * 2. let running units finish for up to `--drain-seconds`; then hand the rest back (`nak`, so another
 *    worker takes them at once) and give their runners a moment to settle;
 * 3. stop every group's engine (SIGTERM to vLLM's process group, SIGKILL after the grace) — no
 *    orphan server;
 * 4. stop the heartbeat, close the progress stream and the gRPC channel, drain and close NATS;
 * 5. the caller moves the worker to `stopped` (exit 0), or `failed` when the drain was caused by one.
 *
 * Each step runs even if an earlier one failed. A second signal forces: units are handed back, NATS
 * is flushed briefly and the process exits; the engine driver's exit hook SIGKILLs vLLM's group.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@clue/common';
import type { AssignmentPoller } from './assignment-poller.js';
import type { CoordinatorClient } from './coordinator-client.js';
import { errorLine } from './errors.js';
import type { ProgressReporter } from './progress-reporter.js';
import { sleep } from './sleep.js';
import type { WorkerStateMachine } from './state.js';
import type { EngineGroups, GroupsDrainTimings } from './engine-groups.js';

/** What a drain stops. */
export interface DrainTargets {
  readonly groups: EngineGroups;
  readonly poller: AssignmentPoller;
  readonly progress: ProgressReporter;
  readonly coordinator: CoordinatorClient;
  readonly nc: NatsConnection;
  readonly state: WorkerStateMachine;
  readonly logger: Logger;
  /** Extra cleanups (metrics server), run last. */
  readonly extra?: ReadonlyArray<() => Promise<void> | void>;
}

/** Timing of a drain. */
export type DrainTimings = GroupsDrainTimings;

async function step(log: Logger, name: string, fn: () => Promise<unknown> | unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    log.warn({ step: name, error: errorLine(e) }, 'shutdown step failed; continuing');
  }
}

/** Runs the graceful shutdown; resolves when everything is closed. */
export async function drain(t: DrainTargets, timings: DrainTimings): Promise<void> {
  const log = t.logger;
  t.state.tryTo('draining', t.state.model, 'shutdown requested');
  await step(log, 'groups', () => t.groups.drain(timings));
  await step(log, 'heartbeat', () => t.poller.stop());
  await step(log, 'progress', () => t.progress.close());
  await step(log, 'coordinator', () => t.coordinator.close());
  await step(log, 'nats', () => Promise.race([t.nc.drain(), sleep(5000).then(() => t.nc.close())]));
  for (const fn of t.extra ?? []) await step(log, 'extra', fn);
  log.info({}, 'drained');
}

/** The forced stop of a second signal: hand units back and flush NATS quickly (the caller exits). */
export async function forceStop(t: Pick<DrainTargets, 'groups' | 'nc' | 'logger'>): Promise<void> {
  t.logger.warn({ held: t.groups.held }, 'second signal: forcing shutdown');
  await t.groups.force();
  await Promise.race([t.nc.flush().catch(() => undefined), sleep(1000)]);
}

/**
 * Calls `onFirst` on the first SIGTERM/SIGINT and `onSecond` on any later one (after `ignoreMs`, so
 * one Ctrl-C delivered twice does not force). Returns a function that removes the handlers.
 */
export function installSignalHandlers(onFirst: (signal: NodeJS.Signals) => void, onSecond: (signal: NodeJS.Signals) => void, ignoreMs = 500): () => void {
  let firstAt: number | null = null;
  const handler = (signal: NodeJS.Signals): void => {
    if (firstAt === null) {
      firstAt = Date.now();
      onFirst(signal);
    } else if (Date.now() - firstAt >= ignoreMs) onSecond(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
