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

/** True while a process with `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a server left running does not keep its process alive, and dies with it leaving no directory behind', async () => {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const helper = fileURLToPath(new URL('./nats-server.js', import.meta.url));
  // A process that starts a server, prints its pid and store, and forgets to stop it (a test whose set-up threw).
  const script = `import('${helper}').then(async (m) => { const s = await m.startNatsServer(); console.log(JSON.stringify({ pid: s.process.pid, store: s.storeDir })); })`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = await new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), 20000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
  if (!exited) child.kill('SIGKILL');
  assert.ok(exited, 'the process exits on its own although its nats-server was never stopped');
  const { pid, store } = JSON.parse(out) as { pid: number; store: string };
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!alive(pid), `nats-server ${pid} was killed with the process`);
  assert.ok(!existsSync(store), `${store} was removed`);
});

test('stop() removes the temporary directory also when the caller gave its own store and credentials', async () => {
  const { mkdtempSync, rmSync, existsSync, readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, dirname } = await import('node:path');
  const { createLocalSecurity } = await import('../security/local-bundle.js');
  const dir = mkdtempSync(join(tmpdir(), 'clue-own-store-'));
  try {
    const security = await createLocalSecurity(join(dir, 'security'));
    const s = await startNatsServer({ storeDir: join(dir, 'js'), security });
    const work = dirname(s.process.spawnargs[2]!);
    assert.ok(readdirSync(work).includes('nats.conf'));
    await s.stop();
    assert.ok(!existsSync(work), `${work} was removed`);
    assert.ok(existsSync(join(dir, 'js')), 'the caller’s store is kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
