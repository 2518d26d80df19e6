/**
 * The secured setup in its three modes: Secrets the user creates (the default, and what the committed kustomize
 * renderings use), development credentials the chart generates (security.devCredentials; new values on every
 * rendering, so checked by structure and by using them: certificate chains, names and a real TLS handshake) and
 * cert-manager Certificates (security.certManager). Generated values are never printed: assertions on them carry
 * fixed messages.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect as tlsConnect, createServer as tlsServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { MIN_TOKEN_LENGTH, NATS_PERMISSIONS, parseTokenFile } from '@clue/common';
import { helmNotes, helmTemplate, parseObjects, shortId, type K8sObject } from './render.js';
import { repoRoot } from '../support/repo.js';
import { CUSTOM_SECRET_NAMES, TEST_ISSUER, find, helmVariant, helmVariants, variants } from './fixtures.js';
import { at, containers, podTemplates, rec, recs } from './objects.js';
import { checkCredentials, checkNatsSecurity, confBlock, defaultSecretNames, renderedNatsConf, secretAccess } from './checks-security.js';
import { checkNoInlineSecrets, checkSecurityContexts, type Problem } from './checks-workloads.js';
import { checkNetworkPolicies, checkReferences } from './checks-platform.js';
import { validateSchemas } from './schema-validate.js';
import { findUnknownFields } from './unknown-fields.js';

const show = (ps: readonly Problem[]): string => ps.map((p) => `${p.where}: ${p.problem}`).join('\n');
const names = defaultSecretNames();

/** The SANs each certificate must carry (release clue, namespace clue, cluster.local), spelled out independently of the chart. */
const NATS_DNS = [
  'clue-nats', 'clue-nats.clue', 'clue-nats.clue.svc', 'clue-nats.clue.svc.cluster.local',
  '*.clue-nats-headless.clue.svc.cluster.local', '*.clue-nats-headless.clue.svc', 'localhost',
];
const COORDINATOR_DNS = ['clue-coordinator', 'clue-coordinator.clue', 'clue-coordinator.clue.svc', 'clue-coordinator.clue.svc.cluster.local', 'localhost'];
const IPS = ['127.0.0.1'];
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const kinds = (objs: readonly K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind);
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A key of a rendered Secret, decoded (never printed). */
function secretData(objs: readonly K8sObject[], name: string, key: string): Buffer {
  const v = rec(find(objs, 'Secret', name)['data'])[key];
  if (typeof v !== 'string') throw new Error(`Secret/${name} has no key ${key}`);
  return Buffer.from(v, 'base64');
}

/** DNS names and IPs of a certificate's subjectAltName. */
function sans(cert: X509Certificate): { dns: string[]; ips: string[] } {
  const parts = (cert.subjectAltName ?? '').split(', ').filter((p) => p !== '');
  return {
    dns: parts.filter((p) => p.startsWith('DNS:')).map((p) => p.slice(4)).sort(),
    ips: parts.filter((p) => p.startsWith('IP Address:')).map((p) => p.slice(11)).sort(),
  };
}

/** A TLS handshake on loopback: the client verifies the server against `ca` for `servername`; `mutual` also sends the client certificate. */
async function handshake(server: { cert: Buffer; key: Buffer; ca: Buffer }, client: { ca: Buffer; servername: string; cert?: Buffer; key?: Buffer }, mutual: boolean): Promise<{ authorized: boolean; peerAuthorized: boolean }> {
  const srv = tlsServer({ cert: server.cert, key: server.key, ca: mutual ? server.ca : undefined, requestCert: mutual, rejectUnauthorized: mutual });
  const peer = new Promise<boolean>((resolve) => srv.once('secureConnection', (s: TLSSocket) => {
    resolve(s.authorized);
    s.end();
  }));
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  try {
    const { port } = srv.address() as AddressInfo;
    const sock = tlsConnect({ host: '127.0.0.1', port, ca: client.ca, servername: client.servername, ...(client.cert && client.key ? { cert: client.cert, key: client.key } : {}) });
    await once(sock, 'secureConnect');
    const authorized = sock.authorized;
    const peerAuthorized = await peer;
    sock.destroy();
    return { authorized, peerAuthorized };
  } finally {
    srv.close();
  }
}

describe('NATS permissions', () => {
  test('helm/clue/files/nats-permissions.json (what the chart renders) equals NATS_PERMISSIONS of @clue/common', () => {
    const file: unknown = JSON.parse(readFileSync(join(repoRoot(), 'helm', 'clue', 'files', 'nats-permissions.json'), 'utf8'));
    assert.deepEqual(file, JSON.parse(JSON.stringify(NATS_PERMISSIONS)));
  });
});

describe('default: Secrets the user creates', () => {
  test('the committed renderings hold no Secret and no Certificate; the pods reference the four default Secrets (and the HF token)', () => {
    for (const v of variants()) {
      assert.deepEqual([...kinds(v.kustomized, 'Secret'), ...kinds(v.kustomized, 'Certificate')].map(shortId), [], v.name);
      const referenced = new Set(containers(podTemplates(v.kustomized)).flatMap((c) => secretAccess(c).map((a) => a.slice(0, a.indexOf(':')))));
      assert.deepEqual([...referenced].sort(), [names.apiTokens, names.coordinatorTls, names.natsAuth, names.natsTls, 'clue-hf-token'].sort(), v.name);
    }
  });

  test('NOTES say which Secrets the pods wait for and how to create them, and carry no development warning', () => {
    const notes = helmNotes();
    assert.match(notes, /clue-nats-tls {2}clue-coordinator-tls {2}clue-nats-auth {2}clue-api-tokens/);
    assert.match(notes, /clue secrets --namespace clue --release clue > clue-secrets.yaml && kubectl apply -f clue-secrets.yaml/);
    assert.match(notes, /port-forward svc\/clue-coordinator 50051:50051/);
    assert.match(notes, /CLUE_TOKEN_FILE=\S+ clue workers --coordinator localhost:50051 --tls-ca clue-ca.crt/);
    assert.doesNotMatch(notes, /WARNING|DEVELOPMENT/);
  });
});

describe('helm-only variants (devCredentials, certManager, both, custom Secret names on one NATS server)', () => {
  test('every object validates against its schema with no unknown field (the Certificates against cert-manager\'s CRD)', async () => {
    for (const v of helmVariants()) {
      const problems = await validateSchemas(v.objects);
      assert.deepEqual(problems, [], `${v.name}:\n${problems.map((p) => `${p.object}: ${p.message}`).join('\n')}`);
      const unknown = findUnknownFields(v.objects);
      assert.deepEqual(unknown, [], `${v.name}:\n${unknown.map((u) => `${u.object}: ${u.path}`).join('\n')}`);
    }
  });

  test('credentials, NATS security, NetworkPolicies, security contexts and references pass', () => {
    for (const v of helmVariants()) {
      for (const check of [checkCredentials, checkNatsSecurity] as const) assert.equal(show(check(v.objects, v.names)), '', `${v.name}: ${check.name}`);
      for (const check of [checkNetworkPolicies, checkSecurityContexts, checkReferences]) assert.equal(show(check(v.objects)), '', `${v.name}: ${check.name}`);
    }
  });

  test('custom Secret names are used everywhere and no default name is left', () => {
    const v = helmVariant('custom Secret names, 1 NATS server');
    const text = JSON.stringify(v.objects);
    for (const n of Object.values(names)) assert.ok(!text.includes(`"${n}"`), `${n} is still referenced`);
    for (const n of Object.values(CUSTOM_SECRET_NAMES)) assert.ok(text.includes(`"${n}"`), `${n} is not referenced`);
    // The default checks with the default names fail on it: the names matter to the check.
    assert.match(show(checkCredentials(v.objects)), /does not get clue-nats-tls:ca.crt/);
  });

  test('one NATS server: no cluster block, still client TLS and the two users', () => {
    const v = helmVariant('custom Secret names, 1 NATS server');
    const conf = renderedNatsConf(v.objects) ?? '';
    assert.equal(at(find(v.objects, 'StatefulSet'), 'spec.replicas'), 1);
    assert.equal(confBlock(conf, 'cluster', true), undefined);
    assert.ok(confBlock(conf, 'tls', true));
    assert.ok(confBlock(conf, 'authorization', true));
  });
});

describe('security.devCredentials (development only)', () => {
  const dev = (): K8sObject[] => helmVariant('devCredentials').objects;

  test('renders exactly the four Secrets, with their types and keys', () => {
    const secrets = kinds(dev(), 'Secret').map((s) => [s.metadata.name, s['type'], Object.keys(rec(s['data'])).sort()]);
    assert.deepEqual(secrets.sort(), [
      [names.apiTokens, 'Opaque', ['operator', 'reader', 'worker']],
      [names.coordinatorTls, 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
      [names.natsAuth, 'Opaque', ['coordinator-password', 'worker-password']],
      [names.natsTls, 'kubernetes.io/tls', ['ca.crt', 'tls.crt', 'tls.key']],
    ].sort());
    for (const s of kinds(dev(), 'Secret')) assert.equal(s.metadata.labels?.['clue.io/development-credentials'], 'true', s.metadata.name);
    assert.deepEqual(kinds(dev(), 'Certificate'), []);
  });

  test('the no-inline-secrets check (run on the committed renderings) would reject this mode', () => {
    const problems = show(checkNoInlineSecrets(dev()));
    for (const n of Object.values(names)) assert.match(problems, new RegExp(`Secret/${n}: a Secret with data`));
  });

  test('the certificates: CA-signed, the SANs and usages the clients and routes need, matching keys', () => {
    const objs = dev();
    for (const [secret, dns, usages] of [[names.natsTls, NATS_DNS, [SERVER_AUTH, CLIENT_AUTH]], [names.coordinatorTls, COORDINATOR_DNS, [SERVER_AUTH]]] as const) {
      const cert = new X509Certificate(secretData(objs, secret, 'tls.crt'));
      const ca = new X509Certificate(secretData(objs, secret, 'ca.crt'));
      assert.ok(ca.ca, `${secret}: ca.crt is a CA certificate`);
      assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), `${secret}: tls.crt is signed by ca.crt`);
      assert.ok(cert.checkPrivateKey(createPrivateKey(secretData(objs, secret, 'tls.key'))), `${secret}: tls.key is the key of tls.crt`);
      assert.deepEqual(sans(cert), { dns: [...dns].sort(), ips: IPS }, secret);
      for (const u of usages) assert.ok((cert.keyUsage ?? []).includes(u), `${secret}: extended key usage ${u}`);
      const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
      assert.ok(days > 364 && days < 366, `${secret}: valid for security.devCertificateDays (365), not ${days.toFixed(1)} days`);
    }
  });

  test('the certificates work: routes over mutual TLS by a pod name, the coordinator by its Service name', async () => {
    const objs = dev();
    const pair = (secret: string): { cert: Buffer; key: Buffer; ca: Buffer } => ({ cert: secretData(objs, secret, 'tls.crt'), key: secretData(objs, secret, 'tls.key'), ca: secretData(objs, secret, 'ca.crt') });
    const nats = pair(names.natsTls);
    const route = await handshake(nats, { ca: nats.ca, servername: 'clue-nats-2.clue-nats-headless.clue.svc.cluster.local', cert: nats.cert, key: nats.key }, true);
    assert.deepEqual(route, { authorized: true, peerAuthorized: true });
    const grpc = pair(names.coordinatorTls);
    for (const servername of ['clue-coordinator', 'localhost']) {
      const r = await handshake(grpc, { ca: grpc.ca, servername }, false);
      assert.equal(r.authorized, true, servername);
    }
    // The coordinator's CA does not vouch for the NATS certificate: the two Secrets have their own CAs.
    const cross = await handshake(nats, { ca: grpc.ca, servername: 'clue-nats' }, false).catch((e: Error) => e);
    assert.ok(cross instanceof Error || cross.authorized === false, 'the coordinator CA must not verify the NATS certificate');
  });

  test('passwords and tokens: long, one token per file, all different, and new on every rendering', () => {
    const values = (objs: readonly K8sObject[]): string[] => [
      ...['coordinator-password', 'worker-password'].map((k) => secretData(objs, names.natsAuth, k).toString()),
      ...['reader', 'operator', 'worker'].map((k) => secretData(objs, names.apiTokens, k).toString()),
    ];
    const first = values(dev());
    for (const v of first) {
      // A letter first: nats-server parses the password variables as config values (tooling.test.ts).
      assert.ok(v.length >= MIN_TOKEN_LENGTH && /^[A-Za-z][A-Za-z0-9]+$/.test(v), 'a generated value is long, alphanumeric and starts with a letter');
      assert.equal(parseTokenFile(v, 'generated').length, 1);
    }
    assert.equal(new Set(first).size, first.length, 'every generated value is different');
    const again = values(parseObjects(helmTemplate({ set: ['security.devCredentials=true'] }), 'helm template'));
    assert.notEqual(sha256(first.join('\n')), sha256(again.join('\n')), 'a second rendering (no cluster to look up) generates new values');
  });

  test('NOTES warn that these are development credentials', () => {
    const notes = helmNotes({ set: ['security.devCredentials=true'] });
    assert.match(notes, /^#{20,}\nWARNING: DEVELOPMENT CREDENTIALS \(security.devCredentials=true\). NOT FOR PRODUCTION./);
    assert.match(notes, /For production, create your own Secrets \(`clue secrets`/);
  });
});

describe('security.certManager', () => {
  test('Certificates for the two TLS Secrets: SANs, usages (the NATS one server and client auth), the issuer; no Secret', () => {
    const objs = helmVariant('certManager').objects;
    const certs = kinds(objs, 'Certificate');
    assert.deepEqual(certs.map((c) => c.metadata.name).sort(), [names.coordinatorTls, names.natsTls].sort());
    for (const [secret, dns, usages] of [[names.natsTls, NATS_DNS, ['server auth', 'client auth']], [names.coordinatorTls, COORDINATOR_DNS, ['server auth']]] as const) {
      const spec = rec(find(objs, 'Certificate', secret)['spec']);
      assert.equal(spec['secretName'], secret);
      assert.deepEqual([...(spec['dnsNames'] as string[])].sort(), [...dns].sort(), secret);
      assert.deepEqual(spec['ipAddresses'], IPS, secret);
      assert.deepEqual(spec['issuerRef'], TEST_ISSUER, secret);
      const have = spec['usages'] as string[];
      for (const u of usages) assert.ok(have.includes(u), `${secret}: usage ${u}`);
      if (secret === names.coordinatorTls) assert.ok(!have.includes('client auth'), 'the coordinator certificate is a server certificate only');
    }
    assert.deepEqual(kinds(objs, 'Secret').map(shortId), []);
    assert.equal(show(checkNoInlineSecrets(objs)), '');
  });

  test('with devCredentials, the chart generates only the passwords and tokens', () => {
    const objs = helmVariant('certManager + devCredentials').objects;
    assert.deepEqual(kinds(objs, 'Certificate').length, 2);
    assert.deepEqual(kinds(objs, 'Secret').map((s) => s.metadata.name).sort(), [names.apiTokens, names.natsAuth].sort());
  });

  test('NOTES name the issuer', () => {
    const notes = helmNotes({ set: ['security.certManager.enabled=true', 'security.certManager.issuerRef.name=clue-ca'] });
    assert.match(notes, /cert-manager issues the two TLS Secrets \(Issuer clue-ca\); create the other two yourself/);
    assert.doesNotMatch(notes, /WARNING/);
  });
});

describe('the secured containers by role', () => {
  test('what each role reads from the credential Secrets, in the production rendering', () => {
    const prod = variants()[0]!.kustomized;
    const byContainer = Object.fromEntries(containers(podTemplates(prod)).map((c) => [`${c.pod.owner.kind}/${c.name}`, secretAccess(c).filter((a) => !a.startsWith('clue-hf-token:'))]));
    assert.deepEqual(byContainer, {
      'StatefulSet/nats': ['clue-nats-auth:coordinator-password', 'clue-nats-auth:worker-password', 'clue-nats-tls:ca.crt', 'clue-nats-tls:tls.crt', 'clue-nats-tls:tls.key'],
      'StatefulSet/exporter': [],
      'Deployment/coordinator': ['clue-api-tokens:operator', 'clue-api-tokens:reader', 'clue-api-tokens:worker', 'clue-coordinator-tls:tls.crt', 'clue-coordinator-tls:tls.key', 'clue-nats-auth:coordinator-password', 'clue-nats-tls:ca.crt'],
      'DaemonSet/worker': ['clue-api-tokens:worker', 'clue-coordinator-tls:ca.crt', 'clue-nats-auth:worker-password', 'clue-nats-tls:ca.crt'],
      'CronJob/submit': ['clue-api-tokens:operator', 'clue-coordinator-tls:ca.crt'],
    });
    for (const c of containers(podTemplates(prod))) {
      for (const e of recs(c.container['env'])) {
        if (/PASSWORD$|TOKEN$/.test(String(e['name'])) && e['name'] !== 'HF_TOKEN') {
          assert.ok(c.name === 'nats', `${c.name}: ${String(e['name'])} in the environment (only nats-server takes passwords from env)`);
        }
      }
    }
  });
});
