/**
 * Validation of a submitted RunSpec into a {@link RunSpecRecord}: models (catalog keys, Hugging Face
 * ids, aliases; a preset adds its models), tasks, one registered dataset per task, sampling ranges,
 * max_samples. Lengths, counts and number ranges come from the bounds table (grpc/limits.ts) and are
 * checked first, so an oversized spec costs nothing further; otherwise every problem is reported
 * at once, each naming its field (`spec.models[1]: unknown model 'gpt-5'; did you mean: ...`). Also
 * derives the spec's digest (its idempotency key when it has none) and the run id.
 */
import { createHash } from 'node:crypto';
import type { RunSpecRecord, SamplingSpec } from '@clue/common';
import { ClueError, getModel, hasModel, parseTaskId, presetModels, type TaskId } from '@clue/tasks';
import { CoordinatorError } from './errors.js';
import type { DatasetDescription } from './records.js';
import { RUN_SPEC_BOUNDS } from './grpc/limits.js';
import { BoundIssues, MAX_ISSUES, boundsError, checkMessage } from './grpc/request-bounds.js';

/** The RunSpec message as @grpc/proto-loader decodes it (camelCase, defaults filled in). */
export interface RunSpecMessage {
  readonly name?: string;
  readonly models?: readonly string[];
  readonly tasks?: readonly string[];
  readonly datasets?: Readonly<Record<string, string>>;
  readonly sampling?: { readonly temperature?: number; readonly topP?: number; readonly maxTokens?: number; readonly seed?: number } | null;
  readonly maxSamples?: number;
  readonly idempotencyKey?: string;
  readonly preset?: string;
  readonly disableBertscore?: boolean;
}

/** Looks up a registered dataset by sha256 (null when not registered). */
export type DatasetLookup = (sha256: string) => Promise<DatasetDescription | null>;

/**
 * Sampling used when the spec has no `sampling` message: CLUE's (vLLM's defaults, temperature 1,
 * top_p 1), each task's CLUE max_tokens, seed 0. Sent explicitly to the engine all the same.
 */
export const DEFAULT_SAMPLING: SamplingSpec = Object.freeze({ temperature: 1, topP: 1, maxTokens: 0, seed: 0 });

const SHA256_RE = /^[0-9a-f]{64}$/;

/** `r` + 12 hex characters of sha256(idempotency key): token safe, and the same key gives the same run. */
export function runIdFor(idempotencyKey: string): string {
  return `r${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12)}`;
}

/** Fields of the canonical spec, as {@link canonicalSpec} names them (in the RunSpec message: snake_case). */
export type CanonicalSpecField = 'name' | 'models' | 'tasks' | 'datasets' | 'sampling' | 'maxSamples' | 'disableBertscore';

/**
 * What determines a run, in a canonical form: everything in the spec but the idempotency key, the
 * datasets sorted by task. The order of models and tasks counts (it is the order of the results table).
 */
export function canonicalSpec(spec: Omit<RunSpecRecord, 'idempotencyKey'>): Partial<Record<CanonicalSpecField, unknown>> {
  const datasets = Object.fromEntries(Object.entries(spec.datasets).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: spec.name,
    models: spec.models,
    tasks: spec.tasks,
    datasets,
    sampling: { temperature: spec.sampling.temperature, topP: spec.sampling.topP, maxTokens: spec.sampling.maxTokens, seed: spec.sampling.seed },
    maxSamples: spec.maxSamples,
    // Only when set, so the digests of specs written before the field existed do not change.
    ...(spec.disableBertscore === true ? { disableBertscore: true } : {}),
  };
}

/**
 * sha256 (hex) of the {@link canonicalSpec} JSON. It is the idempotency key of a spec sent without one,
 * and the `specDigest` an idempotency record keeps, so that a key means one spec (submit.ts).
 */
export function specDigest(spec: Omit<RunSpecRecord, 'idempotencyKey'>): string {
  return createHash('sha256').update(JSON.stringify(canonicalSpec(spec))).digest('hex');
}

function message(e: unknown): string {
  if (e instanceof ClueError) return e.message;
  throw e;
}

function resolveModels(msg: RunSpecMessage, issues: string[]): string[] {
  const keys: string[] = [];
  // Past MAX_ISSUES problems an unknown name is only counted: its "did you mean" (an edit distance
  // against every catalog name) is what kept the event loop busy for 0.6 s on 256 unknown names.
  let unlisted = 0;
  (msg.models ?? []).forEach((name, i) => {
    if (issues.length >= MAX_ISSUES && !hasModel(name)) {
      unlisted++;
      return;
    }
    try {
      keys.push(getModel(name).key);
    } catch (e) {
      issues.push(`spec.models[${i}]: ${message(e)}`);
    }
  });
  if (unlisted > 0) issues.push(`spec.models: ${unlisted} more unknown model name(s) not listed; \`clue models\` lists the catalog`);
  const preset = (msg.preset ?? '').trim();
  if (preset !== '') {
    try {
      keys.push(...presetModels(preset).map((m) => m.key));
    } catch (e) {
      issues.push(`spec.preset: ${message(e)}`);
    }
  }
  if ((msg.models ?? []).length === 0 && preset === '') issues.push('spec.models: at least one model (or a preset) is required');
  return [...new Set(keys)];
}

function resolveTasks(msg: RunSpecMessage, issues: string[]): TaskId[] {
  const tasks: TaskId[] = [];
  (msg.tasks ?? []).forEach((name, i) => {
    try {
      tasks.push(parseTaskId(name));
    } catch (e) {
      issues.push(`spec.tasks[${i}]: ${message(e)}`);
    }
  });
  if ((msg.tasks ?? []).length === 0) issues.push('spec.tasks: at least one task is required');
  return [...new Set(tasks)];
}

/** The sampling values (their ranges are checked with the bounds table, before this). */
function resolveSampling(msg: RunSpecMessage): SamplingSpec {
  const s = msg.sampling;
  if (!s) return DEFAULT_SAMPLING;
  return { temperature: s.temperature ?? 0, topP: s.topP ?? 0, maxTokens: s.maxTokens ?? 0, seed: s.seed ?? 0 };
}

async function resolveDatasets(msg: RunSpecMessage, tasks: readonly TaskId[], lookup: DatasetLookup, issues: string[]): Promise<Record<string, string>> {
  const byTask = new Map<TaskId, string>();
  for (const [key, sha] of Object.entries(msg.datasets ?? {})) {
    try {
      byTask.set(parseTaskId(key), sha.trim().toLowerCase());
    } catch (e) {
      issues.push(`spec.datasets.${key}: ${message(e)}`);
    }
  }
  const out: Record<string, string> = {};
  for (const task of tasks) {
    const sha = byTask.get(task);
    const field = `spec.datasets.${task}`;
    if (sha === undefined) {
      issues.push(`${field}: no dataset given for task '${task}'; register its file with RegisterDataset and pass the returned sha256`);
      continue;
    }
    if (!SHA256_RE.test(sha)) {
      issues.push(`${field}: '${sha}' is not a sha256 (64 hex characters)`);
      continue;
    }
    const found = await lookup(sha);
    if (!found) issues.push(`${field}: no dataset with sha256 ${sha} is registered; register it with RegisterDataset first`);
    else if (found.task !== task) issues.push(`${field}: dataset ${sha} is registered for task '${found.task}', not '${task}'`);
    else out[task] = sha;
  }
  return out;
}

/**
 * Validates a RunSpec message.
 * @throws CoordinatorError INVALID_ARGUMENT listing every problem, one per line, each naming its field.
 */
export async function validateSpec(msg: RunSpecMessage | null | undefined, lookup: DatasetLookup): Promise<RunSpecRecord> {
  if (!msg) throw new CoordinatorError('INVALID_ARGUMENT', 'spec: a run spec is required', { field: 'spec' });
  const bounds = new BoundIssues();
  checkMessage(RUN_SPEC_BOUNDS, msg as Record<string, unknown>, 'spec', bounds);
  // Too long or too many: nothing else is looked at (resolving 20,000 unknown model names is what
  // blocked the event loop in #14). Numbers out of range are reported with the other problems.
  if (bounds.oversize) throw boundsError(bounds.lines);
  const issues: string[] = [];
  const name = (msg.name ?? '').trim();
  const models = resolveModels(msg, issues);
  const tasks = resolveTasks(msg, issues);
  issues.push(...bounds.lines);
  const sampling = resolveSampling(msg);
  const maxSamples = msg.maxSamples ?? 0;
  const key = (msg.idempotencyKey ?? '').trim();
  const datasets = await resolveDatasets(msg, tasks, lookup, issues);
  if (issues.length > 0) {
    const field = issues[0]!.slice(0, issues[0]!.indexOf(':'));
    throw new CoordinatorError('INVALID_ARGUMENT', issues.join('\n'), { field });
  }
  const spec = { name, models, tasks, datasets, sampling, maxSamples, ...(msg.disableBertscore === true ? { disableBertscore: true } : {}) };
  return { ...spec, idempotencyKey: key !== '' ? key : specDigest(spec) };
}
