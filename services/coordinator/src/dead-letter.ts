/**
 * Dead letters: a unit that failed for good is published to `clue.dead.<model>.<task>` (stream
 * CLUE_DEAD) with the reason and kind, `Nats-Msg-Id` = unit id so a repeated attempt is dropped.
 * Also listens for JetStream's MAX_DELIVERIES advisories on the unit consumers: a unit whose
 * message was delivered `max_deliver` times without an ack (workers died or timed out every time)
 * would otherwise sit in the work queue forever, so it is failed, dead-lettered and removed.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { UNITS_STREAM, deadSubject, type UnitMessage } from '@clue/common';
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

/** Subject of the MAX_DELIVERIES advisories of every unit consumer. */
export const MAX_DELIVERIES_ADVISORY = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${UNITS_STREAM}.*`;

/** Called with the unit message of a message that reached max_deliver, and the delivery count. */
export type MaxDeliveriesHandler = (unit: UnitMessage, deliveries: number) => Promise<void>;

/**
 * Subscribes to the unit consumers' MAX_DELIVERIES advisories. For each, the message is read from
 * the stream by sequence, handed to `onExhausted`, then deleted from the work queue.
 */
export function listenMaxDeliveries(nc: NatsConnection, ctx: CoordinatorContext, onExhausted: MaxDeliveriesHandler): Subscription {
  const sub = nc.subscribe(MAX_DELIVERIES_ADVISORY);
  void (async () => {
    for await (const m of sub) {
      try {
        const adv = m.json<{ stream_seq?: number; deliveries?: number }>();
        if (typeof adv.stream_seq !== 'number') continue;
        const stored = await ctx.jet.jsm.streams.getMessage(UNITS_STREAM, { seq: adv.stream_seq });
        if (!stored) continue;
        await onExhausted(stored.json<UnitMessage>(), adv.deliveries ?? 0);
        await ctx.jet.jsm.streams.deleteMessage(UNITS_STREAM, adv.stream_seq).catch(() => undefined);
      } catch (e) {
        ctx.logger.error({ err: (e as Error).message }, 'cannot handle a max-deliveries advisory');
      }
    }
  })();
  return sub;
}
