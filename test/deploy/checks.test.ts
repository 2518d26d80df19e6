/**
 * Every check and validator fails on a broken rendering: each case breaks one thing in a copy of the production
 * rendering and expects the problem to be reported (so the green results in manifests.test.ts mean something).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { K8sObject } from './render.js';
import { find, helmVariant, productionCopy } from './fixtures.js';
import { at, rec, recs, type Json } from './objects.js';
import { checkGpuWorkers, checkImagesPinned, checkNoInlineSecrets, checkProbes, checkSecurityContexts, checkServiceAccounts, type Problem } from './checks-workloads.js';
import { checkCronJobs, checkNetworkPolicies, checkPdbs, checkReferences } from './checks-platform.js';
import { checkCoordinator, checkMonitoring, checkNats, checkNightlySpec } from './checks-system.js';
import { checkCredentials, checkNatsSecurity } from './checks-security.js';
import { validateSchemas } from './schema-validate.js';
import { findUnknownFields } from './unknown-fields.js';

type Check = (objects: readonly K8sObject[]) => Problem[];

/** The pod spec / first container of a workload in the copy. */
function podSpec(objs: K8sObject[], kind: string): Json {
  const path = kind === 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec';
  return rec(at(find(objs, kind), path));
}
function container(objs: K8sObject[], kind: string): Json {
  const c = recs(podSpec(objs, kind)['containers'])[0];
  if (!c) throw new Error(`${kind} has no container`);
  return c;
}

/** The array itself (to push onto it), not a copy. */
function list(v: unknown): Json[] {
  if (!Array.isArray(v)) throw new Error('not an array');
  return v as Json[];
}
/** A volume of a workload's pod in the copy. */
function volume(objs: K8sObject[], kind: string, name: string): Json {
  const v = recs(podSpec(objs, kind)['volumes']).find((x) => x['name'] === name);
  if (!v) throw new Error(`${kind} has no volume ${name}`);
  return v;
}
/** Sets (or, with undefined, removes) an env variable of a workload's first container. */
function setEnv(objs: K8sObject[], kind: string, name: string, value: string | undefined): void {
  const c = container(objs, kind);
  const env = recs(c['env']).filter((e) => e['name'] !== name);
  c['env'] = value === undefined ? env : [...env, { name, value }];
}
/** Rewrites the rendered nats.conf in the copy. */
function editConf(objs: K8sObject[], edit: (conf: string) => string): void {
  const data = rec(find(objs, 'ConfigMap', 'clue-nats-config')['data']);
  const before = String(data['nats.conf']);
  data['nats.conf'] = edit(before);
  if (data['nats.conf'] === before) throw new Error('the edit did not change nats.conf');
}

/** Breaks a copy with `mutate`, runs `check`, expects a problem matching `expected`. */
function expectProblem(check: Check, mutate: (objs: K8sObject[]) => void, expected: RegExp): void {
  const objs = productionCopy();
  assert.deepEqual(check(objs), [], 'the unbroken rendering must pass');
  mutate(objs);
  const text = check(objs).map((p) => `${p.where}: ${p.problem}`).join('\n');
  assert.match(text, expected);
}

const cases: [string, Check, (objs: K8sObject[]) => void, RegExp][] = [
  ['GPU limit removed', checkGpuWorkers, (o) => delete rec(at(container(o, 'DaemonSet'), 'resources.limits'))['nvidia.com/gpu'], /nvidia.com\/gpu limit/],
  ['/dev/shm on disk', checkGpuWorkers, (o) => delete rec(recs(podSpec(o, 'DaemonSet')['volumes']).find((v) => v['name'] === 'dshm')?.['emptyDir'])['medium'], /\/dev\/shm/],
  ['startup budget of 100 s', checkGpuWorkers, (o) => (rec(container(o, 'DaemonSet')['startupProbe'])['failureThreshold'] = 10), /startupProbe allows 100 s/],
  ['no readiness probe on the worker', checkGpuWorkers, (o) => delete container(o, 'DaemonSet')['readinessProbe'], /no readinessProbe/],
  ['grace period = drain', checkGpuWorkers, (o) => (podSpec(o, 'DaemonSet')['terminationGracePeriodSeconds'] = 300), /not longer than --drain-seconds 300/],
  ['no GPU toleration', checkGpuWorkers, (o) => (podSpec(o, 'DaemonSet')['tolerations'] = []), /toleration/],
  ['no GFD node selection', checkGpuWorkers, (o) => (podSpec(o, 'DaemonSet')['nodeSelector'] = {}), /gpu.present/],
  ['HF_TOKEN inline', checkGpuWorkers, (o) => (recs(container(o, 'DaemonSet')['env']).forEach((e) => { if (e['name'] === 'HF_TOKEN') { delete e['valueFrom']; e['value'] = 'x'; } })), /HF_TOKEN does not come from a Secret/],
  ['image :latest', checkImagesPinned, (o) => (container(o, 'StatefulSet')['image'] = 'nats:latest'), /not pinned/],
  ['image without tag', checkImagesPinned, (o) => (container(o, 'Deployment')['image'] = 'ghcr.io/clue-orchestrator/clue'), /not pinned/],
  ['malformed digest', checkImagesPinned, (o) => (container(o, 'Deployment')['image'] = 'ghcr.io/x/clue:1@sha256:abc'), /malformed digest/],
  ['password env value', checkNoInlineSecrets, (o) => (container(o, 'Deployment')['env'] = [{ name: 'NATS_PASSWORD', value: 'hunter2' }]), /NATS_PASSWORD must come from a Secret/],
  ['Secret with data', checkNoInlineSecrets, (o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hf', namespace: 'clue' }, data: { token: 'eA==' } }), /Secret with data/],
  ['token-shaped string', checkNoInlineSecrets, (o) => (rec(find(o, 'ConfigMap', 'clue-nightly-spec')['data'])['x'] = `hf_${'a'.repeat(34)}`), /token-shaped/],
  ['root user', checkSecurityContexts, (o) => (rec(podSpec(o, 'Deployment')['securityContext'])['runAsUser'] = 0), /runs as user 0/],
  ['privilege escalation', checkSecurityContexts, (o) => (rec(container(o, 'Deployment')['securityContext'])['allowPrivilegeEscalation'] = true), /allowPrivilegeEscalation/],
  ['writable root filesystem', checkSecurityContexts, (o) => (rec(container(o, 'DaemonSet')['securityContext'])['readOnlyRootFilesystem'] = false), /readOnlyRootFilesystem/],
  ['hostPath volume', checkSecurityContexts, (o) => recs(podSpec(o, 'DaemonSet')['volumes']).forEach((v) => { if (v['name'] === 'models') { delete v['persistentVolumeClaim']; v['hostPath'] = { path: '/m' }; } }), /type hostPath/],
  ['API token mounted', checkSecurityContexts, (o) => (podSpec(o, 'CronJob')['automountServiceAccountToken'] = true), /automountServiceAccountToken/],
  ['a Role', checkServiceAccounts, (o) => o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'clue' } }), /no RBAC object/],
  ['unknown service account', checkServiceAccounts, (o) => (podSpec(o, 'Deployment')['serviceAccountName'] = 'default'), /serviceAccountName default/],
  ['no coordinator liveness probe', checkProbes, (o) => delete container(o, 'Deployment')['livenessProbe'], /coordinator: no livenessProbe/],
  ['concurrencyPolicy Allow', checkCronJobs, (o) => (rec(find(o, 'CronJob')['spec'])['concurrencyPolicy'] = 'Allow'), /not Forbid/],
  ['no timeZone', checkCronJobs, (o) => delete rec(find(o, 'CronJob')['spec'])['timeZone'], /no timeZone/],
  ['bad timeZone', checkCronJobs, (o) => (rec(find(o, 'CronJob')['spec'])['timeZone'] = 'Mars/Olympus'), /not an IANA time zone/],
  ['no starting deadline', checkCronJobs, (o) => delete rec(find(o, 'CronJob')['spec'])['startingDeadlineSeconds'], /startingDeadlineSeconds/],
  ['fixed run key', checkCronJobs, (o) => (container(o, 'CronJob')['args'] = ['exec clue submit --spec /etc/clue/nightly.yaml --idempotency-key nightly']), /date-derived/],
  ['TZ differs from timeZone', checkCronJobs, (o) => (container(o, 'CronJob')['env'] = [{ name: 'TZ', value: 'Europe/Berlin' }]), /TZ \(Europe\/Berlin\) differs/],
  ['no default deny', checkNetworkPolicies, (o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'clue-default-deny')), 1), /default-deny/],
  ['no worker policy', checkNetworkPolicies, (o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'clue-worker')), 1), /egress from worker is not allowed/],
  ['NATS closed to clients', checkNetworkPolicies, (o) => (rec(at(find(o, 'NetworkPolicy', 'clue-nats'), 'spec'))['ingress'] = []), /ingress to nats is not allowed/],
  ['no NATS PDB', checkPdbs, (o) => o.splice(o.indexOf(find(o, 'PodDisruptionBudget', 'clue-nats')), 1), /StatefulSet\/clue-nats: no PodDisruptionBudget/],
  ['PDB blocking evictions', checkPdbs, (o) => { const s = rec(find(o, 'PodDisruptionBudget', 'clue-nats')['spec']); delete s['maxUnavailable']; s['minAvailable'] = 3; }, /minAvailable 3 >= replicas 3/],
  ['Service selector typo', checkReferences, (o) => (rec(at(find(o, 'Service', 'clue-coordinator'), 'spec.selector'))['app.kubernetes.io/component'] = 'coordinatr'), /Service\/clue-coordinator: selects no pods/],
  ['PodMonitor port typo', checkReferences, (o) => (recs(at(find(o, 'PodMonitor', 'clue-worker'), 'spec.podMetricsEndpoints'))[0]!['port'] = 'metric'), /port metric is not a named container port/],
  ['ConfigMap name typo', checkReferences, (o) => (rec(recs(podSpec(o, 'CronJob')['volumes']).find((v) => v['name'] === 'spec')?.['configMap'])['name'] = 'nope'), /ConfigMap nope is not in the rendering/],
  ['one NATS replica', checkNats, (o) => (rec(find(o, 'StatefulSet')['spec'])['replicas'] = 1), /replicas is 1, not 3/],
  ['NATS 2.9', checkNats, (o) => (container(o, 'StatefulSet')['image'] = 'nats:2.9.10-alpine'), /older than 2.10/],
  ['stream replicas 1', checkNats, (o) => (container(o, 'Deployment')['args'] = ['--nats', 'nats://clue-nats:4222', '--replicas', '1']), /--replicas 1 .* differs from the NATS replicas 3/],
  ['two coordinators', checkCoordinator, (o) => (rec(find(o, 'Deployment')['spec'])['replicas'] = 2), /exactly 1 replica/],
  ['rolling coordinator', checkCoordinator, (o) => (rec(find(o, 'Deployment')['spec'])['strategy'] = { type: 'RollingUpdate' }), /Recreate/],
  ['grpc probe on the coordinator', checkCoordinator, (o) => (container(o, 'Deployment')['livenessProbe'] = { grpc: { port: 50051 } }), /livenessProbe is a native grpc probe, which cannot speak TLS/],
  ['coordinator probe on /metrics', checkCoordinator, (o) => (container(o, 'Deployment')['readinessProbe'] = { httpGet: { port: 'metrics', path: '/metrics' } }), /readinessProbe is not httpGet \/healthz on the metrics port/],
  ['coordinator probe on the gRPC port', checkCoordinator, (o) => (container(o, 'Deployment')['startupProbe'] = { httpGet: { port: 'grpc', path: '/healthz' } }), /startupProbe is not httpGet \/healthz on the metrics port/],
  ['a *_FILE variable outside the Secret mounts', checkNoInlineSecrets, (o) => setEnv(o, 'DaemonSet', 'CLUE_TOKEN_FILE', '/tmp/token'), /CLUE_TOKEN_FILE=\/tmp\/token is not a path in a mounted Secret volume/],
  ['a worker mounts the NATS key', checkCredentials, (o) => list(rec(volume(o, 'DaemonSet', 'nats-ca')['secret'])['items']).push({ key: 'tls.key', path: 'tls.key' }), /DaemonSet\/clue-worker container worker: reads clue-nats-tls:tls.key, which a worker container must not/],
  ['the coordinator key in the nightly job', checkCredentials, (o) => list(rec(volume(o, 'CronJob', 'coordinator-ca')['secret'])['items']).push({ key: 'tls.key', path: 'tls.key' }), /reads clue-coordinator-tls:tls.key, which a nightly container must not/],
  ['the whole token Secret in a worker', checkCredentials, (o) => delete rec(volume(o, 'DaemonSet', 'token')['secret'])['items'], /reads clue-api-tokens:\*, which a worker container must not \(a whole Secret: list the items\)/],
  ['the worker token in the nightly job', checkCredentials, (o) => (rec(volume(o, 'CronJob', 'token')['secret'])['items'] = [{ key: 'worker', path: 'operator' }]), /reads clue-api-tokens:worker[\s\S]*does not get clue-api-tokens:operator/],
  ['the NATS password as an env value of the worker', checkCredentials, (o) => list(container(o, 'DaemonSet')['env']).push({ name: 'CLUE_NATS_PASSWORD', valueFrom: { secretKeyRef: { name: 'clue-nats-auth', key: 'coordinator-password' } } }), /reads clue-nats-auth:coordinator-password, which a worker container must not/],
  ['the token file points at another key', checkCredentials, (o) => setEnv(o, 'DaemonSet', 'CLUE_TOKEN_FILE', '/var/run/secrets/clue/nats-password/worker-password'), /CLUE_TOKEN_FILE=\S+ is clue-nats-auth:worker-password, not clue-api-tokens:worker/],
  ['no CLUE_TLS_KEY', checkCredentials, (o) => setEnv(o, 'Deployment', 'CLUE_TLS_KEY', undefined), /CLUE_TLS_KEY is not set/],
  ['wrong NATS user', checkCredentials, (o) => setEnv(o, 'DaemonSet', 'CLUE_NATS_USER', 'coordinator'), /CLUE_NATS_USER is 'coordinator', not 'worker'/],
  ['a token directory without the worker file', checkCredentials, (o) => (rec(volume(o, 'Deployment', 'tokens')['secret'])['items'] = [{ key: 'reader', path: 'reader' }, { key: 'operator', path: 'operator' }]), /CLUE_TOKENS_DIR=\S+ has no file worker/],
  ['a security flag on the command line', checkCredentials, (o) => (container(o, 'DaemonSet')['args'] = [`${String((container(o, 'DaemonSet')['args'] as unknown[])[0])} --token-file /x`]), /--token-file on the command line overrides the environment/],
  ['Secret files readable by others', checkCredentials, (o) => (rec(volume(o, 'Deployment', 'tls')['secret'])['defaultMode'] = 0o444), /tls.key \(Secret clue-coordinator-tls\) is readable by others \(mode 444\)/],
  ['no client TLS in nats.conf', checkNatsSecurity, (o) => editConf(o, (c) => c.replace(/^tls \{[^}]*\}\n/m, '')), /no client tls \{ \} block/],
  ['client TLS requiring client certificates', checkNatsSecurity, (o) => editConf(o, (c) => c.replace(/^tls \{/m, 'tls {\n  verify: true')), /client tls requires client certificates/],
  ['client TLS with a key outside the Secret', checkNatsSecurity, (o) => editConf(o, (c) => c.replace('key_file: "/etc/nats-tls/tls.key"', 'key_file: "/data/key.pem"')), /client tls key_file \/data\/key.pem is not clue-nats-tls:tls.key/],
  ['routes without verify', checkNatsSecurity, (o) => editConf(o, (c) => c.replace(/\n\s*verify: true/, '')), /route tls does not verify the peer's certificate/],
  ['routes without TLS', checkNatsSecurity, (o) => editConf(o, (c) => c.replace(/(cluster \{[\s\S]*?)tls \{[^}]*\}/, '$1')), /no route tls \{ \} block/],
  ['a widened worker permission', checkNatsSecurity, (o) => editConf(o, (c) => c.replace('"$JS.API.INFO"', '"$JS.API.>"')), /the permissions of worker differ from NATS_PERMISSIONS.worker/],
  ['a literal password', checkNatsSecurity, (o) => editConf(o, (c) => c.replace('password: $CLUE_NATS_WORKER_PASSWORD', 'password: "hunter2hunter2"')), /the password of worker is not a \$VARIABLE/],
  ['a password from the wrong key', checkNatsSecurity, (o) => recs(container(o, 'StatefulSet')['env']).forEach((e) => { if (e['name'] === 'CLUE_NATS_WORKER_PASSWORD') rec(at(e, 'valueFrom.secretKeyRef'))['key'] = 'coordinator-password'; }), /\$CLUE_NATS_WORKER_PASSWORD \(password of worker\) does not come from clue-nats-auth:worker-password/],
  ['a third NATS user', checkNatsSecurity, (o) => editConf(o, (c) => c.replace('  users: [\n', '  users: [\n    { user: "admin", password: $ADMIN, permissions: {} }\n')), /authorization users are \[admin, coordinator, worker\]/],
  ['toJson escapes in nats.conf', checkNatsSecurity, (o) => editConf(o, (c) => c.replace(/\.>"/g, '.\\u003e"')), /contains a \\u escape/],
  ['the monitoring port open to pods', checkNatsSecurity, (o) => list(at(find(o, 'NetworkPolicy', 'clue-nats'), 'spec.ingress')).push({ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8222 }] }), /NetworkPolicy\/clue-nats: admits the NATS monitoring port 8222/],
  ['every port of NATS open to pods', checkNatsSecurity, (o) => list(at(find(o, 'NetworkPolicy', 'clue-nats'), 'spec.ingress')).push({ from: [{ podSelector: {} }] }), /admits the NATS monitoring port 8222/],
  ['alert over an unknown metric', checkMonitoring, (o) => (recs(at(find(o, 'PrometheusRule'), 'spec.groups'))[0]!['rules'] as Json[]).push({ alert: 'X', expr: 'clue_made_up_total > 0', labels: { severity: 'info' }, annotations: { summary: 's' } }), /unknown metric 'clue_made_up_total'/],
  ['no release label', checkMonitoring, (o) => delete rec(find(o, 'ServiceMonitor').metadata.labels)['release'], /no release label/],
  ['no vLLM scrape', checkMonitoring, (o) => recs(at(find(o, 'PodMonitor', 'clue-worker'), 'spec.podMetricsEndpoints')).forEach((e) => (e['path'] = '/metrics')), /\/metrics\/vllm/],
  ['broken dashboard', checkMonitoring, (o) => (rec(find(o, 'ConfigMap', 'clue-dashboard')['data'])['clue.json'] = '{'), /not JSON/],
  ['unknown task in the spec', checkNightlySpec, (o) => (rec(find(o, 'ConfigMap', 'clue-nightly-spec')['data'])['nightly.yaml'] = 'name: n\npreset: clue-v3\ntasks: [mednli, radiology]\ndata: {mednli: /datasets/mli_test_v1.jsonl}\n'), /unknown task 'radiology'/],
  ['wrong file name', checkNightlySpec, (o) => (rec(find(o, 'ConfigMap', 'clue-nightly-spec')['data'])['nightly.yaml'] = 'name: n\npreset: clue-v3\ntasks: [mednli]\ndata: {mednli: /datasets/mednli.jsonl}\n'), /not CLUE's name mli_test_v1.jsonl/],
  ['unknown model', checkNightlySpec, (o) => (rec(find(o, 'ConfigMap', 'clue-nightly-spec')['data'])['nightly.yaml'] = 'name: n\nmodels: [gpt-9]\ntasks: [mednli]\ndata: {mednli: /datasets/mli_test_v1.jsonl}\n'), /model 'gpt-9' is not in the catalog/],
];

describe('each semantic check reports a broken rendering', () => {
  for (const [name, check, mutate, expected] of cases) {
    test(name, () => expectProblem(check, mutate, expected));
  }
});

describe('the schema validators report broken objects', () => {
  test('a missing required field and a wrong type', async () => {
    const objs = productionCopy();
    const ds = find(objs, 'DaemonSet');
    delete rec(ds['spec'])['selector'];
    podSpec(objs, 'DaemonSet')['terminationGracePeriodSeconds'] = 'long';
    const problems = (await validateSchemas([ds])).map((p) => p.message).join('\n');
    assert.match(problems, /must have required property selector/);
    assert.match(problems, /terminationGracePeriodSeconds must be integer/);
  });

  test('a custom resource field of the wrong type', async () => {
    const objs = productionCopy();
    const sm = find(objs, 'ServiceMonitor');
    recs(at(sm, 'spec.endpoints'))[0]!['interval'] = 30;
    assert.match((await validateSchemas([sm])).map((p) => p.message).join('\n'), /interval must be string/);
  });

  test('a cert-manager Certificate checked against its vendored CRD: wrong types, enum, required field, unknown fields', async () => {
    const cert = structuredClone(find(helmVariant('certManager').objects, 'Certificate', 'clue-nats-tls'));
    assert.deepEqual(await validateSchemas([cert]), []);
    const spec = rec(cert['spec']);
    spec['duration'] = 90;
    rec(spec['privateKey'])['size'] = '256';
    (spec['usages'] as string[]).push('server-auth');
    delete rec(spec['issuerRef'])['name'];
    spec['dnsName'] = ['x'];
    rec(spec['privateKey'])['sise'] = 256;
    const problems = (await validateSchemas([cert])).map((p) => p.message).join('\n');
    assert.match(problems, /spec.duration must be string/);
    assert.match(problems, /spec.privateKey.size must be integer/);
    assert.match(problems, /spec.usages\[3\] must be one of/);
    assert.match(problems, /spec.issuerRef must have required property name/);
    assert.deepEqual(findUnknownFields([cert]).map((u) => u.path).sort(), ['spec.dnsName', 'spec.privateKey.sise']);
  });

  test('a kind without a schema is a problem, not a pass', async () => {
    const problems = await validateSchemas([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    assert.match(problems[0]?.message ?? '', /no schema/);
  });

  test('unknown fields at any depth, in built-in and custom resources', () => {
    const objs = productionCopy();
    const ds = find(objs, 'DaemonSet');
    rec(ds['spec'])['replicas'] = 3;
    container(objs, 'DaemonSet')['securityContxt'] = {};
    rec(recs(podSpec(objs, 'DaemonSet')['volumes'])[0]?.['emptyDir'])['medum'] = 'Memory';
    recs(at(find(objs, 'PodMonitor', 'clue-worker'), 'spec.podMetricsEndpoints'))[0]!['pathh'] = '/x';
    rec(find(objs, 'CronJob')['spec'])['timezone'] = 'Etc/UTC';
    const paths = findUnknownFields(objs).map((u) => `${u.object} ${u.path}`).sort();
    assert.deepEqual(paths, [
      'CronJob/clue-nightly spec.timezone',
      'DaemonSet/clue-worker spec.replicas',
      'DaemonSet/clue-worker spec.template.spec.containers[0].securityContxt',
      'DaemonSet/clue-worker spec.template.spec.volumes[0].emptyDir.medum',
      'PodMonitor/clue-worker spec.podMetricsEndpoints[0].pathh',
    ]);
  });
});
