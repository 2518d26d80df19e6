/**
 * The rendered command lines are accepted by the real programs: the coordinator's and the worker's own
 * configuration parsers read the manifests' args and literal env, and the worker's shell wrapper (worker id from
 * the node name) is run by a real /bin/sh. The Secret files each container mounts are written (from throwaway
 * credentials) at their mount paths below a temp directory, so the parsers read and check exactly those files.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLocalSecurity, type LocalSecurity } from '@clue/common';
import { loadConfig as loadCoordinatorConfig } from '@clue/coordinator';
import type { K8sObject } from './render.js';
import { variants, find } from './fixtures.js';
import { packageDir } from '../support/repo.js';
import { at, containers, podTemplates, rec, recs, type ContainerRef, type Json } from './objects.js';
import { defaultSecretNames, secretFiles } from './checks-security.js';

function firstContainer(o: K8sObject): ContainerRef {
  const c = containers(podTemplates([o])).find((x) => !x.init);
  if (!c) throw new Error('no container');
  return c;
}

/** The container's literal env values (valueFrom entries are left out). */
function literalEnv(c: Json): Record<string, string> {
  return Object.fromEntries(recs(c['env']).filter((e) => typeof e['value'] === 'string').map((e) => [String(e['name']), String(e['value'])]));
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Throwaway credentials (none of them is printed), in a directory removed after the tests: two bundles, so that
 * the NATS CA and the coordinator's CA differ (`nats` for the NATS Secrets, `grpc` for the coordinator's).
 */
const work = mkdtempSync(join(tmpdir(), 'clue-args-'));
after(() => rmSync(work, { recursive: true, force: true }));
interface Bundles {
  readonly nats: LocalSecurity;
  readonly grpc: LocalSecurity;
}
let bundlesPromise: Promise<Bundles> | undefined;
const bundle = (): Promise<Bundles> =>
  (bundlesPromise ??= (async () => ({ nats: await createLocalSecurity(join(work, 'nats'), 'NATS CA'), grpc: await createLocalSecurity(join(work, 'grpc'), 'gRPC CA') }))());

/** What a key of the chart's default Secrets holds, from the throwaway bundles. */
function secretValue({ nats, grpc }: Bundles, secret: string, key: string): string {
  const n = defaultSecretNames();
  const file = (p: string): string => readFileSync(p, 'utf8');
  const table: Record<string, Record<string, () => string>> = {
    [n.natsTls]: { 'tls.crt': () => file(nats.natsCertFile), 'tls.key': () => file(nats.natsKeyFile), 'ca.crt': () => file(nats.caFile) },
    [n.coordinatorTls]: { 'tls.crt': () => file(grpc.grpcCertFile), 'tls.key': () => file(grpc.grpcKeyFile), 'ca.crt': () => file(grpc.caFile) },
    [n.natsAuth]: { 'coordinator-password': () => nats.natsPasswords.coordinator, 'worker-password': () => nats.natsPasswords.worker },
    [n.apiTokens]: { reader: () => `${grpc.tokens.reader}\n`, operator: () => `${grpc.tokens.operator}\n`, worker: () => `${grpc.tokens.worker}\n` },
  };
  const value = table[secret]?.[key];
  if (!value) throw new Error(`no throwaway value for ${secret}:${key}`);
  return value();
}

/**
 * Writes the Secret files the container mounts below a fresh root directory (what the kubelet does at the mount
 * paths) and returns its literal env with the paths into those mounts moved below the root.
 */
async function materialize(c: ContainerRef, name: string): Promise<Record<string, string>> {
  const b = await bundle();
  const root = join(work, name);
  const files = secretFiles(c);
  for (const f of files) {
    assert.notEqual(f.key, '*', `${f.path}: a whole Secret is mounted`);
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), secretValue(b, f.secret, f.key), { mode: 0o600 });
  }
  const mounts = recs(c.container['volumeMounts']).map((m) => String(m['mountPath'])).filter((p) => files.some((f) => f.path.startsWith(`${p}/`)));
  return Object.fromEntries(Object.entries(literalEnv(c.container)).map(([k, v]) => [k, mounts.some((p) => v === p || v.startsWith(`${p}/`)) ? join(root, v) : v]));
}

const WORKER_MAIN = 'exec node /app/services/worker/dist/main.js';
/** Loads the worker config and prints it with the token and password replaced by their SHA-256. */
const PROBE = [
  'import { createHash } from "node:crypto"; import { loadConfig } from "@clue/worker";',
  'const h = (s) => (s === null ? null : createHash("sha256").update(s).digest("hex"));',
  'const c = loadConfig(process.argv.slice(1), process.env);',
  'process.stdout.write(JSON.stringify({ ...c, natsAuth: { ...c.natsAuth, password: h(c.natsAuth.password) }, coordinatorAuth: { ...c.coordinatorAuth, token: h(c.coordinatorAuth.token) } }));',
].join(' ');

describe('rendered command lines', () => {
  test('the coordinator parses its args and env and reads the credentials it mounts: NATS service, ports, stream replicas = NATS replicas', async () => {
    for (const v of variants()) {
      const ref = firstContainer(find(v.kustomized, 'Deployment'));
      const c = ref.container;
      const args = (c['args'] as unknown[]).map(String);
      const cfg = loadCoordinatorConfig(args, await materialize(ref, `coordinator-${v.name.replace(/\W+/g, '-')}`));
      assert.equal(cfg.natsUrl, 'nats://clue-nats:4222');
      assert.equal(cfg.grpcHost, '0.0.0.0');
      assert.equal(cfg.grpcPort, 50051);
      assert.equal(cfg.metricsPort, 9464);
      assert.equal(cfg.replicas, at(find(v.kustomized, 'StatefulSet'), 'spec.replicas'));
      const ports = recs(c['ports']).map((p) => p['containerPort']);
      assert.equal(cfg.reportPort, 8443);
      assert.deepEqual(ports, [cfg.grpcPort, cfg.metricsPort, cfg.reportPort]);
      const { nats, grpc } = await bundle();
      assert.equal(cfg.natsAuth.user, 'coordinator');
      assert.ok(cfg.natsAuth.password === nats.natsPasswords.coordinator, 'the NATS password is the mounted coordinator-password');
      assert.ok(cfg.natsAuth.caFile !== null && readFileSync(cfg.natsAuth.caFile, 'utf8') === readFileSync(nats.caFile, 'utf8'), 'CLUE_NATS_CA is the NATS CA');
      assert.ok(cfg.tlsCertFile !== null && readFileSync(cfg.tlsCertFile, 'utf8') === readFileSync(grpc.grpcCertFile, 'utf8'), 'the gRPC certificate is the mounted tls.crt');
      assert.ok(cfg.tlsKeyFile !== null && readFileSync(cfg.tlsKeyFile, 'utf8') === readFileSync(grpc.grpcKeyFile, 'utf8'), 'the gRPC key is the mounted tls.key');
      assert.ok(cfg.tokensDir !== null, 'a tokens directory (loadConfig read and checked its three files)');
    }
  });

  test('the worker command runs under /bin/sh and its parser accepts it with the credentials it mounts; the worker id comes from the node name', async () => {
    for (const v of variants()) {
      const ref = firstContainer(find(v.kustomized, 'DaemonSet'));
      const c = ref.container;
      const line = String((c['args'] as unknown[])[0]);
      assert.ok(line.startsWith(WORKER_MAIN), line);
      const probeLine = `exec node --input-type=module -e "$CLUE_PROBE" --${line.slice(WORKER_MAIN.length)}`;
      const env = await materialize(ref, `worker-${v.name.replace(/\W+/g, '-')}`);
      const r = spawnSync('/bin/sh', ['-c', probeLine], {
        cwd: packageDir(),
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_NAME: 'gpu-node-7.cluster.example', CLUE_PROBE: PROBE, ...env },
      });
      assert.equal(r.status, 0, r.stderr);
      const cfg = rec(JSON.parse(r.stdout));
      assert.equal(cfg['workerId'], 'worker-gpu-node-7-cluster-example');
      assert.deepEqual(cfg['nats'], ['nats://clue-nats:4222']);
      assert.equal(cfg['coordinator'], 'clue-coordinator:50051');
      assert.equal(cfg['engineExecutable'], 'vllm');
      assert.equal(cfg['drainTimeoutMs'], 300_000);
      const grace = Number(at(find(v.kustomized, 'DaemonSet'), 'spec.template.spec.terminationGracePeriodSeconds'));
      assert.ok(grace * 1000 > Number(cfg['drainTimeoutMs']), 'grace period longer than the drain');
      assert.equal(cfg['engineStartupTimeoutMs'], 3_600_000);
      assert.equal(cfg['metricsPort'], recs(c['ports'])[0]?.['containerPort']);
      assert.equal(cfg['icd10Table'], '/models/clue/icd10cm-order.txt');
      const { nats, grpc } = await bundle();
      assert.equal(at(cfg, 'natsAuth.user'), 'worker');
      assert.equal(at(cfg, 'natsAuth.password'), sha256(nats.natsPasswords.worker), 'the NATS password is the mounted worker-password');
      assert.equal(at(cfg, 'coordinatorAuth.token'), sha256(grpc.tokens.worker), 'the API token is the mounted worker token');
      assert.ok(readFileSync(String(at(cfg, 'natsAuth.caFile')), 'utf8') === readFileSync(nats.caFile, 'utf8'), 'CLUE_NATS_CA is the NATS CA');
      assert.ok(readFileSync(String(at(cfg, 'coordinatorAuth.caFile')), 'utf8') === readFileSync(grpc.caFile, 'utf8'), 'CLUE_TLS_CA is the coordinator CA');
    }
  });
});
