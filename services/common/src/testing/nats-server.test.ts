import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { startNatsServer } from './nats-server.js';

test('starts a JetStream nats-server, keeps KV data across a kill and restart on the same store', async () => {
  const s1 = await startNatsServer();
  let nc = await connect({ servers: s1.url });
  const kv = await new Kvm(nc).create('t_bucket', { storage: 'file' });
  await kv.put('k', 'v1');
  await nc.close();
  await s1.kill();
  const s2 = await startNatsServer({ storeDir: s1.storeDir });
  nc = await connect({ servers: s2.url });
  const again = await new Kvm(nc).open('t_bucket');
  assert.equal((await again.get('k'))?.string(), 'v1');
  await nc.close();
  await s2.stop();
});
