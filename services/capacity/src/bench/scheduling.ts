#!/usr/bin/env node
/**
 * Scheduling benchmark, in modelled time: the full CLUE v3 matrix (25 models × 6 tasks at CLUE's real
 * sample counts, planned by the coordinator's planner) simulated with the real placement policy on
 * several clusters, beside its lower bounds and the two baselines (static per-model partitioning,
 * CLUE-style one node with a restart per task). For each cluster it prints makespan / LB (both
 * variants, plus the class-aware one on mixed clusters), the GPU busy fraction over the whole makespan
 * and before its last 5 %, where the GPU time went, loads per model, the same figures for the
 * baselines and the speed-ups, and each target as met or missed. Nothing is asserted.
 *
 * Usage: node services/capacity/dist/bench/scheduling.js [--cluster SPEC]... [--units-target-gpu-seconds N] [--json]
 */
import { parseArgs } from 'node:util';
import { TASK_IDS, presetModels } from '@clue/tasks';
import { buildMatrix, DEFAULT_UNIT_TARGET_GPU_SECONDS } from '../matrix.js';
import { syntheticProfiles } from '../profiles.js';
import { parseCluster } from '../cluster.js';
import { planCapacity, type CapacityPlan } from '../plan.js';
import { loadsNeeded } from '../bounds.js';
import { vllmSimReality } from '../reality.js';
import type { MatrixCell } from '../matrix.js';
import { gpuTimeLine, loadsLine } from '../render.js';
import { hms, pct, plural, table } from '../format.js';
import type { RunSummary } from '../metrics.js';

/** The clusters of the benchmark. */
export const BENCH_CLUSTERS = ['1x8xH100-80GB', '4x8xH100-80GB', '16x8xH100-80GB', '2x8xH100-80GB,2x8xA100-40GB,4x4xL40S-48GB'] as const;

/** The targets reported against. */
export const TARGETS = {
  makespanOverLb: 1.1,
  speedupVsStatic: 1.5,
  speedupVsClue: 3,
  loadsPerModel: 1.2,
  busyBeforeTail: 0.9,
} as const;

const { values: args } = parseArgs({
  options: {
    cluster: { type: 'string', multiple: true },
    'units-target-gpu-seconds': { type: 'string', default: String(DEFAULT_UNIT_TARGET_GPU_SECONDS) },
    json: { type: 'boolean', default: false },
  },
});

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

/** One cluster's figures, as printed. */
function report(plan: CapacityPlan, cells: readonly MatrixCell[], cpuMs: number): { lines: string[]; row: string[]; figures: Record<string, unknown> } {
  const sim = plan.simulation!;
  const b = plan.bounds!;
  const { static: st, clueStyle: clue } = plan.baselines!;
  const all: RunSummary[] = [sim, st, clue];
  const ratio = (s: RunSummary, lb: number): string => (s.makespan / lb).toFixed(3);
  const lines: string[] = [];
  const cl = plan.cluster;
  lines.push(`== ${cl.description}: ${plural(cl.nodes.length, 'node')}, ${cl.totalGpus} GPUs (simulated in ${cpuMs} ms of CPU, ${sim.asks} placeNode calls, ${sim.events} events)`);
  lines.push(`bounds: A (work / GPUs) ${hms(b.work)}; A* (class-aware) ${hms(b.classAwareWork)}; B (longest model on one group: ${b.longestModel.model}, ${b.longestModel.gpuClass}) ${hms(b.longestModel.seconds)}; B' (longest unit + its load) ${hms(b.longestUnit.seconds)}`);
  lines.push(`        LB = max(A, B) ${hms(b.lb)}; strict LB = max(A, B') ${hms(b.strictLb)}; class-aware strict LB = max(A*, B') ${hms(b.bestLb)}  (B is not a true bound: a model may run on several replicas)`);
  const rows = [
    ['makespan', ...all.map((s) => hms(s.makespan)), ''],
    ['makespan / max(A, B)', ...all.map((s) => ratio(s, b.lb)), `<= ${TARGETS.makespanOverLb}`],
    ["makespan / max(A, B')", ...all.map((s) => ratio(s, b.strictLb)), `<= ${TARGETS.makespanOverLb}`],
    ["makespan / max(A*, B')", ...all.map((s) => ratio(s, b.bestLb)), `<= ${TARGETS.makespanOverLb}`],
    ['GPU busy, whole makespan', ...all.map((s) => pct(s.busyFraction)), ''],
    ['GPU busy, before last 5 %', ...all.map((s) => pct(s.busyFractionBeforeTail)), `>= ${pct(TARGETS.busyBeforeTail)}`],
    ['loads per model', ...all.map((s) => s.loadsPerModel.toFixed(2)), `<= ${TARGETS.loadsPerModel}`],
    ['placement speed-up vs it', '', `${(st.makespan / sim.makespan).toFixed(2)}×`, `${(clue.makespan / sim.makespan).toFixed(2)}×`, `>= ${TARGETS.speedupVsStatic}× / >= ${TARGETS.speedupVsClue}×`],
  ];
  lines.push(...table(['', 'placement', 'static', 'CLUE-style', 'target'], rows, new Set([1, 2, 3])));
  lines.push(`placement GPU time: ${gpuTimeLine(sim)}`);
  lines.push(`placement loads: ${loadsLine(sim)}`);
  const models = Object.keys(sim.loads).length;
  const deadline = TARGETS.makespanOverLb * b.bestLb;
  const needBy = loadsNeeded(cl, cells, vllmSimReality(), deadline);
  const needOwn = loadsNeeded(cl, cells, vllmSimReality(), sim.makespan);
  lines.push(`fewest loads any schedule needs: ${needBy} (${(needBy / models).toFixed(2)} per model) to finish within 1.10 × max(A*, B') = ${hms(deadline)}; ${needOwn} (${(needOwn / models).toFixed(2)}) to finish by the placement's makespan`);
  for (const x of [st, clue]) if (x.skipped.length > 0) lines.push(`${x.strategy} left out: ${x.skipped.map((k) => k.model).join(', ')}`);
  const met = {
    makespanOverLb: sim.makespan / b.lb <= TARGETS.makespanOverLb,
    makespanOverStrictLb: sim.makespan / b.strictLb <= TARGETS.makespanOverLb,
    makespanOverBestLb: sim.makespan / b.bestLb <= TARGETS.makespanOverLb,
    speedupVsStatic: st.makespan / sim.makespan >= TARGETS.speedupVsStatic,
    speedupVsClue: clue.makespan / sim.makespan >= TARGETS.speedupVsClue,
    loadsPerModel: sim.loadsPerModel <= TARGETS.loadsPerModel,
    busyBeforeTail: sim.busyFractionBeforeTail >= TARGETS.busyBeforeTail,
  };
  lines.push(
    `targets: makespan <= 1.10 × LB ${verdict(met.makespanOverLb)} (strict LB ${verdict(met.makespanOverStrictLb)}, class-aware ${verdict(met.makespanOverBestLb)}); ` +
      `>= 1.5× static ${verdict(met.speedupVsStatic)}; >= 3× CLUE-style ${verdict(met.speedupVsClue)}; <= 1.2 loads/model ${verdict(met.loadsPerModel)}; busy >= 90 % before the last 5 % ${verdict(met.busyBeforeTail)}`,
  );
  const row = [
    cl.description,
    hms(sim.makespan),
    ratio(sim, b.lb),
    ratio(sim, b.strictLb),
    ratio(sim, b.bestLb),
    pct(sim.busyFraction),
    pct(sim.busyFractionBeforeTail),
    sim.loadsPerModel.toFixed(2),
    `${(st.makespan / sim.makespan).toFixed(2)}×`,
    `${(clue.makespan / sim.makespan).toFixed(2)}×`,
  ];
  const figures = {
    cluster: cl.description,
    gpus: cl.totalGpus,
    bounds: b,
    strategies: Object.fromEntries(all.map((s) => [s.strategy, { makespan: s.makespan, busyFraction: s.busyFraction, busyFractionBeforeTail: s.busyFractionBeforeTail, loadsPerModel: s.loadsPerModel, loads: s.loads, gpuTime: s.gpuTime }])),
    speedupVsStatic: st.makespan / sim.makespan,
    speedupVsClue: clue.makespan / sim.makespan,
    loadsNeededWithin110: needBy,
    loadsNeededByMakespan: needOwn,
    met,
  };
  return { lines, row, figures };
}

async function main(): Promise<void> {
  const started = process.cpuUsage();
  const wall = Date.now();
  const clusters = (args.cluster ?? [...BENCH_CLUSTERS]).map((c) => parseCluster(c));
  const profiles = await syntheticProfiles();
  const cells = buildMatrix(presetModels('clue-v3'), TASK_IDS, profiles, { targetGpuSeconds: Number(args['units-target-gpu-seconds']) });
  const units = cells.reduce((s, c) => s + c.units.length, 0);
  const out: string[] = [];
  out.push(`CLUE v3 matrix: 25 models × 6 tasks, ${units} units (planner, unit target ${args['units-target-gpu-seconds']} GPU-s); samples per task: ${TASK_IDS.map((t) => `${t} ${profiles[t].samples}`).join(', ')}`);
  out.push(`prompt tokens (mean of chars/4 over the synthetic data's scored samples; LongHealth filled to min(8140, max-model-len)): ${TASK_IDS.filter((t) => t !== 'longhealth').map((t) => `${t} ${cells.find((c) => c.task === t)!.promptTokens.toFixed(0)}`).join(', ')}; output tokens: ${TASK_IDS.map((t) => `${t} ${cells.find((c) => c.task === t)!.outputTokens}`).join(', ')}`);
  out.push('');
  const rows: string[][] = [];
  const figures: unknown[] = [];
  for (const cluster of clusters) {
    const cpu = process.cpuUsage();
    const plan = planCapacity({ cluster, cells, baselines: true });
    const used = process.cpuUsage(cpu);
    const r = report(plan, cells, Math.round((used.user + used.system) / 1000));
    out.push(...r.lines, '');
    rows.push(r.row);
    figures.push(r.figures);
  }
  out.push('summary (placement)');
  out.push(...table(['cluster', 'makespan', '/max(A,B)', "/max(A,B')", "/max(A*,B')", 'busy', 'busy <95 %', 'loads/model', 'vs static', 'vs CLUE'], rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9])));
  const cpu = process.cpuUsage(started);
  out.push('', `benchmark: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU, ${((Date.now() - wall) / 1000).toFixed(1)} s wall`);
  process.stdout.write(args.json ? JSON.stringify({ units, clusters: figures }, null, 2) + '\n' : out.join('\n') + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:scheduling: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
