/**
 * How well the capacity simulation (`clue plan`, the scheduling benchmark) predicts a real run: one
 * small matrix through `clue up`'s local cluster (nats-server, coordinator, workers, vllm-sim
 * processes at a time scale) and through the simulation, and the error of the predicted makespan.
 *
 *   npm run build && node services/cli/dist/bench/plan-accuracy.js [--time-scale 5] [--samples 60]
 *
 * The measured makespan is wall time from the submit to the run's end × the time scale (vllm-sim
 * divides every modelled duration by it), so it includes what the simulation does not model: process
 * start-up of the engines, HTTP and NATS latency, the workers' polling. It prints figures and asserts
 * nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMatrix, fileProfile, parseCluster, simulate, vllmSimReality } from '@clue/capacity';
import { generateDatasets, getModel, SYNTH_CONDITIONS, type TaskId } from '@clue/tasks';
import { startLocalCluster } from '../local-cluster.js';
import { CoordinatorClient } from '../grpc-client.js';
import { submitSpec } from '../commands/submit.js';
import { defaultSpec } from '../spec-file.js';
import type { RunMsg } from '../progress.js';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!(v > 0)) {
    process.stderr.write(`--${name} must be a number > 0\n`);
    process.exit(2);
  }
  return v;
}

const MODELS = ['llama-3-8b-instruct', 'mistral-7b-instruct-v0-2', 'llama-3-70b-instruct', 'mixtral-8x7b-instruct-v0-1'];
const TASKS: TaskId[] = ['mednli', 'meqsum', 'problemsummary'];
const WORKERS = 1;
const GPUS = 8;
const GPU = 'H100-80GB';

async function main(): Promise<void> {
  const timeScale = flag('time-scale', 5);
  const samples = flag('samples', 60);
  const dir = mkdtempSync(join(tmpdir(), 'clue-plan-accuracy-'));
  try {
    const files = await generateDatasets({ outDir: join(dir, 'data'), samples, seed: 7 });
    const icd10 = join(dir, 'codes.txt');
    writeFileSync(icd10, SYNTH_CONDITIONS.map((c) => `${c.code.padEnd(8)}${c.description}`).join('\n') + '\n');

    const profiles = Object.fromEntries(TASKS.map((t) => [t, fileProfile(t, files[t])]));
    const cluster = parseCluster(`${WORKERS}x${GPUS}x${GPU}`);
    const predicted = simulate(cluster, buildMatrix(MODELS.map((m) => getModel(m)), TASKS, profiles), vllmSimReality());

    const local = await startLocalCluster({ workers: WORKERS, gpusPerWorker: GPUS, gpu: GPU, timeScale, stateDir: dir, icd10Table: icd10 });
    const client = new CoordinatorClient(local.coordinator, local.clientAuth('operator'));
    let wall: number;
    try {
      const data: Partial<Record<TaskId, string>> = {};
      for (const t of TASKS) data[t] = files[t];
      const t0 = performance.now();
      const { runId } = await submitSpec(client, { ...defaultSpec(), name: 'plan accuracy', models: MODELS, tasks: TASKS, data });
      for (;;) {
        const r = await client.call<RunMsg>('getRun', { runId });
        if (!/PENDING|RUNNING/.test(r.state)) {
          if (r.state !== 'RUN_STATE_SUCCEEDED') throw new Error(`the run ended ${r.state}: ${r.reason}`);
          break;
        }
        await new Promise((res) => setTimeout(res, 50));
      }
      wall = (performance.now() - t0) / 1000;
    } finally {
      client.close();
      await local.stop();
    }
    const measured = wall * timeScale;
    const error = (predicted.makespan - measured) / measured;
    const loads = Object.values(predicted.loads).reduce((a, b) => a + b, 0);
    process.stdout.write(
      [
        `matrix: ${MODELS.length} models × ${TASKS.length} tasks (${TASKS.join(', ')}), ${samples} synthetic samples per task, ${WORKERS}×${GPUS} ${GPU}`,
        `clue up (vllm-sim, time ×${timeScale}): ${wall.toFixed(2)} s wall = ${measured.toFixed(0)} modelled s`,
        `simulation: ${predicted.makespan.toFixed(0)} modelled s (${loads} loads)`,
        `error of the predicted makespan: ${(100 * error).toFixed(1)} %`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`plan-accuracy: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
