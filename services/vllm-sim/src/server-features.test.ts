import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getJson, killSim, metricValue, postJson, spawnSim, waitReady, type SimProcess } from './test-support.js';

async function withSim(args: string[], env: Record<string, string>, body: (sim: SimProcess) => Promise<void>): Promise<void> {
  const sim = await spawnSim(args, env);
  try {
    await waitReady(sim);
    await body(sim);
  } finally {
    await killSim(sim);
  }
}

const USER = { role: 'user', content: 'What is hypertension?' };
const SYSTEM = { role: 'system', content: 'You are a helpful assistant.' };

test('--api-key: /v1 routes need "Authorization: Bearer <key>" (401 {"error": "Unauthorized"}), others stay open', async () => {
  await withSim(['serve', 'Qwen/Qwen3-0.6B', '--api-key', 'secret', 'other'], {}, async (sim) => {
    const none = await getJson(`${sim.url}/v1/models`);
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { error: 'Unauthorized' });
    assert.equal((await getJson(`${sim.url}/v1/models`, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await getJson(`${sim.url}/v1/models`, { authorization: 'bearer secret' })).status, 200);
    assert.equal((await getJson(`${sim.url}/v1/models`, { authorization: 'Bearer other' })).status, 200);
    const chat = await postJson(`${sim.url}/v1/chat/completions`, { messages: [USER] });
    assert.equal(chat.status, 401);
    assert.equal((await getJson(`${sim.url}/health`)).status, 200);
    assert.equal((await getJson(`${sim.url}/metrics`)).status, 200);
    assert.equal((await getJson(`${sim.url}/version`)).status, 200);
    assert.equal((await postJson(`${sim.url}/tokenize`, { prompt: 'x' })).status, 200);
    assert.match(sim.stdout(), /'api_key': '\*\*REDACTED\*\*'/);
  });
});

test('Mistral-Instruct templates reject a system message with the Jinja alternation error', async () => {
  await withSim(['serve', 'mistralai/Mistral-7B-Instruct-v0.2', '--max-model-len', '4096'], {}, async (sim) => {
    const r = await postJson(`${sim.url}/v1/chat/completions`, { messages: [SYSTEM, USER] });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, {
      error: {
        message:
          'Conversation roles must alternate user/assistant/user/assistant/... Conversation roles must alternate user/assistant/user/assistant/...',
        type: 'BadRequestError',
        param: null,
        code: 400,
      },
    });
    const ok = await postJson(`${sim.url}/v1/chat/completions`, { messages: [{ role: 'user', content: SYSTEM.content + '\n\n' + USER.content }], max_tokens: 5 });
    assert.equal(ok.status, 200);
    const tok = await postJson(`${sim.url}/tokenize`, { messages: [SYSTEM, USER] });
    assert.equal(tok.status, 400);
  });
});

test('a base model without a chat template refuses chat requests unless --chat-template is given', async () => {
  await withSim(['serve', 'meta-llama/Llama-2-7b-hf'], {}, async (sim) => {
    const r = await postJson(`${sim.url}/v1/chat/completions`, { messages: [USER] });
    assert.equal(r.status, 400);
    assert.equal(
      r.body.error.message,
      'As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one. None',
    );
    assert.equal(r.body.error.type, 'BadRequestError');
    const c = await postJson(`${sim.url}/v1/completions`, { prompt: 'Hypertension is', max_tokens: 8 });
    assert.equal(c.status, 200);
    assert.equal(c.body.usage.completion_tokens <= 8, true);
  });
  const dir = mkdtempSync(join(tmpdir(), 'vllm-sim-'));
  try {
    const file = join(dir, 'template.jinja');
    writeFileSync(file, "{% for m in messages %}{{ m['role'] + ': ' + m['content'] }}\n{% endfor %}");
    await withSim(['serve', 'meta-llama/Llama-2-7b-hf', '--chat-template', file], {}, async (sim) => {
      const r = await postJson(`${sim.url}/v1/chat/completions`, { messages: [SYSTEM, USER], max_tokens: 5 });
      assert.equal(r.status, 200, r.text);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('oracle mode: a known prompt hash is answered with the gold text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vllm-sim-'));
  try {
    const messages = [
      { role: 'system', content: 'Valid answers are: ENTAILMENT, NEUTRAL or CONTRADICTION.' },
      { role: 'user', content: '\nSENTENCE_1: Héllo "quoted" ünïcode\nSENTENCE_2: b\n' },
    ];
    const hash = createHash('sha256').update(JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })))).digest('hex');
    const oracle = join(dir, 'oracle.jsonl');
    writeFileSync(oracle, JSON.stringify({ prompt_sha256: hash, answer: 'NEUTRAL, said the oracle' }) + '\n');
    await withSim(['serve', 'meta-llama/Meta-Llama-3-8B-Instruct'], { VLLM_SIM_ORACLE: oracle }, async (sim) => {
      const r = await postJson(`${sim.url}/v1/chat/completions`, { messages, temperature: 1, seed: 9 });
      assert.equal(r.body.choices[0].message.content, 'NEUTRAL, said the oracle');
      const other = await postJson(`${sim.url}/v1/chat/completions`, { messages: [messages[0], { role: 'user', content: 'SENTENCE_1: x\nSENTENCE_2: y' }] });
      assert.notEqual(other.body.choices[0].message.content, 'NEUTRAL, said the oracle');
    });
    writeFileSync(oracle, '{"prompt_sha256": "xyz", "answer": "a"}\n');
    const bad = await spawnSim(['serve', 'Qwen/Qwen3-0.6B'], { VLLM_SIM_ORACLE: oracle });
    assert.equal((await bad.exited()).code, 2);
    assert.match(bad.stderr(), /oracle\.jsonl, line 1: field 'prompt_sha256' must be 64 lowercase hex digits/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('continuous batching: with --max-num-seqs 2, six requests never run more than two at a time', async () => {
  // ~0.35 s of wall time per request: 2000 tokens at about 8.5 ms each, at 50x real time.
  await withSim(['serve', 'meta-llama/Meta-Llama-3-8B-Instruct', '--max-num-seqs', '2'], { VLLM_SIM_TIME_SCALE: '50' }, async (sim) => {
    let maxRunning = 0;
    let maxWaiting = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const m = (await getJson(`${sim.url}/metrics`)).text;
        maxRunning = Math.max(maxRunning, metricValue(m, 'vllm:num_requests_running') ?? 0);
        maxWaiting = Math.max(maxWaiting, metricValue(m, 'vllm:num_requests_waiting') ?? 0);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        postJson(`${sim.url}/v1/chat/completions`, { messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 2000, ignore_eos: true }),
      ),
    );
    const elapsed = Date.now() - t0;
    polling = false;
    await poller;
    assert.ok(results.every((r) => r.status === 200 && r.body.usage.completion_tokens === 2000));
    assert.equal(maxRunning, 2);
    assert.ok(maxWaiting >= 2, `waiting ${maxWaiting}`);
    // Three waves of ~0.35 s each.
    assert.ok(elapsed > 900, `elapsed ${elapsed} ms`);
  });
});
