import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { startNatsServer } from './nats-server.js';

test('starts a JetStream nats-server, keeps KV data across a kill and restart on the same store', async () => {
  const s1 = await startNatsServer();
  let nc = await connect(s1.connectOptions('coordinator'));
  const kv = await new Kvm(nc).create('clue_runs', { storage: 'file' });
  await kv.put('k', 'v1');
  await nc.close();
  await s1.kill();
  const s2 = await startNatsServer({ storeDir: s1.storeDir, security: s1.security });
  nc = await connect(s2.connectOptions('coordinator'));
  const again = await new Kvm(nc).open('clue_runs');
  assert.equal((await again.get('k'))?.string(), 'v1');
  await nc.close();
  await s2.stop();
});
