/**
 * SubmitRun (docs/pipeline-protocol.md, flow 1), crash-safe. Run states written here:
 *
 *   (absent) --create--> pending --all units recorded + published--> running
 *
 * 1. Validate the spec; the run id is derived from the idempotency key.
 * 2. Plan every cell from the registered datasets (deterministic).
 * 3. `create` clue_runs/<runId> in state `pending` with the whole plan. This is the idempotency point:
 *    if it exists (before, or because a concurrent submission won the create), the existing run is
 *    returned with created=false when it has the same spec, and the submission is refused with
 *    ALREADY_EXISTS naming it when not (idempotency.ts: a key means one spec).
 * 4. Record clue_idempotency/<sha256(key)> -> {runId, specDigest}.
 * 5. Publish the run ({@link RunSubmitter.publishRun}): create each missing UnitRecord (`queued`), ensure
 *    the model consumers, publish every queued unit with `Nats-Msg-Id` = unit id, then CAS the run
 *    `pending` -> `running`.
 * Every step is idempotent, so a coordinator killed at any point finishes the job in
 * {@link RunSubmitter.recover} (called at start-up) by re-running step 5 for every pending/running run;
 * duplicates are dropped by msgID within the window and by the workers' DONE check after it.
 */
import { unitSubject, type UnitMessage } from '@clue/common';
import { BERTSCORE_TASKS, getModel } from '@clue/tasks';
import type { CoordinatorContext } from './context.js';
import { validateSpec, runIdFor, type RunSpecMessage } from './spec.js';
import { idempotencyKeyHash, idempotencyRecord, sameSpecRun } from './idempotency.js';
import { planRun, type PlanCellInput } from './planner.js';
import { ensureModelConsumer } from '@clue/common';
import { mapLimit } from './concurrency.js';
import { cellKey, nowIso, type CellPlanRecord, type StoredRunRecord, type StoredUnitRecord } from './records.js';

/** Parallel KV writes / publishes while publishing a run. */
const PUBLISH_CONCURRENCY = 64;

/** Outcome of a submission. */
export interface SubmitResult {
  readonly run: StoredRunRecord;
  readonly created: boolean;
}

/** The UnitMessage of a unit (the work-queue payload). */
export function unitMessage(run: StoredRunRecord, unit: StoredUnitRecord): UnitMessage {
  return {
    unitId: unit.id,
    runId: unit.runId,
    model: unit.model,
    task: unit.task,
    shard: unit.shard,
    start: unit.start,
    end: unit.end,
    dataset: run.spec.datasets[unit.task] ?? '',
    sampling: run.spec.sampling,
    ...(BERTSCORE_TASKS.has(unit.task) && run.spec.disableBertscore !== true ? { bertscore: true } : {}),
  };
}

/** The queued UnitRecords a cell plan implies. */
export function plannedUnitRecords(runId: string, cell: CellPlanRecord, at: string): StoredUnitRecord[] {
  return cell.units.map((id, shard) => ({
    id,
    runId,
    model: cell.model,
    task: cell.task,
    shard,
    start: cell.bounds[shard]!,
    end: cell.bounds[shard + 1]!,
    state: 'queued',
    attempts: 0,
    updatedAt: at,
  }));
}

/** Submits runs and resumes interrupted submissions. */
export class RunSubmitter {
  /** Runs whose creation or publishing is under way in this process (the reconcile tick leaves them alone), by id. */
  private readonly inFlight = new Map<string, StoredRunRecord>();

  constructor(private readonly ctx: CoordinatorContext) {}

  /** True while this process is publishing the run. */
  isPublishing(runId: string): boolean {
    return this.inFlight.has(runId);
  }

  /**
   * Validates, records and publishes a run; the same idempotency key with the same spec returns the
   * existing run.
   * @throws CoordinatorError INVALID_ARGUMENT naming the bad spec field; ALREADY_EXISTS naming the run
   *   when the key already names a run with a different spec.
   */
  async submit(msg: RunSpecMessage | null | undefined): Promise<SubmitResult> {
    const { ctx } = this;
    const spec = await validateSpec(msg, (sha) => ctx.datasets.describe(sha));
    const runId = runIdFor(spec.idempotencyKey);
    const existing = await ctx.runs.get(runId);
    if (existing) return { run: await sameSpecRun(ctx, existing.value, spec), created: false };

    const inputs: PlanCellInput[] = [];
    for (const model of spec.models) {
      for (const task of spec.tasks) {
        const dataset = spec.datasets[task]!;
        inputs.push({ model: getModel(model), task, dataset, profile: await ctx.datasets.profile(dataset) });
      }
    }
    const planned = planRun(runId, inputs, {
      targetGpuSeconds: ctx.config.unitsTargetGpuSeconds,
      maxSamples: spec.maxSamples,
      maxTokens: spec.sampling.maxTokens,
    });
    const cells: Record<string, CellPlanRecord> = {};
    for (const c of planned) {
      cells[cellKey(c.model, c.task)] = {
        units: c.units.map((u) => u.id),
        samples: c.samples,
        model: c.model,
        task: c.task,
        dataset: c.dataset,
        bounds: c.bounds,
        gpuSeconds: c.gpuSeconds,
      };
    }
    const run: StoredRunRecord = { id: runId, spec, state: 'pending', createdAt: nowIso(), cells };
    const flying = this.inFlight.get(runId);
    if (flying) return { run: await sameSpecRun(ctx, flying, spec), created: false };
    // Tracked from before the create, so the reconcile tick never publishes this run concurrently.
    this.inFlight.set(runId, run);
    try {
      if ((await ctx.runs.create(runId, run)) === null) {
        const raced = await ctx.runs.get(runId);
        // Lost the create to a concurrent submission of the key: its spec decides.
        if (raced) return { run: await sameSpecRun(ctx, raced.value, spec), created: false };
      }
      ctx.metrics.runsSubmitted.inc();
      await ctx.idempotency.create(idempotencyKeyHash(spec.idempotencyKey), idempotencyRecord(spec, runId, run.createdAt));
      const units = planned.reduce((n, c) => n + c.units.length, 0);
      ctx.logger.info({ runId, cells: planned.length, units }, 'run created');
      return { run: await this.publish(run), created: true };
    } finally {
      this.inFlight.delete(runId);
    }
  }

  /**
   * Step 5 for one run: missing UnitRecords are created, queued units published, the run set running.
   * Returns the run as stored afterwards. A run this process is already publishing is returned as is.
   */
  async publishRun(run: StoredRunRecord): Promise<StoredRunRecord> {
    if (this.inFlight.has(run.id)) return run;
    this.inFlight.set(run.id, run);
    try {
      return await this.publish(run);
    } finally {
      this.inFlight.delete(run.id);
    }
  }

  private async publish(run: StoredRunRecord): Promise<StoredRunRecord> {
    const { ctx } = this;
    const existing = new Map((await ctx.units.list(run.id)).map((u) => [u.key, u.value]));
    const at = nowIso();
    const wanted = Object.values(run.cells).flatMap((c) => plannedUnitRecords(run.id, c, at));
    const records = await mapLimit(wanted, PUBLISH_CONCURRENCY, async (u) => {
      const have = existing.get(u.id);
      if (have) return have;
      if ((await ctx.units.create(u.id, u)) !== null) return u;
      return (await ctx.units.get(u.id))?.value ?? u;
    });
    const queued = records.filter((u) => u.state === 'queued');
    await ctx.publishLock.run(async () => {
      const current = await ctx.runs.get(run.id);
      if (!current || (current.value.state !== 'pending' && current.value.state !== 'running')) return;
      for (const model of new Set(queued.map((u) => u.model))) await ensureModelConsumer(ctx.jet.jsm, model);
      await mapLimit(queued, PUBLISH_CONCURRENCY, async (u) => {
        await ctx.jet.js.publish(unitSubject(u.model, u.task), JSON.stringify(unitMessage(run, u)), { msgID: u.id });
      });
    });
    const res = await ctx.runs.mutate(run.id, (r) => (r.state === 'pending' ? { ...r, state: 'running' } : undefined));
    ctx.logger.info({ runId: run.id, queued: queued.length }, 'run units published');
    return res?.value ?? run;
  }

  /** Resumes every pending/running run: re-creates missing units and re-publishes queued ones. */
  async recover(): Promise<number> {
    const runs = (await this.ctx.runs.list()).map((r) => r.value).filter((r) => r.state === 'pending' || r.state === 'running');
    for (const run of runs) {
      if (!this.inFlight.has(run.id)) await this.publishRun(run);
    }
    if (runs.length) this.ctx.logger.info({ runs: runs.length }, 'recovered active runs');
    return runs.length;
  }
}
