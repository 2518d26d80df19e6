/**
 * Baseline (b): the way CLUE's own scripts run the matrix. One node (the cluster's first), one model
 * after another in catalog order, vLLM started afresh for every task (a load per cell) on the first
 * TP GPUs of that node, and stopped (the release time) before the next start. Models that node
 * cannot hold are skipped and listed. Same reality model as the simulation.
 */
import type { Cluster } from './cluster.js';
import { tpOnNode } from './group-options.js';
import { modelsOf, type MatrixCell } from './matrix.js';
import { summarize, type GroupSpan, type UnitRun } from './metrics.js';
import type { RealityModel } from './reality.js';
import { DEFAULT_RELEASE_SECONDS } from './simulate.js';
import type { BaselineResult } from './baseline-static.js';
import { describeNeed } from '@clue/coordinator';

/** Runs the CLUE-style baseline. */
export function clueStyleBaseline(cluster: Cluster, cells: readonly MatrixCell[], reality: RealityModel, releaseSeconds = DEFAULT_RELEASE_SECONDS): BaselineResult {
  const node = cluster.nodes[0]!;
  const units: UnitRun[] = [];
  const groups: GroupSpan[] = [];
  const loads: Record<string, number> = {};
  const skipped: { model: string; reason: string }[] = [];
  let t = 0;
  for (const m of modelsOf(cells)) {
    const tp = tpOnNode(node, m);
    if (tp === null) {
      skipped.push({ model: m.key, reason: `the first node (${node.gpus}× ${node.gpuClass}) cannot hold it: it needs ${describeNeed(m)}` });
      continue;
    }
    const gpus = Array.from({ length: tp }, (_, i) => i);
    const group = `g${gpus.join('-')}.${m.key}`;
    for (const cell of cells.filter((c) => c.model.key === m.key)) {
      const start = t;
      const load = reality.loadSeconds(m, node.gpuClass, tp);
      loads[m.key] = (loads[m.key] ?? 0) + 1;
      t += load;
      for (const u of cell.units) {
        const end = t + reality.unitSeconds(u, node.gpuClass, tp);
        units.push({ unitId: u.id, model: m.key, task: u.task, node: node.id, group, gpus, gpuClass: node.gpuClass, tp, start: t, end });
        t = end;
      }
      groups.push({ node: node.id, group, gpus, gpuClass: node.gpuClass, model: m.key, tp, reason: `clue:${cell.task}`, loadStart: start, ready: start + load, releaseStart: t, end: t + releaseSeconds, units: cell.units.length });
      t += releaseSeconds;
    }
  }
  return { ...summarize('clue-style', cluster, units, groups, loads), skipped };
}
