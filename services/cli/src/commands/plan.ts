/**
 * `clue plan`: how the scheduler would lay a matrix onto a GPU cluster, in modelled time, without
 * running anything. The matrix comes from `--spec FILE` or the same flags as `clue up` (default: the
 * 25 CLUE v3 models × six tasks at CLUE's real sample counts); the cluster from `--cluster`. Prints
 * GPU-hours per cell, the placement per node and group, the makespan beside its lower bounds, the GPU
 * busy fraction, loads per model and the models that fit nowhere (left out, not an error).
 */
import type { Argv } from 'yargs';
import { positiveNumber, wholeNumber } from '../flag-checks.js';
import { ClueError, getModel, parseTaskId, presetModels, TASK_IDS, type ModelSpec, type TaskId } from '@clue/tasks';
import type { DatasetProfile } from '@clue/coordinator';
import {
  buildMatrix,
  fileProfile,
  parseCluster,
  planCapacity,
  renderPlan,
  syntheticProfiles,
  CapacityError,
  DEFAULT_UNIT_TARGET_GPU_SECONDS,
  type Cluster,
  type PlanFormat,
} from '@clue/capacity';
import { readSpecFile } from '../spec-file.js';
import { info, writeLines } from '../output.js';

interface PlanArgs {
  cluster: Cluster;
  spec?: string;
  preset?: string;
  models?: string;
  tasks?: string;
  samples?: number;
  'units-target-gpu-seconds': number;
  baselines: boolean;
  format: PlanFormat;
}

/** The default cluster: four nodes of eight H100s. */
export const DEFAULT_PLAN_CLUSTER = '4x8xH100-80GB';
/** Largest --samples (the synthetic data generator's limit). */
const MAX_SAMPLES = 10_000;

export function registerPlan(y: Argv): Argv {
  return y.command(
    'plan',
    'Simulate how the scheduler would place a matrix on a GPU cluster: GPU-hours, placement, makespan vs. its lower bound',
    (c) =>
      c
        .option('cluster', { type: 'string', default: DEFAULT_PLAN_CLUSTER, describe: 'NODESxGPUSxCLASS[,…], e.g. 4x8xH100-80GB,2x4xL40S-48GB', coerce: clusterArg })
        .option('spec', { type: 'string', describe: 'YAML/JSON run spec (models, tasks, data, max_samples, sampling.max_tokens) instead of the matrix flags' })
        .option('preset', { type: 'string', describe: 'clue-v3 | clue-v5 (default clue-v3)' })
        .option('models', { type: 'string', describe: 'comma-separated catalog keys or Hugging Face ids (instead of --preset)' })
        .option('tasks', { type: 'string', describe: 'comma-separated task ids (default: all six)' })
        .option('samples', { type: 'number', describe: "scored samples per task as `clue up` (default: CLUE's real counts)", coerce: wholeNumber('samples', 1, MAX_SAMPLES) })
        .option('units-target-gpu-seconds', { type: 'number', default: DEFAULT_UNIT_TARGET_GPU_SECONDS, describe: 'unit size, as the coordinator flag', coerce: positiveNumber('units-target-gpu-seconds') })
        .option('baselines', { type: 'boolean', default: false, describe: 'also simulate static partitioning and CLUE-style runs' })
        .option('format', { choices: ['table', 'json'] as const, default: 'table' as const }),
    async (argv) => {
      await runPlan(argv as unknown as PlanArgs);
    },
  );
}

/** A yargs coerce: the parsed cluster, or a usage error naming the bad part. */
function clusterArg(v: unknown): Cluster {
  try {
    return parseCluster(String(v));
  } catch (e) {
    if (e instanceof CapacityError) throw new ClueError('INVALID_ARGUMENT', `--cluster: ${e.message}`);
    throw e;
  }
}

/** The matrix named by the flags or the spec file. */
interface Matrix {
  models: ModelSpec[];
  tasks: TaskId[];
  profiles: Partial<Record<TaskId, DatasetProfile>>;
  maxSamples: number;
  maxTokens: number;
  source: string;
}

function modelsFrom(models: readonly string[] | undefined, preset: string | undefined): ModelSpec[] {
  if (models && models.length > 0) return models.map((m) => getModel(m.trim()));
  return presetModels(preset || 'clue-v3');
}

async function matrixFrom(a: PlanArgs): Promise<Matrix> {
  if (a.spec !== undefined) {
    const flags = (['preset', 'models', 'tasks', 'samples'] as const).filter((f) => a[f] !== undefined);
    if (flags.length > 0) throw new ClueError('INVALID_ARGUMENT', `--spec names the matrix; drop ${flags.map((f) => `--${f}`).join(', ')}`);
    const spec = readSpecFile(a.spec);
    const models = modelsFrom(spec.models, spec.preset);
    const synthetic = await syntheticProfiles();
    const profiles: Partial<Record<TaskId, DatasetProfile>> = {};
    const real: string[] = [];
    for (const t of spec.tasks) {
      const file = spec.data[t];
      if (file) real.push(t);
      profiles[t] = file ? profileOf(t, file) : synthetic[t];
    }
    const source = real.length === spec.tasks.length ? `dataset files of ${a.spec}` : real.length > 0 ? `dataset files for ${real.join(', ')}, synthetic data at CLUE's real counts for the rest` : "synthetic data at CLUE's real counts";
    return { models, tasks: spec.tasks, profiles, maxSamples: spec.maxSamples, maxTokens: spec.sampling.maxTokens, source };
  }
  const models = modelsFrom(a.models?.split(','), a.preset);
  const tasks = a.tasks ? a.tasks.split(',').map((t) => parseTaskId(t.trim())) : [...TASK_IDS];
  const profiles = a.samples === undefined ? await syntheticProfiles() : await syntheticProfiles({ samples: a.samples });
  const source = a.samples === undefined ? "synthetic data at CLUE's real counts" : `synthetic data, ${a.samples} samples per task`;
  return { models, tasks, profiles, maxSamples: 0, maxTokens: 0, source };
}

/** A dataset file's profile; any rejection of the file is a usage error naming it. */
function profileOf(task: TaskId, file: string): DatasetProfile {
  try {
    return fileProfile(task, file);
  } catch (e) {
    if (e instanceof ClueError) throw e;
    throw new ClueError('DATASET_INVALID', `${file}: ${(e as Error).message}`);
  }
}

async function runPlan(a: PlanArgs): Promise<void> {
  const m = await matrixFrom(a);
  let cells;
  try {
    cells = buildMatrix(m.models, m.tasks, m.profiles, { targetGpuSeconds: a['units-target-gpu-seconds'], maxSamples: m.maxSamples, maxTokens: m.maxTokens });
  } catch (e) {
    if (e instanceof CapacityError) throw new ClueError('INVALID_ARGUMENT', e.message);
    throw e;
  }
  info(`planning ${m.models.length} models × ${m.tasks.length} tasks (${m.source}) on ${a.cluster.description}`);
  const plan = planCapacity({ cluster: a.cluster, cells, baselines: a.baselines });
  const lines = renderPlan(plan, a.format);
  await writeLines(lines);
}
