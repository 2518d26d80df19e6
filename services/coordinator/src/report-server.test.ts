/** The report pages over HTTPS: authentication, roles, errors, and the report of a finished run (with a diff). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { UnitMessage } from '@clue/common';
import { FakeWorker, registerSynthetic, rpc, startCluster, waitForRun, type TestCluster } from './testing/harness.js';

let c: TestCluster;
let datasets: Record<string, string>;
const runs: string[] = [];

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(path: string, auth?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: c.endpoints.reportPort, path, servername: 'localhost', ca: readFileSync(c.nats.security.caFile), headers: auth ? { authorization: auth } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const bearer = (role: 'reader' | 'operator' | 'worker') => `Bearer ${c.nats.security.tokens[role]}`;
const basic = (token: string) => `Basic ${Buffer.from(`anyone:${token}`).toString('base64')}`;

/** A run whose MedNLI accuracy the `shift` moves (0 for the first run; 1 flips every third sample). */
async function finishedRun(key: string, shift: number): Promise<string> {
  const spec = { name: 'nightly', models: ['llama-3-8b-instruct'], tasks: ['mednli'], datasets, sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: shift }, idempotencyKey: key };
  const id = (await rpc<{ run: { id: string } }>(c.clients.coordinator, 'SubmitRun', { spec })).run.id;
  const metrics = (_u: UnitMessage, i: number) => ({ metrics: { ACCURACY: shift === 0 ? (i % 2 === 0 ? 1 : 0) : i % 3 === 0 ? 0 : 1 } });
  const w = new FakeWorker({ id: `w-${key}`, nats: c.nats, workerApi: c.clients.workerApi, metrics });
  await w.start();
  await w.drain();
  await w.stop();
  await waitForRun(c.clients.coordinator, id, (r: { state: string }) => r.state === 'RUN_STATE_SUCCEEDED', 30000);
  return id;
}

before(async () => {
  c = await startCluster({ reportPort: 0 });
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli'], 120);
  runs.push(await finishedRun('night-1', 0));
  // Runs are ordered by creation time (ISO, millisecond resolution): keep them apart.
  await new Promise((r) => setTimeout(r, 20));
  runs.push(await finishedRun('night-2', 1));
});
after(async () => {
  await c?.stop();
});

test('the report pages need a reader or operator token (Bearer, or the Basic password a browser sends)', async () => {
  const none = await get(`/runs/${runs[0]}/report`);
  assert.equal(none.status, 401);
  assert.match(String(none.headers['www-authenticate']), /^Basic realm="CLUE reports"/);
  assert.equal((await get(`/runs/${runs[0]}/report`, 'Bearer not-a-token-of-this-coordinator')).status, 401);
  const worker = await get(`/runs/${runs[0]}/report`, bearer('worker'));
  assert.equal(worker.status, 403);
  assert.match(worker.body, /a worker token cannot read reports/);
  assert.equal((await get(`/runs/${runs[0]}/report`, bearer('reader'))).status, 200);
  assert.equal((await get(`/runs/${runs[0]}/report`, basic(c.nats.security.tokens.operator))).status, 200);
  const text = await c.coordinator.context!.metrics.registry.metrics();
  assert.match(text, /clue_coordinator_auth_denied_total\{method="report",reason="no_token"\} [1-9]/);
});

test("a finished run's report is a self-contained page with its table; unknown runs and paths are 404", async () => {
  const r = await get(`/runs/${runs[0]}/report`, bearer('reader'));
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  assert.match(r.body, /<table id="scores"/);
  assert.match(r.body, /<svg id="heatmap"/);
  assert.match(r.body, new RegExp(runs[0]!));
  assert.match(r.body, /data-task="mednli" data-score="50(\.0+)?"/, 'MedNLI accuracy 50 % (every other sample right)');
  assert.equal((await get('/runs/r000000000000/report', bearer('reader'))).status, 404);
  assert.equal((await get('/nothing-here', bearer('reader'))).status, 404);
  const index = await get('/', bearer('reader'));
  assert.equal(index.status, 200);
  for (const id of runs) assert.match(index.body, new RegExp(`href="runs/${id}/report"`));
});

test('?against=last-success compares with the previous succeeded run of the same name, with the CI of each cell', async () => {
  const r = await get(`/runs/${runs[1]}/report?against=last-success`, bearer('reader'));
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /<table id="diff"/);
  assert.match(r.body, new RegExp(runs[0]!), 'names the run it compares with');
  // 50 % → 66.7 % over 120 paired samples: the CI of +16.7 points excludes 0.
  assert.match(r.body, /data-task="mednli"[^>]*data-significant="true"/);
  const first = await get(`/runs/${runs[0]}/report?against=last-success`, bearer('reader'));
  assert.equal(first.status, 409);
  assert.match(first.body, /no succeeded run named 'nightly' before/);
});
