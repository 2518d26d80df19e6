import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger } from './test-support.js';
import { WorkerStateMachine, type WorkerTransition } from './state.js';
import { GroupStateMachine } from './group-state.js';

test('the worker state machine allows the documented transitions, logs each with worker id and models, and rejects others', () => {
  const { logger, lines } = captureLogger();
  const sm = new WorkerStateMachine('w-1', logger);
  const seen: WorkerTransition[] = [];
  sm.onTransition((t) => seen.push(t));
  sm.to('registering');
  sm.to('idle');
  sm.to('running', 'llama-3-8b-instruct');
  sm.to('running', 'llama-3-8b-instruct,mistral-7b-instruct-v0-2', 'a second group serves');
  sm.to('idle', null);
  sm.to('running', 'mistral-7b-instruct-v0-2');
  sm.to('running', 'mistral-7b-instruct-v0-2');
  assert.equal(seen.length, 6, 'a repeated state with the same models is not a transition');
  assert.throws(() => sm.to('registering'), /running → registering is not a valid transition/);
  assert.equal(sm.tryTo('starting'), false);
  sm.to('draining');
  sm.to('stopped');
  assert.ok(sm.final);
  assert.equal(sm.tryTo('failed'), false, 'stopped is final');
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(logged.length, 8);
  assert.ok(logged.every((l) => l['msg'] === 'worker state' && l['workerId'] === 'w-1'));
  assert.deepEqual(logged[3], { ...logged[3], from: 'running', to: 'running', model: 'llama-3-8b-instruct,mistral-7b-instruct-v0-2', reason: 'a second group serves' });
});

test('the group state machine: loading → serving → releasing → stopped, failed only before releasing, stopped final', () => {
  const { logger, lines } = captureLogger();
  const g = new GroupStateMachine('g0.llama-3-8b-instruct', 'llama-3-8b-instruct', logger);
  const seen: string[] = [];
  g.onTransition((from, to) => seen.push(`${from}>${to}`));
  assert.equal(g.tryTo('stopped'), false, 'loading cannot skip releasing');
  assert.ok(g.tryTo('serving'));
  assert.equal(g.tryTo('loading'), false);
  assert.ok(g.tryTo('failed', 'CRASHED: gave up'));
  assert.equal(g.tryTo('serving'), false, 'a failed group is only released');
  assert.ok(g.tryTo('releasing'));
  assert.ok(g.tryTo('stopped'));
  assert.equal(g.tryTo('releasing'), false);
  assert.deepEqual(seen, ['loading>serving', 'serving>failed', 'failed>releasing', 'releasing>stopped']);
  const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(logged.every((l) => l['msg'] === 'group state' && l['group'] === 'g0.llama-3-8b-instruct' && l['model'] === 'llama-3-8b-instruct'));
  assert.equal(logged.length, 5, 'the initial loading state is logged too');
});
