import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger } from './test-support.js';
import { WorkerStateMachine, type WorkerTransition } from './state.js';

test('the state machine allows the documented transitions, logs each with worker id and model, and rejects others', () => {
  const { logger, lines } = captureLogger();
  const sm = new WorkerStateMachine('w-1', logger);
  const seen: WorkerTransition[] = [];
  sm.onTransition((t) => seen.push(t));
  sm.to('registering');
  sm.to('idle');
  sm.to('loading', 'llama-3-8b-instruct');
  sm.to('running');
  sm.to('loading', 'mistral-7b-instruct-v0-2', 'model switch');
  sm.to('running');
  sm.to('running');
  assert.equal(seen.length, 6, 'a repeated state is not a transition');
  assert.throws(() => sm.to('registering'), /running → registering is not a valid transition/);
  assert.equal(sm.tryTo('starting'), false);
  sm.to('draining');
  sm.to('stopped');
  assert.ok(sm.final);
  assert.equal(sm.tryTo('failed'), false, 'stopped is final');
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(logged.length, 8);
  assert.ok(logged.every((l) => l['msg'] === 'worker state' && l['workerId'] === 'w-1'));
  assert.deepEqual(logged[4], { ...logged[4], from: 'running', to: 'loading', model: 'mistral-7b-instruct-v0-2', reason: 'model switch' });
});
