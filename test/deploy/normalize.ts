/** Normalising rendered objects so that two renderings (kustomize, helm) can be compared object by object. */
import { objectId, type K8sObject } from './render.js';

/** JSON with object keys sorted at every level (arrays keep their order: order is meaningful in Kubernetes). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Objects by identity (apiVersion/kind/namespace/name); a duplicate identity is an error. */
export function byId(objects: readonly K8sObject[], source: string): Map<string, K8sObject> {
  const map = new Map<string, K8sObject>();
  for (const o of objects) {
    const id = objectId(o);
    if (map.has(id)) throw new Error(`${source}: ${id} appears twice`);
    map.set(id, o);
  }
  return map;
}

/** One difference between two renderings. */
export interface RenderingDifference {
  readonly id: string;
  readonly problem: string;
}

/**
 * Compares two renderings object by object (keys sorted, identities matched). `ignoreKinds` are left out of
 * both sides (e.g. the Namespace that only the kustomize side creates).
 */
export function diffRenderings(
  left: readonly K8sObject[],
  right: readonly K8sObject[],
  names: { left: string; right: string },
  ignoreKinds: readonly string[] = [],
): RenderingDifference[] {
  const keep = (o: K8sObject): boolean => !ignoreKinds.includes(o.kind);
  const l = byId(left.filter(keep), names.left);
  const r = byId(right.filter(keep), names.right);
  const out: RenderingDifference[] = [];
  for (const [id, o] of l) {
    const other = r.get(id);
    if (!other) out.push({ id, problem: `only in ${names.left}` });
    else if (canonicalJson(o) !== canonicalJson(other)) out.push({ id, problem: `differs: ${firstDifference(o, other, '')}` });
  }
  for (const id of r.keys()) if (!l.has(id)) out.push({ id, problem: `only in ${names.right}` });
  return out;
}

/** The path of the first differing field, with both values. */
export function firstDifference(a: unknown, b: unknown, path: string): string {
  if (canonicalJson(a) === canonicalJson(b)) return '';
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    for (const k of keys) {
      const d = firstDifference(ao[k], bo[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path || '.'}: ${JSON.stringify(a) ?? 'absent'} vs ${JSON.stringify(b) ?? 'absent'}`;
}
