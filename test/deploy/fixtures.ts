/** Renderings shared by the test files (each rendered once per process). */
import { parseObjects, helmTemplate, kustomize, type K8sObject } from './render.js';
import { GENERATED } from './renderings.js';
import { defaultSecretNames, type SecretNames } from './checks-security.js';

/** One deployment variant: the kustomize output and the chart output that must agree. */
export interface Variant {
  readonly name: string;
  readonly kustomization: string;
  readonly valuesFiles: readonly string[];
  readonly kustomized: K8sObject[];
  readonly helm: K8sObject[];
}

let cached: Variant[] | undefined;

/** production (`kubectl kustomize deploy/` vs chart defaults) and dev (the dev overlay vs values-dev.yaml). */
export function variants(): Variant[] {
  cached ??= GENERATED.map((g) => ({
    name: g.kustomization,
    kustomization: g.kustomization,
    valuesFiles: g.valuesFiles,
    kustomized: parseObjects(kustomize(g.kustomization), `kubectl kustomize ${g.kustomization}`),
    helm: parseObjects(helmTemplate({ valuesFiles: g.valuesFiles }), 'helm template'),
  }));
  return cached;
}

/** A deep copy of the production kustomize rendering, for tests that break objects on purpose. */
export function productionCopy(): K8sObject[] {
  const prod = variants()[0];
  if (!prod) throw new Error('no production rendering');
  return structuredClone(prod.kustomized);
}

/** The first object of a kind (and name, if given) in a rendering; throws when absent. */
export function find(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!o) throw new Error(`no ${kind}${name ? `/${name}` : ''} in the rendering`);
  return o;
}

/** A chart rendering with values that no kustomize tree uses (helm only): the other credential modes. */
export interface HelmVariant {
  readonly name: string;
  readonly set: readonly string[];
  readonly objects: K8sObject[];
  readonly names: SecretNames;
}

/** Custom Secret names of the `custom names` variant. */
export const CUSTOM_SECRET_NAMES: SecretNames = { natsTls: 'site-nats-tls', coordinatorTls: 'site-grpc-tls', natsAuth: 'site-nats-users', apiTokens: 'site-api-tokens' };

/** The issuer of the cert-manager variants. */
export const TEST_ISSUER = { name: 'clue-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' } as const;

const CERT_MANAGER_SET = ['security.certManager.enabled=true', `security.certManager.issuerRef.name=${TEST_ISSUER.name}`, `security.certManager.issuerRef.kind=${TEST_ISSUER.kind}`];

let cachedHelm: HelmVariant[] | undefined;

/**
 * devCredentials (the chart generates the four Secrets; new values on every rendering), certManager (Certificates
 * for the TLS Secrets), both, and custom Secret names on a single NATS server (no routes).
 */
export function helmVariants(): HelmVariant[] {
  const v = (name: string, set: readonly string[], names: SecretNames = defaultSecretNames()): HelmVariant => ({
    name,
    set,
    names,
    objects: parseObjects(helmTemplate({ set }), `helm template --set ${set.join(',')}`),
  });
  cachedHelm ??= [
    v('devCredentials', ['security.devCredentials=true']),
    v('certManager', CERT_MANAGER_SET),
    v('certManager + devCredentials', [...CERT_MANAGER_SET, 'security.devCredentials=true']),
    v('custom Secret names, 1 NATS server', [
      `security.secrets.natsTls=${CUSTOM_SECRET_NAMES.natsTls}`,
      `security.secrets.coordinatorTls=${CUSTOM_SECRET_NAMES.coordinatorTls}`,
      `security.secrets.natsAuth=${CUSTOM_SECRET_NAMES.natsAuth}`,
      `security.secrets.apiTokens=${CUSTOM_SECRET_NAMES.apiTokens}`,
      'nats.replicas=1',
    ], CUSTOM_SECRET_NAMES),
  ];
  return cachedHelm;
}

/** A helm-only variant by name. */
export function helmVariant(name: string): HelmVariant {
  const found = helmVariants().find((x) => x.name === name);
  if (!found) throw new Error(`no helm variant '${name}'`);
  return found;
}
