/**
 * Semantic checks of the workloads: GPU workers (GPU limits, /dev/shm, probes, start-up budget, drain vs grace
 * period, node selection, token from a Secret), pinned images, no inline secrets, security contexts (the
 * "restricted" Pod Security Standard), service accounts without RBAC. Each check returns the problems it found.
 */
import type { K8sObject } from './render.js';
import { at, commandLine, containers, flagNumber, podTemplates, probeBudgetSeconds, rec, recs, where, type ContainerRef } from './objects.js';
import { secretFiles } from './checks-security.js';

/** A problem found by a check: where, and what is wrong. */
export interface Problem {
  readonly where: string;
  readonly problem: string;
}

/** Minimum start-up budget of a GPU worker: 30 minutes (70B loads of 10+ minutes are reported). */
export const MIN_WORKER_STARTUP_SECONDS = 1800;

/** A container that runs vLLM: the worker image (built on vllm/vllm-openai) or any vllm image. */
export function isGpuWorker(c: ContainerRef): boolean {
  const image = String(c.container['image'] ?? '');
  return !c.init && (/(^|\/)clue-worker[:@]/.test(image) || /vllm/.test(image));
}

/** Every vLLM/worker container: GPU limits, in-memory /dev/shm, probes, budgets, GPU node selection, HF token. */
export function checkGpuWorkers(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const workers = containers(podTemplates(objects)).filter(isGpuWorker);
  if (workers.length === 0) return [{ where: 'rendering', problem: 'no GPU worker container found' }];
  for (const c of workers) {
    const w = where(c);
    const add = (problem: string): void => void problems.push({ where: w, problem });
    const limits = rec(at(c.container, 'resources.limits'));
    const requests = rec(at(c.container, 'resources.requests'));
    const gpus = Number(limits['nvidia.com/gpu']);
    if (!Number.isInteger(gpus) || gpus < 1) add('no nvidia.com/gpu limit (a positive whole number)');
    if (requests['nvidia.com/gpu'] !== undefined && Number(requests['nvidia.com/gpu']) !== gpus) add('nvidia.com/gpu request differs from the limit');
    const mounts = recs(c.container['volumeMounts']);
    const shm = mounts.find((m) => m['mountPath'] === '/dev/shm');
    const shmVolume = recs(c.pod.spec['volumes']).find((v) => v['name'] === shm?.['name']);
    if (!shm || at(shmVolume, 'emptyDir.medium') !== 'Memory') add('no in-memory emptyDir (medium: Memory) mounted at /dev/shm');
    else if (at(shmVolume, 'emptyDir.sizeLimit') === undefined) add('the /dev/shm emptyDir has no sizeLimit');
    for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) if (!c.container[p]) add(`no ${p}`);
    const startup = rec(c.container['startupProbe']);
    if (c.container['startupProbe'] && probeBudgetSeconds(startup) < MIN_WORKER_STARTUP_SECONDS) {
      add(`startupProbe allows ${probeBudgetSeconds(startup)} s, less than ${MIN_WORKER_STARTUP_SECONDS} s for a 70B model load`);
    }
    const grace = Number(c.pod.spec['terminationGracePeriodSeconds'] ?? 30);
    const drain = flagNumber(commandLine(c.container), 'drain-seconds');
    if (drain === undefined) add('no --drain-seconds in the command');
    else if (!(grace > drain)) add(`terminationGracePeriodSeconds ${grace} is not longer than --drain-seconds ${drain}`);
    const tolerations = recs(c.pod.spec['tolerations']);
    if (!tolerations.some((t) => t['key'] === 'nvidia.com/gpu' && (t['operator'] === 'Exists' || t['operator'] === 'Equal'))) add('no toleration for nvidia.com/gpu');
    if (rec(c.pod.spec['nodeSelector'])['nvidia.com/gpu.present'] !== 'true') add('nodeSelector lacks nvidia.com/gpu.present: "true" (GPU feature discovery)');
    const env = recs(c.container['env']);
    const token = env.find((e) => e['name'] === 'HF_TOKEN');
    if (!token || !at(token, 'valueFrom.secretKeyRef.name')) add('HF_TOKEN does not come from a Secret (valueFrom.secretKeyRef)');
    const hfHome = env.find((e) => e['name'] === 'HF_HOME')?.['value'];
    if (typeof hfHome !== 'string' || !mounts.some((m) => m['mountPath'] === hfHome)) add('HF_HOME is not set to a mounted model-cache volume');
  }
  return problems;
}

/** Every image is pinned: a tag other than latest, or a sha256 digest. */
export function checkImagesPinned(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const c of containers(podTemplates(objects))) {
    const image = String(c.container['image'] ?? '');
    const [name, digest] = image.split('@');
    const slash = (name ?? '').lastIndexOf('/');
    const colon = (name ?? '').indexOf(':', slash + 1);
    const tag = colon < 0 ? '' : (name ?? '').slice(colon + 1);
    if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) problems.push({ where: where(c), problem: `malformed digest in '${image}'` });
    else if (digest === undefined && (tag === '' || tag === 'latest')) problems.push({ where: where(c), problem: `image '${image}' is not pinned (no tag, or 'latest')` });
  }
  return problems;
}

/** Environment variables that hold secrets by their name. */
export const SECRET_ENV_NAME = /TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|CREDENTIAL|PRIVATE_?KEY/i;

/** A secret-named variable that holds a path (`CLUE_TOKEN_FILE`, `CLUE_TOKENS_DIR`), not the secret itself. */
const PATH_ENV_NAME = /_(FILE|DIR)$/;

/**
 * No secret values in the manifests: secret-named env vars come from Secrets (or, for *_FILE/*_DIR variables, name
 * a path inside a mounted Secret volume), no Secret objects carry data, no token-shaped strings or private keys.
 */
export function checkNoInlineSecrets(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const c of containers(podTemplates(objects))) {
    const secretMounts = [...new Set(secretFiles(c).map((f) => f.path.replace(/\/\*$/, '')))];
    for (const e of recs(c.container['env'])) {
      const name = String(e['name']);
      if (!SECRET_ENV_NAME.test(name)) continue;
      if (PATH_ENV_NAME.test(name) && typeof e['value'] === 'string') {
        const path = e['value'];
        if (!secretMounts.some((p) => p === path || p.startsWith(`${path}/`) || path.startsWith(`${p}/`))) {
          problems.push({ where: where(c), problem: `env ${name}=${path} is not a path in a mounted Secret volume` });
        }
      } else if (e['value'] !== undefined || !at(e, 'valueFrom.secretKeyRef')) {
        problems.push({ where: where(c), problem: `env ${name} must come from a Secret (valueFrom.secretKeyRef), not a value` });
      }
    }
  }
  for (const o of objects) {
    if (o.kind === 'Secret' && (o['data'] !== undefined || o['stringData'] !== undefined)) {
      problems.push({ where: `Secret/${o.metadata.name}`, problem: 'a Secret with data is in the manifests; create it in the cluster instead' });
    }
    const text = JSON.stringify(o);
    if (/\bhf_[A-Za-z0-9]{30,}\b/.test(text)) problems.push({ where: `${o.kind}/${o.metadata.name}`, problem: 'contains a Hugging Face token-shaped string' });
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) problems.push({ where: `${o.kind}/${o.metadata.name}`, problem: 'contains a private key' });
  }
  return problems;
}

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/**
 * The "restricted" Pod Security Standard (what the namespace label enforces) plus a read-only root filesystem
 * and no mounted API token: non-root, RuntimeDefault seccomp, no privilege escalation, all capabilities dropped,
 * no host namespaces, ports or paths, only restricted volume types.
 */
export function checkSecurityContexts(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const pod of podTemplates(objects)) {
    const w = `${pod.owner.kind}/${pod.owner.metadata.name}`;
    const psc = rec(pod.spec['securityContext']);
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod.spec[f] === true) problems.push({ where: w, problem: `${f} is on` });
    if (pod.spec['automountServiceAccountToken'] !== false) problems.push({ where: w, problem: 'automountServiceAccountToken is not false' });
    for (const v of recs(pod.spec['volumes'])) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) problems.push({ where: w, problem: `volume ${String(v['name'])} of type ${type ?? '?'} is not allowed by the restricted profile` });
    }
    for (const c of containers([pod])) {
      const sc = rec(c.container['securityContext']);
      const add = (problem: string): void => void problems.push({ where: where(c), problem });
      if ((sc['runAsNonRoot'] ?? psc['runAsNonRoot']) !== true) add('runAsNonRoot is not true');
      if ((sc['runAsUser'] ?? psc['runAsUser']) === 0) add('runs as user 0');
      if (at(sc, 'seccompProfile.type') === undefined && at(psc, 'seccompProfile.type') !== 'RuntimeDefault') add('no RuntimeDefault seccompProfile');
      if (sc['allowPrivilegeEscalation'] !== false) add('allowPrivilegeEscalation is not false');
      if (sc['privileged'] === true) add('privileged');
      const drop = at(sc, 'capabilities.drop');
      if (!Array.isArray(drop) || !drop.includes('ALL')) add('capabilities are not dropped (drop: [ALL])');
      if (Array.isArray(at(sc, 'capabilities.add')) && (at(sc, 'capabilities.add') as unknown[]).some((x) => x !== 'NET_BIND_SERVICE')) add('adds capabilities');
      if (sc['readOnlyRootFilesystem'] !== true) add('readOnlyRootFilesystem is not true');
      if (recs(c.container['ports']).some((p) => p['hostPort'] !== undefined)) add('uses a hostPort');
    }
  }
  return problems;
}

/** No RBAC objects at all, and every pod runs as a ServiceAccount of the rendering that mounts no token. */
export function checkServiceAccounts(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const o of objects) {
    if (['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(o.kind)) {
      problems.push({ where: `${o.kind}/${o.metadata.name}`, problem: 'no component calls the Kubernetes API, so no RBAC object should exist' });
    }
  }
  const accounts = new Map(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => [o.metadata.name, o]));
  for (const pod of podTemplates(objects)) {
    const name = pod.spec['serviceAccountName'];
    const w = `${pod.owner.kind}/${pod.owner.metadata.name}`;
    const sa = typeof name === 'string' ? accounts.get(name) : undefined;
    if (!sa) problems.push({ where: w, problem: `serviceAccountName ${String(name)} is not a ServiceAccount of the rendering` });
    else if (sa['automountServiceAccountToken'] !== false) problems.push({ where: `ServiceAccount/${sa.metadata.name}`, problem: 'automountServiceAccountToken is not false' });
  }
  return problems;
}

/** Every container of a long-running workload (Deployment, StatefulSet, DaemonSet) has liveness and readiness probes. */
export function checkProbes(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const longRunning = podTemplates(objects).filter((p) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(p.owner.kind));
  for (const c of containers(longRunning)) {
    if (c.init) continue;
    for (const p of ['livenessProbe', 'readinessProbe']) if (!c.container[p]) problems.push({ where: where(c), problem: `no ${p}` });
  }
  return problems;
}
