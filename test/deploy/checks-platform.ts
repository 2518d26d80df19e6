/**
 * Semantic checks of the platform objects: the nightly CronJob, NetworkPolicies (default deny and the flows the
 * system needs), PodDisruptionBudgets, and that every selector and reference points at something that exists.
 */
import type { K8sObject } from './render.js';
import type { Problem } from './checks-workloads.js';
import { at, commandLine, containers, podTemplates, rec, recs, selects, type Json, type PodTemplate } from './objects.js';

/** The nightly CronJob(s): Forbid, a valid timeZone, a starting deadline, an idempotent date-derived run key. */
export function checkCronJobs(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const cronJobs = objects.filter((o) => o.kind === 'CronJob');
  if (cronJobs.length === 0) return [{ where: 'rendering', problem: 'no CronJob (the nightly run)' }];
  for (const cj of cronJobs) {
    const w = `CronJob/${cj.metadata.name}`;
    const add = (problem: string): void => void problems.push({ where: w, problem });
    const spec = rec(cj['spec']);
    if (spec['concurrencyPolicy'] !== 'Forbid') add(`concurrencyPolicy is ${String(spec['concurrencyPolicy'] ?? 'Allow (default)')}, not Forbid`);
    const tz = spec['timeZone'];
    if (typeof tz !== 'string' || tz === '') add('no timeZone (the controller would use its own local zone)');
    else {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
      } catch {
        add(`timeZone '${tz}' is not an IANA time zone`);
      }
    }
    const deadline = spec['startingDeadlineSeconds'];
    if (typeof deadline !== 'number' || deadline < 10) add('startingDeadlineSeconds must be set and >= 10 (smaller values may never schedule)');
    if (cj.metadata.name.length > 52) add('the name is longer than 52 characters');
    const pods = podTemplates([cj]);
    for (const c of containers(pods)) {
      const line = commandLine(c.container);
      if (!/\bclue submit\b/.test(line)) continue;
      if (!/--idempotency-key\s+"?[A-Za-z0-9._-]*\$\(date \+%F\)/.test(line)) add('clue submit has no date-derived --idempotency-key (…-$(date +%F))');
      const tzEnv = recs(c.container['env']).find((e) => e['name'] === 'TZ')?.['value'];
      if (tzEnv !== tz) add(`the container's TZ (${String(tzEnv)}) differs from timeZone (${String(tz)}): the key's date would not be the schedule's date`);
    }
    if (!containers(pods).some((c) => /\bclue submit\b/.test(commandLine(c.container)))) add('no container runs clue submit');
  }
  return problems;
}

function isEmptySelector(sel: unknown): boolean {
  const s = rec(sel);
  return Object.keys(rec(s['matchLabels'])).length === 0 && recs(s['matchExpressions']).length === 0;
}

function portsAllow(rule: Json, port: number): boolean {
  const ports = recs(rule['ports']);
  return ports.length === 0 || ports.some((p) => p['port'] === port);
}

/** Pods of a component (label app.kubernetes.io/component). */
function componentPods(objects: readonly K8sObject[], component: string): PodTemplate[] {
  return podTemplates(objects).filter((p) => p.labels['app.kubernetes.io/component'] === component);
}

/** Whether policies allow TCP `port` from pods labelled `src` to pods labelled `dst` (both in the namespace). */
export function allowsFlow(policies: readonly K8sObject[], src: Record<string, string>, dst: Record<string, string>, port: number): { ingress: boolean; egress: boolean } {
  const peerSelects = (peers: unknown, labels: Record<string, string>): boolean =>
    recs(peers).some((peer) => peer['namespaceSelector'] === undefined && peer['ipBlock'] === undefined && peer['podSelector'] !== undefined && selects(at(peer, 'podSelector.matchLabels'), labels));
  let ingress = false;
  let egress = false;
  for (const p of policies) {
    const spec = rec(p['spec']);
    const sel = at(spec, 'podSelector.matchLabels');
    if (selects(sel, dst) && recs(spec['ingress']).some((r) => peerSelects(r['from'], src) && portsAllow(r, port))) ingress = true;
    if (selects(sel, src) && recs(spec['egress']).some((r) => peerSelects(r['to'], dst) && portsAllow(r, port))) egress = true;
  }
  return { ingress, egress };
}

/** Flows the system needs: [from component, to component, port]. */
export const REQUIRED_FLOWS: readonly (readonly [string, string, number])[] = [
  ['worker', 'coordinator', 50051],
  ['nightly', 'coordinator', 50051],
  ['worker', 'nats', 4222],
  ['coordinator', 'nats', 4222],
  ['nats', 'nats', 6222],
];

/** Default deny, DNS, the required flows in both directions, Prometheus to the metrics ports, worker HTTPS egress. */
export function checkNetworkPolicies(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const add = (where: string, problem: string): void => void problems.push({ where, problem });
  const denyAll = policies.find((p) => {
    const spec = rec(p['spec']);
    const types = Array.isArray(spec['policyTypes']) ? spec['policyTypes'] : [];
    return isEmptySelector(spec['podSelector']) && types.includes('Ingress') && types.includes('Egress') && spec['ingress'] === undefined && spec['egress'] === undefined;
  });
  if (!denyAll) add('rendering', 'no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress+Egress, no rules)');
  const dns = policies.some((p) => isEmptySelector(at(p, 'spec.podSelector')) && recs(at(p, 'spec.egress')).some((r) => recs(r['ports']).some((x) => x['port'] === 53 && x['protocol'] === 'UDP')));
  if (!dns) add('rendering', 'no NetworkPolicy lets every pod reach DNS (UDP 53)');
  for (const pod of podTemplates(objects)) {
    const own = policies.some((p) => !isEmptySelector(at(p, 'spec.podSelector')) && selects(at(p, 'spec.podSelector.matchLabels'), pod.labels));
    if (!own) add(`${pod.owner.kind}/${pod.owner.metadata.name}`, 'no NetworkPolicy selects its pods (it only gets default deny)');
  }
  for (const [from, to, port] of REQUIRED_FLOWS) {
    const src = componentPods(objects, from)[0];
    const dst = componentPods(objects, to)[0];
    if (!src || !dst) {
      add('rendering', `flow ${from} -> ${to}:${port}: no pods of ${!src ? from : to}`);
      continue;
    }
    const f = allowsFlow(policies, src.labels, dst.labels, port);
    if (!f.ingress) add(`flow ${from} -> ${to}:${port}`, `ingress to ${to} is not allowed`);
    if (!f.egress) add(`flow ${from} -> ${to}:${port}`, `egress from ${from} is not allowed`);
  }
  for (const [component, port] of [['coordinator', 9464], ['worker', 9465]] as const) {
    const pod = componentPods(objects, component)[0];
    const ok = pod && policies.some((p) => selects(at(p, 'spec.podSelector.matchLabels'), pod.labels)
      && recs(at(p, 'spec.ingress')).some((r) => recs(r['from']).some((peer) => peer['namespaceSelector'] !== undefined) && portsAllow(r, port)));
    if (!ok) add(`${component} metrics`, `Prometheus (another namespace) may not reach port ${port}`);
  }
  const worker = componentPods(objects, 'worker')[0];
  const https = worker && policies.some((p) => selects(at(p, 'spec.podSelector.matchLabels'), worker.labels)
    && recs(at(p, 'spec.egress')).some((r) => recs(r['to']).some((peer) => peer['ipBlock'] !== undefined) && portsAllow(r, 443)));
  if (!https) add('worker egress', 'workers may not reach the Hugging Face Hub (HTTPS 443)');
  return problems;
}

/** PodDisruptionBudgets for NATS and the workers; each selects pods and does not block every eviction. */
export function checkPdbs(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const pods = podTemplates(objects);
  for (const kind of ['StatefulSet', 'DaemonSet']) {
    for (const pod of pods.filter((p) => p.owner.kind === kind)) {
      if (!pdbs.some((b) => selects(at(b, 'spec.selector.matchLabels'), pod.labels))) {
        problems.push({ where: `${kind}/${pod.owner.metadata.name}`, problem: 'no PodDisruptionBudget selects its pods' });
      }
    }
  }
  for (const b of pdbs) {
    const selected = pods.filter((p) => selects(at(b, 'spec.selector.matchLabels'), p.labels));
    if (selected.length === 0) problems.push({ where: `PodDisruptionBudget/${b.metadata.name}`, problem: 'selects no pods of the rendering' });
    const min = at(b, 'spec.minAvailable');
    for (const p of selected) {
      const replicas = at(p.owner, 'spec.replicas');
      if (typeof min === 'number' && typeof replicas === 'number' && min >= replicas) {
        problems.push({ where: `PodDisruptionBudget/${b.metadata.name}`, problem: `minAvailable ${min} >= replicas ${replicas}: no pod could ever be evicted` });
      }
    }
    if (at(b, 'spec.maxUnavailable') === 0) problems.push({ where: `PodDisruptionBudget/${b.metadata.name}`, problem: 'maxUnavailable 0 blocks every eviction' });
  }
  return problems;
}

/** Every selector and reference resolves: Services, monitors, ConfigMap and PVC volumes, StatefulSet serviceName. */
export function checkReferences(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const pods = podTemplates(objects);
  const named = (kind: string): Map<string, K8sObject> => new Map(objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));
  const services = named('Service');
  const configMaps = named('ConfigMap');
  const claims = named('PersistentVolumeClaim');
  const containerPorts = (p: PodTemplate): Set<string> => new Set(containers([p]).flatMap((c) => recs(c.container['ports']).map((x) => String(x['name']))));
  for (const s of services.values()) {
    const selected = pods.filter((p) => selects(at(s, 'spec.selector'), p.labels));
    if (selected.length === 0) problems.push({ where: `Service/${s.metadata.name}`, problem: 'selects no pods' });
    for (const port of recs(at(s, 'spec.ports'))) {
      const target = port['targetPort'];
      if (typeof target === 'string' && !selected.every((p) => containerPorts(p).has(target))) problems.push({ where: `Service/${s.metadata.name}`, problem: `targetPort ${target} is not a named container port of its pods` });
    }
  }
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const matched = [...services.values()].filter((s) => selects(at(m, 'spec.selector.matchLabels'), s.metadata.labels ?? {}));
    if (matched.length === 0) problems.push({ where: `ServiceMonitor/${m.metadata.name}`, problem: 'selects no Service' });
    for (const e of recs(at(m, 'spec.endpoints'))) {
      if (!matched.every((s) => recs(at(s, 'spec.ports')).some((p) => p['name'] === e['port']))) problems.push({ where: `ServiceMonitor/${m.metadata.name}`, problem: `port ${String(e['port'])} is not a named port of the Service` });
    }
  }
  for (const m of objects.filter((o) => o.kind === 'PodMonitor')) {
    const matched = pods.filter((p) => selects(at(m, 'spec.selector.matchLabels'), p.labels));
    if (matched.length === 0) problems.push({ where: `PodMonitor/${m.metadata.name}`, problem: 'selects no pods' });
    for (const e of recs(at(m, 'spec.podMetricsEndpoints'))) {
      if (!matched.every((p) => containerPorts(p).has(String(e['port'])))) problems.push({ where: `PodMonitor/${m.metadata.name}`, problem: `port ${String(e['port'])} is not a named container port` });
    }
  }
  for (const p of pods) {
    const w = `${p.owner.kind}/${p.owner.metadata.name}`;
    const templates = new Set(recs(at(p.owner, 'spec.volumeClaimTemplates')).map((t) => String(at(t, 'metadata.name'))));
    const volumes = recs(p.spec['volumes']);
    for (const v of volumes) {
      const cm = at(v, 'configMap.name');
      if (typeof cm === 'string' && !configMaps.has(cm)) problems.push({ where: w, problem: `volume ${String(v['name'])}: ConfigMap ${cm} is not in the rendering` });
      const claim = at(v, 'persistentVolumeClaim.claimName');
      if (typeof claim === 'string' && !claims.has(claim)) problems.push({ where: w, problem: `volume ${String(v['name'])}: PersistentVolumeClaim ${claim} is not in the rendering` });
    }
    const names = new Set([...volumes.map((v) => String(v['name'])), ...templates]);
    for (const c of containers([p])) {
      for (const m of recs(c.container['volumeMounts'])) if (!names.has(String(m['name']))) problems.push({ where: w, problem: `container ${c.name} mounts unknown volume ${String(m['name'])}` });
    }
    if (p.owner.kind === 'StatefulSet') {
      const svc = services.get(String(at(p.owner, 'spec.serviceName')));
      if (!svc || at(svc, 'spec.clusterIP') !== 'None') problems.push({ where: w, problem: 'serviceName is not a headless Service of the rendering' });
    }
  }
  return problems;
}
