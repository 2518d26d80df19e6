/**
 * The nightly CronJob's command, as rendered, under a real /bin/sh against a real local cluster: night 1
 * submits, follows the run, prints the table and passes the gate (nothing to compare with); night 2
 * (the same spec) passes against night 1; night 3 (outputs cut to one token) fails with exit 4, the
 * code the Job's podFailurePolicy turns into a failed Job without retries (the ClueNightlyFailed alert).
 * Every night records its verdict (--record), and `clue list --name nightly` shows them.
 * Only the paths, the coordinator's address and the date are substituted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateDatasets } from '@clue/tasks';
import { startLocalCluster, type LocalCluster } from '@clue/cli';
import { find, variants } from './fixtures.js';
import { at, rec, recs } from './objects.js';
import { repoRoot } from '../support/repo.js';

const work = mkdtempSync(join(tmpdir(), 'clue-nightly-'));
let cluster: LocalCluster | undefined;
after(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('the nightly command submits, follows, prints the table and gates: first night and a rerun pass, a regression exits 4', { timeout: 300_000 }, async () => {
  const objects = variants()[0]!.kustomized;
  const cron = find(objects, 'CronJob');
  const jobSpec = rec(at(cron, 'spec.jobTemplate.spec'));
  const rules = recs(at(jobSpec, 'podFailurePolicy.rules'));
  assert.deepEqual(rules.map((r) => [r['action'], at(r, 'onExitCodes.operator'), at(r, 'onExitCodes.values')]), [['FailJob', 'In', [4]]], 'exit 4 fails the Job without retries');
  const container = recs(at(jobSpec, 'template.spec.containers'))[0]!;
  const command = String((container['args'] as unknown[])[0]);
  assert.match(command, /clue gate "\$run" .*--against last-success --without-baseline pass --policy \/etc\/clue\/gate\.yaml --record/);
  const config = find(objects, 'ConfigMap', `${String(at(cron, 'metadata.name'))}-spec`);
  const gatePolicy = String(rec(at(config, 'data'))['gate.yaml']);
  assert.ok(gatePolicy.trim() !== '' && gatePolicy !== 'undefined', 'the ConfigMap carries gate.yaml');

  cluster = await startLocalCluster({ workers: 1, gpusPerWorker: 2, gpu: 'H100-80GB', timeScale: 2000, stateDir: join(work, 'state') });
  const data = await generateDatasets({ outDir: join(work, 'data'), samples: 20, seed: 4 });
  const etc = join(work, 'etc');
  const bin = join(work, 'bin');
  mkdirSync(etc);
  mkdirSync(bin);
  symlinkSync(join(repoRoot(), 'services', 'cli', 'bin', 'clue.js'), join(bin, 'clue'));
  writeFileSync(join(etc, 'gate.yaml'), gatePolicy);
  const nightEnv = () => ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLUE_'))),
    PATH: `${bin}:${process.env['PATH'] ?? ''}`,
    CLUE_TOKEN_FILE: cluster!.security.tokenFiles.operator,
    CLUE_TLS_CA: cluster!.security.caFile,
    CLUE_TLS_SERVER_NAME: 'localhost',
  });
  const night = (date: string, maxTokens: number) => {
    const spec = { name: 'nightly', models: ['llama-3-8b-instruct'], tasks: ['mednli', 'meqsum'], data: { mednli: data.mednli, meqsum: data.meqsum }, sampling: { temperature: 0, top_p: 1, max_tokens: maxTokens, seed: 0 }, bertscore: false };
    writeFileSync(join(etc, 'nightly.yaml'), stringify(spec));
    const cmd = command
      .replaceAll('/etc/clue/', `${etc}/`)
      .replaceAll(/clue-coordinator:50051/g, cluster!.coordinator)
      .replaceAll('$(date +%F)', date);
    const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8', env: nightEnv(), timeout: 240_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const first = night('2026-12-01', 0);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /^Run r[0-9a-f]{12} \(succeeded\)/m, 'the table of the run');
  assert.match(first.out, /^llama-3-8b-instruct +\d+\.\d\d +\d+\.\d\d/m, 'the table');
  assert.match(first.err, /nothing to compare with, the gate passes/);
  const firstRun = /^Run (r[0-9a-f]{12})/m.exec(first.out)![1]!;
  const second = night('2026-12-02', 0);
  assert.equal(second.code, 0, second.out + second.err);
  assert.match(second.err, new RegExp(`comparing with ${firstRun}`));
  const third = night('2026-12-03', 1);
  assert.equal(third.code, 4, third.out + third.err);
  assert.match(third.out, /meqsum|MeQSum/);
  // Each night's verdict is on its run: clue list shows the trend and the gate, newest first.
  const list = spawnSync(process.execPath, [join(repoRoot(), 'services', 'cli', 'bin', 'clue.js'), 'list', '--name', 'nightly', '--coordinator', cluster.coordinator], { encoding: 'utf8', env: nightEnv() });
  assert.equal(list.status, 0, list.stderr);
  const rows = list.stdout.split('\n').filter((l) => /^r[0-9a-f]{12} /.test(l));
  assert.deepEqual(rows.map((l) => / (passed|FAILED)(\(\d+\))? /.exec(l)?.[1] ?? '?'), ['FAILED', 'passed', 'passed'], list.stdout);
  assert.match(third.err, /gate verdict recorded on r[0-9a-f]{12} \(failed\)/);
  assert.ok(list.stdout.split('\n').every((l) => l.length <= 120), list.stdout);
});
