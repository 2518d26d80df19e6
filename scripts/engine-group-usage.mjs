#!/usr/bin/env node
// How much of a local cluster's GPU time its engine groups held, from the workers' logs of one run:
//   node scripts/engine-group-usage.mjs STATE_DIR        (STATE_DIR: what `clue up --keep-state` prints)
// Prints the span (first to last group transition), the fraction of GPU-seconds held by groups (loading
// to stopped), the fraction held by serving groups, and the engine loads. GPUs per worker: --gpus N (default 8).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
const gi = args.indexOf('--gpus');
const gpusPerWorker = gi >= 0 ? Number(args[gi + 1]) : 8;
if (!dir || !(gpusPerWorker > 0)) {
  process.stderr.write('usage: node scripts/engine-group-usage.mjs STATE_DIR [--gpus N]\n');
  process.exit(2);
}
const logs = readdirSync(join(dir, 'logs')).filter((f) => /^worker-\d+\.log$/.test(f));
let first = Infinity;
let last = 0;
let held = 0;
let serving = 0;
let loads = 0;
for (const f of logs) {
  const open = new Map();
  for (const line of readFileSync(join(dir, 'logs', f), 'utf8').split('\n')) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.msg !== 'group state') continue;
    const t = e.time / 1000;
    const gpus = /^g([0-9-]+)\./.exec(e.group)[1].split('-').length;
    first = Math.min(first, t);
    last = Math.max(last, t);
    if (e.to === 'loading') {
      open.set(e.group, { from: t, gpus, servingFrom: null });
      loads++;
    } else if (e.to === 'serving') open.get(e.group).servingFrom = t;
    else if (e.to === 'stopped') {
      const g = open.get(e.group);
      open.delete(e.group);
      held += (t - g.from) * g.gpus;
      if (g.servingFrom !== null) serving += (t - g.servingFrom) * g.gpus;
    }
  }
}
const total = (last - first) * gpusPerWorker * logs.length;
process.stdout.write(
  `workers ${logs.length} × ${gpusPerWorker} GPUs, span ${(last - first).toFixed(1)} s\n` +
    `GPU-seconds held by engine groups: ${((100 * held) / total).toFixed(1)} %  (serving: ${((100 * serving) / total).toFixed(1)} %)\n` +
    `engine loads: ${loads}\n`,
);
