/**
 * The `clue` command against a secured local cluster: which credential it sends, how a refusal reads
 * (exit 3, the message names the missing or insufficient credential), and that `clue up` and
 * `clue secrets` keep their secrets out of the output.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { createLocalSecurity, type LocalSecurity } from '@clue/common';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import { EXIT_AUTH, EXIT_USAGE } from './exit-codes.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'clue-auth-'));
let cluster: LocalCluster;
let other: LocalSecurity;

/** Runs `clue` with only the environment given (no CLUE_* leaking in from the test's own). */
function clue(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLUE_')));
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...base, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => {
  cluster = await startLocalCluster({ workers: 1, gpusPerWorker: 1, gpu: 'H100-80GB', timeScale: 2000, stateDir: join(dir, 'state') });
  other = await createLocalSecurity(join(dir, 'other'), 'an unrelated CA');
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const at = () => ['--coordinator', cluster.coordinator, '--tls-ca', cluster.security.caFile, '--tls-server-name', 'localhost'];

test('a token from CLUE_TOKEN or --token-file (CLUE_TOKEN_FILE) is sent over TLS; the CA comes from --tls-ca or CLUE_TLS_CA', () => {
  const s = cluster.security;
  assert.equal(clue(['list', ...at()], { CLUE_TOKEN: s.tokens.reader }).code, 0);
  assert.equal(clue(['list', ...at(), '--token-file', s.tokenFiles.operator]).code, 0);
  const r = clue(['workers', '--coordinator', cluster.coordinator], { CLUE_TOKEN_FILE: s.tokenFiles.reader, CLUE_TLS_CA: s.caFile, CLUE_TLS_SERVER_NAME: 'localhost' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /local-1/);
});

test('refusals exit 3 and say which credential is missing or insufficient', () => {
  const s = cluster.security;
  const none = clue(['list', ...at()]);
  assert.equal(none.code, EXIT_AUTH, none.err);
  assert.match(none.err, /^clue: the coordinator refused the call: no bearer token: ListRuns needs a reader or an operator token \(clue reads it from CLUE_TOKEN or --token-file\)\n$/);
  const reader = clue(['cancel', 'r0123456789ab', ...at()], { CLUE_TOKEN: s.tokens.reader });
  assert.equal(reader.code, EXIT_AUTH);
  assert.match(reader.err, /a reader token cannot call CancelRun: it needs an operator token/);
  const worker = clue(['list', ...at()], { CLUE_TOKEN: s.tokens.worker });
  assert.equal(worker.code, EXIT_AUTH);
  assert.match(worker.err, /a worker token cannot call ListRuns/);
  const forged = clue(['list', ...at()], { CLUE_TOKEN: 'f'.repeat(43) });
  assert.equal(forged.code, EXIT_AUTH);
  assert.match(forged.err, /the bearer token is not one this coordinator accepts/);
  for (const r of [none, reader, worker, forged]) {
    for (const t of Object.values(s.tokens)) assert.ok(!r.err.includes(t) && !r.out.includes(t), 'a token in the output');
  }
});

test('a wrong CA, or none (the system roots), fails the TLS handshake with a message naming --tls-ca', () => {
  const token = { CLUE_TOKEN: cluster.security.tokens.reader };
  for (const args of [['--tls-ca', other.caFile, '--tls-server-name', 'localhost'], []]) {
    const r = clue(['list', '--coordinator', cluster.coordinator, ...args], token);
    assert.equal(r.code, EXIT_AUTH, r.err);
    assert.match(r.err, /the TLS handshake with the coordinator at .* failed \(.*\): does --tls-ca \(CLUE_TLS_CA\) name the CA that signed its certificate/);
  }
  const missing = clue(['list', ...at(), '--token-file', join(dir, 'no-such-file')]);
  assert.equal(missing.code, EXIT_USAGE);
  assert.match(missing.err, /--token-file .*no-such-file: cannot read it \(ENOENT\)/);
  const badCa = clue(['list', '--coordinator', cluster.coordinator, '--tls-ca', cluster.security.tokenFiles.reader], token);
  assert.equal(badCa.code, EXIT_USAGE);
  assert.match(badCa.err, /--tls-ca .*: not a PEM certificate/);
});

test('clue up runs with throwaway credentials and prints none of them', () => {
  const r = clue(['up', '--workers', '1', '--gpus-per-worker', '2', '--models', 'llama-3-8b-instruct', '--tasks', 'mednli,meqsum', '--samples', '4', '--keep-state']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /llama-3-8b-instruct/);
  const stateDir = /logs and state kept in (\S+)/.exec(r.err)?.[1];
  assert.ok(stateDir, r.err);
  try {
    const sec = join(stateDir, 'security');
    assert.equal(statSync(sec).mode & 0o777, 0o700);
    const secrets: string[] = [];
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else {
          assert.equal(statSync(p).mode & 0o777, 0o600, `${name} is readable by others`);
          // Tokens and passwords whole; of PEM files, the lines of base64 (certificates included: harmless, but none is printed either).
          secrets.push(...readFileSync(p, 'utf8').split('\n').filter((l) => l.length >= 24 && !l.startsWith('-----')));
        }
      }
    };
    walk(sec);
    assert.ok(secrets.length >= 8, `only ${secrets.length} secret lines found`);
    const output = r.out + r.err;
    assert.deepEqual(secrets.filter((x) => output.includes(x)).length, 0, 'clue up printed a credential');
    const logs = readdirSync(join(stateDir, 'logs')).map((f) => readFileSync(join(stateDir, 'logs', f), 'utf8')).join('\n');
    assert.deepEqual(secrets.filter((x) => logs.includes(x)).length, 0, 'a log holds a credential');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('clue secrets: four Secrets with the chart names, certificates for the Service names, fresh tokens; bad names are refused', () => {
  const out = join(dir, 'secrets.yaml');
  const r = clue(['secrets', '--namespace', 'lab', '--release', 'nightly', '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJSON() as { metadata: { name: string; namespace: string }; type: string; stringData: Record<string, string> });
  assert.deepEqual(docs.map((d) => [d.metadata.name, d.type, Object.keys(d.stringData).sort().join(',')]), [
    ['nightly-clue-nats-tls', 'kubernetes.io/tls', 'ca.crt,tls.crt,tls.key'],
    ['nightly-clue-coordinator-tls', 'kubernetes.io/tls', 'ca.crt,tls.crt,tls.key'],
    ['nightly-clue-nats-auth', 'Opaque', 'coordinator-password,worker-password'],
    ['nightly-clue-api-tokens', 'Opaque', 'operator,reader,worker'],
  ]);
  assert.ok(docs.every((d) => d.metadata.namespace === 'lab'));
  const nats = new X509Certificate(docs[0]!.stringData['tls.crt']!);
  const ca = new X509Certificate(docs[0]!.stringData['ca.crt']!);
  assert.ok(nats.verify(ca.publicKey), 'signed by the CA it ships');
  assert.match(nats.subjectAltName!, /DNS:nightly-clue-nats\.lab\.svc\.cluster\.local/);
  assert.match(nats.subjectAltName!, /DNS:\*\.nightly-clue-nats-headless\.lab\.svc\.cluster\.local/);
  assert.match(new X509Certificate(docs[1]!.stringData['tls.crt']!).subjectAltName!, /DNS:nightly-clue-coordinator\.lab\.svc, .*DNS:localhost, IP Address:127\.0\.0\.1/);
  for (const pw of Object.values(docs[2]!.stringData)) assert.match(pw, /^[A-Za-z][A-Za-z0-9]{40,}$/, 'nats-server reads $VAR passwords as config values: letters and digits only');
  const tokens = Object.values(docs[3]!.stringData);
  assert.equal(new Set(tokens).size, 3, 'one token per role');
  assert.ok(tokens.every((t) => t.length >= 40));
  assert.ok(!r.err.includes(tokens[0]!), 'the summary line names the Secrets, not their content');
  const again = clue(['secrets']);
  assert.equal(again.code, 0);
  assert.ok(!again.out.includes(tokens[0]!), 'every run generates new credentials');
  const bad = clue(['secrets', '--namespace', 'Lab_1']);
  assert.equal(bad.code, EXIT_USAGE);
  assert.match(bad.err, /--namespace 'Lab_1' is not a Kubernetes name/);
});
