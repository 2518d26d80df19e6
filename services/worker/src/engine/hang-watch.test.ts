import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HangWatch } from './hang-watch.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('fires once when requests are in flight and nothing completes for the timeout', async () => {
  const c = clock();
  const fired: Array<{ inFlight: number; stalledMs: number }> = [];
  const w = new HangWatch({ timeoutMs: 1000, now: c.now, onHang: (i) => fired.push(i) });
  w.requestStarted();
  w.requestStarted();
  c.advance(600);
  w.requestFinished();
  c.advance(900);
  await w.check();
  assert.equal(fired.length, 0, 'a completion 900 ms ago is recent enough');
  c.advance(200);
  await w.check();
  assert.deepEqual(fired, [{ inFlight: 1, stalledMs: 1100 }]);
  c.advance(5000);
  await w.check();
  assert.equal(fired.length, 1, 'fires only once');
});

test('idle time does not count, and token progress from the probe keeps it alive', async () => {
  const c = clock();
  let fired = 0;
  let tokens = 0;
  const w = new HangWatch({ timeoutMs: 1000, now: c.now, probe: async () => tokens, onHang: () => fired++ });
  c.advance(10_000);
  await w.check();
  w.requestStarted();
  for (let i = 0; i < 5; i++) {
    c.advance(800);
    tokens += 10;
    await w.check();
  }
  assert.equal(fired, 0);
  c.advance(1200);
  await w.check();
  assert.equal(fired, 1);
});

test('the timer runs checks by itself', async () => {
  let fired = 0;
  const w = new HangWatch({ timeoutMs: 40, checkIntervalMs: 10, onHang: () => fired++ });
  w.start();
  w.requestStarted();
  await new Promise((r) => setTimeout(r, 150));
  w.stop();
  assert.equal(fired, 1);
});
