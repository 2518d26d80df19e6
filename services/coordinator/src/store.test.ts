/** TypedKv against a real nats-server: listing a bucket that is written to all the time ends. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { startNatsServer } from '@clue/common';
import { TypedKv } from './store.js';

test('list() returns every key while another client keeps writing to the bucket', async (t) => {
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions('coordinator'));
  t.after(async () => {
    await nc.close();
    await nats.stop();
  });
  const js = jetstream(nc);
  const kv = await new Kvm(js).create('clue_cells');
  for (let i = 0; i < 20; i++) await kv.put(`w${i}`, JSON.stringify({ i }));
  const store = new TypedKv<{ i: number }>(kv, js, 'clue_cells');
  let writing = true;
  let writes = 0;
  const started = Date.now();
  const writer = (async () => {
    // Bounded, so a listing that waits for the writes to stop shows up as slow instead of hanging.
    while (writing && Date.now() - started < 8000) {
      await kv.put(`w${writes % 20}`, JSON.stringify({ i: writes % 20 }));
      writes++;
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  const listed = await store.list();
  const ms = Date.now() - t0;
  writing = false;
  await writer;
  assert.ok(writes > 100, `the writer kept writing (${writes} writes)`);
  assert.deepEqual(listed.map((e) => e.key).sort(), Array.from({ length: 20 }, (_, i) => `w${i}`).sort());
  assert.ok(ms < 4000, `list() ended in ${ms} ms, before its 5 s idle stop`);
});
