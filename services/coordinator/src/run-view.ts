/**
 * The `Run` message (GetRun, ListRuns, WatchRun, SubmitRun, CancelRun) built from KV: the RunRecord,
 * the run's UnitRecords and cell records, plus live progress of running units (samples done, rate, ETA).
 */
import type { RunStateName } from '@clue/common';
import { BERTSCORE_SCORER_KEY, BERTSCORE_TASKS, type TaskId } from '@clue/tasks';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError } from './errors.js';
import { LIST_RUNS_MAX, RUN_ID } from './grpc/limits.js';
import { cellRecordKey, isRunFinal, type CellRecord, type StoredRunRecord, type StoredUnitRecord } from './records.js';

/** The CellStatus message (camelCase). */
export interface CellStatusMessage {
  model: string;
  task: string;
  state: string;
  unitsTotal: number;
  unitsDone: number;
  unitsFailed: number;
  samplesTotal: number;
  samplesDone: number;
  reason: string;
}

/** The RunSpec message as returned (models resolved to catalog keys, preset expanded). */
export interface RunSpecReply {
  name: string;
  models: string[];
  tasks: string[];
  datasets: Record<string, string>;
  sampling: { temperature: number; topP: number; maxTokens: number; seed: number };
  maxSamples: number;
  idempotencyKey: string;
  preset: string;
}

/** The Run message (camelCase). */
export interface RunMessage {
  id: string;
  spec: RunSpecReply;
  state: string;
  createdAt: string;
  finishedAt: string;
  cells: CellStatusMessage[];
  samplesTotal: number;
  samplesDone: number;
  samplesPerSecond: number;
  etaSeconds: number;
  reason: string;
  waiting: { model: string; reason: string; seconds: number }[];
  /** The last recorded gate verdict; absent when none. */
  gate?: { passed: boolean; againstRunId: string; violations: number; summary: string; recordedAt: string };
}

/** `succeeded` -> `RUN_STATE_SUCCEEDED`. */
export function runStateEnum(state: RunStateName): string {
  return `RUN_STATE_${state.toUpperCase()}`;
}

/**
 * Checks a run id's shape (run ids are KV keys and subject tokens).
 * @throws CoordinatorError INVALID_ARGUMENT when empty, NOT_FOUND when it cannot name a run.
 */
export function checkRunId(runId: string | undefined): string {
  const id = (runId ?? '').trim();
  if (id === '') throw new CoordinatorError('INVALID_ARGUMENT', 'run_id: is required', { field: 'run_id' });
  if (id.length > RUN_ID.maxChars || !RUN_ID.pattern!.re.test(id)) throw new CoordinatorError('NOT_FOUND', `run '${id}' does not exist`, { field: 'run_id' });
  return id;
}

/** Reads a run. @throws CoordinatorError NOT_FOUND (field run_id). */
export async function requireRun(ctx: CoordinatorContext, runId: string): Promise<StoredRunRecord> {
  const id = checkRunId(runId);
  const run = await ctx.runs.get(id);
  if (!run) throw new CoordinatorError('NOT_FOUND', `run '${id}' does not exist`, { field: 'run_id' });
  return run.value;
}

/** Builds the Run message from already-read records (pure apart from live progress). */
export function buildRunMessage(
  ctx: Pick<CoordinatorContext, 'progress'> & Partial<Pick<CoordinatorContext, 'capacity'>>,
  run: StoredRunRecord,
  units: readonly StoredUnitRecord[],
  cells: ReadonlyMap<string, CellRecord>,
): RunMessage {
  const byId = new Map(units.map((u) => [u.id, u]));
  const final = isRunFinal(run.state);
  let samplesTotal = 0;
  let samplesDone = 0;
  const statuses: CellStatusMessage[] = Object.values(run.cells).map((plan) => {
    let unitsDone = 0;
    let unitsFailed = 0;
    let done = 0;
    let started = false;
    plan.units.forEach((id, i) => {
      const u = byId.get(id);
      const size = plan.bounds[i + 1]! - plan.bounds[i]!;
      if (u?.state === 'done') {
        unitsDone++;
        done += size;
      } else if (u?.state === 'failed') unitsFailed++;
      else if (u?.state === 'running' && !final) done += Math.min(size, ctx.progress.samplesDone(id));
      if (u && u.state !== 'queued') started = true;
    });
    const rec = cells.get(cellRecordKey(run.id, plan.model, plan.task));
    samplesTotal += plan.samples;
    samplesDone += done;
    const state = rec?.state ?? (run.state === 'cancelled' ? 'failed' : started ? 'running' : 'pending');
    const reason = rec?.reason ?? (run.state === 'cancelled' ? (run.reason ?? 'cancelled') : '');
    return {
      model: plan.model,
      task: plan.task,
      state,
      unitsTotal: plan.units.length,
      unitsDone,
      unitsFailed,
      samplesTotal: plan.samples,
      samplesDone: done,
      reason,
    };
  });
  const rate = final ? 0 : ctx.progress.rate(run.id);
  const spec = run.spec;
  return {
    id: run.id,
    spec: {
      name: spec.name,
      models: [...spec.models],
      tasks: [...spec.tasks],
      datasets: { ...spec.datasets },
      sampling: { temperature: spec.sampling.temperature, topP: spec.sampling.topP, maxTokens: spec.sampling.maxTokens, seed: spec.sampling.seed },
      maxSamples: spec.maxSamples,
      idempotencyKey: spec.idempotencyKey,
      preset: '',
    },
    state: runStateEnum(run.state),
    createdAt: run.createdAt,
    finishedAt: run.finishedAt ?? '',
    cells: statuses,
    samplesTotal,
    samplesDone,
    samplesPerSecond: rate,
    etaSeconds: final ? 0 : (ctx.capacity?.eta(run.id) ?? (rate > 0 ? Math.max(0, samplesTotal - samplesDone) / rate : 0)),
    reason: run.reason ?? '',
    waiting: final ? [] : (ctx.capacity?.waitingFor(waitingCandidates(run, statuses)) ?? []),
    ...(run.gate ? { gate: { ...run.gate } } : {}),
  };
}

/** The engines an open run may wait for: the models of its open cells, and the BERTScore scorer when one of them needs it. */
function waitingCandidates(run: StoredRunRecord, statuses: readonly { model: string; task: string; state: string }[]): Set<string> {
  const open = statuses.filter((c) => c.state === 'pending' || c.state === 'running');
  const out = new Set(open.map((c) => c.model));
  if (run.spec.disableBertscore !== true && open.some((c) => BERTSCORE_TASKS.has(c.task as TaskId))) out.add(BERTSCORE_SCORER_KEY);
  return out;
}

/** Loads the Run message of a run record (reads its units and cells). */
export async function loadRunMessage(ctx: CoordinatorContext, run: StoredRunRecord): Promise<RunMessage> {
  const [units, cells] = await Promise.all([ctx.units.list(run.id), ctx.cells.list(run.id)]);
  return buildRunMessage(
    ctx,
    run,
    units.map((u) => u.value),
    new Map(cells.map((c) => [c.key, c.value])),
  );
}

/** GetRun. @throws CoordinatorError NOT_FOUND. */
export async function getRun(ctx: CoordinatorContext, runId: string): Promise<RunMessage> {
  return loadRunMessage(ctx, await requireRun(ctx, runId));
}

/** ListRuns: newest first, at most `limit` (0 = 20, capped at {@link LIST_RUNS_MAX}). */
export async function listRuns(ctx: CoordinatorContext, limit: number): Promise<RunMessage[]> {
  const n = limit > 0 ? Math.min(limit, LIST_RUNS_MAX) : 20;
  const runs = (await ctx.runs.list())
    .map((r) => r.value)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id))
    .slice(0, n);
  return Promise.all(runs.map((r) => loadRunMessage(ctx, r)));
}
