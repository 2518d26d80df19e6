/** `clue submit`: register the datasets, submit a run (flags or a spec file), optionally watch it. */
import type { Argv } from 'yargs';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ClueError } from '@clue/tasks';
import type { CoordinatorClient } from '../grpc-client.js';
import { connectionOptions, openClient, type ConnectionArgs } from '../connection.js';
import { defaultSpec, readSpecFile, specFromObject, type LocalRunSpec } from '../spec-file.js';
import { resolveDataArgs } from '../data-files.js';
import { info } from '../output.js';
import { watchRun } from './watch.js';

interface SubmitArgs extends ConnectionArgs {
  spec?: string;
  models?: string;
  preset?: string;
  tasks?: string;
  data?: string[];
  temperature?: number;
  'top-p'?: number;
  'max-tokens'?: number;
  seed?: number;
  'max-samples'?: number;
  name?: string;
  'idempotency-key'?: string;
  bertscore?: boolean;
  watch: boolean;
}

export function registerSubmit(y: Argv): Argv {
  return y.command(
    'submit',
    'Submit a run (models × tasks) to the coordinator',
    (c) =>
      connectionOptions(c)
        .option('spec', { type: 'string', describe: 'YAML/JSON run spec (flags override it)' })
        .option('models', { type: 'string', describe: 'comma-separated catalog keys or Hugging Face ids' })
        .option('preset', { type: 'string', describe: 'clue-v3 | clue-v5' })
        .option('tasks', { type: 'string', describe: 'comma-separated task ids (default: all six)' })
        .option('data', { type: 'string', array: true, describe: 'task=FILE, or a directory with CLUE file names (repeatable)' })
        .option('temperature', { type: 'number' })
        .option('top-p', { type: 'number' })
        .option('max-tokens', { type: 'number', describe: "0 = each task's CLUE value" })
        .option('seed', { type: 'number' })
        .option('max-samples', { type: 'number', describe: 'per task; 0 = all' })
        .option('name', { type: 'string' })
        .option('idempotency-key', { type: 'string', describe: 'same key = same run (nightly triggers)' })
        .option('bertscore', { type: 'boolean', describe: 'score BERTScore F1 as CLUE does (--no-bertscore: leave it out; the table says so) [default: true]' })
        .option('watch', { type: 'boolean', default: false, describe: 'follow progress until the run ends' }),
    async (argv) => {
      await runSubmit(argv as unknown as SubmitArgs);
    },
  );
}

/** Flags on top of the spec file (or defaults). */
export function specFromArgs(a: SubmitArgs): LocalRunSpec {
  const base = a.spec ? readSpecFile(a.spec) : defaultSpec();
  const over: Record<string, unknown> = {};
  if (a.models !== undefined) over['models'] = a.models;
  if (a.preset !== undefined) over['preset'] = a.preset;
  if (a.tasks !== undefined) over['tasks'] = a.tasks;
  const sampling: Record<string, unknown> = {};
  if (a.temperature !== undefined) sampling['temperature'] = a.temperature;
  if (a['top-p'] !== undefined) sampling['top_p'] = a['top-p'];
  if (a['max-tokens'] !== undefined) sampling['max_tokens'] = a['max-tokens'];
  if (a.seed !== undefined) sampling['seed'] = a.seed;
  if (Object.keys(sampling).length) over['sampling'] = sampling;
  if (a['max-samples'] !== undefined) over['max_samples'] = a['max-samples'];
  if (a.name !== undefined) over['name'] = a.name;
  if (a['idempotency-key'] !== undefined) over['idempotency_key'] = a['idempotency-key'];
  if (a.bertscore !== undefined) over['bertscore'] = a.bertscore;
  const spec = specFromObject(over, base);
  if (a.data?.length) spec.data = { ...spec.data, ...resolveDataArgs(a.data) };
  if (spec.models.length === 0 && !spec.preset) throw new ClueError('INVALID_ARGUMENT', 'spec.models: give --models or --preset');
  const missing = spec.tasks.filter((t) => !spec.data[t]);
  if (missing.length) throw new ClueError('INVALID_ARGUMENT', `spec.data: no dataset file for ${missing.join(', ')} (use --data task=FILE or --data DIR)`);
  return spec;
}

/** Registers each dataset file and submits; returns the run id. */
export async function submitSpec(client: CoordinatorClient, spec: LocalRunSpec): Promise<{ runId: string; created: boolean }> {
  const datasets: Record<string, string> = {};
  for (const task of spec.tasks) {
    const file = spec.data[task]!;
    const ds = await client.call<{ sha256: string; samples: number }>(
      'registerDataset',
      { task, fileName: basename(file), content: readFileSync(file) },
      120000,
    );
    datasets[task] = ds.sha256;
    info(`dataset ${task}: ${basename(file)} (${ds.samples} samples, sha256 ${ds.sha256.slice(0, 12)}…)`);
  }
  const res = await client.call<{ run: { id: string }; created: boolean; warnings?: string[] }>('submitRun', {
    spec: {
      name: spec.name,
      models: spec.models,
      preset: spec.preset,
      tasks: spec.tasks,
      datasets,
      sampling: spec.sampling,
      maxSamples: spec.maxSamples,
      idempotencyKey: spec.idempotencyKey,
      disableBertscore: !spec.bertscore,
    },
  });
  for (const w of res.warnings ?? []) info(`warning: ${w}`);
  return { runId: res.run.id, created: res.created };
}

async function runSubmit(a: SubmitArgs): Promise<void> {
  const spec = specFromArgs(a);
  const client = openClient(a);
  try {
    const { runId, created } = await submitSpec(client, spec);
    process.stdout.write(`${runId}\n`);
    info(created ? `submitted run ${runId}` : `run ${runId} already exists for this idempotency key with the same spec (not submitted again)`);
    if (a.watch) await watchRun(client, runId);
  } finally {
    client.close();
  }
}

