/**
 * `clue diff`, `clue gate`, `clue report`, `clue samples` and `clue results --detail` against a local
 * cluster: a baseline night, an identical rerun (the gate passes), and a night whose outputs are cut to
 * one token (a real regression: the gate fails with exit 4 and names the cells).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDatasets } from '@clue/tasks';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import { CoordinatorClient } from './grpc-client.js';
import { submitSpec } from './commands/submit.js';
import { watchRun } from './commands/watch.js';
import { defaultSpec } from './spec-file.js';
import { EXIT_GATE, EXIT_USAGE } from './exit-codes.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'clue-report-cli-'));
let cluster: LocalCluster;
const runs: Record<'base' | 'rerun' | 'cut', string> = { base: '', rerun: '', cut: '' };

function clue(args: string[]) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLUE_')));
  const env = { ...base, CLUE_COORDINATOR: cluster.coordinator, CLUE_TLS_CA: cluster.security.caFile, CLUE_TLS_SERVER_NAME: 'localhost', CLUE_TOKEN: cluster.security.tokens.reader };
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  cluster = await startLocalCluster({ workers: 1, gpusPerWorker: 2, gpu: 'H100-80GB', timeScale: 2000, stateDir: join(dir, 'state') });
  const data = await generateDatasets({ outDir: join(dir, 'data'), samples: 30, seed: 5 });
  const client = new CoordinatorClient(cluster.coordinator, cluster.clientAuth('operator'));
  try {
    const spec = (key: string, maxTokens: number) => ({
      ...defaultSpec(),
      name: 'nightly',
      idempotencyKey: key,
      models: ['llama-3-8b-instruct'],
      tasks: ['mednli' as const, 'meqsum' as const],
      data: { mednli: data.mednli, meqsum: data.meqsum },
      sampling: { temperature: 0, topP: 1, maxTokens, seed: 0 },
      bertscore: false,
    });
    for (const [name, key, maxTokens] of [['base', 'n1', 0], ['rerun', 'n2', 0], ['cut', 'n3', 1]] as const) {
      runs[name] = (await submitSpec(client, spec(key, maxTokens))).runId;
      await watchRun(client, runs[name]);
      await new Promise((r) => setTimeout(r, 10)); // distinct creation times
    }
  } finally {
    client.close();
  }
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('clue diff: an identical rerun differs by 0 everywhere; outputs cut to one token drop MeQSum significantly', () => {
  const same = clue(['diff', runs.base, runs.rerun, '--format', 'json']);
  assert.equal(same.code, 0, same.err);
  const d = JSON.parse(same.out) as { cells: { task: string; delta: number; significant: boolean; paired: number }[] };
  assert.equal(d.cells.length, 2);
  for (const c of d.cells) {
    assert.equal(c.delta, 0, c.task);
    assert.equal(c.significant, false);
    assert.equal(c.paired, 30);
  }
  const cut = JSON.parse(clue(['diff', runs.base, runs.cut, '--format', 'json']).out) as { cells: { task: string; delta: number; low: number; high: number; significant: boolean }[] };
  const meqsum = cut.cells.find((c) => c.task === 'meqsum')!;
  assert.ok(meqsum.delta < 0 && meqsum.high < 0 && meqsum.significant, JSON.stringify(meqsum));
  const table = clue(['diff', runs.base, runs.cut]);
  assert.match(table.out, /▼/);
  assert.ok(table.out.split('\n').every((l) => l.length <= 120));
});

test('clue gate: passes on the identical rerun, fails (exit 4) on the regression, against last-success by default', () => {
  const pass = clue(['gate', runs.rerun]);
  assert.equal(pass.code, 0, pass.out + pass.err);
  assert.match(pass.err, new RegExp(`comparing with ${runs.base}`));
  const fail = clue(['gate', runs.cut, '--against', runs.base]);
  assert.equal(fail.code, EXIT_GATE, fail.out + fail.err);
  assert.match(fail.out, /meqsum/i);
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'maxCellDrop: 1000\nmaxClueAvgDrop: 1000\n');
  assert.equal(clue(['gate', runs.cut, '--against', runs.base, '--policy', policy]).code, 0, 'a lenient policy lets it pass');
  writeFileSync(policy, 'maxCellDrop: -1\n');
  const bad = clue(['gate', runs.cut, '--against', runs.base, '--policy', policy]);
  assert.equal(bad.code, EXIT_USAGE);
  assert.match(bad.err, /maxCellDrop/);
  const first = clue(['gate', runs.base]);
  assert.equal(first.code, EXIT_USAGE);
  assert.match(first.err, /no succeeded run named 'nightly' before/);
  const firstNight = clue(['gate', runs.base, '--without-baseline', 'pass']);
  assert.equal(firstNight.code, 0, firstNight.err);
  assert.match(firstNight.err, /nothing to compare with, the gate passes/);
});

test('clue report writes a self-contained page with the differences; clue samples prints the records; results --detail', () => {
  const out = join(dir, 'report.html');
  const r = clue(['report', runs.cut, '--against', runs.base, '--out', out]);
  assert.equal(r.code, 0, r.err);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /<table id="diff"/);
  assert.match(html, /data-task="meqsum"[^>]*data-significant="true"/);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//);
  const s = clue(['samples', runs.base, '--model', 'llama-3-8b-instruct', '--task', 'meqsum']);
  assert.equal(s.code, 0, s.err);
  const lines = s.out.trim().split('\n').map((l) => JSON.parse(l) as { index: number; metrics: Record<string, number>; completionTokens: number });
  assert.deepEqual(lines.map((l) => l.index), Array.from({ length: 30 }, (_, i) => i));
  assert.ok(lines.every((l) => 'ROUGE_L' in l.metrics));
  const cutSamples = clue(['samples', runs.cut, '--model', 'llama-3-8b-instruct', '--task', 'meqsum']).out.trim().split('\n').map((l) => JSON.parse(l) as { completionTokens: number });
  assert.ok(cutSamples.every((l) => l.completionTokens <= 1), 'the cut run generated one token per sample');
  const detail = clue(['results', runs.base, '--detail']);
  assert.match(detail.out, /MeQSum R-L \/ R-1 \/ R-2/);
  assert.doesNotMatch(clue(['results', runs.base]).out, /R-L \/ R-1/);
});
