import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from './errors.js';
import { mapPool, runPool } from './request-pool.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('never more than `concurrency` in flight, and the bound is actually reached', async () => {
  let inFlight = 0;
  let peak = 0;
  const out = await runPool(
    Array.from({ length: 200 }, (_, i) => i),
    async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await delay(1 + (x % 5));
      inFlight--;
      return x * 2;
    },
    { concurrency: 16 },
  );
  assert.equal(peak, 16);
  assert.equal(out.length, 200);
  assert.deepEqual(out.map((o) => (o.ok ? o.value : -1)), Array.from({ length: 200 }, (_, i) => i * 2));
});

test('results come back in index order although they complete out of order', async () => {
  const out = await runPool([30, 1, 20, 2], async (ms, i) => {
    await delay(ms);
    return i;
  }, { concurrency: 4 });
  assert.deepEqual(out.map((o) => o.index), [0, 1, 2, 3]);
  const order: number[] = [];
  for await (const o of mapPool([30, 1, 20, 2], async (ms) => delay(ms), { concurrency: 4 })) order.push(o.index);
  assert.deepEqual(order, [1, 3, 2, 0]);
});

test('backpressure: the source is pulled only as slots free and the consumer keeps up', async () => {
  let pulled = 0;
  function* source() {
    for (let i = 0; i < 1000; i++) {
      pulled++;
      yield i;
    }
  }
  const gen = mapPool(source(), async (x) => x, { concurrency: 4, maxBuffered: 4 });
  const first = await gen.next();
  assert.equal(first.done, false);
  await delay(20);
  assert.ok(pulled <= 9, `pulled ${pulled} items for one consumed result`);
  await gen.return(undefined);
});

test('a failing task yields a failed outcome and the pool goes on; plain errors become REQUEST_FAILED', async () => {
  const out = await runPool([1, 2, 3], async (x) => {
    if (x === 2) throw new Error('boom');
    if (x === 3) throw new EngineError('REQUEST_REJECTED', 'too long');
    return x;
  }, { concurrency: 2 });
  assert.equal(out[0]!.ok, true);
  assert.ok(!out[1]!.ok && out[1]!.error.code === 'REQUEST_FAILED' && /boom/.test(out[1]!.error.message));
  assert.ok(!out[2]!.ok && out[2]!.error.code === 'REQUEST_REJECTED');
});

test('per-request timeout aborts the task signal with REQUEST_FAILED', async () => {
  const out = await runPool([5, 500], (ms, _i, signal) => new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => resolve(ms), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  }), { concurrency: 2, timeoutMs: 50 });
  assert.ok(out[0]!.ok);
  assert.ok(!out[1]!.ok && out[1]!.error.code === 'REQUEST_FAILED' && /timed out after 50 ms/.test(out[1]!.error.message));
});

test('cancellation stops pulling, aborts in-flight tasks and rejects with ABORTED', async () => {
  const ctl = new AbortController();
  let started = 0;
  let aborted = 0;
  const run = runPool(Array.from({ length: 100 }, (_, i) => i), (_x, _i, signal) => {
    started++;
    return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => {
      aborted++;
      reject(signal.reason);
    }));
  }, { concurrency: 5, signal: ctl.signal });
  await delay(10);
  ctl.abort();
  await assert.rejects(run, (e: unknown) => e instanceof EngineError && e.code === 'ABORTED');
  assert.equal(started, 5);
  assert.equal(aborted, 5);
});

test('rejects a bad concurrency', async () => {
  await assert.rejects(runPool([1], async (x) => x, { concurrency: 0 }), (e: unknown) => e instanceof EngineError && e.code === 'INVALID_CONFIG');
});
