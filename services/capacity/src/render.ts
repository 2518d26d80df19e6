/**
 * `clue plan` output: the plan as text tables (GPU-hours per cell, the placement per node and group,
 * makespan beside its lower bounds, GPU busy fraction, loads per model, models that fit nowhere) or
 * as one JSON document (everything but the per-unit runs).
 */
import { TASK_IDS } from '@clue/tasks';
import { gpuList, hms, pct, plural, table } from './format.js';
import type { CapacityPlan } from './plan.js';
import type { RunSummary } from './metrics.js';

/** Output formats. */
export type PlanFormat = 'table' | 'json';

/** Why B is printed with a warning. */
export const B_CAVEAT = 'B is not a true bound: a model may run on several replicas at once';

/** Loads per model as `model ×2`, most loads first (models loaded once are counted, not listed). */
export function loadsLine(s: RunSummary): string {
  const entries = Object.entries(s.loads).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const once = entries.filter(([, n]) => n === 1).length;
  const more = entries.filter(([, n]) => n > 1).map(([m, n]) => `${m} ×${n}`);
  return `${plural(s.totalLoads, 'load')} for ${plural(entries.length, 'model')} (${s.loadsPerModel.toFixed(2)} per model)` + (more.length > 0 ? `; ${once} loaded once; ${more.join(', ')}` : '');
}

/** Where the GPU-seconds went, as shares of makespan × GPUs. */
export function gpuTimeLine(s: RunSummary): string {
  const t = s.gpuTime;
  const all = t.busy + t.loading + t.releasing + t.idle + t.free;
  const share = (x: number): string => pct(all > 0 ? x / all : 0);
  return `busy ${share(t.busy)}, loading ${share(t.loading)}, releasing ${share(t.releasing)}, idle in a group ${share(t.idle)}, in no group ${share(t.free)}`;
}

function cellTable(plan: CapacityPlan): string[] {
  const tasks = TASK_IDS.filter((t) => plan.cells.some((c) => c.task === t));
  const models = [...new Set(plan.cells.map((c) => c.model))];
  const at = new Map(plan.cells.map((c) => [`${c.model}|${c.task}`, c]));
  const num = (x: number | null): string => (x === null ? 'excluded' : x.toFixed(2));
  const totals = tasks.map(() => 0);
  const rows = models.map((m) => {
    let sum: number | null = 0;
    const row = tasks.map((t, i) => {
      const c = at.get(`${m}|${t}`);
      if (!c) return '';
      if (c.gpuHours === null) sum = null;
      else {
        if (sum !== null) sum += c.gpuHours;
        totals[i]! += c.gpuHours;
      }
      return num(c.gpuHours);
    });
    return [m, ...row, num(sum)];
  });
  rows.push(['total', ...totals.map((x) => x.toFixed(2)), totals.reduce((s, x) => s + x, 0).toFixed(2)]);
  const right = new Set(tasks.map((_, i) => i + 1).concat(tasks.length + 1));
  return table(['model', ...tasks, 'total'], rows, right);
}

function placementTable(plan: CapacityPlan): string[] {
  const sim = plan.simulation!;
  const spans = [...sim.groups].sort((a, b) => a.node.localeCompare(b.node, undefined, { numeric: true }) || a.gpus[0]! - b.gpus[0]! || a.loadStart - b.loadStart);
  const rows = spans.map((g) => [
    g.node,
    gpuList(g.gpus),
    g.model,
    `${g.tp}× ${g.gpuClass}`,
    hms(g.loadStart),
    g.ready === null ? 'never served' : hms(g.ready),
    hms(g.end),
    String(g.units),
    g.reason,
  ]);
  return table(['node', 'gpus', 'model', 'group', 'load from', 'serving from', 'until', 'units', 'why'], rows, new Set([7]));
}

/** The plan as text lines. */
export function renderPlanTable(plan: CapacityPlan): string[] {
  const lines: string[] = [];
  const cl = plan.cluster;
  const models = new Set(plan.cells.map((c) => c.model)).size;
  const tasks = new Set(plan.cells.map((c) => c.task)).size;
  lines.push(`cluster ${cl.description}: ${plural(cl.nodes.length, 'node')}, ${plural(cl.totalGpus, 'GPU')}`);
  lines.push(`matrix: ${plural(models, 'model')} × ${plural(tasks, 'task')}, ${plural(plan.cells.reduce((s, c) => s + c.units, 0), 'unit')}`);
  lines.push('');
  lines.push('GPU-hours per cell (as simulated: wall time × TP of the groups that ran it)');
  lines.push(...cellTable(plan));
  const sim = plan.simulation;
  const b = plan.bounds;
  if (sim && b) {
    lines.push('');
    lines.push('placement (times from the start, h:mm:ss)');
    lines.push(...placementTable(plan));
    lines.push('');
    lines.push(`makespan           ${hms(sim.makespan)} (${sim.makespan.toFixed(0)} s)`);
    lines.push(`lower bound        max(A, B)   = ${hms(b.lb)}   makespan / LB = ${(sim.makespan / b.lb).toFixed(3)}`);
    lines.push(`  A  work / GPUs               = ${hms(b.work)}`);
    lines.push(`  B  longest model on 1 group  = ${hms(b.longestModel.seconds)} (${b.longestModel.model} on ${b.longestModel.gpuClass}; ${B_CAVEAT})`);
    lines.push(`strict bound       max(A, B')  = ${hms(b.strictLb)}   makespan / strict LB = ${(sim.makespan / b.strictLb).toFixed(3)}`);
    lines.push(`  B' longest unit + its load   = ${hms(b.longestUnit.seconds)} (${b.longestUnit.unitId} on ${b.longestUnit.gpuClass})`);
    if (b.classAwareWork > b.work) {
      lines.push(`class-aware bound  max(A*, B') = ${hms(b.bestLb)}   makespan / that = ${(sim.makespan / b.bestLb).toFixed(3)}`);
      lines.push(`  A* work spread over the classes by their speed = ${hms(b.classAwareWork)} (A counts every GPU as the cheapest class)`);
    }
    lines.push(`GPU busy           ${pct(sim.busyFraction)} of the makespan, ${pct(sim.busyFractionBeforeTail)} before its last 5 %`);
    lines.push(`GPU time           ${gpuTimeLine(sim)}`);
    lines.push(`loads              ${loadsLine(sim)}`);
    if (plan.baselines) {
      lines.push('');
      lines.push('baselines (same reality model)');
      for (const x of [plan.baselines.static, plan.baselines.clueStyle]) {
        lines.push(`  ${x.strategy.padEnd(10)}  makespan ${hms(x.makespan)} (${(x.makespan / sim.makespan).toFixed(2)}× the placement's), ${x.loadsPerModel.toFixed(2)} loads per model, GPUs busy ${pct(x.busyFraction)}`);
        for (const k of x.skipped) lines.push(`    left out ${k.model}: ${k.reason}`);
      }
    }
  } else {
    lines.push('');
    lines.push('nothing to simulate: no model of the matrix fits this cluster');
  }
  if (plan.excluded.length > 0) {
    lines.push('');
    lines.push('models that fit nowhere in the cluster (left out):');
    for (const e of plan.excluded) lines.push(`  ${e.model}: ${e.reason}`);
  }
  return lines;
}

/** The plan as a JSON-ready object (no per-unit runs, no per-GPU list in the baselines). */
export function planJson(plan: CapacityPlan): unknown {
  const omit = (s: RunSummary, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)));
  const strip = (s: RunSummary): Record<string, unknown> => omit(s, ['units']);
  const stripBaseline = (s: RunSummary): Record<string, unknown> => omit(s, ['units', 'gpuBusy', 'groups']);
  const sim = plan.simulation;
  const b = plan.bounds;
  return {
    cluster: plan.cluster,
    excluded: plan.excluded,
    cells: plan.cells,
    makespanSeconds: sim?.makespan ?? null,
    bounds: b ? { ...b, caveat: B_CAVEAT, makespanOverLb: sim!.makespan / b.lb, makespanOverStrictLb: sim!.makespan / b.strictLb, makespanOverBestLb: sim!.makespan / b.bestLb } : null,
    simulation: sim ? strip(sim) : null,
    baselines: plan.baselines ? { static: stripBaseline(plan.baselines.static), clueStyle: stripBaseline(plan.baselines.clueStyle) } : null,
  };
}

/** The plan in the chosen format, as lines. */
export function renderPlan(plan: CapacityPlan, format: PlanFormat): string[] {
  return format === 'json' ? [JSON.stringify(planJson(plan), null, 2)] : renderPlanTable(plan);
}
