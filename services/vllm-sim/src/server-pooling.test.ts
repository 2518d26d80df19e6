import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, killSim, metricValue, postJson, spawnSim, waitReady, type SimProcess } from './test-support.js';

const WORKER_ARGS = (layers: number) => [
  'serve', 'allenai/scibert_scivocab_uncased', '--served-model-name', 'scibert-scorer', '--runner', 'pooling',
  '--hf-overrides', JSON.stringify({ architectures: ['BertModel'], num_hidden_layers: layers }),
  '--tokenizer-mode', 'slow', '--dtype', 'float32', '--max-model-len', '512', '--gpu-memory-utilization', '0.9', '--seed', '0',
];
let v0110: SimProcess;
let v0111: SimProcess;
let v0111l6: SimProcess;

before(async () => {
  [v0110, v0111, v0111l6] = await Promise.all([
    spawnSim(WORKER_ARGS(8), { VLLM_SIM_POOLING_API: '0.11.0' }),
    spawnSim(WORKER_ARGS(8), { VLLM_SIM_POOLING_API: '0.11.1' }),
    spawnSim(WORKER_ARGS(6), { VLLM_SIM_POOLING_API: '0.11.1' }),
  ]);
  await Promise.all([waitReady(v0110), waitReady(v0111), waitReady(v0111l6)]);
});
after(async () => {
  await Promise.all([killSim(v0110), killSim(v0111), killSim(v0111l6)]);
});

const pool = (sim: SimProcess, body: Record<string, unknown>) => postJson(`${sim.url}/pooling`, { model: 'scibert-scorer', ...body });
const norm = (v: number[]) => Math.hypot(...v);
const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

test('/tokenize of "" is [CLS, SEP]; /v1/models reports 512', async () => {
  const t = await postJson(`${v0110.url}/tokenize`, { model: 'scibert-scorer', prompt: '', add_special_tokens: true });
  assert.deepEqual(t.body, { count: 2, max_model_len: 512, tokens: [102, 103], token_strs: null });
  const m = await getJson(`${v0110.url}/v1/models`);
  assert.equal(m.body.data[0].max_model_len, 512);
});

test('0.11.1 API: token_embed shape, normalised per token, deterministic, batch of token ids and strings', async () => {
  const ids = (await postJson(`${v0111.url}/tokenize`, { prompt: 'The patient has pneumonia.', add_special_tokens: true })).body.tokens;
  const r = await pool(v0111, { input: [ids, [102, 103]], task: 'token_embed' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.body), ['id', 'object', 'created', 'model', 'data', 'usage']);
  assert.match(r.body.id, /^pool-[0-9a-f]{32}$/);
  assert.equal(r.body.object, 'list');
  assert.equal(r.body.model, 'scibert-scorer');
  assert.deepEqual(r.body.usage, { prompt_tokens: ids.length + 2, total_tokens: ids.length + 2, completion_tokens: 0, prompt_tokens_details: null });
  const [d0, d1] = r.body.data;
  assert.deepEqual([d0.index, d0.object, d1.index], [0, 'pooling', 1]);
  assert.equal(d0.data.length, ids.length);
  assert.ok(d0.data.every((v: number[]) => v.length === 768 && Math.abs(norm(v) - 1) < 1e-5));
  assert.ok(d0.data[1].every((x: number) => Math.fround(x) === x));
  const again = await pool(v0111, { input: 'The patient has pneumonia.' });
  assert.deepEqual(again.body.data[0].data, d0.data);
  const raw = await pool(v0111, { input: [ids], normalize: false });
  assert.ok(norm(raw.body.data[0].data[1]) > 5);
  // Same word, other context: similar but not identical; an unrelated token: far lower.
  const other = (await pool(v0111, { input: 'pneumonia was treated' })).body.data[0].data;
  const pIdx = ids.indexOf((await postJson(`${v0111.url}/tokenize`, { prompt: 'pneumonia', add_special_tokens: false })).body.tokens[0]);
  const same = cos(d0.data[pIdx], other[1]);
  assert.ok(same > 0.8 && same < 0.999, `same word ${same}`);
  const unrelated = cos(d0.data[2], other[3]);
  assert.ok(unrelated > 0.2 && unrelated < 0.7, `unrelated ${unrelated}`);
  const b64 = await pool(v0111, { input: [[102, 103]], encoding_format: 'base64' });
  const buf = Buffer.from(b64.body.data[0].data, 'base64');
  assert.equal(buf.length, 2 * 768 * 4);
  assert.equal(buf.readFloatLE(0), d1.data[0][0]);
});

test('num_hidden_layers from --hf-overrides changes the vectors', async () => {
  const a = (await pool(v0111, { input: [[102, 2000, 103]] })).body.data[0].data[1];
  const b = (await pool(v0111l6, { input: [[102, 2000, 103]] })).body.data[0].data[1];
  assert.notDeepEqual(a, b);
});

test('0.11.1 API: unsupported or unknown task is a 400', async () => {
  const r = await pool(v0111, { input: 'x', task: 'classify' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.message, "Task classify is not supported, it must be one of ('token_embed', 'embed').");
  const bad = await pool(v0111, { input: 'x', task: 'encode' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.type, 'Bad Request');
});

test('0.11.0 API (VLLM_SIM_POOLING_API=0.11.0): task ignored, softmax head by default, normalize refused', async () => {
  const r = await pool(v0110, { input: [[102, 2000, 103]], task: 'token_embed' });
  assert.equal(r.status, 200);
  const v: number[] = r.body.data[0].data[1];
  assert.ok(Math.abs(v.reduce((a, x) => a + x, 0) - 1) < 1e-4 && v.every((x) => x > 0));
  const n = await pool(v0110, { input: 'x', normalize: true });
  assert.equal(n.status, 400);
  assert.equal(n.body.error.message, "Task encode only supports ['softmax', 'step_tag_id', 'returned_token_ids'] parameters, does not support ['normalize'] parameters");
  await new Promise((r) => setTimeout(r, 100));
  assert.match(v0110.stdout(), /The following fields were present in the request but ignored: \{'task'\}/);
});

test('too-long input is a 400 with the renderer\'s text; 512 tokens are fine', async () => {
  const long = [102, ...Array.from({ length: 511 }, () => 2000), 103];
  const r = await pool(v0111, { input: [long] });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.error, {
    message: "This model's maximum context length is 512 tokens. However, your request has 513 input tokens. Please reduce the length of the input messages.",
    type: 'BadRequestError', param: null, code: 400,
  });
  assert.equal((await pool(v0111, { input: [long.slice(1)] })).status, 200);
});

test('chat and completions on a pooling server: vLLM\'s error body with HTTP 200', async () => {
  const r = await postJson(`${v0110.url}/v1/chat/completions`, { model: 'scibert-scorer', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { error: { message: 'The model does not support Chat Completions API', type: 'BadRequestError', param: null, code: 400 } });
  const c = await postJson(`${v0110.url}/v1/completions`, { prompt: 'hi' });
  assert.equal(c.body.error.message, 'The model does not support Completions API');
});

test('metrics count pooling requests: prompt tokens and success{stop} per sequence', async () => {
  const before = (await getJson(`${v0110.url}/metrics`)).text;
  await pool(v0110, { input: [[102, 2000, 2001, 103], [102, 103]] });
  const text = (await getJson(`${v0110.url}/metrics`)).text;
  const d = (name: string, label = '') => metricValue(text, name, label)! - (metricValue(before, name, label) ?? 0);
  assert.equal(d('vllm:prompt_tokens_total'), 6);
  assert.equal(d('vllm:request_success_total', 'finished_reason="stop"'), 2);
  assert.equal(d('vllm:generation_tokens_total'), 0);
  assert.notEqual(metricValue(text, 'vllm:num_requests_running'), undefined);
});

test('/pooling on a generate server; bad CLI values', async () => {
  const gen = await spawnSim(['serve', 'Qwen/Qwen3-0.6B', '--enforce-eager']);
  try {
    await waitReady(gen);
    const r = await postJson(`${gen.url}/pooling`, { input: 'x' });
    assert.equal(r.status, 200);
    assert.equal(r.body.error.message, 'The model does not support Pooling API');
  } finally {
    await killSim(gen);
  }
  const badJson = await spawnSim(['serve', 'allenai/scibert_scivocab_uncased', '--hf-overrides', '{"num_hidden_layers": 8,}'], {}, null);
  assert.equal((await badJson.exited()).code, 2);
  assert.match(badJson.stderr(), /argument --hf-overrides: Value \{"num_hidden_layers": 8,\} cannot be converted to <function loads at 0x[0-9a-f]+>\./);
  // Without the closing brace vLLM keeps it as a string, and ModelConfig validation fails at start-up.
  const notDict = await spawnSim(['serve', 'allenai/scibert_scivocab_uncased', '--hf-overrides', '{"num_hidden_layers": 8'], {}, null);
  assert.equal((await notDict.exited()).code, 1);
  assert.match(notDict.stderr(), /hf_overrides\n.*Input should be a valid dictionary/);
  const badRunner = await spawnSim(['serve', 'allenai/scibert_scivocab_uncased', '--runner', 'embed'], {}, null);
  assert.equal((await badRunner.exited()).code, 2);
  assert.match(badRunner.stderr(), /argument --runner: invalid choice: 'embed' \(choose from 'auto', 'generate', 'pooling', 'draft'\)/);
  const tooDeep = await spawnSim(['serve', 'allenai/scibert_scivocab_uncased', '--hf-overrides', '{"num_hidden_layers": 13}']);
  assert.equal((await tooDeep.exited()).code, 1);
  assert.match(tooDeep.stderr(), /Following weights were not initialized from checkpoint/);
  const genRunner = await spawnSim(['serve', 'allenai/scibert_scivocab_uncased', '--runner', 'generate']);
  assert.equal((await genRunner.exited()).code, 1);
  assert.match(genRunner.stderr(), /This model does not support `--runner generate`\./);
});

test('--runner auto resolves BertModel to pooling', async () => {
  const sim = await spawnSim(['serve', 'allenai/scibert_scivocab_uncased']);
  try {
    await waitReady(sim);
    assert.match(sim.stdout(), /Resolved `--runner auto` to `--runner pooling`/);
    assert.equal((await postJson(`${sim.url}/pooling`, { input: 'fever' })).status, 200);
  } finally {
    await killSim(sim);
  }
});
