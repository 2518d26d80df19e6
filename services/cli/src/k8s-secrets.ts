/**
 * The four Kubernetes Secrets the Helm chart and the kustomize overlays expect (docs/deploy.md,
 * "Credentials and TLS"): a fresh CA with the NATS and coordinator server certificates for the
 * release's Service names, a NATS password per role, and an API token per role. Object names follow
 * the chart's `clue.fullname` rule: the release name when it contains "clue", else `<release>-clue`.
 */
import { API_ROLES, NATS_ROLES, createCertificateAuthority, randomNatsPassword, randomSecret, type PemPair } from '@clue/common';

/** Options of {@link clusterSecrets}. */
export interface ClusterSecretsOptions {
  readonly namespace: string;
  readonly release: string;
  readonly clusterDomain: string;
  readonly days: number;
}

/** A Secret manifest. */
export interface SecretManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly type: string;
  readonly stringData: Record<string, string>;
}

/** The chart's object-name prefix for a release. */
export function chartFullname(release: string): string {
  const name = release.includes('clue') ? release : `${release}-clue`;
  return name.slice(0, 40).replace(/-+$/, '');
}

/** DNS names a Service is reached by (short, namespaced, svc, FQDN). */
function serviceNames(service: string, ns: string, domain: string): string[] {
  return [service, `${service}.${ns}`, `${service}.${ns}.svc`, `${service}.${ns}.svc.${domain}`];
}

/** The subject alternative names of the NATS certificate (clients, and routes through the headless Service). */
export function natsHosts(fullname: string, ns: string, domain: string): string[] {
  const nats = `${fullname}-nats`;
  return [...serviceNames(nats, ns, domain), `*.${nats}-headless.${ns}.svc.${domain}`, `*.${nats}-headless.${ns}.svc`, 'localhost', '127.0.0.1'];
}

/** The subject alternative names of the coordinator's certificate (in-cluster names, and a port-forward). */
export function coordinatorHosts(fullname: string, ns: string, domain: string): string[] {
  return [...serviceNames(`${fullname}-coordinator`, ns, domain), 'localhost', '127.0.0.1'];
}

/** Generates the Secrets. */
export async function clusterSecrets(o: ClusterSecretsOptions): Promise<SecretManifest[]> {
  const fullname = chartFullname(o.release);
  const ca = await createCertificateAuthority(`${fullname} CA (${o.namespace})`, o.days);
  const nats = await ca.issue({ commonName: `${fullname}-nats`, hosts: natsHosts(fullname, o.namespace, o.clusterDomain), usage: ['server', 'client'], days: o.days });
  const coord = await ca.issue({ commonName: `${fullname}-coordinator`, hosts: coordinatorHosts(fullname, o.namespace, o.clusterDomain), usage: ['server'], days: o.days });
  const labels = { 'app.kubernetes.io/name': 'clue', 'app.kubernetes.io/instance': o.release, 'app.kubernetes.io/created-by': 'clue-secrets' };
  const meta = (name: string) => ({ name: `${fullname}-${name}`, namespace: o.namespace, labels });
  const tls = (name: string, pair: PemPair): SecretManifest => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(name),
    type: 'kubernetes.io/tls',
    stringData: { 'tls.crt': pair.cert, 'tls.key': pair.key, 'ca.crt': ca.cert },
  });
  const opaque = (name: string, data: Record<string, string>): SecretManifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: meta(name), type: 'Opaque', stringData: data });
  return [
    tls('nats-tls', nats),
    tls('coordinator-tls', coord),
    opaque('nats-auth', Object.fromEntries(NATS_ROLES.map((r) => [`${r}-password`, randomNatsPassword()]))),
    opaque('api-tokens', Object.fromEntries(API_ROLES.map((r) => [r, randomSecret()]))),
  ];
}
