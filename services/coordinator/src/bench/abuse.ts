/**
 * Abuse benchmark (issue #14): a real nats-server and a real coordinator on loopback; one client (in a
 * worker thread, so its own encoding does not block the coordinator's event loop) sends worst-case
 * requests in a loop while a second client calls ListRuns continuously. Prints ListRuns p50/p99/max at
 * rest and during the abuse, the coordinator's event-loop delay, counts of rejected and accepted abuse
 * calls, and how long planning the largest accepted SubmitRun takes (31 catalog models x 6 tasks).
 * Prints figures and asserts nothing timed (target: ListRuns p99 < 200 ms during abuse).
 *   npx tsc -b && npm run bench:abuse        (ABUSE_SECONDS=20 REST_SECONDS=5 SAMPLES=1000 by default;
 *                                             ABUSE_DEBUG=1 prints every call's outcome and time on stderr)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { status, type ServiceError } from '@grpc/grpc-js';
import { startNatsServer, type LocalSecurity } from '@clue/common';
import { MODELS, TASK_IDS, generateDatasets, getModel, type TaskId } from '@clue/tasks';
import { clients, rpc, startCoordinator } from '../testing/harness.js';
import { profileDataset } from '../datasets.js';
import { planRun, type PlanCellInput } from '../planner.js';
import { configWith } from '../config.js';

const ABUSE_SECONDS = Number(process.env['ABUSE_SECONDS'] ?? 20);
const REST_SECONDS = Number(process.env['REST_SECONDS'] ?? 5);
const SAMPLES = Number(process.env['SAMPLES'] ?? 1000);
const TARGET_P99_MS = 200;
/** How long one abuse call may take before it counts as DEADLINE_EXCEEDED (a stalled coordinator). */
const CALL_DEADLINE_MS = 15_000;

interface AbuseSetup {
  readonly address: string;
  readonly security: Pick<LocalSecurity, 'caFile' | 'tokens'>;
  readonly datasets: Record<string, string>;
  readonly seconds: number;
}

/** Every catalog model, by key and by Hugging Face id (62 names, 31 models). */
function allModelNames(): string[] {
  return MODELS.flatMap((m) => [m.key, m.hfId]);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `n=${s.length} p50 ${percentile(s, 50).toFixed(1)} ms  p99 ${percentile(s, 99).toFixed(1)} ms  max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms`;
}

/** The abuse client: worst-case requests in a loop, counted by outcome. */
async function abuse(setup: AbuseSetup): Promise<void> {
  const c = clients(setup.address, { ...setup.security } as LocalSecurity);
  const tasks = [...TASK_IDS];
  const maxAccepted = { name: 'x'.repeat(200), models: allModelNames(), tasks, datasets: setup.datasets, idempotencyKey: 'abuse-max-accepted' };
  const unknownModels = Array.from({ length: 256 }, (_, i) => `unknown-model-${i}-${'q'.repeat(180)}`);
  const cases: [string, () => Promise<unknown>][] = [
    ['SubmitRun 20,000 models (~200 KB)', () => rpc(c.coordinator, 'SubmitRun', { spec: { models: Array.from({ length: 20_000 }, (_, i) => `model-${i}`), tasks } }, CALL_DEADLINE_MS)],
    ['SubmitRun 100,000 models', () => rpc(c.coordinator, 'SubmitRun', { spec: { models: Array.from({ length: 100_000 }, (_, i) => `model-${i}`), tasks } }, CALL_DEADLINE_MS)],
    ['GetRun 5 MB run id', () => rpc(c.coordinator, 'GetRun', { runId: 'r'.repeat(5 * 1024 * 1024) }, CALL_DEADLINE_MS)],
    ['SubmitRun max accepted (31 models x 6 tasks)', () => rpc(c.coordinator, 'SubmitRun', { spec: maxAccepted }, CALL_DEADLINE_MS)],
    ['SubmitRun 256 unknown 200-char models (in bounds)', () => rpc(c.coordinator, 'SubmitRun', { spec: { models: unknownModels, tasks, datasets: setup.datasets } }, CALL_DEADLINE_MS)],
    ['SubmitRun datasets map of 100,000 entries', () => rpc(c.coordinator, 'SubmitRun', { spec: { models: ['a'], tasks, datasets: Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`t${i}`, 'x'])) } }, CALL_DEADLINE_MS)],
    ['GetAssignment 64 groups x 100,000 GPU indices', () => rpc(c.workerApi, 'GetAssignment', { workerId: 'abuser', groups: Array.from({ length: 64 }, (_, i) => ({ id: `g${i}`, gpuIndices: Array.from({ length: 100_000 }, (_, j) => j) })) }, CALL_DEADLINE_MS)],
    ['Register 10,000 GPUs', () => rpc(c.workerApi, 'Register', { workerId: 'abuser', node: 'n', gpus: Array.from({ length: 10_000 }, (_, i) => ({ index: i, gpuClass: 'H100-80GB', memoryGib: 80 })) }, CALL_DEADLINE_MS)],
    ['RegisterDataset 70 MB', () => rpc(c.coordinator, 'RegisterDataset', { task: 'mednli', fileName: 'big.jsonl', content: Buffer.alloc(70 * 1024 * 1024, 0x20) }, CALL_DEADLINE_MS)],
  ];
  const counts = new Map<string, Record<string, number>>();
  const end = Date.now() + setup.seconds * 1000;
  while (Date.now() < end) {
    for (const [name, send] of cases) {
      let outcome: string;
      const t0 = performance.now();
      try {
        await send();
        outcome = 'accepted';
      } catch (e) {
        outcome = status[(e as ServiceError).code] ?? 'error';
      }
      if (process.env['ABUSE_DEBUG']) process.stderr.write(`${name}: ${outcome} in ${(performance.now() - t0).toFixed(0)} ms\n`);
      const row = counts.get(name) ?? {};
      row[outcome] = (row[outcome] ?? 0) + 1;
      counts.set(name, row);
      if (Date.now() >= end) break;
    }
  }
  c.close();
  parentPort!.postMessage(Object.fromEntries(counts));
}

async function listRunsLoop(client: Parameters<typeof rpc>[0], until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!until()) {
    const t0 = performance.now();
    await rpc(client, 'ListRuns', { limit: 20 });
    out.push(performance.now() - t0);
    if (process.env['ABUSE_DEBUG']) process.stderr.write(`ListRuns ${(performance.now() - t0).toFixed(0)} ms\n`);
  }
  return out;
}

/** Planning the largest accepted SubmitRun (every catalog model x every task), in this thread. */
function measurePlanning(files: Record<TaskId, string>): { ms: number; cells: number; units: number } {
  const profiles = TASK_IDS.map((t) => ({ task: t, profile: profileDataset(t, readFileSync(files[t]), basename(files[t])) }));
  const inputs: PlanCellInput[] = [];
  for (const m of MODELS) for (const p of profiles) inputs.push({ model: getModel(m.key), task: p.task, dataset: 'd'.repeat(64), profile: p.profile });
  const options = { targetGpuSeconds: configWith({}).unitsTargetGpuSeconds, maxSamples: 0, maxTokens: 0 };
  planRun('rbench', inputs, options); // warm-up
  const times: number[] = [];
  let units = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const planned = planRun('rbench', inputs, options);
    times.push(performance.now() - t0);
    units = planned.reduce((n, c) => n + c.units.length, 0);
  }
  return { ms: times.sort((a, b) => a - b)[2]!, cells: inputs.length, units };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clue-abuse-'));
  const nats = await startNatsServer();
  const coord = await startCoordinator(nats);
  try {
    const files = await generateDatasets({ outDir: dir, samples: SAMPLES });
    const datasets: Record<string, string> = {};
    for (const t of TASK_IDS) {
      const d = await rpc<{ sha256: string; samples: number }>(coord.clients.coordinator, 'RegisterDataset', { task: t, fileName: basename(files[t]), content: readFileSync(files[t]) });
      datasets[t] = d.sha256;
    }
    const plan = measurePlanning(files);
    process.stdout.write(`planning the largest accepted SubmitRun: ${plan.cells} cells, ${plan.units} units, ${plan.ms.toFixed(1)} ms (median of 5, ${SAMPLES} synthetic samples per task)\n`);
    const t0 = performance.now();
    const first = await rpc<{ created: boolean }>(coord.clients.coordinator, 'SubmitRun', {
      spec: { name: 'x'.repeat(200), models: allModelNames(), tasks: [...TASK_IDS], datasets, idempotencyKey: 'abuse-max-accepted' },
    });
    process.stdout.write(`first max-accepted SubmitRun (validate, plan, record, publish every unit): ${(performance.now() - t0).toFixed(0)} ms, created=${first.created}\n`);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const restEnd = Date.now() + REST_SECONDS * 1000;
    const rest = await listRunsLoop(coord.clients.coordinator, () => Date.now() >= restEnd);
    loop.disable();
    const restLoopMax = loop.max / 1e6;
    loop.reset();

    const setup: AbuseSetup = { address: coord.address, security: { caFile: nats.security.caFile, tokens: nats.security.tokens }, datasets, seconds: ABUSE_SECONDS };
    const worker = new Worker(new URL(import.meta.url), { workerData: setup });
    let done = false;
    const counts = new Promise<Record<string, Record<string, number>>>((resolve, reject) => {
      worker.once('message', (m: Record<string, Record<string, number>>) => resolve(m));
      worker.once('error', reject);
    }).finally(() => {
      done = true;
    });
    loop.enable();
    const during = await listRunsLoop(coord.clients.coordinator, () => done);
    loop.disable();
    const abuseCounts = await counts;
    await worker.terminate();

    process.stdout.write(`\nListRuns at rest (${REST_SECONDS} s):     ${summary(rest)}; event-loop delay max ${restLoopMax.toFixed(1)} ms\n`);
    process.stdout.write(`ListRuns during abuse (${ABUSE_SECONDS} s): ${summary(during)}; event-loop delay max ${(loop.max / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms\n\n`);
    let rejected = 0;
    let accepted = 0;
    for (const [name, row] of Object.entries(abuseCounts)) {
      accepted += row['accepted'] ?? 0;
      rejected += Object.entries(row).reduce((n, [k, v]) => (k === 'accepted' ? n : n + v), 0);
      process.stdout.write(`  ${name.padEnd(50)} ${Object.entries(row).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    }
    const p99 = percentile([...during].sort((a, b) => a - b), 99);
    process.stdout.write(`\nabuse calls: ${rejected} rejected, ${accepted} accepted\n`);
    process.stdout.write(`ListRuns p99 during abuse ${p99.toFixed(1)} ms, target < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'}\n`);
  } finally {
    await coord.stop();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) await main();
else await abuse(workerData as AbuseSetup);
