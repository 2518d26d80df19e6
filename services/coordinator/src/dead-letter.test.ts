/**
 * MAX_DELIVERIES advisories survive a coordinator outage: a unit exhausts its deliveries while no
 * coordinator runs (the advisory is published with nobody subscribed), and the coordinator that starts
 * afterwards still fails it, exactly once. Real nats-server, the production JetStream layout and the
 * coordinator's NATS user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { ADVISORIES_STREAM, UNITS_STREAM, UNIT_MAX_DELIVER, ensureJetStream, ensureModelConsumer, modelConsumer, startNatsServer, unitSubject, type UnitMessage } from '@clue/common';
import { consumeMaxDeliveries } from './dead-letter.js';
import type { CoordinatorContext } from './context.js';

const until = async (what: string, ok: () => Promise<boolean> | boolean, ms = 20000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test('an advisory published while no coordinator runs is handled by the next one, once', async (t) => {
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions('coordinator'));
  t.after(async () => {
    await nc.close();
    await nats.stop();
  });
  const jet = await ensureJetStream(nc, { replicas: 1, workerTtlMs: 60000 });
  const ctx = { jet, logger: pino({ level: 'silent' }) } as unknown as CoordinatorContext;
  const model = 'llama-3-8b-instruct';
  await ensureModelConsumer(jet.jsm, model, 200);
  const unit: UnitMessage = { unitId: 'r1.llama-3-8b-instruct.mednli.0', runId: 'r1', model, task: 'mednli' } as unknown as UnitMessage;
  await jet.js.publish(unitSubject(model, 'mednli'), JSON.stringify(unit));

  // The coordinator is down: a worker takes the unit and dies with it, UNIT_MAX_DELIVER times.
  const consumer = await jet.js.consumers.get(UNITS_STREAM, modelConsumer(model));
  for (let i = 0; i < UNIT_MAX_DELIVER; i++) {
    const m = await consumer.next({ expires: 5000 });
    assert.ok(m, `delivery ${i + 1}`);
    assert.equal(m.info.deliveryCount, i + 1);
    m.nak();
  }
  // The server gives up on the message (and publishes the advisory) at its next delivery attempt.
  assert.equal(await consumer.next({ expires: 1000 }), null);
  await until('the advisory to be captured', async () => (await jet.jsm.streams.info(ADVISORIES_STREAM)).state.messages === 1);

  // A coordinator starts afterwards.
  const handled: Array<[string, number]> = [];
  const first = await consumeMaxDeliveries(ctx, async (u, deliveries) => {
    handled.push([u.unitId, deliveries]);
  });
  await until('the advisory to be handled', () => handled.length > 0);
  await until('the unit message to leave the work queue', async () => (await jet.jsm.streams.info(UNITS_STREAM)).state.messages === 0);
  await until('the advisory to be acked', async () => (await jet.jsm.streams.info(ADVISORIES_STREAM)).state.messages === 0);
  await first.stop();
  assert.deepEqual(handled, [[unit.unitId, UNIT_MAX_DELIVER]]);

  // The next coordinator does not handle it again.
  const second = await consumeMaxDeliveries(ctx, async (u) => {
    handled.push([u.unitId, -1]);
  });
  await new Promise((r) => setTimeout(r, 500));
  await second.stop();
  assert.equal(handled.length, 1);
});

test('an advisory whose handling fails is not acked, and is handled on redelivery', async (t) => {
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions('coordinator'));
  t.after(async () => {
    await nc.close();
    await nats.stop();
  });
  const jet = await ensureJetStream(nc, { replicas: 1, workerTtlMs: 60000 });
  // Redeliver an unacked advisory after 1 s instead of 60 s.
  const info = await jet.jsm.consumers.info(ADVISORIES_STREAM, 'coordinator-max-deliveries');
  await jet.jsm.consumers.update(ADVISORIES_STREAM, info.name, { ack_wait: 1_000_000_000 });
  const ctx = { jet, logger: pino({ level: 'silent' }) } as unknown as CoordinatorContext;
  const model = 'mistral-7b-instruct-v0-2';
  await ensureModelConsumer(jet.jsm, model, 200);
  await jet.js.publish(unitSubject(model, 'meqsum'), JSON.stringify({ unitId: 'r2.u', runId: 'r2', model, task: 'meqsum' }));
  const consumer = await jet.js.consumers.get(UNITS_STREAM, modelConsumer(model));
  for (let i = 0; i < UNIT_MAX_DELIVER; i++) (await consumer.next({ expires: 5000 }))!.nak();
  assert.equal(await consumer.next({ expires: 1000 }), null);
  let calls = 0;
  const listener = await consumeMaxDeliveries(ctx, async () => {
    calls++;
    if (calls === 1) throw new Error('KV timeout');
  });
  await until('the second attempt', () => calls >= 2);
  await until('the unit message to leave the work queue', async () => (await jet.jsm.streams.info(UNITS_STREAM)).state.messages === 0);
  await listener.stop();
  assert.equal(calls, 2);
});
