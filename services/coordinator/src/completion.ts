/**
 * Unit completion and failure (protocol flows 4 and 6). Unit state machine (KV `clue_units`, every
 * transition a compare-and-set on the revision read, so it happens once whatever the deliveries):
 *
 *   queued --first progress report--> running
 *   queued|running --CompleteUnit--> done                     (final; a second completion: accepted=false)
 *   queued|running --FailUnit infrastructure, stall--> queued (infraFailures+1, no attempt spent; the worker naks)
 *   queued|running --FailUnit error--> queued                 (attempts+1; the worker naks)
 *   queued|running --FailUnit deterministic | attempts exhausted | infraFailures >= max_deliver
 *                   | max-deliveries advisory | cancel--> failed (final; dead-lettered; the worker terms)
 *
 * Done and failed units trigger the cell/run finalisation in the background.
 */
import { parseUnitId, unitSubject } from '@clue/common';
import { BERTSCORE_TASKS } from '@clue/tasks';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError, invalidArgument } from './errors.js';
import { publishDeadLetter, type FailureKind } from './dead-letter.js';
import { UNIT_MAX_DELIVER } from '@clue/common';
import { MAX_CAS_ATTEMPTS, type Versioned } from './store.js';
import { unitMessage } from './submit.js';
import { cellKey, isUnitFinal, nowIso, type StoredUnitRecord } from './records.js';
import type { Estimator } from './estimates.js';
import { purgeUnusedSubjects } from './cancel.js';
import type { Finalizer } from './finalize.js';
import { checkWorkerId } from './workers.js';

/** CompleteUnit request (camelCase). */
export interface CompleteUnitMessage {
  readonly workerId?: string;
  readonly unitId?: string;
  readonly resultsObject?: string;
  readonly resultsSha256?: string;
  readonly samples?: number;
  readonly gpuSeconds?: number;
  readonly gpuClass?: string;
  readonly tensorParallelSize?: number;
}

/** FailUnit request (camelCase). */
export interface FailUnitMessage {
  readonly workerId?: string;
  readonly unitId?: string;
  readonly kind?: string;
  readonly reason?: string;
}

const KINDS: readonly FailureKind[] = ['infrastructure', 'deterministic', 'error'];

/** Hex of an object-store digest `SHA-256=<base64url>`. */
export function digestHex(digest: string): string {
  const b64 = digest.replace(/^SHA-256=/i, '');
  return Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex');
}

/** Handles CompleteUnit, FailUnit, progress-driven `running`, stalls and exhausted deliveries. */
export class CompletionService {
  constructor(
    private readonly ctx: CoordinatorContext,
    private readonly finalizer: Finalizer,
    private readonly estimator?: Estimator,
  ) {}

  /**
   * Marks the unit DONE once. Returns false when it was already final (a duplicate completion).
   * @throws CoordinatorError NOT_FOUND (unknown unit), FAILED_PRECONDITION (results object missing),
   *   INVALID_ARGUMENT (sha256 or sample count do not match).
   */
  async completeUnit(req: CompleteUnitMessage): Promise<boolean> {
    const workerId = checkWorkerId(req.workerId);
    const id = this.checkUnitId(req.unitId);
    const first = await this.requireUnit(id);
    if (isUnitFinal(first.value.state)) return false;
    const objectName = (req.resultsObject ?? '').trim() || id;
    const info = await this.ctx.jet.results.info(objectName);
    if (!info || info.deleted) {
      throw new CoordinatorError('FAILED_PRECONDITION', `results object '${objectName}' is not in clue_results; write it before CompleteUnit`, {
        field: 'results_object',
      });
    }
    const sha = (req.resultsSha256 ?? '').trim().toLowerCase();
    if (sha !== '' && sha !== digestHex(info.digest) && sha !== (info.description ?? '').trim().toLowerCase()) {
      throw invalidArgument('results_sha256', `${sha} does not match the stored object '${objectName}' (sha256 ${digestHex(info.digest)})`);
    }
    const expected = first.value.end - first.value.start;
    if ((req.samples ?? 0) !== 0 && req.samples !== expected) {
      throw invalidArgument('samples', `unit ${id} has ${expected} samples, got ${req.samples}`);
    }
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const cur = i === 0 ? first : await this.requireUnit(id);
      if (isUnitFinal(cur.value.state)) return false;
      const next: StoredUnitRecord = {
        ...cur.value,
        state: 'done',
        worker: workerId,
        resultsObject: objectName,
        updatedAt: nowIso(),
        ...(req.gpuSeconds ? { gpuSeconds: req.gpuSeconds } : {}),
      };
      if ((await this.ctx.units.update(id, next, cur.revision)) === null) continue;
      this.ctx.metrics.unitsCompleted.inc({ model: next.model, task: next.task });
      this.ctx.metrics.samplesCompleted.inc({ model: next.model, task: next.task }, expected);
      if (req.gpuSeconds) this.ctx.metrics.gpuSeconds.inc({ model: next.model, task: next.task }, req.gpuSeconds);
      this.ctx.progress.finish(next.runId, id, expected);
      this.ctx.logger.info({ unitId: id, workerId }, 'unit done');
      if (objectName !== id) await this.dropSuperseded(id);
      if (req.gpuSeconds && req.gpuClass) await this.observe(next, req.gpuClass, req.gpuSeconds);
      this.finalizer.scheduleCell(next.runId, next.model, next.task);
      return true;
    }
    throw new CoordinatorError('ABORTED', `unit ${id}: too many concurrent updates, try again`);
  }

  /**
   * Removes the results object an earlier attempt left under the unit's own name (the completing
   * attempt wrote under another name, since workers may not replace objects). Best effort: a leftover
   * object is never read, as the DONE record names the object that counts.
   */
  private async dropSuperseded(unitId: string): Promise<void> {
    try {
      await this.ctx.jet.results.delete(unitId);
    } catch (e) {
      this.ctx.logger.debug({ unitId, err: String(e) }, 'could not remove a superseded results object');
    }
  }

  /**
   * Fails every queued unit of `model` in the run for good (dead-lettered with `reason`): the model
   * cannot run anywhere (capacity.ts). Its (model, task) subjects are purged when no other active run
   * uses them. Returns the number of units failed.
   */
  async failModel(runId: string, model: string, reason: string): Promise<number> {
    return this.failQueued(runId, reason, (u) => u.model === model, model);
  }

  /** Fails the run's queued units that need BERTScore (every model) when no scorer can run; returns how many. */
  async failBertscoreUnits(runId: string, reason: string): Promise<number> {
    const run = await this.ctx.runs.get(runId);
    if (!run || run.value.spec.disableBertscore === true) return 0;
    return this.failQueued(runId, reason, (u) => BERTSCORE_TASKS.has(u.task));
  }

  /**
   * Fails the run's queued units that `which` selects (dead-lettered as deterministic); `purgeModel`:
   * every unit of that model failed, so its queued messages are purged.
   */
  private async failQueued(runId: string, reason: string, which: (u: StoredUnitRecord) => boolean, purgeModel?: string): Promise<number> {
    const units = (await this.ctx.units.list(runId)).map((u) => u.value).filter((u) => u.state === 'queued' && which(u));
    let n = 0;
    for (const u of units) if (await this.applyFailure(u.id, 'deterministic', reason, '', true, false, true)) n++;
    if (n > 0) {
      this.ctx.metrics.unitsFailed.inc({ kind: 'unplaceable' }, n);
      const run = purgeModel !== undefined ? await this.ctx.runs.get(runId) : null;
      if (run) await purgeUnusedSubjects(this.ctx, run.value, purgeModel);
    }
    return n;
  }

  /** Teaches the estimator the unit's observed GPU time (best effort). */
  private async observe(unit: StoredUnitRecord, gpuClass: string, gpuSeconds: number): Promise<void> {
    if (!this.estimator) return;
    try {
      const run = await this.ctx.runs.get(unit.runId);
      const cell = run?.value.cells[cellKey(unit.model, unit.task)];
      if (cell && cell.samples > 0) this.estimator.observeUnit(unit.model, gpuClass, (cell.gpuSeconds / cell.samples) * (unit.end - unit.start), gpuSeconds);
    } catch {
      // an estimate, not a result: a failed read only costs one observation
    }
  }

  /**
   * Records a failure; returns true when the unit is (now or already) failed and dead-lettered, so
   * the worker terms the message, false when it was re-queued (the worker naks) or is done.
   */
  async failUnit(req: FailUnitMessage): Promise<boolean> {
    const workerId = checkWorkerId(req.workerId);
    const id = this.checkUnitId(req.unitId);
    const kind = (req.kind ?? '').trim() as FailureKind;
    if (!KINDS.includes(kind)) throw invalidArgument('kind', `must be one of ${KINDS.join(', ')}, got '${req.kind ?? ''}'`);
    const reason = (req.reason ?? '').trim() || `${kind} failure`;
    this.ctx.metrics.unitsFailed.inc({ kind });
    return this.applyFailure(id, kind, reason, workerId, false);
  }

  /** First progress report of a unit from a worker: queued -> running (owner recorded). */
  async markRunning(unitId: string, workerId: string): Promise<void> {
    await this.ctx.units.mutate(unitId, (u) =>
      u.state === 'queued' || (u.state === 'running' && u.worker !== workerId) ? { ...u, state: 'running', worker: workerId, updatedAt: nowIso() } : undefined,
    );
  }

  /** A running unit without progress for too long: re-queued as an infrastructure failure. */
  async stalled(unit: StoredUnitRecord, seconds: number): Promise<void> {
    this.ctx.metrics.unitsFailed.inc({ kind: 'stall' });
    const reason = `stalled: no progress for ${Math.round(seconds)} s on worker ${unit.worker ?? '?'}`;
    const failed = await this.applyFailure(unit.id, 'infrastructure', reason, unit.worker ?? '', false, true);
    if (failed) return;
    // The stalled worker may still hold the message (or JetStream may have lost track of it in a
    // server crash), so queue the unit again under a fresh Nats-Msg-Id. A duplicate delivery is
    // harmless: workers skip DONE units and completion is a compare-and-set.
    const cur = await this.ctx.units.get(unit.id);
    const run = cur && cur.value.state === 'queued' ? await this.ctx.runs.get(unit.runId) : null;
    if (!cur || !run) return;
    const msgID = `${unit.id}~requeue${cur.value.infraFailures ?? 0}`;
    await this.ctx.jet.js.publish(unitSubject(unit.model, unit.task), JSON.stringify(unitMessage(run.value, cur.value)), { msgID });
    this.ctx.logger.warn({ unitId: unit.id, msgID }, 'stalled unit published again');
  }

  /** JetStream gave up delivering the unit (max_deliver): failed and dead-lettered. */
  async deliveriesExhausted(unitId: string, deliveries: number): Promise<void> {
    const reason = `delivered ${deliveries} times without being acknowledged (workers died or timed out every time)`;
    await this.applyFailure(unitId, 'infrastructure', reason, '', true);
  }

  /**
   * The failure transition, as a CAS loop. Publishes the dead letter before writing `failed`, so a
   * crash in between leaves a unit that is retried (and dead-lettered again, de-duplicated).
   */
  private async applyFailure(id: string, kind: FailureKind, reason: string, workerId: string, force: boolean, onlyIfRunning = false, onlyIfQueued = false): Promise<boolean> {
    for (let i = 0; i < MAX_CAS_ATTEMPTS; i++) {
      const cur = await this.ctx.units.get(id);
      if (!cur) throw new CoordinatorError('NOT_FOUND', `unit ${id} does not exist`, { field: 'unit_id' });
      const u = cur.value;
      if (u.state === 'done') return false;
      if (u.state === 'failed') return true;
      if (onlyIfRunning && u.state !== 'running') return false;
      if (onlyIfQueued && u.state !== 'queued') return false;
      const attempts = u.attempts + (kind === 'error' ? 1 : 0);
      const infraFailures = (u.infraFailures ?? 0) + (kind === 'infrastructure' ? 1 : 0);
      let finalReason: string | undefined;
      if (force || kind === 'deterministic') finalReason = reason;
      else if (kind === 'error' && attempts >= this.ctx.config.maxAttempts) finalReason = `failed ${attempts} attempt(s); last: ${reason}`;
      else if (kind === 'infrastructure' && infraFailures >= UNIT_MAX_DELIVER) finalReason = `${infraFailures} infrastructure failures; last: ${reason}`;
      const next: StoredUnitRecord = {
        ...u,
        state: finalReason !== undefined ? 'failed' : 'queued',
        attempts,
        infraFailures,
        reason: finalReason ?? reason,
        updatedAt: nowIso(),
        ...(workerId ? { worker: workerId } : {}),
      };
      if (finalReason !== undefined) {
        const run = await this.ctx.runs.get(u.runId);
        if (run) {
          await publishDeadLetter(this.ctx, { ...unitMessage(run.value, u), reason: finalReason, kind, workerId, failedAt: next.updatedAt });
        }
      }
      if ((await this.ctx.units.update(id, next, cur.revision)) === null) continue;
      this.ctx.progress.finish(u.runId, id);
      this.ctx.logger.warn({ unitId: id, kind, state: next.state, attempts, infraFailures }, 'unit failure recorded');
      if (next.state === 'failed') this.finalizer.scheduleCell(u.runId, u.model, u.task);
      return next.state === 'failed';
    }
    throw new CoordinatorError('ABORTED', `unit ${id}: too many concurrent updates, try again`);
  }

  private checkUnitId(raw: string | undefined): string {
    const id = (raw ?? '').trim();
    try {
      parseUnitId(id);
    } catch {
      throw invalidArgument('unit_id', `'${id}' is not a unit id (<run>.<model>.<task>.<shard>)`);
    }
    return id;
  }

  private async requireUnit(id: string): Promise<Versioned<StoredUnitRecord>> {
    const u = await this.ctx.units.get(id);
    if (!u) throw new CoordinatorError('NOT_FOUND', `unit ${id} does not exist`, { field: 'unit_id' });
    return u;
  }
}
