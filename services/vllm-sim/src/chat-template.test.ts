import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatTemplateError, contentText, renderChat, resolveTemplate, tokenizerSpecFor } from './chat-template.js';
import { findModel } from './model-table.js';

const opts = { addGenerationPrompt: true, continueFinalMessage: false };
const SYS = { role: 'system', content: 'Be brief.' };
const U = { role: 'user', content: 'Hi' };
const A = { role: 'assistant', content: 'Hello' };

function render(id: string, messages: Array<{ role: string; content: string }>, custom: string | null = null): string {
  const m = findModel(id)!;
  return renderChat(resolveTemplate(m, custom), messages, tokenizerSpecFor(m), opts);
}

test('Llama 3 and 3.1 headers, BOS and generation prompt', () => {
  assert.equal(
    render('meta-llama/Meta-Llama-3-8B-Instruct', [SYS, U]),
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  assert.match(render('meta-llama/Llama-3.1-8B-Instruct', [U]), /Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<\|eot_id\|>/);
});

test('Llama 2 chat merges the system prompt into the first user turn', () => {
  assert.equal(render('meta-llama/Llama-2-7b-chat-hf', [SYS, U, A, U]), '<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello </s><s>[INST] Hi [/INST]');
  assert.throws(() => render('meta-llama/Llama-2-7b-chat-hf', [SYS, U, U]), /Conversation roles must alternate/);
});

test('Mistral Instruct rejects a system message; base models have no template', () => {
  assert.equal(render('mistralai/Mistral-7B-Instruct-v0.2', [U, A, U]), '<s>[INST] Hi [/INST]Hello</s>[INST] Hi [/INST]');
  assert.throws(
    () => render('mistralai/Mixtral-8x7B-Instruct-v0.1', [SYS, U]),
    (e) => e instanceof ChatTemplateError && e.kind === 'jinja' && e.message === 'Conversation roles must alternate user/assistant/user/assistant/...',
  );
  assert.throws(
    () => render('meta-llama/Llama-2-7b-hf', [U]),
    (e) => e instanceof ChatTemplateError && e.kind === 'missing' && /^As of transformers v4\.44/.test(e.message),
  );
  // A --chat-template makes a base model chat; a Mistral-like custom template keeps the strictness.
  assert.equal(render('meta-llama/Llama-2-7b-hf', [SYS, U], '{{ messages }}'), '<s>system: Be brief.\nuser: Hi\nassistant: ');
  assert.throws(() => render('meta-llama/Llama-2-7b-hf', [SYS, U], "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"), ChatTemplateError);
});

test('content parts are joined with newlines', () => {
  assert.equal(contentText([{ type: 'text', text: 'a' }, { type: 'image_url' }, { type: 'text', text: 'b' }]), 'a\nb');
  assert.equal(contentText(null), '');
});
