/** Typed access to the loosely typed rendered objects: pod specs, containers, env, probes, label selectors. */
import type { K8sObject } from './render.js';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** The value as a JSON object, or an empty one. */
export function rec(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** The value as an array of JSON objects, or an empty array. */
export function recs(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(rec) : [];
}

/** The value at a dotted path, or undefined. */
export function at(v: unknown, path: string): unknown {
  let cur: unknown = v;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[k];
  }
  return cur;
}

/** Workload kinds that run pods, and where their pod template is. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, string>> = {
  Deployment: 'spec.template',
  StatefulSet: 'spec.template',
  DaemonSet: 'spec.template',
  ReplicaSet: 'spec.template',
  Job: 'spec.template',
  CronJob: 'spec.jobTemplate.spec.template',
  Pod: '',
};

/** A pod template of a workload: its owner, labels and pod spec. */
export interface PodTemplate {
  readonly owner: K8sObject;
  readonly labels: Record<string, string>;
  readonly spec: Json;
}

/** Every pod template in the rendering (one per workload). */
export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objects) {
    const path = POD_TEMPLATE_PATHS[o.kind];
    if (path === undefined) continue;
    const tpl = path ? rec(at(o, path)) : (o as Json);
    out.push({ owner: o, labels: rec(at(tpl, 'metadata.labels')) as Record<string, string>, spec: rec(tpl['spec']) });
  }
  return out;
}

/** A container of a pod template, with its kind (init or main). */
export interface ContainerRef {
  readonly pod: PodTemplate;
  readonly container: Json;
  readonly name: string;
  readonly init: boolean;
}

/** Main and init containers of the given pod templates. */
export function containers(pods: readonly PodTemplate[]): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const pod of pods) {
    for (const c of recs(pod.spec['initContainers'])) out.push({ pod, container: c, name: String(c['name']), init: true });
    for (const c of recs(pod.spec['containers'])) out.push({ pod, container: c, name: String(c['name']), init: false });
  }
  return out;
}

/** "Kind/name container c" for messages. */
export function where(c: ContainerRef): string {
  return `${c.pod.owner.kind}/${c.pod.owner.metadata.name} container ${c.name}`;
}

/** Whether a matchLabels selector selects the labels. An empty selector selects everything. */
export function selects(matchLabels: unknown, labels: Record<string, string>): boolean {
  return Object.entries(rec(matchLabels)).every(([k, v]) => labels[k] === v);
}

/** The container's command and args joined into one string (for flag look-ups in shell-wrapped commands). */
export function commandLine(c: Json): string {
  return [...(Array.isArray(c['command']) ? c['command'] : []), ...(Array.isArray(c['args']) ? c['args'] : [])].map(String).join(' ');
}

/** The numeric value of `--flag N` (or `--flag=N`) in a command line, or undefined. */
export function flagNumber(line: string, flag: string): number | undefined {
  const m = new RegExp(`--${flag}(?:=|\\s+)"?(\\d+)`).exec(line);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Seconds a probe allows before it fails: initialDelaySeconds + periodSeconds × failureThreshold (Kubernetes defaults). */
export function probeBudgetSeconds(probe: Json): number {
  const initial = typeof probe['initialDelaySeconds'] === 'number' ? probe['initialDelaySeconds'] : 0;
  const period = typeof probe['periodSeconds'] === 'number' ? probe['periodSeconds'] : 10;
  const failures = typeof probe['failureThreshold'] === 'number' ? probe['failureThreshold'] : 3;
  return initial + period * failures;
}
