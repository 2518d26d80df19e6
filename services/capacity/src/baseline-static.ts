/**
 * Baseline (a): static per-model partitioning. Each model's cells are one job on one engine (one
 * load, no replicas); models are dealt round-robin over the nodes in catalog order (a model skips a
 * node that cannot hold it and takes the next one that can); each node runs its jobs strictly FIFO,
 * starting the next job as soon as an aligned block of its TP GPUs is free. Same reality model and
 * release time as the simulation.
 */
import { freeBlock } from '@clue/coordinator';
import type { Cluster } from './cluster.js';
import { fitsSomewhere, unplaceableModels, type UnplaceableModel } from './fit.js';
import { tpOnNode } from './group-options.js';
import { modelsOf, type MatrixCell, type WorkUnit } from './matrix.js';
import { summarize, type GroupSpan, type RunSummary, type UnitRun } from './metrics.js';
import type { RealityModel } from './reality.js';
import { DEFAULT_RELEASE_SECONDS } from './simulate.js';

/** A baseline's figures plus the models it could not run. */
export interface BaselineResult extends RunSummary {
  readonly skipped: readonly UnplaceableModel[];
}

interface Job {
  readonly model: string;
  readonly tp: number;
  readonly units: readonly WorkUnit[];
}

/** Runs the static-partitioning baseline. */
export function staticPartitionBaseline(cluster: Cluster, cells: readonly MatrixCell[], reality: RealityModel, releaseSeconds = DEFAULT_RELEASE_SECONDS): BaselineResult {
  const models = modelsOf(cells);
  const jobs = cluster.nodes.map(() => [] as Job[]);
  let next = 0;
  for (const m of models.filter((x) => fitsSomewhere(cluster, x))) {
    for (let k = 0; k < cluster.nodes.length; k++) {
      const i = (next + k) % cluster.nodes.length;
      const tp = tpOnNode(cluster.nodes[i]!, m);
      if (tp === null) continue;
      jobs[i]!.push({ model: m.key, tp, units: cells.filter((c) => c.model.key === m.key).flatMap((c) => c.units) });
      next = i + 1;
      break;
    }
  }
  const units: UnitRun[] = [];
  const groups: GroupSpan[] = [];
  const loads: Record<string, number> = {};
  cluster.nodes.forEach((node, n) => {
    const indices = Array.from({ length: node.gpus }, (_, i) => i);
    const spec = new Map(models.map((m) => [m.key, m]));
    // Running jobs: the GPUs they hold and when those are free again.
    let running: { gpus: number[]; freeAt: number }[] = [];
    let t = 0;
    for (const job of jobs[n]!) {
      let block: number[] | null;
      for (;;) {
        running = running.filter((r) => r.freeAt > t);
        block = freeBlock(indices, new Set(running.flatMap((r) => r.gpus)), job.tp);
        if (block !== null) break;
        t = Math.min(...running.map((r) => r.freeAt));
      }
      const load = reality.loadSeconds(spec.get(job.model)!, node.gpuClass, job.tp);
      loads[job.model] = (loads[job.model] ?? 0) + 1;
      const group = `g${block.join('-')}.${job.model}`;
      let clock = t + load;
      for (const u of job.units) {
        const end = clock + reality.unitSeconds(u, node.gpuClass, job.tp);
        units.push({ unitId: u.id, model: job.model, task: u.task, node: node.id, group, gpus: block, gpuClass: node.gpuClass, tp: job.tp, start: clock, end });
        clock = end;
      }
      groups.push({ node: node.id, group, gpus: block, gpuClass: node.gpuClass, model: job.model, tp: job.tp, reason: 'static', loadStart: t, ready: t + load, releaseStart: clock, end: clock + releaseSeconds, units: job.units.length });
      running.push({ gpus: block, freeAt: clock + releaseSeconds });
    }
  });
  return { ...summarize('static', cluster, units, groups, loads), skipped: unplaceableModels(cluster, models) };
}
