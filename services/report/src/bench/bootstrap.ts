/**
 * How long one cell's paired bootstrap (1000 resamples, the report's and the gate's default) takes, for
 * CLUE-sized cells of synthetic per-sample records. Prints the median of 5 runs per cell size and
 * whether it stays under the 1 s per cell the report needs (a nightly diff has 150 cells).
 *   npm run build && npm run bench:bootstrap
 */
import { performance } from 'node:perf_hooks';
import type { TaskId } from '@clue/tasks';
import { diffCellSamples } from '../cell-diff.js';
import { synthSamples } from '../test-support.js';

const TARGET_MS = 1000;
const CELLS: readonly [TaskId, number][] = [
  ['mednli', 1419],
  ['meqsum', 1000],
  ['medisumqa', 3000],
  ['medisumqa', 6000],
];

let worst = 0;
for (const [task, n] of CELLS) {
  const a = synthSamples(task, n, 12);
  const b = synthSamples(task, n, 13, 0.01);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const d = diffCellSamples('m', task, a, b);
    times.push(performance.now() - t0);
    if (d.status !== 'ok') throw new Error(`${task} × ${n}: ${d.status} (${d.reason})`);
  }
  const median = times.sort((x, y) => x - y)[2]!;
  worst = Math.max(worst, median);
  process.stdout.write(`${task.padEnd(10)} ${String(n).padStart(5)} samples: ${median.toFixed(0).padStart(5)} ms per cell (median of 5, 1000 resamples)\n`);
}
process.stdout.write(`worst ${worst.toFixed(0)} ms, target < ${TARGET_MS} ms: ${worst < TARGET_MS ? 'met' : 'MISSED'}\n`);
if (worst >= TARGET_MS) process.exitCode = 1;
