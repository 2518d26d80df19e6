#!/usr/bin/env node
/**
 * Regenerates the kustomize renderings of the Helm chart (deploy/base/clue.yaml, deploy/overlays/dev/clue.yaml).
 * `--check` only reports stale files (exit 1). Uses the helm binary of the devDependency (see tools.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/repo.js';
import { GENERATED, generatedText } from './renderings.js';

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length) {
    process.stderr.write(`clue-render-deploy: unknown argument ${unknown[0]}\nUsage: clue-render-deploy [--check]\n`);
    return 2;
  }
  let stale = 0;
  for (const r of GENERATED) {
    const path = join(repoRoot(), r.file);
    const want = generatedText(r);
    const have = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (have === want) {
      process.stdout.write(`up to date: ${r.file}\n`);
    } else if (check) {
      process.stdout.write(`STALE: ${r.file}\n`);
      stale++;
    } else {
      writeFileSync(path, want);
      process.stdout.write(`written: ${r.file}\n`);
    }
  }
  return stale ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`clue-render-deploy: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
