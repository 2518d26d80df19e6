/**
 * The Kubernetes deployment, rendered with the real binaries and checked without a cluster:
 * helm lint, the chart = kustomize agreement, generated files up to date, values schema strictness,
 * Kubernetes schema validation (types + unknown fields) and the semantic checks on every variant.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helmLint, helmTemplateRun, NAMESPACE, shortId } from './render.js';
import { repoRoot } from '../support/repo.js';
import { GENERATED, generatedText, RENDER_COMMAND } from './renderings.js';
import { diffRenderings } from './normalize.js';
import { validateSchemas } from './schema-validate.js';
import { findUnknownFields } from './unknown-fields.js';
import { variants, find } from './fixtures.js';
import { checkGpuWorkers, checkImagesPinned, checkNoInlineSecrets, checkProbes, checkSecurityContexts, checkServiceAccounts, type Problem } from './checks-workloads.js';
import { checkCronJobs, checkNetworkPolicies, checkPdbs, checkReferences } from './checks-platform.js';
import { checkCoordinator, checkMonitoring, checkNats, checkNightlySpec } from './checks-system.js';
import { checkCredentials, checkNatsSecurity } from './checks-security.js';
import { at } from './objects.js';

const show = (ps: readonly Problem[]): string => ps.map((p) => `${p.where}: ${p.problem}`).join('\n');

describe('chart and kustomize: one source of truth', () => {
  test('helm lint --strict passes with the default and the dev values', () => {
    for (const files of [[], ['helm/clue/values-dev.yaml']]) {
      const r = helmLint(files);
      assert.ok(r.ok, `helm lint ${files.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    }
  });

  test('the generated kustomize files equal a fresh rendering of the chart', () => {
    for (const g of GENERATED) {
      const have = readFileSync(join(repoRoot(), g.file), 'utf8');
      assert.ok(have === generatedText(g), `${g.file} is stale: run ${RENDER_COMMAND}`);
    }
  });

  test('kubectl kustomize equals helm template object by object (kustomize adds only the Namespace)', () => {
    for (const v of variants()) {
      const diffs = diffRenderings(v.kustomized, v.helm, { left: `kustomize ${v.kustomization}`, right: 'helm template' }, ['Namespace']);
      assert.deepEqual(diffs, [], `${v.name}:\n${diffs.map((d) => `${d.id}: ${d.problem}`).join('\n')}`);
      assert.ok(v.helm.length >= 20, `${v.name}: only ${v.helm.length} objects rendered`);
    }
  });

  test('kustomize installs everything into its own namespace, created with the restricted Pod Security level', () => {
    for (const v of variants()) {
      const ns = find(v.kustomized, 'Namespace');
      assert.equal(ns.metadata.name, NAMESPACE);
      assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      const outside = v.kustomized.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== NAMESPACE).map(shortId);
      assert.deepEqual(outside, [], `${v.name}: objects outside namespace ${NAMESPACE}`);
    }
  });

  test('the dev variant differs where it should: 1 GPU, a smaller /dev/shm, ReadWriteOnce model cache, relaxed NATS spread', () => {
    const [prod, dev] = variants();
    assert.ok(prod && dev);
    const gpu = (objs: typeof prod.helm): unknown => at(find(objs, 'DaemonSet'), 'spec.template.spec.containers')?.valueOf();
    const limits = (objs: typeof prod.helm): unknown => (gpu(objs) as { resources: { limits: Record<string, unknown> } }[])[0]?.resources.limits['nvidia.com/gpu'];
    assert.equal(limits(prod.kustomized), 8);
    assert.equal(limits(dev.kustomized), 1);
    assert.deepEqual(at(find(dev.kustomized, 'PersistentVolumeClaim', 'clue-models'), 'spec.accessModes'), ['ReadWriteOnce']);
    assert.deepEqual(at(find(prod.kustomized, 'PersistentVolumeClaim', 'clue-models'), 'spec.accessModes'), ['ReadWriteMany']);
    assert.equal(at(find(dev.kustomized, 'StatefulSet'), 'spec.replicas'), 3);
  });
});

describe('values.schema.json rejects what it does not know', () => {
  const rejected: [string, RegExp][] = [
    ['typo=1', /additional properties 'typo' not allowed/],
    ['worker.gpusPerNod=1', /\/worker.*additional properties 'gpusPerNod'/],
    ['nats.storage.sise=1Gi', /\/nats\/storage.*additional properties 'sise'/],
    ['nightly.spec.idempotency_key=x', /\/nightly\/spec.*additional properties 'idempotency_key'/],
    ['monitoring.alerts.nightlyDeadlineHourUTC=25', /nightlyDeadlineHourUTC/],
    ['images.worker.tag=latest', /\/images\/worker\/tag/],
    ['nats.replicas=2', /\/nats\/replicas/],
    ['worker.modelCache.type=nfs', /\/worker\/modelCache\/type/],
    ['security.devCredential=true', /\/security.*additional properties 'devCredential'/],
    ['security.secrets.natsTLS=x', /\/security\/secrets.*additional properties 'natsTLS'/],
    ['security.secrets.apiTokens=Bad_Name', /\/security\/secrets\/apiTokens/],
    ['security.certManager.issuerRef.kind=CA', /\/security\/certManager\/issuerRef\/kind/],
    ['security.certManager.duration=90d', /\/security\/certManager\/duration/],
  ];
  for (const [set, message] of rejected) {
    test(`--set ${set} fails`, () => {
      const r = helmTemplateRun({ set: [set] });
      assert.equal(r.ok, false, `helm accepted --set ${set}`);
      assert.match(r.stderr, message);
    });
  }

  test('cert-manager without an issuer fails the rendering', () => {
    const r = helmTemplateRun({ set: ['security.certManager.enabled=true'] });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /security.certManager.enabled needs security.certManager.issuerRef.name/);
  });

  test('a grace period not longer than the drain fails the rendering', () => {
    const r = helmTemplateRun({ set: ['worker.terminationGracePeriodSeconds=300'] });
    assert.equal(r.ok, false);
    assert.match(r.stderr, /terminationGracePeriodSeconds must be greater than worker.drainSeconds/);
  });

  test('every object in the schema closes its properties (additionalProperties: false) or is a typed map', () => {
    const schema: unknown = JSON.parse(readFileSync(join(repoRoot(), 'helm', 'clue', 'values.schema.json'), 'utf8'));
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n['type'] === 'object' && path !== '/properties/global' && n['additionalProperties'] !== false && typeof n['additionalProperties'] !== 'object') open.push(path || '/');
      for (const [k, v] of Object.entries(n)) walk(v, `${path}/${k}`);
    };
    walk(schema, '');
    assert.deepEqual(open, []);
  });

  test('a valid override renders (digest pinning)', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const r = helmTemplateRun({ set: [`images.clue.digest=${digest}`] });
    assert.ok(r.ok, r.stderr);
    assert.match(r.stdout, new RegExp(`image: ghcr.io/clue-orchestrator/clue:0.1.0@${digest}`));
  });
});

describe('Kubernetes schemas (offline)', () => {
  test('every rendered object validates against the schema of its kind', async () => {
    for (const v of variants()) {
      const problems = await validateSchemas(v.kustomized);
      assert.deepEqual(problems, [], `${v.name}:\n${problems.map((p) => `${p.object}: ${p.message}`).join('\n')}`);
    }
  });

  test('no rendered object has a field its Kubernetes type does not know', () => {
    for (const v of variants()) {
      const unknown = findUnknownFields(v.kustomized);
      assert.deepEqual(unknown, [], `${v.name}:\n${unknown.map((u) => `${u.object}: ${u.path}`).join('\n')}`);
    }
  });
});

describe('semantics of every variant', () => {
  const checks = {
    'GPU workers: GPU limits, in-memory /dev/shm, probes, 70B start-up budget, grace > drain, GPU nodes, token Secret': checkGpuWorkers,
    'images pinned (tag other than latest, or a digest)': checkImagesPinned,
    'no secret values inline': checkNoInlineSecrets,
    'restricted security contexts, read-only root filesystems, no API token': checkSecurityContexts,
    'service accounts without RBAC': checkServiceAccounts,
    'liveness and readiness probes on long-running containers': checkProbes,
    'nightly CronJob: Forbid, timeZone, starting deadline, idempotent run key': checkCronJobs,
    'NetworkPolicies: default deny, DNS, the system flows, Prometheus, HTTPS egress': checkNetworkPolicies,
    'PodDisruptionBudgets for NATS and workers': checkPdbs,
    'selectors and references resolve': checkReferences,
    'NATS: JetStream, 3 replicas, file storage, >= 2.10, stream replicas': checkNats,
    'coordinator: one replica, Recreate, /healthz probes on the metrics port': checkCoordinator,
    'credentials: each container reads exactly its role\'s Secret keys, and its CLUE_* variables point at them': checkCredentials,
    'NATS: client TLS, the two users with NATS_PERMISSIONS and Secret passwords, mutual TLS on routes, 8222 closed': checkNatsSecurity,
    'monitoring: selection labels, vLLM scrape, alerts over known metrics, dashboard': checkMonitoring,
    'nightly run spec: tasks, models, CLUE file names on the datasets volume': checkNightlySpec,
  };
  for (const [name, check] of Object.entries(checks)) {
    test(name, () => {
      for (const v of variants()) {
        const problems = check(v.kustomized);
        assert.equal(show(problems), '', `${v.name}`);
      }
    });
  }
});
