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

/** A python3 that can import numpy, and numpy's version; CLUE pins numpy 1.26, so a 1.x numpy is preferred. */
export interface NumpyPython {
  readonly exe: string;
  readonly version: string;
}

/**
 * The python3 named by CLUE_NUMPY_PYTHON if set; else, of `python3` on PATH and `/usr/bin/python3` (where
 * Debian's python3-numpy installs), one with numpy, preferring numpy 1.x. Undefined when none has numpy.
 */
export function numpyPython(): NumpyPython | undefined {
  const probe = (exe: string): NumpyPython | undefined => {
    const r = spawnSync(exe, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
    return r.status === 0 ? { exe, version: r.stdout.trim() } : undefined;
  };
  const chosen = process.env['CLUE_NUMPY_PYTHON'];
  if (chosen) return probe(chosen);
  const found = ['python3', '/usr/bin/python3'].map(probe).filter((p) => p !== undefined);
  return found.find((p) => p.version.startsWith('1.')) ?? found[0];
}

/** Runs a python3 executable with arguments and stdin; returns stdout. Throws if it fails. */
export function runPythonExe(exe: string, args: readonly string[], input = ''): string {
  const r = spawnSync(exe, args, { input, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${exe} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}
