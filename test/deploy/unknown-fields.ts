/**
 * Unknown-field detection (what `kubectl apply --validate=strict` does against a server): every field of every
 * rendered object must exist in the Kubernetes type of its position. The types are the TypeScript declarations
 * that `kubernetes-models` and `@kubernetes-models/prometheus-operator` generate from the same OpenAPI schemas;
 * the TypeScript checker resolves them, and this walker follows the object and the type side by side.
 * Maps (string index signatures, e.g. labels) accept any key; types without declared properties accept anything.
 * Custom resources with a vendored CRD (crd-schema.ts) are walked along the CRD's schema instead.
 */
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { packageDir } from '../support/repo.js';
import { shortId, type K8sObject } from './render.js';
import { modelModule } from './schema-validate.js';
import { hasVendoredCrd, validateCustomResource } from './crd-schema.js';

/** A field that the object's type does not have. */
export interface UnknownField {
  readonly object: string;
  readonly path: string;
  readonly known: readonly string[];
}

interface Shape {
  readonly props: Map<string, ts.Symbol>;
  readonly index: ts.Type | undefined;
}

class Walker {
  readonly found: UnknownField[] = [];
  constructor(private readonly checker: ts.TypeChecker, private readonly object: string) {}

  private shape(type: ts.Type): Shape | undefined {
    const t = this.checker.getNonNullableType(type);
    const members = t.isUnion() ? t.types : [t];
    const props = new Map<string, ts.Symbol>();
    let index: ts.Type | undefined;
    let objectMembers = 0;
    for (const m of members) {
      if (!(m.flags & ts.TypeFlags.Object) && !m.isIntersection()) continue;
      objectMembers++;
      for (const p of this.checker.getPropertiesOfType(m)) props.set(p.getName(), p);
      index ??= this.checker.getIndexInfoOfType(m, ts.IndexKind.String)?.type;
    }
    if (objectMembers === 0 || (props.size === 0 && !index)) return undefined;
    return { props, index };
  }

  walk(value: unknown, type: ts.Type, path: string): void {
    if (Array.isArray(value)) {
      const element = this.checker.getIndexTypeOfType(this.checker.getNonNullableType(type), ts.IndexKind.Number);
      if (element) value.forEach((v, i) => this.walk(v, element, `${path}[${i}]`));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const shape = this.shape(type);
    if (!shape) return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const child = path ? `${path}.${key}` : key;
      const prop = shape.props.get(key);
      if (prop) this.walk(v, this.checker.getTypeOfSymbol(prop), child);
      else if (shape.index) this.walk(v, shape.index, child);
      else this.found.push({ object: this.object, path: child, known: [...shape.props.keys()].sort() });
    }
  }
}

/**
 * Finds every field that is not part of the Kubernetes type at its position.
 * @throws Error when the type declarations of a kind cannot be resolved (nothing passes unchecked).
 */
export function findUnknownFields(all: readonly K8sObject[]): UnknownField[] {
  const found: UnknownField[] = [];
  // Kinds with a vendored CRD: the CRD's structural schema knows their fields (crd-schema.ts).
  for (const o of all.filter((x) => hasVendoredCrd(x.apiVersion, x.kind))) {
    for (const u of validateCustomResource(o).unknown) found.push({ object: shortId(o), path: u.path, known: u.known });
  }
  const objects = all.filter((x) => !hasVendoredCrd(x.apiVersion, x.kind));
  const kinds = [...new Map(objects.map((o) => [`${o.apiVersion}|${o.kind}`, o] as const)).values()];
  const file = join(packageDir(), '__kubernetes_types__.ts');
  const lines = kinds.map((o, i) => `import type { I${o.kind} as T${i} } from ${JSON.stringify(modelModule(o.apiVersion, o.kind))};\nexport type K${i} = T${i};`);
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = ((read) => (name: string) => (name === file ? source : read(name)))(host.readFile.bind(host));
  const program = ts.createProgram({ rootNames: [file], options, host });
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`cannot load ${file} (in ${dirname(file)})`);
  const errors = ts.getPreEmitDiagnostics(program, sf);
  if (errors.length) {
    throw new Error(`cannot resolve the Kubernetes type declarations: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`);
  }
  const checker = program.getTypeChecker();
  const aliasTypes = new Map<string, ts.Type>();
  for (const st of sf.statements) {
    if (ts.isTypeAliasDeclaration(st)) aliasTypes.set(st.name.text, checker.getTypeFromTypeNode(st.type));
  }
  for (const o of objects) {
    const i = kinds.findIndex((k) => k.apiVersion === o.apiVersion && k.kind === o.kind);
    const type = aliasTypes.get(`K${i}`);
    if (!type) throw new Error(`no type for ${o.apiVersion} ${o.kind}`);
    const w = new Walker(checker, shortId(o));
    w.walk(o, type, '');
    found.push(...w.found);
  }
  return found;
}
