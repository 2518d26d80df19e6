/**
 * Dead letters: a unit that failed for good is published to `clue.dead.<model>.<task>` (stream
 * CLUE_DEAD) with the reason and kind, `Nats-Msg-Id` = unit id so a repeated attempt is dropped.
 * Also consumes JetStream's MAX_DELIVERIES advisories on the unit consumers (captured in a stream, so
 * none is lost while the coordinator is down): a unit whose message was delivered `max_deliver` times
 * without an ack (workers died or timed out every time) would otherwise sit in the work queue
 * forever, so it is failed, dead-lettered and removed.
 */
import { ADVISORIES_CONSUMER, ADVISORIES_STREAM, UNITS_STREAM, deadSubject, type UnitMessage } from '@clue/common';
import type { CoordinatorContext } from './context.js';

/** Failure kinds (FailUnit.kind). */
export type FailureKind = 'infrastructure' | 'deterministic' | 'error';

/** The payload of a dead letter. */
export interface DeadLetter extends UnitMessage {
  readonly reason: string;
  readonly kind: FailureKind;
  readonly workerId: string;
  readonly failedAt: string;
}

/** Publishes a dead letter (idempotent per unit). */
export async function publishDeadLetter(ctx: CoordinatorContext, letter: DeadLetter): Promise<void> {
  await ctx.jet.js.publish(deadSubject(letter.model, letter.task), JSON.stringify(letter), { msgID: letter.unitId });
  ctx.metrics.unitsDeadLettered.inc({ model: letter.model, task: letter.task });
  ctx.logger.warn({ unitId: letter.unitId, kind: letter.kind, reason: letter.reason }, 'unit dead-lettered');
}

/** Called with the unit message of a message that reached max_deliver, and the delivery count. */
export type MaxDeliveriesHandler = (unit: UnitMessage, deliveries: number) => Promise<void>;

/** A running advisory consumer. */
export interface AdvisoryListener {
  stop(): Promise<void>;
}

/**
 * Consumes the MAX_DELIVERIES advisories captured in {@link ADVISORIES_STREAM} through the durable
 * consumer all coordinators share, so an advisory published while no coordinator ran is handled by
 * the next one. For each, the unit message is read from the work queue by sequence, handed to
 * `onExhausted`, deleted, and the advisory acked. A crash before the ack redelivers the advisory; the
 * unit message is gone by then (or its unit already failed), so handling it again changes nothing.
 */
export async function consumeMaxDeliveries(ctx: CoordinatorContext, onExhausted: MaxDeliveriesHandler): Promise<AdvisoryListener> {
  const consumer = await ctx.jet.js.consumers.get(ADVISORIES_STREAM, ADVISORIES_CONSUMER);
  const messages = await consumer.consume({ max_messages: 16 });
  const loop = (async () => {
    for await (const m of messages) {
      try {
        const adv = m.json<{ stream_seq?: number; deliveries?: number }>();
        if (typeof adv.stream_seq === 'number') {
          const stored = await ctx.jet.jsm.streams.getMessage(UNITS_STREAM, { seq: adv.stream_seq }).catch(() => null);
          if (stored) {
            await onExhausted(stored.json<UnitMessage>(), adv.deliveries ?? 0);
            await ctx.jet.jsm.streams.deleteMessage(UNITS_STREAM, adv.stream_seq).catch(() => undefined);
          }
        }
        m.ack();
      } catch (e) {
        // Not acked: JetStream delivers it again after the ack wait.
        ctx.logger.error({ err: (e as Error).message }, 'cannot handle a max-deliveries advisory; it will be redelivered');
      }
    }
  })();
  return {
    async stop() {
      await messages.close().catch(() => undefined);
      await loop;
    },
  };
}
