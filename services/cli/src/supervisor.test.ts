/** The local cluster's supervisor over real child processes: restart with backoff, crash-loop give-up, stop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Supervisor, type Instance } from './supervisor.js';
import type { LocalClusterError } from './local-cluster-error.js';

/** A node child running `code`; stop() = SIGTERM. */
function child(code: string): Instance {
  const p = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => p.once('exit', (c, s) => resolve({ code: c, signal: s })));
  return {
    pid: p.pid,
    exited,
    stop: async () => {
      p.kill('SIGTERM');
      await exited;
    },
  };
}

const FAST = { initialBackoffMs: 20, maxBackoffMs: 100, stableMs: 2000, maxQuickExits: 3 };
const until = async (ok: () => boolean, ms = 10000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('a killed process is restarted, with one log line per restart, and stop() ends it for good', async () => {
  const lines: string[] = [];
  let starts = 0;
  const s = new Supervisor({
    name: 'worker-1',
    start: async () => {
      starts++;
      return child('setInterval(() => {}, 1000)');
    },
    log: (l) => lines.push(l),
    onGiveUp: () => assert.fail('must not give up'),
    policy: FAST,
  });
  await s.start();
  const first = s.current!;
  process.kill(first.pid!, 'SIGKILL');
  await first.exited;
  await until(() => s.status === 'running' && s.current !== first);
  assert.equal(s.restarts, 1);
  assert.equal(starts, 2);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^supervisor: worker-1 exited \(killed by SIGKILL\) after [\d.]+ s; restart 1 in 0\.02 s$/);
  const second = s.current!;
  await s.stop();
  assert.equal(s.status, 'stopped');
  const exit = await second.exited;
  assert.equal(exit.signal, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(starts, 2, 'nothing restarts after stop()');
});

test('a process that keeps dying at once is given up on after maxQuickExits, with an error naming it and its log', async () => {
  const lines: string[] = [];
  let gaveUp: LocalClusterError | undefined;
  let starts = 0;
  const s = new Supervisor({
    name: 'coordinator',
    start: async () => {
      starts++;
      // The first instance is healthy long enough to be started; the rest die at once.
      return child(starts === 1 ? 'setTimeout(() => process.exit(3), 100)' : 'process.exit(3)');
    },
    log: (l) => lines.push(l),
    onGiveUp: (e) => (gaveUp = e),
    logFile: '/state/logs/coordinator.log',
    policy: FAST,
  });
  await s.start();
  await until(() => s.status === 'failed');
  assert.ok(gaveUp);
  assert.equal(gaveUp.code, 'CRASH_LOOP');
  assert.match(gaveUp.message, /^coordinator is crash-looping: it failed 3 times in a row within 2 s of starting \(last: exited \(exit code 3\)/);
  assert.match(gaveUp.message, /\/state\/logs\/coordinator\.log/);
  assert.equal(starts, 3, 'two restarts, then it gives up');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /restart 2 in 0\.04 s$/, 'the backoff doubles');
  assert.match(lines[2]!, /giving up after 3 quick failures in a row$/);
  await s.stop();
  assert.equal(s.status, 'failed');
});

test('a failed start is retried with backoff; an instance that ran stably resets the count', async () => {
  let starts = 0;
  const lines: string[] = [];
  const s = new Supervisor({
    name: 'nats-server',
    start: async () => {
      starts++;
      if (starts === 2 || starts === 3) throw new Error('port in use');
      return child('setInterval(() => {}, 1000)');
    },
    log: (l) => lines.push(l),
    onGiveUp: () => assert.fail('must not give up'),
    policy: { ...FAST, stableMs: 300, maxQuickExits: 4 },
  });
  await s.start();
  await new Promise((r) => setTimeout(r, 400)); // stable
  const first = s.current!;
  process.kill(first.pid!, 'SIGKILL');
  await until(() => s.status === 'running' && s.current !== first);
  assert.equal(starts, 4);
  assert.match(lines[1]!, /failed to start \(port in use\); restart 2/);
  // Stable again, then two more crashes: each starts the count from 1, so no give-up at 4 in all.
  for (let k = 0; k < 2; k++) {
    await new Promise((r) => setTimeout(r, 400));
    const cur = s.current!;
    process.kill(cur.pid!, 'SIGKILL');
    await until(() => s.status === 'running' && s.current !== cur);
  }
  assert.equal(s.restarts, 5);
  await s.stop();
});
