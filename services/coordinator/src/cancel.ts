/**
 * CancelRun: `pending|running -> cancelled` (a final run is returned unchanged). Every unit that is not
 * final is then marked `failed` with the reason, so a worker that pulls one skips it (it acks units
 * whose record is done or failed) and a late CompleteUnit is refused. The work-queue messages of a
 * (model, task) subject are purged when no other active run has units on that subject; otherwise
 * they stay until workers pull and skip them. `purgeUnusedSubjects` is shared with failing a model
 * that cannot run anywhere (completion.ts).
 */
import { unitSubject, UNITS_STREAM } from '@clue/common';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError } from './errors.js';
import { mapLimit } from './concurrency.js';
import { isRunFinal, isUnitFinal, nowIso, type StoredRunRecord } from './records.js';

/** Cancels runs. */
export class RunCanceller {
  constructor(private readonly ctx: CoordinatorContext) {}

  /**
   * Cancels a run; returns the run as stored afterwards.
   * @throws CoordinatorError NOT_FOUND for an unknown run.
   */
  async cancel(runId: string, reason: string): Promise<StoredRunRecord> {
    const { ctx } = this;
    const why = `cancelled: ${reason.trim() || 'by request'}`;
    const res = await ctx.runs.mutate(runId, (r) => (isRunFinal(r.state) ? undefined : { ...r, state: 'cancelled', finishedAt: nowIso(), reason: why }));
    if (!res) throw new CoordinatorError('NOT_FOUND', `run '${runId}' does not exist`, { field: 'run_id' });
    if (!res.changed) return res.value;
    ctx.logger.info({ runId }, 'run cancelled');
    const units = (await ctx.units.list(runId)).filter((u) => !isUnitFinal(u.value.state));
    await mapLimit(units, 32, (u) =>
      ctx.units.mutate(u.key, (cur) => (isUnitFinal(cur.state) ? undefined : { ...cur, state: 'failed', reason: why, updatedAt: nowIso() })),
    );
    for (const u of units) ctx.progress.finish(runId, u.key);
    await purgeUnusedSubjects(ctx, res.value);
    return res.value;
  }
}

/**
 * Purges the work-queue subjects of the run's cells (only `model`'s, when given) that no other active
 * run uses: their messages would otherwise wait for a worker that skips them (cancelled run, failed model).
 */
export async function purgeUnusedSubjects(ctx: CoordinatorContext, run: StoredRunRecord, model?: string): Promise<void> {
  await ctx.publishLock.run(async () => {
    const others = (await ctx.runs.list()).map((r) => r.value).filter((r) => r.id !== run.id && !isRunFinal(r.state));
    const inUse = new Set(others.flatMap((r) => Object.values(r.cells).map((c) => unitSubject(c.model, c.task))));
    for (const c of Object.values(run.cells)) {
      if (model !== undefined && c.model !== model) continue;
      const subject = unitSubject(c.model, c.task);
      if (inUse.has(subject)) continue;
      const r = await ctx.jet.jsm.streams.purge(UNITS_STREAM, { filter: subject });
      if (r.purged > 0) ctx.logger.info({ runId: run.id, subject, purged: r.purged }, 'purged queued units nobody will run');
    }
  });
}
