/**
 * How a unit's message is settled, in the order the protocol requires:
 *
 * - done: write the results object → `CompleteUnit` (the coordinator checks the object and sets the
 *   UnitRecord DONE with compare-and-set; `accepted=false` means it already was) → `ackAck`.
 *   A crash between two steps only repeats idempotent steps.
 * - already DONE (a redelivery): `ackAck` without running.
 * - infrastructure failure (engine crash, hang, OOM, this worker's trouble): `FailUnit{infrastructure}`
 *   (best effort) → `nak(delay)`; the unit goes back to the queue, no attempt is spent.
 * - deterministic failure (bad data): `FailUnit{deterministic}` → the coordinator dead-letters the
 *   unit and says so → `term`. If it did not (or could not be reached), `nak(delay)` instead: a
 *   message is never terminated before its dead letter exists.
 * - unexpected error: `FailUnit{error}` (the coordinator counts an attempt) → `nak(delay)`, or `term`
 *   once the coordinator dead-lettered the unit. Any kind is terminated when FailUnit answers
 *   `dead_lettered` (e.g. too many infrastructure failures), never otherwise.
 * - handed back (drain): `nak()` at once so another worker takes it.
 */
import * as grpc from '@grpc/grpc-js';
import type { JsMsg } from '@nats-io/jetstream';
import type { Logger, SampleRecord, UnitMessage } from '@clue/common';
import type { CoordinatorClient } from './coordinator-client.js';
import { CoordinatorError, UnitFailure, errorLine, infrastructure } from './errors.js';
import type { ResultsWriter } from './results-writer.js';

/** How a message ended. */
export type Settlement = 'completed' | 'duplicate' | 'skipped' | 'requeued' | 'dead-lettered' | 'handed-back' | 'dropped';

/** Options of {@link Completion}. */
export interface CompletionOptions {
  readonly coordinator: CoordinatorClient;
  readonly writer: ResultsWriter;
  readonly logger: Logger;
  /** Time CompleteUnit / FailUnit{deterministic} are retried for. @default 60000 */
  readonly retryForMs?: number;
  /** Redelivery delay after an infrastructure failure. @default 5000 */
  readonly nakDelayMs?: number;
}

/** What the unit cost. */
export interface UnitStats {
  readonly gpuSeconds: number;
  /** Of the group that ran the unit. */
  readonly gpuClass: string;
  readonly tensorParallelSize: number;
}

/** Longest failure reason sent to the coordinator. */
const MAX_REASON = 500;

function ids(unit: UnitMessage): Record<string, unknown> {
  return { unitId: unit.unitId, model: unit.model, task: unit.task };
}

/** Settles unit messages. */
export class Completion {
  private readonly o: CompletionOptions;
  private readonly log: Logger;

  constructor(options: CompletionOptions) {
    this.o = options;
    this.log = options.logger;
  }

  /**
   * Results object → CompleteUnit → ackAck.
   * @throws UnitFailure infrastructure when the object cannot be written or the coordinator does not
   *   accept the completion (the caller then settles with {@link fail}).
   */
  async complete(msg: JsMsg, unit: UnitMessage, records: readonly SampleRecord[], stats: UnitStats, signal?: AbortSignal): Promise<'completed' | 'duplicate' | 'dropped'> {
    const written = await this.o.writer.write(unit.unitId, records);
    let accepted: boolean;
    try {
      const res = await this.o.coordinator.completeUnit(
        { unitId: unit.unitId, resultsObject: written.object, resultsSha256: written.sha256, samples: records.length, gpuSeconds: stats.gpuSeconds, gpuClass: stats.gpuClass, tensorParallelSize: stats.tensorParallelSize },
        { retryForMs: this.o.retryForMs ?? 60_000, ...(signal ? { signal } : {}) },
      );
      accepted = res.accepted;
    } catch (e) {
      if (e instanceof CoordinatorError && e.grpcCode === grpc.status.NOT_FOUND) {
        // The coordinator does not know the unit (its run was deleted): nothing will ever want it.
        this.log.warn({ ...ids(unit), error: e.message }, 'coordinator does not know the unit; dropping the message');
        msg.term();
        return 'dropped';
      }
      throw infrastructure(`CompleteUnit failed: ${errorLine(e)}`, e);
    }
    await this.ack(msg, unit);
    this.log.info({ ...ids(unit), samples: records.length, sha256: written.sha256, accepted }, accepted ? 'unit completed' : 'unit was already done');
    return accepted ? 'completed' : 'duplicate';
  }

  /** Acks a unit whose UnitRecord is already DONE (or whose run is over) without running it. */
  async skip(msg: JsMsg, unit: UnitMessage, why: string): Promise<'skipped'> {
    await this.ack(msg, unit);
    this.log.info({ ...ids(unit), why }, 'unit skipped');
    return 'skipped';
  }

  /** Reports a failure and settles the message as its kind requires. */
  async fail(msg: JsMsg, unit: UnitMessage, failure: UnitFailure, signal?: AbortSignal): Promise<'requeued' | 'dead-lettered'> {
    const reason = failure.message.length > MAX_REASON ? `${failure.message.slice(0, MAX_REASON - 1)}…` : failure.message;
    const budget = { retryForMs: failure.kind === 'infrastructure' ? 5_000 : (this.o.retryForMs ?? 60_000), ...(signal ? { signal } : {}) };
    let deadLettered = false;
    try {
      deadLettered = (await this.o.coordinator.failUnit(unit.unitId, failure.kind, reason, budget)).deadLettered;
    } catch (e) {
      this.log.warn({ ...ids(unit), kind: failure.kind, error: errorLine(e) }, 'FailUnit did not reach the coordinator');
    }
    if (deadLettered) {
      msg.term();
      this.log.warn({ ...ids(unit), kind: failure.kind, reason }, 'unit failed for good (dead-lettered)');
      return 'dead-lettered';
    }
    msg.nak(this.o.nakDelayMs ?? 5_000);
    this.log.warn({ ...ids(unit), kind: failure.kind, reason }, 'unit failed; handed back to the queue');
    return 'requeued';
  }

  /** Hands an unfinished unit back at once (drain, or a message that arrived while stopping). */
  handBack(msg: JsMsg, unit: UnitMessage | null, why: string): 'handed-back' {
    msg.nak();
    this.log.info({ ...(unit ? ids(unit) : { seq: msg.seq }), why }, 'unit handed back');
    return 'handed-back';
  }

  private async ack(msg: JsMsg, unit: UnitMessage): Promise<void> {
    try {
      const ok = await msg.ackAck({ timeout: 10_000 });
      if (!ok) this.log.warn(ids(unit), 'ack was not confirmed; a redelivery will find the unit done');
    } catch (e) {
      this.log.warn({ ...ids(unit), error: errorLine(e) }, 'ack failed; a redelivery will find the unit done');
    }
  }
}
