/** Renderings shared by the test files (each rendered once per process). */
import { parseObjects, helmTemplate, kustomize, type K8sObject } from './render.js';
import { GENERATED } from './renderings.js';

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
