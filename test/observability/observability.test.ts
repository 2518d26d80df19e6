/**
 * Observability end to end (issue 5): a local cluster (nats-server, coordinator, 2 workers with
 * vllm-sim) serving /metrics, scraped every second by a real Prometheus. While a run is in progress,
 * every panel query of the Grafana dashboard and every alert expression of the rendered PrometheusRule
 * is evaluated through Prometheus' HTTP API: all parse, and every panel query returns series.
 * `promtool check rules` passes on the rendered rules. Then no log line of the coordinator and the
 * workers, and no label value Prometheus scraped, contains prompt text or a secret. Finally a recorded
 * gate verdict fires the ClueGateFailed alert's expression and a passing one clears it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { generateDatasets, SHORT_TASKS, SYNTH_CONDITIONS } from '@clue/tasks';
import { repoRoot } from '../support/repo.js';
import { startLocalCluster, CoordinatorClient, submitSpec, defaultSpec, type LocalCluster, type RunMsg } from '@clue/cli';
import { freePort, startPrometheus, type PrometheusServer } from './prometheus-harness.js';

const ROOT = repoRoot();
const API_KEY = 'sk-test-secret-123-observability';
const HF_TOKEN = 'hf_FakeTokenForObservabilityTest987';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stateDir = '';
let cluster: LocalCluster | undefined;
let client: CoordinatorClient | undefined;
let prom: PrometheusServer | undefined;
let runId = '';
/** Distinctive texts of the prompts sent in the run. */
let promptNeedles: string[] = [];

/** Every target of the dashboard: expr and panel title. */
function dashboardQueries(): { title: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(join(ROOT, 'helm/clue/dashboards/clue.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
}

/** `spec.groups` of the PrometheusRule rendered into deploy/base. */
function renderedRuleGroups(): { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy/base/clue.yaml'), 'utf8')).map((d) => d.toJSON() as { kind?: string; spec?: { groups?: unknown } } | null);
  const rule = docs.find((d) => d?.kind === 'PrometheusRule');
  assert.ok(rule?.spec?.groups, 'deploy/base has no PrometheusRule with spec.groups');
  return rule.spec.groups as ReturnType<typeof renderedRuleGroups>;
}

/** Grafana's variables, as the dashboard is viewed with run = All and model = All over the last hour. */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '15s').replaceAll('$__range', '1h').replaceAll('$run', '.*').replaceAll('$model', '.*');
}

async function getRun(): Promise<RunMsg> {
  return client!.call<RunMsg>('getRun', { runId }, 5000);
}

before(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'clue-obs-'));
  const data = await generateDatasets({ outDir: join(stateDir, 'data'), samples: 40, seed: 3, longHealthQuestions: 2 });
  const icd10Table = join(stateDir, 'codes.txt');
  writeFileSync(icd10Table, SYNTH_CONDITIONS.map((c) => `${c.code.padEnd(8)}${c.description}`).join('\n') + '\n');
  const first = JSON.parse(readFileSync(data.mednli, 'utf8').split('\n')[0]!) as Record<string, unknown>;
  const sampleText = Object.values(first).filter((v): v is string => typeof v === 'string').sort((a, b) => b.length - a.length)[0]!;
  const systemPrompt = (id: string) => SHORT_TASKS.find((t) => t.id === id)!.systemPrompt;
  promptNeedles = [...new Set([systemPrompt('mednli').slice(-60), systemPrompt('meqsum').slice(-60), sampleText.slice(0, 40)])];
  for (const n of promptNeedles) assert.ok(n.length >= 20, `needle too short: ${n.length} characters`);
  const ports = { coordinator: await freePort(), workers: [await freePort(), await freePort()] };
  cluster = await startLocalCluster({
    workers: 2,
    gpusPerWorker: 1,
    gpu: 'H100-80GB',
    timeScale: 2,
    stateDir,
    icd10Table,
    metricsPorts: ports,
    reconcileSeconds: 1,
    engineEnv: { VLLM_API_KEY: API_KEY },
    workerEnv: { HF_TOKEN },
  });
  const workers = ports.workers.map((p) => `127.0.0.1:${p}`);
  prom = await startPrometheus(join(stateDir, 'prometheus'), [
    { job: 'clue-coordinator', path: '/metrics', targets: [`127.0.0.1:${ports.coordinator}`] },
    { job: 'clue-worker', path: '/metrics', targets: workers },
    { job: 'clue-vllm', path: '/metrics/vllm', targets: workers },
  ]);
  client = new CoordinatorClient(cluster.coordinator, cluster.clientAuth('operator'));
  const spec = {
    ...defaultSpec(),
    // Three models on two workers: one worker loads a second model, so the run stays in progress well
    // after its first samples (simulated generation itself takes only a second or two).
    models: ['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2', 'zephyr-7b-beta'],
    tasks: ['mednli' as const, 'meqsum' as const],
    data: { mednli: data.mednli, meqsum: data.meqsum },
    sampling: { temperature: 0.7, topP: 0.95, maxTokens: 0, seed: 11 },
  };
  runId = (await submitSpec(client, spec)).runId;
});

after(async () => {
  client?.close();
  await prom?.stop();
  await cluster?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

test('every dashboard query and alert expression parses in Prometheus, and the panels have data while the run is in progress', { timeout: 300000 }, async () => {
  // Wait until samples are flowing, then long enough for rate() windows to hold several scrapes.
  const deadline = Date.now() + 120000;
  let run = await getRun();
  while (run.samplesDone === 0 && Date.now() < deadline) {
    await sleep(200);
    run = await getRun();
  }
  assert.ok(run.samplesDone > 0, 'the run did not start');
  // Evaluate at the last moment seen running, at most 6 s after the first samples: enough scrapes for
  // the rate() windows, and (at 1 s scrape and reconcile periods) every series still shows the running run.
  const t0 = Date.now();
  let lastRunning = t0;
  while (Date.now() - t0 < 6000) {
    await sleep(250);
    run = await getRun();
    if (run.state !== 'RUN_STATE_RUNNING' || run.samplesDone >= run.samplesTotal) break;
    lastRunning = Date.now();
  }
  assert.ok(lastRunning - t0 >= 3500, `the run finished too fast to observe (${lastRunning - t0} ms after the first samples)`);
  const at = lastRunning / 1000;
  await sleep(1500);
  // A panel has data if it returns series at some moment while the run was observed running (an
  // engine that is between models serves no vllm: series for a moment, which is correct).
  const moments: number[] = [];
  for (let t = at; t >= t0 / 1000; t -= 0.5) moments.push(t);
  const empty: string[] = [];
  for (const { title, expr } of dashboardQueries()) {
    let found = false;
    for (const t of moments) {
      const r = await prom!.query(substitute(expr), t);
      assert.equal(r.status, 'success', `panel "${title}": ${expr}: ${r.error ?? ''}`);
      if ((r.data?.result.length ?? 0) > 0) {
        found = true;
        break;
      }
    }
    if (!found) empty.push(`panel "${title}": ${expr}`);
  }
  assert.deepEqual(empty, [], 'panel queries without series during the run');
  const alerts = renderedRuleGroups().flatMap((g) => g.rules);
  assert.ok(alerts.length >= 5);
  for (const rule of alerts) {
    const r = await prom!.query(rule.expr, at);
    assert.equal(r.status, 'success', `alert ${rule.alert ?? rule.record ?? '?'}: ${rule.expr}: ${r.error ?? ''}`);
  }
  // The run is observable as running, with progress below 100 % and a known model x task matrix.
  const running = await prom!.query('sum(clue_runs{state="running"})', at);
  assert.equal(running.data?.result[0]?.value?.[1], '1');
  const cells = await prom!.query('count(count by (model, task) (clue_units))', at);
  assert.equal(cells.data?.result[0]?.value?.[1], '6');
});

test('promtool check rules accepts the rendered PrometheusRule', () => {
  const file = join(stateDir, 'rules.yaml');
  writeFileSync(file, JSON.stringify({ groups: renderedRuleGroups() }, null, 2));
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'promtool is not installed (apt-get install prometheus)');
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

/** Which of `needles` occur in `text`. */
function leaks(text: string, needles: readonly string[]): string[] {
  return needles.filter((n) => text.includes(n));
}

test('no log line and no metric label carries prompt text or a secret', { timeout: 300000 }, async () => {
  const deadline = Date.now() + 240000;
  let run = await getRun();
  while (!/SUCCEEDED|PARTIAL|FAILED|CANCELLED/.test(run.state) && Date.now() < deadline) {
    await sleep(500);
    run = await getRun();
  }
  assert.equal(run.state, 'RUN_STATE_SUCCEEDED', run.reason);
  await sleep(1500);
  // Refused calls are logged too: make some (no token, the worker token on the public API).
  const sec = cluster!.security;
  for (const auth of [{ ...cluster!.clientAuth('reader'), token: null }, cluster!.clientAuth('worker')]) {
    const c = new CoordinatorClient(cluster!.coordinator, auth);
    await assert.rejects(c.call('listRuns', {}), (e: Error) => /refused the call/.test(e.message));
    c.close();
  }
  // Every credential of the cluster: API tokens, NATS passwords, and a line of each private key.
  const keyLine = (file: string) => readFileSync(file, 'utf8').split('\n')[1]!;
  const secrets = [...Object.values(sec.tokens), ...Object.values(sec.natsPasswords), keyLine(sec.natsKeyFile), keyLine(sec.grpcKeyFile)];
  const needles = [...promptNeedles, API_KEY, HF_TOKEN, ...secrets];
  // The check itself can fail: a line quoting a prompt is caught.
  assert.deepEqual(leaks(`{"msg":"x","prompt":${JSON.stringify(promptNeedles[0])}}`, needles), [promptNeedles[0]]);
  const labels = await prom!.labelValues();
  assert.ok((labels.get('model') ?? []).includes('llama-3-8b-instruct'), 'Prometheus scraped no model labels');
  for (const [name, values] of labels) {
    for (const v of values) assert.deepEqual(leaks(v, needles).map((n) => needles.indexOf(n)), [], `label ${name} leaks needle(s)`);
  }
  const logDir = join(stateDir, 'logs');
  const files = readdirSync(logDir).filter((f) => f.endsWith('.log'));
  assert.ok(files.includes('coordinator.log') && files.includes('worker-1.log'), `logs: ${files.join(', ')}`);
  let lines = 0;
  for (const f of files) {
    for (const [i, line] of readFileSync(join(logDir, f), 'utf8').split('\n').entries()) {
      if (line === '') continue;
      lines++;
      const found = leaks(line, needles);
      // Report where, never the line itself (it would put the leaked text into the test output).
      assert.deepEqual(found.map((n) => needles.indexOf(n)), [], `${f} line ${i + 1} leaks needle(s) (indexes into prompts, then API key, HF token, API tokens, NATS passwords, keys)`);
    }
  }
  assert.ok(lines > 20, `only ${lines} log lines`);
  assert.match(readFileSync(join(logDir, 'coordinator.log'), 'utf8'), /"msg":"call refused"/, 'the refusals are logged (without their tokens)');
});

test('a recorded gate verdict reaches Prometheus: ClueGateFailed fires on a failed verdict and clears on a passing one', { timeout: 120000 }, async () => {
  const run = await getRun();
  assert.equal(run.state, 'RUN_STATE_SUCCEEDED', 'the run of the previous test is finished');
  const rule = renderedRuleGroups()
    .flatMap((g) => g.rules)
    .find((r) => r.alert === 'ClueGateFailed');
  assert.ok(rule, 'the rendered rules have ClueGateFailed');
  const firing = async (): Promise<string[]> => {
    const r = await prom!.query(rule.expr, Date.now() / 1000);
    assert.equal(r.status, 'success', r.error);
    return (r.data?.result ?? []).map((s) => String(s.metric['name']));
  };
  const waitFor = async (want: string[]): Promise<string[]> => {
    const deadline = Date.now() + 20000;
    let got = await firing();
    while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
      await sleep(500);
      got = await firing();
    }
    return got;
  };
  assert.deepEqual(await firing(), [], 'no verdict recorded yet: nothing fires');
  await client!.call('recordGateVerdict', { runId, verdict: { passed: false, againstRunId: '', violations: 1, summary: 'FAILED: 1 violation (constructed by the test)' } });
  const name = (await client!.call<{ spec?: { name?: string } }>('getRun', { runId }, 5000)).spec?.name || 'unnamed';
  assert.deepEqual(await waitFor([name]), [name], 'ClueGateFailed fires, labelled with the spec name');
  await client!.call('recordGateVerdict', { runId, verdict: { passed: true, againstRunId: '', violations: 0, summary: 'passed' } });
  assert.deepEqual(await waitFor([]), [], 'a passing verdict clears it');
});
