/** The built `clue` command, run as a real process. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { startLocalCluster } from './local-cluster.js';
import { EXIT_CONFLICT, EXIT_OK } from './exit-codes.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'clue-cli-'));
const data = join(dir, 'data');

function clue(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, CLUE_ICD10_TABLE: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  const r = clue(['gen-data', '--out', data, '--samples', '12', '--seed', '3']);
  assert.equal(r.code, 0, r.err);
});

const files: Record<string, string> = {
  mednli: 'mli_test_v1.jsonl',
  meqsum: 'MeQSum_ACL2019_BenAbacha_Demner-Fushman.xlsx',
  problemsummary: 'BioNLP2023-1A-Test.csv',
  medisumqa: 'MeDiSumQA.json',
  medisumcode: 'MeDiSumCode.json',
};

for (const [task, file] of Object.entries(files)) {
  test(`prompts --task ${task} prints one JSONL line per scored sample`, () => {
    const r = clue(['prompts', '--task', task, '--data', join(data, file)]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { index: number; messages: { role: string; content: string }[]; reference: string });
    assert.equal(lines.length, 12);
    lines.forEach((l, i) => {
      assert.deepEqual(Object.keys(l), ['index', 'messages', 'reference']);
      assert.equal(l.index, i);
      assert.equal(l.messages[0]!.role, 'system');
      assert.equal(l.messages.at(-1)!.role, 'user');
      assert.equal(typeof l.reference, 'string');
    });
    const limited = clue(['prompts', '--task', task, '--data', join(data, file), '--limit', '2']);
    assert.equal(limited.out.trimEnd().split('\n').length, 2);
  });
}

test('prompts for LongHealth lists tasks 1, 2 and 3', () => {
  const r = clue(['prompts', '--task', 'longhealth', '--data', join(data, 'benchmark_v5.json'), '--max-model-len', '4096']);
  assert.equal(r.code, 0, r.err);
  const tasks = new Set(r.out.trimEnd().split('\n').map((l) => (JSON.parse(l) as { task: number }).task));
  assert.deepEqual([...tasks].sort(), [1, 2, 3]);
});

test('score prints per-line metrics with Python number formatting and a summary on stderr', () => {
  const input = ['{"prediction": "What causes vertigo?", "reference": "What causes vertigo in adults?"}', '{"prediction": "", "reference": "x"}'].join('\n');
  const r = clue(['score', '--task', 'meqsum', '--input', '-'], input);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split('\n'), [
    '{"ROUGE_L": 0.7499999999999999, "ROUGE1": 0.7499999999999999, "ROUGE2": 0.6666666666666666}',
    '{"ROUGE_L": 0.0, "ROUGE1": 0.0, "ROUGE2": 0.0}',
  ]);
  assert.match(r.err, /2 samples/);
  assert.match(r.err, /BERT_F1: not computed/);
});

test('score --clue-compat reproduces the first-sample quirk for MedNLI', () => {
  const input = '{"prediction": "ENTAILMENT", "reference": "entailment"}\n{"prediction": "NEUTRAL", "reference": "contradiction"}\n';
  const exact = clue(['score', '--task', 'mednli', '--input', '-'], input);
  assert.match(exact.err, /ACCURACY\s+0\.5\b/);
  const compat = clue(['score', '--task', 'mednli', '--input', '-', '--clue-compat'], input);
  assert.match(compat.err, /ACCURACY\s+0\.6666666666666666/);
});

test('score medisumcode uses the given ICD-10 table', () => {
  const table = join(dir, 'codes.txt');
  writeFileSync(table, 'E119    Type 2 diabetes mellitus without complications\nI10     Essential (primary) hypertension\n');
  const r = clue(['score', '--task', 'medisumcode', '--input', '-', '--icd10-table', table], '{"prediction": "ICD-10 Codes: E11.9, N17.9", "reference": "E119"}\n');
  assert.equal(r.code, 0, r.err);
  const v = JSON.parse(r.out) as Record<string, number>;
  assert.equal(v['VALID CODES'], 0.5);
  assert.equal(v['ICD EM P'], 0.5);
  assert.equal(v['ICD EM R'], 1);
});

test('bad input exits 2 with a message naming what is wrong, and prints no partial output', () => {
  const bad = clue(['score', '--task', 'meqsum', '--input', '-'], '{"prediction": "a", "reference": "b"}\n{"prediction": 3, "reference": "b"}\n');
  assert.equal(bad.code, 2);
  assert.equal(bad.out, '');
  assert.match(bad.err, /stdin, line 2, field 'prediction'/);
  const task = clue(['prompts', '--task', 'nope', '--data', 'x']);
  assert.equal(task.code, 2);
  assert.match(task.err, /unknown task 'nope'/);
  const missing = clue(['prompts', '--task', 'mednli', '--data', join(dir, 'absent.jsonl')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /absent\.jsonl: cannot read dataset file: no such file/);
  const flag = clue(['prompts', '--task', 'mednli', '--data', join(data, files['mednli']!), '--bogus']);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /Unknown argument: bogus/);
  const limit = clue(['prompts', '--task', 'mednli', '--data', join(data, files['mednli']!), '--limit', '-1']);
  assert.equal(limit.code, 2);
  assert.match(limit.err, /--limit/);
  const corrupt = join(dir, 'corrupt.xlsx');
  writeFileSync(corrupt, 'not a zip');
  const x = clue(['prompts', '--task', 'meqsum', '--data', corrupt]);
  assert.equal(x.code, 2);
  assert.match(x.err, /corrupt\.xlsx/);
});

test('clue up checks --gpu and --gpus-per-worker while parsing, before anything starts', () => {
  const gpu = clue(['up', '--gpu', 'TPU']);
  assert.equal(gpu.code, 2);
  assert.equal(gpu.out, '');
  assert.match(gpu.err, /unknown GPU class 'TPU'; valid classes: H100-80GB, A100-80GB, A100-40GB, L40S-48GB/);
  for (const bad of ['0', '2.5', 'eight', '65']) {
    const r = clue(['up', '--gpus-per-worker', bad]);
    assert.equal(r.code, 2, bad);
    assert.match(r.err, /--gpus-per-worker must be a whole number from 1 to 64/, bad);
    assert.doesNotMatch(r.err, /starting nats-server|YError|\bat /, bad);
  }
  // One GPU in all cannot hold an LLM and the BERTScore scorer: refused before anything starts, not a run that waits forever.
  const one = clue(['up', '--workers', '1', '--gpus-per-worker', '1', '--models', 'llama-3-8b-instruct', '--tasks', 'meqsum']);
  assert.equal(one.code, 2, one.err);
  assert.match(one.err, /BERTScore \(meqsum\) needs a GPU for its scorer.*--no-bertscore/);
  assert.doesNotMatch(one.err, /starting nats-server/);
});

test('plan: the default matrix (25 CLUE v3 models × 6 tasks, real counts) on the default cluster (4x8xH100-80GB)', () => {
  const r = clue(['plan']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^cluster 4x8xH100-80GB: 4 nodes, 32 GPUs\nmatrix: 25 models × 6 tasks, \d+ units/);
  assert.match(r.out, /^model +mednli +meqsum +problemsummary +medisumqa +medisumcode +longhealth +total$/m);
  assert.match(r.out, /^llama-3-70b-instruct +(\d+\.\d\d +){6}\d+\.\d\d$/m);
  assert.match(r.out, /^node-3 +\d/m, 'the placement lists groups of every node');
  const makespan = Number(/^makespan +\d+:\d\d:\d\d \((\d+) s\)$/m.exec(r.out)?.[1]);
  const strict = /^strict bound +max\(A, B'\) += \d+:\d\d:\d\d +makespan \/ strict LB = (\d+\.\d+)$/m.exec(r.out);
  assert.ok(makespan > 0 && strict, r.out.slice(-2000));
  assert.ok(Number(strict[1]) >= 1, 'the makespan is never below its true bound');
  assert.match(r.out, /B is not a true bound/);
  assert.match(r.out, /^GPU busy +\d+\.\d % of the makespan, \d+\.\d % before its last 5 %$/m);
  assert.match(r.out, /^loads +\d+ loads for 25 models \(\d\.\d\d per model\)/m);
  assert.doesNotMatch(r.out, /fit nowhere/);
  assert.match(r.err, /planning 25 models × 6 tasks \(synthetic data at CLUE's real counts\) on 4x8xH100-80GB/);
  const json = clue(['plan', '--format', 'json', '--models', 'llama-3-8b-instruct', '--tasks', 'mednli,meqsum']);
  assert.equal(json.code, 0, json.err);
  const doc = JSON.parse(json.out) as { makespanSeconds: number; cells: { samples: number }[]; bounds: { strictLb: number } };
  assert.deepEqual(doc.cells.map((c) => c.samples), [1419, 997]);
  assert.ok(doc.makespanSeconds >= doc.bounds.strictLb);
});

test('plan: a model that fits nowhere in the cluster is listed with the GPUs it needs, the rest is planned', () => {
  const r = clue(['plan', '--cluster', '1x1xL40S-48GB', '--models', 'llama-2-70b,llama-3-8b-instruct', '--tasks', 'mednli,meqsum']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^llama-2-70b +excluded +excluded +excluded$/m);
  assert.match(r.out, /^node-0 +0 +llama-3-8b-instruct +1× L40S-48GB/m);
  assert.doesNotMatch(r.out, /^node-0 .*llama-2-70b/m);
  assert.match(r.out, /models that fit nowhere in the cluster \(left out\):\n {2}llama-2-70b: no node of the cluster can hold it: it needs 2× H100-80GB, 2× A100-80GB, 4× A100-40GB, 4× L40S-48GB on one worker \(the cluster: 1 with 1× L40S-48GB\)/);
});

test('plan --spec: models, tasks and dataset files from the spec (profiled as the coordinator would)', () => {
  const spec = join(dir, 'plan-spec.yaml');
  writeFileSync(spec, `models: [llama-3-8b-instruct]\ntasks: [mednli, meqsum]\ndata:\n  mednli: ${join(data, files['mednli']!)}\n`);
  const r = clue(['plan', '--spec', spec, '--cluster', '1x2xA100-80GB', '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { cells: { model: string; task: string; samples: number }[] };
  assert.deepEqual(doc.cells.map((c) => `${c.model}/${c.task}/${c.samples}`), ['llama-3-8b-instruct/mednli/12', 'llama-3-8b-instruct/meqsum/997']);
  assert.match(r.err, /dataset files for mednli, synthetic data at CLUE's real counts for the rest/);
});

test('plan: a bad --cluster (or matrix flag) exits 2 with a message naming the bad part, before any work', () => {
  const cases: [string[], RegExp][] = [
    [['--cluster', '4x8xTPU'], /--cluster: cluster part '4x8xTPU': unknown GPU class 'TPU' \(expected NODESxGPUSxCLASS, e\.g\. 4x8xH100-80GB; known classes: H100-80GB, A100-80GB, A100-40GB, L40S-48GB\)/],
    [['--cluster', '4x8xH100-80GB,2x4'], /--cluster: cluster part '2x4': not of the form NODESxGPUSxCLASS/],
    [['--cluster', '0x8xH100-80GB'], /the node count must be a whole number from 1 to 1024, got 0/],
    [['--samples', '0'], /--samples must be a whole number from 1 to 10000, got 0/],
    [['--spec', join(dir, 'absent.yaml'), '--models', 'llama-2-7b'], /--spec names the matrix; drop --models/],
    [['--tasks', 'nope'], /unknown task 'nope'/],
  ];
  for (const [args, message] of cases) {
    const r = clue(['plan', ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
    assert.match(r.err, message, args.join(' '));
    assert.doesNotMatch(r.err, /YError|\bat /, args.join(' '));
  }
});

test('models lists both presets', () => {
  const v3 = clue(['models', '--preset', 'clue-v3', '--format', 'json']);
  assert.equal(v3.code, 0, v3.err);
  assert.equal(v3.out.trimEnd().split('\n').length, 25);
  const bad = clue(['models', '--preset', 'clue-v9']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /clue-v3/);
});

test('submit: the same idempotency key with the same spec exits 0 with the same run id; with another spec it exits 5 naming the run', async () => {
  const cluster = await startLocalCluster({ workers: 0, gpusPerWorker: 1, gpu: 'H100-80GB', timeScale: 2000, stateDir: join(dir, 'submit-state') });
  try {
    const s = cluster.security;
    const env = { CLUE_COORDINATOR: cluster.coordinator, CLUE_TLS_CA: s.caFile, CLUE_TLS_SERVER_NAME: 'localhost', CLUE_TOKEN: s.tokens.operator };
    const key = 'nightly-2026-12-01';
    const args = ['submit', '--models', 'llama-3-8b-instruct', '--tasks', 'mednli', '--data', `mednli=${join(data, files['mednli']!)}`, '--idempotency-key', key];
    const first = clue(args, undefined, env);
    assert.equal(first.code, EXIT_OK, first.err);
    const runId = first.out.trim();
    assert.match(runId, /^r[0-9a-f]{12}$/);
    const again = clue(args, undefined, env);
    assert.equal(again.code, EXIT_OK, again.err);
    assert.equal(again.out.trim(), runId);
    assert.match(again.err, new RegExp(`run ${runId} already exists for this idempotency key with the same spec \\(not submitted again\\)`));
    const changed = clue([...args, '--max-samples', '3'], undefined, env);
    assert.equal(changed.code, EXIT_CONFLICT, changed.err);
    assert.equal(changed.out, '', 'no run id on stdout for a refused submission');
    assert.match(
      changed.err,
      new RegExp(`^clue: spec\\.idempotency_key: run ${runId} already exists for idempotency key '${key}' with a different spec \\(it differs in: max_samples\\); to start a new run, submit under a new idempotency key; to get run ${runId} back, resubmit the spec it was submitted with$`, 'm'),
    );
    assert.ok(!changed.err.includes(s.tokens.operator));
  } finally {
    await cluster.stop();
  }
});

let server: Server | undefined;
after(() => server?.close());

test('icd10 fetch downloads, validates and stores a table (loopback server)', async () => {
  const order = ['00001 A00     0 Cholera                                                      Cholera', '00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae'].join('\n') + '\n';
  server = createServer((req, res) => {
    if (req.url === '/order.txt') res.end(order);
    else if (req.url === '/junk.txt') res.end('<html>not a table</html>');
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out = join(dir, 'icd', 'table.txt');
  const run = (url: string) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      // spawnSync would block the event loop that serves the download.
      import('node:child_process').then(({ spawn }) => {
        const p = spawn(process.execPath, [MAIN, 'icd10', 'fetch', '--url', url, '--out', out]);
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (code) => resolve({ code, err }));
      });
    });
  const ok = await run(`${base}/order.txt`);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.err, /stored 2 ICD-10-CM codes/);
  assert.equal(readFileSync(out, 'utf8'), order);
  const junk = await run(`${base}/junk.txt`);
  assert.equal(junk.code, 2);
  assert.equal(readFileSync(out, 'utf8'), order, 'a bad download must not replace the stored table');
  const missing = await run(`${base}/missing.txt`);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /HTTP 404/);
  assert.ok(existsSync(out));
});
