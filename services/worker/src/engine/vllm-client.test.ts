import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel, type ChatMessage } from '@clue/tasks';
import { EngineError } from './errors.js';
import { findFreePort } from './free-port.js';
import { createHttpTransport, type HttpRequest, type HttpTransport } from './http-transport.js';
import { planLaunch, type LaunchOptions } from './launch-plan.js';
import { sumMetric } from './prom-text.js';
import { simLaunch } from './test-support.js';
import { VllmClient, parseErrorBody, type ChatRequest } from './vllm-client.js';
import { VllmProcess } from './vllm-process.js';
import { VllmTokenizer } from './vllm-tokenizer.js';

const MODEL = getModel('llama-3-8b-instruct');
const KEY = 'test-key-123';
const procs: VllmProcess[] = [];
let plain: VllmProcess;
let flaky: VllmProcess;
let broken: VllmProcess;

async function sim(launch: LaunchOptions): Promise<VllmProcess> {
  const p = VllmProcess.spawn({ plan: planLaunch(MODEL, { gpuClass: 'H100-80GB', count: 1 }, launch), port: await findFreePort(), healthPollMs: 25 });
  procs.push(p);
  await p.waitReady();
  return p;
}

/** A transport that records every request it sends. */
function recording(baseUrl: string): { transport: HttpTransport; sent: HttpRequest[] } {
  const inner = createHttpTransport(baseUrl);
  const sent: HttpRequest[] = [];
  return { sent, transport: { send: (r) => (sent.push(r), inner.send(r)), close: () => inner.close() } };
}

function client(p: VllmProcess, extra: Partial<ConstructorParameters<typeof VllmClient>[0]> = {}): VllmClient {
  return new VllmClient({ baseUrl: p.baseUrl, servedModelName: MODEL.key, apiKey: KEY, retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 }, ...extra });
}

const msgs = (text: string): ChatMessage[] => [
  { role: 'system', content: 'You are a careful clinician.' },
  { role: 'user', content: text },
];
const req = (text: string, over: Partial<ChatRequest> = {}): ChatRequest => ({ messages: msgs(text), maxTokens: 64, temperature: 0, topP: 1, seed: 0, ...over });

before(async () => {
  [plain, flaky, broken] = await Promise.all([
    sim(simLaunch({}, { maxModelLen: 512, apiKey: KEY })),
    sim(simLaunch({ VLLM_SIM_FAULTS: 'error_rate=0.3' }, { apiKey: KEY })),
    sim(simLaunch({ VLLM_SIM_FAULTS: 'error_rate=1' }, { apiKey: KEY })),
  ]);
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
});

test('models() reads the served name and max_model_len', async () => {
  const c = client(plain);
  assert.deepEqual(await c.models(), [{ id: MODEL.key, root: MODEL.hfId, maxModelLen: 512 }]);
  assert.equal(await c.health(), 'ok');
  c.close();
});

test('chat always sends explicit temperature, top_p, max_tokens and seed, and the server applies them', async () => {
  const { transport, sent } = recording(plain.baseUrl);
  const c = new VllmClient({ transport, servedModelName: MODEL.key, apiKey: KEY });
  const r = await c.chat(req('Summarize: the patient has a fever.', { maxTokens: 2, temperature: 0.7, topP: 0.9, seed: 42 }));
  const body = JSON.parse(sent.at(-1)!.body!) as Record<string, unknown>;
  assert.deepEqual(
    { model: body['model'], max_tokens: body['max_tokens'], temperature: body['temperature'], top_p: body['top_p'], seed: body['seed'], stream: body['stream'] },
    { model: MODEL.key, max_tokens: 2, temperature: 0.7, top_p: 0.9, seed: 42, stream: false },
  );
  assert.deepEqual(sent.at(-1)!.headers, { authorization: `Bearer ${KEY}` });
  // max_tokens reached the server: it stopped at 2 tokens.
  assert.ok(r.completionTokens <= 2 && r.completionTokens >= 1);
  assert.equal(r.finishReason, 'length');
  assert.ok(r.promptTokens > 5);
  // temperature and seed reached the server: greedy ignores the seed, sampling follows it.
  const text =
    'Describe the elderly patient admitted with crushing substernal chest pain radiating to the left arm, diaphoresis, ' +
    'nausea, elevated troponin, ST elevation in anterior leads, treated with aspirin, heparin and urgent catheterization.';
  const greedy = await Promise.all([1, 2, 3].map((seed) => c.chat(req(text, { seed, temperature: 0 }))));
  assert.equal(new Set(greedy.map((g) => g.content)).size, 1, 'temperature 0: same text whatever the seed');
  const sampled = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => c.chat(req(text, { seed, temperature: 1 }))));
  assert.ok(new Set(sampled.map((g) => g.content)).size > 1, 'temperature 1: the seed changes the text');
  const again = await c.chat(req(text, { seed: 4, temperature: 1 }));
  assert.equal(again.content, sampled[3]!.content, 'same seed, same text');
  // The server saw the max_tokens values (vLLM's request_params_max_tokens histogram).
  const metrics = await c.metricsText();
  assert.equal(sumMetric(metrics, 'vllm:request_params_max_tokens_sum'), 2 + 64 * 10);
  c.close();
});

test('invalid sampling values are rejected locally without a request', async () => {
  const { transport, sent } = recording(plain.baseUrl);
  const c = new VllmClient({ transport, servedModelName: MODEL.key, apiKey: KEY });
  for (const bad of [{ maxTokens: 0 }, { temperature: -1 }, { topP: 0 }, { seed: 1.5 }]) {
    await assert.rejects(c.chat(req('x', bad)), (e: unknown) => e instanceof EngineError && e.code === 'REQUEST_REJECTED');
  }
  assert.equal(sent.length, 0);
});

test('tokenize/detokenize round trip, with BOS, through the Tokenizer interface', async () => {
  const c = client(plain);
  const text = 'Patient denies chest pain; BP 120/80.';
  const withSpecial = await c.tokenize({ prompt: text }, true);
  const without = await c.tokenize({ prompt: text }, false);
  assert.equal(withSpecial.count, without.count + 1, 'add_special_tokens adds BOS');
  assert.equal(withSpecial.maxModelLen, 512);
  const tok = new VllmTokenizer(c);
  const ids = await tok.encode(text);
  assert.deepEqual(ids, withSpecial.tokens);
  const decoded = await tok.decode(ids);
  assert.ok(decoded.endsWith(text), `decode(encode(x)) ends with x: ${JSON.stringify(decoded)}`);
  assert.equal(await tok.decode(without.tokens), text);
  assert.equal(await tok.decodePrefix(text, 0), '');
  assert.equal(await tok.decodePrefix(text, ids.length), decoded);
  const chat = await c.tokenize({ messages: msgs('hello') }, false);
  const r = await c.chat(req('hello', { maxTokens: 1 }));
  assert.equal(chat.count, r.promptTokens, 'chat-form tokenize counts what the chat endpoint counts');
  c.close();
});

test('a 400 (context overflow) is REQUEST_REJECTED with vLLM message, never retried', async () => {
  const { transport, sent } = recording(plain.baseUrl);
  const c = new VllmClient({ transport, servedModelName: MODEL.key, apiKey: KEY, retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 } });
  await assert.rejects(
    c.chat(req('word '.repeat(2000))),
    (e: unknown) =>
      e instanceof EngineError &&
      e.code === 'REQUEST_REJECTED' &&
      e.permanent &&
      e.details.status === 400 &&
      e.details.contextOverflow === true &&
      /maximum context length is 512 tokens/.test(e.details.serverMessage ?? ''),
  );
  assert.equal(sent.length, 1);
});

test('401 (wrong key) and 404 (unknown served name) are CONFIG_ERROR, not retried', async () => {
  const { transport, sent } = recording(plain.baseUrl);
  const wrongKey = new VllmClient({ transport, servedModelName: MODEL.key, apiKey: 'nope' });
  await assert.rejects(wrongKey.chat(req('hi')), (e: unknown) => e instanceof EngineError && e.code === 'CONFIG_ERROR' && e.details.status === 401 && /Unauthorized/.test(e.message));
  const wrongName = new VllmClient({ transport, servedModelName: 'other-model', apiKey: KEY });
  await assert.rejects(wrongName.chat(req('hi')), (e: unknown) => e instanceof EngineError && e.code === 'CONFIG_ERROR' && e.details.status === 404 && /does not exist/.test(e.message));
  assert.equal(sent.length, 2);
});

test('500s are retried with backoff until they succeed', async () => {
  const { transport, sent } = recording(flaky.baseUrl);
  const c = new VllmClient({ transport, servedModelName: MODEL.key, apiKey: KEY, retry: { attempts: 10, baseDelayMs: 2, maxDelayMs: 10 } });
  const results = [];
  for (let i = 0; i < 30; i++) results.push(await c.chat(req(`question ${i}`, { maxTokens: 8 })));
  assert.equal(results.length, 30);
  assert.ok(results.some((r) => r.attempts > 1), 'some requests needed a retry');
  assert.equal(sent.length, results.reduce((n, r) => n + r.attempts, 0));
  c.close();
});

test('retries exhausted: REQUEST_FAILED (retryable) with the last status and the attempt count', async () => {
  const seen: Array<number | null> = [];
  const c = client(broken, { onTransientFailure: (i) => seen.push(i.status) });
  await assert.rejects(
    c.chat(req('hi')),
    (e: unknown) => e instanceof EngineError && e.code === 'REQUEST_FAILED' && e.retryable && e.details.status === 500 && e.details.attempts === 4,
  );
  assert.deepEqual(seen, [500, 500, 500, 500]);
  c.close();
});

test('connection refused is retried, then REQUEST_FAILED; an abort carries its EngineError reason', async () => {
  const c = new VllmClient({ baseUrl: `http://127.0.0.1:${await findFreePort()}`, servedModelName: 'm', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
  await assert.rejects(c.chat(req('hi')), (e: unknown) => e instanceof EngineError && e.code === 'REQUEST_FAILED' && /ECONNREFUSED/.test(e.message));
  assert.equal(await c.health(), 'unreachable');
  const ctl = new AbortController();
  ctl.abort(new EngineError('CRASHED', 'server died'));
  await assert.rejects(c.chat(req('hi'), { signal: ctl.signal }), (e: unknown) => e instanceof EngineError && e.code === 'CRASHED');
  c.close();
});

test("error bodies: nested, flat, 401 and FastAPI shapes; request echoes are redacted", () => {
  assert.deepEqual(parseErrorBody('{"error":{"message":"bad","type":"BadRequestError","param":"max_tokens","code":400}}'), { message: 'bad', param: 'max_tokens' });
  assert.deepEqual(parseErrorBody('{"object":"error","message":"old","type":"x","param":null,"code":400}'), { message: 'old', param: null });
  assert.deepEqual(parseErrorBody('{"error":"Unauthorized"}'), { message: 'Unauthorized', param: null });
  assert.deepEqual(parseErrorBody('{"detail":"Not Found"}'), { message: 'Not Found', param: null });
  assert.deepEqual(parseErrorBody(''), { message: '', param: null });
  const echo =
    "1 validation error for ChatCompletionRequest\n  Value error, bad [type=value_error, input_value={'messages': [{'role': 'user', 'content': 'pt has [HIV]'}]}, input_type=dict]\n" +
    '  second input_value=secret text';
  const m = parseErrorBody(JSON.stringify({ error: { message: echo } })).message;
  assert.ok(!m.includes('HIV') && !m.includes('secret'), m);
  assert.match(m, /input_value=<redacted>, input_type=dict\]/);
});
