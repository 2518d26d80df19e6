import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFewShotChat, buildFirstTurn, buildModelInput, mergeSystemIntoFirstUser } from './chat.js';
import type { PyRecord } from '../py/value.js';

const rec = (o: Record<string, string>): PyRecord => new Map(Object.entries(o));
const t = { systemPrompt: 'SYS', userTemplate: 'Q: {q}', assistantTemplate: 'A: {a}' };

test('build_first_turn adds the example only when prompt and answer are non-empty', () => {
  assert.deepEqual(buildFirstTurn('S', 'u', 'a').length, 3);
  assert.deepEqual(buildFirstTurn('S', '', 'a'), [{ role: 'system', content: 'S' }]);
  assert.deepEqual(buildFirstTurn('S', 'u', null), [{ role: 'system', content: 'S' }]);
});

test('few-shot chat: system, then user/assistant pairs; zero shots is the system turn alone', () => {
  const chat = buildFewShotChat([rec({ q: '1', a: 'x' }), rec({ q: '2', a: 'y' })], t);
  assert.deepEqual(chat.map((m) => `${m.role}:${m.content}`), ['system:SYS', 'user:Q: 1', 'assistant:A: x', 'user:Q: 2', 'assistant:A: y']);
  assert.deepEqual(buildFewShotChat([], t), [{ role: 'system', content: 'SYS' }]);
  assert.deepEqual(buildModelInput(rec({ q: '3' }), t.userTemplate, chat).at(-1), { role: 'user', content: 'Q: 3' });
});

test('system turn merged into the first user turn for models without a system role', () => {
  const merged = mergeSystemIntoFirstUser([
    { role: 'system', content: 'S' },
    { role: 'user', content: 'u1' },
    { role: 'assistant', content: 'a1' },
    { role: 'user', content: 'u2' },
  ]);
  assert.deepEqual(merged, [
    { role: 'user', content: 'S\n\nu1' },
    { role: 'assistant', content: 'a1' },
    { role: 'user', content: 'u2' },
  ]);
  const none = [{ role: 'user' as const, content: 'u' }];
  assert.deepEqual(mergeSystemIntoFirstUser(none), none);
});
