import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, killSim, metricValue, postJson, spawnSim, waitReady, type SimProcess } from './test-support.js';

let sim: SimProcess;
const MODEL = 'meta-llama/Meta-Llama-3-8B-Instruct';
const NLI = [
  { role: 'system', content: 'Your task is to determine the logical relation. Valid answers are: ENTAILMENT, NEUTRAL or CONTRADICTION.' },
  { role: 'user', content: '\nSENTENCE_1: The patient denies chest pain.\nSENTENCE_2: The patient has chest pain.\n' },
];
const QA = [
  { role: 'system', content: 'You should carefully review the contents and accurately answer questions related to this document.' },
  {
    role: 'user',
    content:
      '--------------BEGIN DISCHARGE LETTER--------------\nYou were admitted because of a severe pneumonia of the right lung. ' +
      'You were treated with antibiotics through the vein and your breathing improved over several days. Your kidney function was ' +
      'monitored closely and remained normal throughout the stay.\n--------------END DISCHARGE LETTER--------------\nWhy was I admitted to the hospital?',
  },
];

before(async () => {
  sim = await spawnSim(['serve', MODEL, '--served-model-name', 'llama3', 'alias', '--max-model-len', '2K', '--seed', '3']);
  await waitReady(sim);
});
after(() => killSim(sim));

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return postJson(`${sim.url}/v1/chat/completions`, { model: 'llama3', ...body }, headers);
}

test('/health, /ping, /version, /load', async () => {
  const h = await getJson(`${sim.url}/health`);
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  assert.equal((await getJson(`${sim.url}/ping`)).status, 200);
  assert.deepEqual((await getJson(`${sim.url}/version`)).body, { version: '0.11.0' });
  assert.deepEqual((await getJson(`${sim.url}/load`)).body, { server_load: 0 });
});

test('/v1/models: one card per served name with root, max_model_len and permission', async () => {
  const r = await getJson(`${sim.url}/v1/models`);
  assert.equal(r.status, 200);
  assert.equal(r.body.object, 'list');
  assert.deepEqual(r.body.data.map((c: { id: string }) => c.id), ['llama3', 'alias']);
  const card = r.body.data[0];
  assert.deepEqual(Object.keys(card), ['id', 'object', 'created', 'owned_by', 'root', 'parent', 'max_model_len', 'permission']);
  assert.equal(card.object, 'model');
  assert.equal(card.owned_by, 'vllm');
  assert.equal(card.root, MODEL);
  assert.equal(card.parent, null);
  assert.equal(card.max_model_len, 2048);
  assert.ok(Number.isInteger(card.created));
  assert.match(card.permission[0].id, /^modelperm-[0-9a-f]{32}$/);
  assert.equal(card.permission[0].object, 'model_permission');
  assert.equal(card.permission[0].allow_sampling, true);
  assert.equal(card.permission[0].organization, '*');
});

test('chat completion: OpenAI/vLLM shape, first served name, usage matches /tokenize', async () => {
  const r = await chat({ model: 'alias', messages: NLI, max_tokens: 20, temperature: 0 });
  assert.equal(r.status, 200, r.text);
  const b = r.body;
  assert.deepEqual(Object.keys(b), ['id', 'object', 'created', 'model', 'choices', 'service_tier', 'system_fingerprint', 'usage', 'prompt_logprobs', 'prompt_token_ids', 'kv_transfer_params']);
  assert.match(b.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(b.object, 'chat.completion');
  assert.equal(b.model, 'llama3');
  const c = b.choices[0];
  assert.deepEqual(Object.keys(c), ['index', 'message', 'logprobs', 'finish_reason', 'stop_reason', 'token_ids']);
  assert.equal(c.message.role, 'assistant');
  assert.deepEqual(c.message.tool_calls, []);
  assert.equal(c.message.reasoning_content, null);
  assert.equal(c.finish_reason, 'stop');
  assert.equal(c.stop_reason, null);
  assert.match(c.message.content, /ENTAILMENT|NEUTRAL|CONTRADICTION/);
  assert.equal(b.usage.total_tokens, b.usage.prompt_tokens + b.usage.completion_tokens);
  assert.equal(b.usage.prompt_tokens_details, null);
  const t = await postJson(`${sim.url}/tokenize`, { model: 'llama3', messages: NLI });
  assert.equal(t.body.count, b.usage.prompt_tokens);
  assert.equal(t.body.max_model_len, 2048);
  // completion_tokens counts the answer's tokens plus the EOS token.
  const answerTokens = (await postJson(`${sim.url}/tokenize`, { prompt: c.message.content, add_special_tokens: false })).body.count;
  assert.equal(b.usage.completion_tokens, answerTokens + 1);
});

test('max_tokens cuts the answer with finish_reason "length"; max_completion_tokens wins', async () => {
  const full = (await chat({ messages: QA, temperature: 0 })).body.choices[0].message.content as string;
  const r = await chat({ messages: QA, temperature: 0, max_tokens: 3 });
  assert.equal(r.body.choices[0].finish_reason, 'length');
  assert.equal(r.body.usage.completion_tokens, 3);
  assert.ok(full.startsWith(r.body.choices[0].message.content) && r.body.choices[0].message.content.length < full.length);
  const r2 = await chat({ messages: QA, temperature: 0, max_tokens: 3, max_completion_tokens: 5 });
  assert.equal(r2.body.usage.completion_tokens, 5);
});

test('streaming: role chunk, content deltas, finish chunk, usage chunk, [DONE]', async () => {
  const whole = (await chat({ messages: QA, temperature: 0 })).body;
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3', messages: QA, temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  const events = text.split('\n\n').filter((e) => e !== '');
  assert.ok(events.every((e) => e.startsWith('data: ')));
  assert.equal(events[events.length - 1], 'data: [DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
  assert.ok(chunks.length > 3);
  assert.equal(chunks[0].object, 'chat.completion.chunk');
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  const usageChunk = chunks[chunks.length - 1];
  assert.deepEqual(usageChunk.choices, []);
  assert.deepEqual(usageChunk.usage, whole.usage);
  const finish = chunks[chunks.length - 2];
  assert.equal(finish.choices[0].finish_reason, 'stop');
  const content = chunks.slice(0, -1).map((c) => c.choices[0].delta.content ?? '').join('');
  assert.equal(content, whole.choices[0].message.content);
  assert.ok(chunks.every((c) => c.id === chunks[0].id));
});

test('stream_options without stream is a validation error', async () => {
  const r = await chat({ messages: QA, stream_options: { include_usage: true } });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.type, 'Bad Request');
  assert.match(r.body.error.message, /Stream options can only be defined when `stream=True`\./);
});

test('determinism: same request same answer; temperature 0 ignores the seed; n=2 gives two choices', async () => {
  const a = await chat({ messages: QA, temperature: 0.8, seed: 11 });
  const b = await chat({ messages: QA, temperature: 0.8, seed: 11 });
  assert.equal(a.body.choices[0].message.content, b.body.choices[0].message.content);
  const g1 = await chat({ messages: QA, temperature: 0, seed: 1 });
  const g2 = await chat({ messages: QA, temperature: 0, seed: 2 });
  assert.equal(g1.body.choices[0].message.content, g2.body.choices[0].message.content);
  const seen = new Set<string>();
  for (let seed = 0; seed < 12; seed++) seen.add((await chat({ messages: QA, temperature: 1, seed })).body.choices[0].message.content);
  assert.ok(seen.size > 1);
  const n2 = await chat({ messages: QA, temperature: 1, seed: 4, n: 2 });
  assert.deepEqual(n2.body.choices.map((c: { index: number }) => c.index), [0, 1]);
});

test('stop strings end the answer with stop_reason set', async () => {
  const full = (await chat({ messages: QA, temperature: 0 })).body.choices[0].message.content as string;
  const word = full.split(' ')[2]!;
  const r = await chat({ messages: QA, temperature: 0, stop: [word] });
  assert.equal(r.body.choices[0].finish_reason, 'stop');
  assert.equal(r.body.choices[0].stop_reason, word);
  assert.equal(r.body.choices[0].message.content, full.slice(0, full.indexOf(word)));
});

test('tokenize/detokenize round trip (without the BOS)', async () => {
  const text = 'Naïve café — 東京 😀\n\tBP 120/80 <s> end';
  const t = await postJson(`${sim.url}/tokenize`, { prompt: text, return_token_strs: true });
  assert.equal(t.status, 200);
  assert.deepEqual(Object.keys(t.body), ['count', 'max_model_len', 'tokens', 'token_strs']);
  assert.equal(t.body.token_strs[0], '<|begin_of_text|>');
  assert.equal(t.body.token_strs.join(''), '<|begin_of_text|>' + text);
  const d = await postJson(`${sim.url}/detokenize`, { tokens: t.body.tokens.slice(1) });
  assert.deepEqual(d.body, { prompt: text });
  const bad = await postJson(`${sim.url}/detokenize`, { tokens: [-5] });
  assert.equal(bad.status, 400);
});

test('context overflow: vLLM 0.11 texts, 400, and P + M == L is allowed', async () => {
  const long = [{ role: 'user', content: 'word '.repeat(3000) }];
  const p = (await postJson(`${sim.url}/tokenize`, { messages: long })).body.count as number;
  const r = await chat({ messages: long });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body, {
    error: {
      message: `This model's maximum context length is 2048 tokens. However, your request has ${p} input tokens. Please reduce the length of the input messages. None`,
      type: 'BadRequestError',
      param: null,
      code: 400,
    },
  });
  const P = (await postJson(`${sim.url}/tokenize`, { messages: QA })).body.count as number;
  const m = 2048 - P + 1;
  const r2 = await chat({ messages: QA, max_tokens: m });
  assert.equal(r2.status, 400);
  assert.equal(
    r2.body.error.message,
    `'max_tokens' or 'max_completion_tokens' is too large: ${m}. This model's maximum context length is 2048 tokens and your request has ${P} input tokens (${m} > 2048 - ${P}). None`,
  );
  assert.equal((await chat({ messages: QA, max_tokens: m - 1, temperature: 0 })).status, 200);
});

test('unknown model: 404 NotFoundError; missing model uses the first name', async () => {
  const r = await chat({ model: 'gpt-4', messages: QA });
  assert.equal(r.status, 404);
  assert.deepEqual(r.body, { error: { message: 'The model `gpt-4` does not exist.', type: 'NotFoundError', param: 'model', code: 404 } });
  const ok = await postJson(`${sim.url}/v1/chat/completions`, { messages: QA, max_tokens: 2 });
  assert.equal(ok.body.model, 'llama3');
});

test('validation errors and bad JSON are 400 "Bad Request"; unknown routes 404, wrong methods 405', async () => {
  const r = await chat({ messages: 'hello' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.type, 'Bad Request');
  assert.match(r.body.error.message, /^1 validation error:\n {2}\{'type': 'list_type', 'loc': \('body', 'messages'\), 'msg': 'Input should be a valid list', 'input': 'hello'\}\n \[/);
  const j = await postJson(`${sim.url}/v1/chat/completions`, '{"messages": [');
  assert.equal(j.status, 400);
  assert.match(j.body.error.message, /json_invalid/);
  assert.equal((await chat({ messages: QA, temperature: -1 })).body.error.message, 'temperature must be non-negative, got -1.');
  assert.deepEqual((await getJson(`${sim.url}/nope`)).body, { detail: 'Not Found' });
  assert.equal((await getJson(`${sim.url}/v1/chat/completions`)).status, 405);
});

test('X-Request-Id becomes the completion id', async () => {
  const r = await chat({ messages: QA, max_tokens: 2 }, { 'x-request-id': 'abc123' });
  assert.equal(r.body.id, 'chatcmpl-abc123');
});

test('/v1/completions: text_completion shape, default max_tokens 16', async () => {
  const r = await postJson(`${sim.url}/v1/completions`, { model: 'llama3', prompt: 'The capital of France is', temperature: 0, ignore_eos: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.object, 'text_completion');
  assert.match(r.body.id, /^cmpl-/);
  assert.equal(r.body.choices[0].finish_reason, 'length');
  assert.equal(r.body.usage.completion_tokens, 16);
  assert.equal(typeof r.body.choices[0].text, 'string');
});

test('/metrics: vLLM names, labels and buckets, counters that move', async () => {
  await chat({ messages: QA, max_tokens: 4 });
  const m = await getJson(`${sim.url}/metrics`);
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const labels = 'model_name="llama3",engine="0"';
  for (const name of [
    'vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc', 'vllm:prompt_tokens_total',
    'vllm:generation_tokens_total', 'vllm:num_preemptions_total', 'vllm:prefix_cache_queries_total', 'vllm:prefix_cache_hits_total',
  ]) {
    assert.ok(m.text.includes(`${name}{${labels}}`), name);
  }
  assert.ok((metricValue(m.text, 'vllm:generation_tokens_total') ?? 0) > 0);
  assert.ok((metricValue(m.text, 'vllm:request_success_total', 'finished_reason="length"') ?? 0) >= 1);
  assert.ok(m.text.includes('vllm:request_success_total{model_name="llama3",engine="0",finished_reason="abort"} 0'));
  // prometheus_client's text: label order as declared with le last, floats as Python prints them.
  assert.ok(m.text.includes(`vllm:time_to_first_token_seconds_bucket{${labels},le="0.001"}`));
  assert.ok(m.text.includes(`vllm:e2e_request_latency_seconds_bucket{${labels},le="7680.0"}`));
  assert.ok(m.text.includes(`vllm:e2e_request_latency_seconds_bucket{${labels},le="+Inf"}`));
  assert.ok(m.text.includes(`vllm:inter_token_latency_seconds_bucket{${labels},le="80.0"}`));
  assert.ok(m.text.includes('vllm:request_time_per_output_token_seconds_count'));
  assert.ok(m.text.includes(`vllm:request_prompt_tokens_bucket{${labels},le="2000.0"}`));
  assert.match(m.text, /^# TYPE vllm:prompt_tokens_total counter$/m);
  assert.match(m.text, /^vllm:prompt_tokens_created\{model_name="llama3",engine="0"\} \d\.\d+e\+09$/m);
  assert.match(m.text, /^vllm:generation_tokens_total\{model_name="llama3",engine="0"\} \d+\.0$/m);
  assert.ok(!m.text.includes('\n\n'), 'no blank lines');
  assert.ok(m.text.includes('vllm:cache_config_info{block_size="16"'));
  assert.ok((metricValue(m.text, 'vllm:prefix_cache_hits_total') ?? 0) > 0, 'repeated system prompts hit the prefix cache');
});
