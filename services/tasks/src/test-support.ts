/**
 * Helpers for this repository's own tests: where `../shared/datasets` is, and whether python3 exists.
 * Not part of the runtime API.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

/** The repository root: the nearest ancestor of this file holding a package.json with workspaces. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'services'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** `../shared/datasets` beside the checkout (override with CLUE_SHARED_DATASETS). */
export function sharedDatasetsDir(): string {
  return process.env['CLUE_SHARED_DATASETS'] ?? resolve(repoRoot(), '..', 'shared', 'datasets');
}

/** Runs python3 with a script and stdin; returns stdout. Throws if python3 fails. */
export function runPython(script: string, input = ''): string {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python3 exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
