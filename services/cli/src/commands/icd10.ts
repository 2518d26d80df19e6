/**
 * `clue icd10 fetch`: download the official ICD-10-CM code table (CMS/NCHS "order" file, or a CMS
 * zip holding it) on the user's machine, check that it parses, and store it where `clue score` looks.
 */
import type { Argv } from 'yargs';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { unzipSync } from 'fflate';
import { ClueError, loadIcd10Table } from '@clue/tasks';
import { defaultIcd10Path } from '../icd10-source.js';
import { info } from '../output.js';

interface FetchArgs {
  year: number;
  url?: string;
  out?: string;
}

/** NCHS serves each fiscal year's tabular-order file as plain text. */
export function defaultIcd10Url(year: number): string {
  return `https://ftp.cdc.gov/pub/Health_Statistics/NCHS/Publications/ICD10CM/${year}/icd10cm_order_${year}.txt`;
}

export function registerIcd10(y: Argv): Argv {
  return y.command('icd10 <action>', 'Manage the ICD-10-CM validity table (action: fetch)', (c) =>
    c
      .positional('action', { choices: ['fetch'] as const, describe: 'fetch: download the official table' })
      .option('year', { type: 'number', default: 2025, describe: 'ICD-10-CM fiscal year' })
      .option('url', { type: 'string', describe: 'download from this URL instead (a .txt order/codes file or a CMS .zip)' })
      .option('out', { type: 'string', describe: `where to store it (default ${defaultIcd10Path()})` }),
    async (argv) => {
      await fetchTable(argv as unknown as FetchArgs);
    },
  );
}

async function fetchTable(a: FetchArgs): Promise<void> {
  if (!Number.isInteger(a.year) || a.year < 2015 || a.year > 2100) {
    throw new ClueError('INVALID_ARGUMENT', `--year must be a fiscal year like 2025, got ${a.year}`);
  }
  const url = a.url ?? defaultIcd10Url(a.year);
  const out = a.out ?? defaultIcd10Path();
  info(`downloading ${url}`);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ClueError('INVALID_ARGUMENT', `cannot download ${url}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new ClueError('INVALID_ARGUMENT', `cannot download ${url}: HTTP ${res.status}`);
  let bytes: Uint8Array = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) bytes = extractFromZip(bytes, url);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.part`;
  writeFileSync(tmp, bytes);
  const table = loadIcd10Table(tmp); // throws if it is not a code table; the old file stays in place
  renameSync(tmp, out);
  info(`stored ${table.size} ICD-10-CM codes in ${out}`);
}

function extractFromZip(zip: Uint8Array, url: string): Uint8Array {
  const files = unzipSync(zip, { filter: (f) => /icd10cm[_-]order[^/]*\.txt$/i.test(f.name) || /icd10cm[_-]codes[^/]*\.txt$/i.test(f.name) });
  const names = Object.keys(files).sort((x, y) => Number(/codes/i.test(x)) - Number(/codes/i.test(y)));
  const first = names[0];
  if (!first) throw new ClueError('INVALID_ARGUMENT', `${url}: the zip holds no icd10cm_order_*.txt or icd10cm_codes_*.txt file`);
  return files[first]!;
}
