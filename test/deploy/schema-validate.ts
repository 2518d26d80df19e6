/**
 * Validation of every rendered object against the Kubernetes OpenAPI schemas, offline: the npm package
 * `kubernetes-models` (Ajv validators generated from the Kubernetes OpenAPI spec, up to 1.33) for built-in
 * kinds and `@kubernetes-models/prometheus-operator` (generated from the operator's CRDs) for ServiceMonitor,
 * PodMonitor and PrometheusRule. They check required fields, types, enums and formats; they do NOT reject
 * unknown fields (see unknown-fields.ts for that). cert-manager's Certificate is checked against its vendored CRD
 * (crd-schema.ts), types and unknown fields alike.
 */
import { shortId, type K8sObject } from './render.js';
import { hasVendoredCrd, validateCustomResource } from './crd-schema.js';

/** One object that does not satisfy its schema. */
export interface SchemaProblem {
  readonly object: string;
  readonly message: string;
}

/** The module of a kind's model: kubernetes-models/<apiVersion>/<Kind>, or the prometheus-operator package. */
export function modelModule(apiVersion: string, kind: string): string {
  if (!/^[A-Za-z0-9]+$/.test(kind)) throw new Error(`not a kind name: '${kind}'`);
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === 'monitoring.coreos.com') return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  if (group.includes('.') && !group.endsWith('.k8s.io')) throw new Error(`no schema package for API group '${group}'`);
  return `kubernetes-models/${apiVersion}/${kind}`;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
}

const classes = new Map<string, ModelClass>();

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass> {
  const spec = modelModule(apiVersion, kind);
  let cls = classes.get(spec);
  if (!cls) {
    const mod = (await import(spec)) as Record<string, unknown>;
    const candidate = mod[kind];
    if (typeof candidate !== 'function') throw new Error(`${spec} exports no class ${kind}`);
    cls = candidate as ModelClass;
    classes.set(spec, cls);
  }
  return cls;
}

/**
 * Validates each object against the schema of its apiVersion/kind. A kind without a schema is a problem too,
 * so nothing passes unvalidated.
 */
export async function validateSchemas(objects: readonly K8sObject[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const o of objects) {
    if (hasVendoredCrd(o.apiVersion, o.kind)) {
      for (const message of validateCustomResource(o).problems) problems.push({ object: shortId(o), message });
      continue;
    }
    let cls: ModelClass;
    try {
      cls = await modelClass(o.apiVersion, o.kind);
    } catch (e) {
      problems.push({ object: shortId(o), message: `no schema for ${o.apiVersion} ${o.kind}: ${(e as Error).message}` });
      continue;
    }
    try {
      new cls(structuredClone(o)).validate();
    } catch (e) {
      problems.push({ object: shortId(o), message: (e as Error).message });
    }
  }
  return problems;
}
