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

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

test('routes between servers use mutual TLS: servers of one CA form a cluster, a server with another CA cannot join it', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { createLocalSecurity } = await import('../security/local-bundle.js');
  const dir = mkdtempSync(join(tmpdir(), 'clue-routes-'));
  const [ra, rb, rc] = [await freePort(), await freePort(), await freePort()];
  const sec = await createLocalSecurity(join(dir, 'ca1'));
  const foreign = await createLocalSecurity(join(dir, 'ca2'), 'another CA');
  const a = await startNatsServer({ security: sec, cluster: { name: 'clue-test', port: ra, routes: [rb] } });
  const b = await startNatsServer({ security: sec, cluster: { name: 'clue-test', port: rb, routes: [ra] } });
  const c = await startNatsServer({ security: foreign, cluster: { name: 'clue-test', port: rc, routes: [ra] } });
  const conns: Awaited<ReturnType<typeof connect>>[] = [];
  try {
    const onA = await connect(a.connectOptions('worker'));
    const onB = await connect(b.connectOptions('worker'));
    const onC = await connect(c.connectOptions('worker'));
    conns.push(onA, onB, onC);
    // The scorer subject: a worker may both serve it and ask it.
    const received: string[] = [];
    onA.subscribe('clue.scorer.bertscore.v1', { callback: (_e, m) => void received.push(m.string()) });
    await onA.flush();
    const deadline = Date.now() + 15000;
    while (!received.includes('via-b') && Date.now() < deadline) {
      onB.publish('clue.scorer.bertscore.v1', 'via-b');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(received.includes('via-b'), 'a message from B reached A over the TLS route');
    for (let i = 0; i < 10; i++) {
      onC.publish('clue.scorer.bertscore.v1', 'via-c');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(!received.includes('via-c'), 'the server with a foreign certificate is not routed to A');
  } finally {
    for (const nc of conns) await nc.close().catch(() => undefined);
    await Promise.all([a.stop(), b.stop(), c.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
});
