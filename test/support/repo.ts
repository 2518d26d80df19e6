/** Paths of the repository the system tests live in. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest directory above this file holding both `helm/clue` and `deploy/`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'helm', 'clue', 'Chart.yaml')) && existsSync(join(dir, 'deploy', 'kustomization.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository with helm/clue and deploy/ above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** This package's directory (test/): module resolution from here finds the workspace's packages. */
export function packageDir(): string {
  return join(repoRoot(), 'test');
}

/** The chart directory. */
export function chartDir(): string {
  return join(repoRoot(), 'helm', 'clue');
}
