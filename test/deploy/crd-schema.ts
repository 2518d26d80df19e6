/**
 * Custom resources validated against a vendored CustomResourceDefinition (test/deploy/crds/), for kinds that no
 * model package among the dependencies covers: cert-manager's Certificate. The walker applies the structural
 * OpenAPI v3 schema the way the API server does for the parts the chart uses: types, required fields, enums,
 * patterns, minLength, list items, map values, and unknown fields (pruned or rejected by the server, reported here).
 * `metadata` is `type: object` in a CRD schema; the API server checks it as ObjectMeta, which this walker does not.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../support/repo.js';
import { rec, type Json } from './objects.js';

/** apiVersion|kind → the vendored CRD file (relative to test/deploy/crds). */
export const VENDORED_CRDS: Readonly<Record<string, string>> = {
  'cert-manager.io/v1|Certificate': 'cert-manager.io_certificates.yaml',
};

/** The part of a structural schema the walker reads. */
interface Schema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly additionalProperties?: boolean | Schema;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const schemas = new Map<string, Schema>();

/** Whether a vendored CRD covers the kind. */
export function hasVendoredCrd(apiVersion: string, kind: string): boolean {
  return VENDORED_CRDS[`${apiVersion}|${kind}`] !== undefined;
}

/** The openAPIV3Schema of the CRD version that serves apiVersion. @throws Error when the CRD does not serve it. */
function crdSchema(apiVersion: string, kind: string): Schema {
  const id = `${apiVersion}|${kind}`;
  const cached = schemas.get(id);
  if (cached) return cached;
  const file = VENDORED_CRDS[id];
  if (file === undefined) throw new Error(`no vendored CRD for ${apiVersion} ${kind}`);
  const crd = rec(parseYaml(readFileSync(join(repoRoot(), 'test', 'deploy', 'crds', file), 'utf8')));
  const spec = rec(crd['spec']);
  const [group, version] = apiVersion.split('/');
  if (spec['group'] !== group || rec(spec['names'])['kind'] !== kind) throw new Error(`crds/${file} is not the CRD of ${apiVersion} ${kind}`);
  const served = (Array.isArray(spec['versions']) ? spec['versions'] : []).map(rec).find((v) => v['name'] === version && v['served'] === true);
  if (!served) throw new Error(`crds/${file} does not serve ${apiVersion}`);
  const schema = rec(rec(served['schema'])['openAPIV3Schema']) as Schema;
  schemas.set(id, schema);
  return schema;
}

/** What the walker found in one object. */
export interface CrdFindings {
  /** Type, required, enum, pattern problems, as "path message". */
  readonly problems: string[];
  /** Fields the schema does not have. */
  readonly unknown: { path: string; known: string[] }[];
}

function typeOk(value: unknown, s: Schema): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (s.type) {
    case undefined:
      return true;
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

function walk(value: unknown, s: Schema, path: string, out: CrdFindings): void {
  const at = path || '(root)';
  if (!typeOk(value, s)) return void out.problems.push(`${at} must be ${s['x-kubernetes-int-or-string'] ? 'integer or string' : String(s.type)}`);
  if (s.enum && !s.enum.some((e) => e === value)) out.problems.push(`${at} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof value === 'string') {
    if (s.pattern !== undefined && !new RegExp(s.pattern).test(value)) out.problems.push(`${at} must match ${s.pattern}`);
    if (s.minLength !== undefined && value.length < s.minLength) out.problems.push(`${at} must have at least ${s.minLength} characters`);
  }
  if (Array.isArray(value)) {
    if (s.items) value.forEach((v, i) => walk(v, s.items!, `${path}[${i}]`, out));
    return;
  }
  if (s.type !== 'object' || value === null || typeof value !== 'object') return;
  const obj = value as Json;
  for (const r of s.required ?? []) if (obj[r] === undefined) out.problems.push(`${at} must have required property ${r}`);
  if (s['x-kubernetes-preserve-unknown-fields']) return;
  const props = s.properties ?? {};
  for (const [k, v] of Object.entries(obj)) {
    const child = path ? `${path}.${k}` : k;
    const p = props[k];
    if (p) walk(v, p, child, out);
    else if (typeof s.additionalProperties === 'object') walk(v, s.additionalProperties, child, out);
    else if (s.properties !== undefined || s.additionalProperties === false) out.unknown.push({ path: child, known: Object.keys(props).sort() });
  }
}

/**
 * Validates a custom resource against its vendored CRD (metadata aside, see above).
 * @throws Error when no vendored CRD serves its apiVersion and kind.
 */
export function validateCustomResource(o: { apiVersion: string; kind: string }): CrdFindings {
  const schema = crdSchema(o.apiVersion, o.kind);
  const out: CrdFindings = { problems: [], unknown: [] };
  const rest: Json = { ...(o as Json) };
  delete rest['metadata'];
  walk(rest, schema, '', out);
  return out;
}
