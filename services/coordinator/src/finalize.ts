/**
 * Cell and run finalisation (protocol flow 5). Idempotent and repeatable: it derives everything from
 * KV and the results objects, so running it twice, or after a crash between writing units and cells,
 * gives the same records.
 *
 * Cell: when every unit of a cell is final it gets a `clue_cells` record: `done` with the aggregated
 * metrics when all units are done (or `failed` when their results cannot be aggregated), `failed`
 * with the failed units' reasons otherwise.
 * Run (state machine, final states never change):
 *
 *   running --every cell has a record--> succeeded (all done) | partial (some failed) | failed (none done)
 *
 * A cancelled run is final already and is left alone. Checks run in the background, coalesced per
 * cell, after each unit completion/failure; the reconcile tick runs the full check for every active run.
 */
import type { CoordinatorContext } from './context.js';
import { CoalescingQueue, mapLimit } from './concurrency.js';
import { aggregateCell, readUnitResults, ResultsError } from './aggregation.js';
import {
  cellKey,
  cellRecordKey,
  isRunFinal,
  isUnitFinal,
  nowIso,
  type CellPlanRecord,
  type CellRecord,
  type StoredRunRecord,
  type StoredUnitRecord,
} from './records.js';
import type { SampleRecord } from '@clue/common';
import { ClueError } from '@clue/tasks';

/** Failed units named in a cell's reason. */
const REASONS_SHOWN = 3;

/** Finalises cells and runs. */
export class Finalizer {
  private readonly queue: CoalescingQueue;

  constructor(private readonly ctx: CoordinatorContext) {
    this.queue = new CoalescingQueue((key, e) => ctx.logger.error({ key, err: (e as Error).message }, 'finalisation failed; the reconcile tick retries'));
  }

  /** Schedules a background check of one cell (and of its run when the cell becomes final). */
  scheduleCell(runId: string, model: string, task: string): void {
    this.queue.schedule(cellRecordKey(runId, model, task), () => this.checkCell(runId, model, task));
  }

  /** Resolves when no check is running or queued (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Checks one cell, then the run when every cell has a record. */
  async checkCell(runId: string, model: string, task: string): Promise<void> {
    const run = await this.ctx.runs.get(runId);
    if (!run || isRunFinal(run.value.state)) return;
    const plan = run.value.cells[cellKey(model, task)];
    if (!plan) return;
    const have = await this.ctx.cells.get(cellRecordKey(runId, model, task));
    if (!have) {
      const units = (await this.ctx.units.list(`${runId}.${model}.${task}`)).map((u) => u.value);
      if (!(await this.finishCell(run.value, plan, units))) return;
    }
    await this.checkRunComplete(run.value);
  }

  /**
   * Full check of a run: every cell whose units are all final gets its record, then the run state.
   * `units` are the run's unit records when the caller has just read them.
   */
  async checkRun(runId: string, units?: readonly StoredUnitRecord[]): Promise<void> {
    const run = await this.ctx.runs.get(runId);
    if (!run || isRunFinal(run.value.state)) return;
    const done = new Set((await this.ctx.cells.list(runId)).map((c) => c.key));
    const byCell = new Map<string, StoredUnitRecord[]>();
    for (const u of units ?? (await this.ctx.units.list(runId)).map((e) => e.value)) {
      const k = cellKey(u.model, u.task);
      const list = byCell.get(k) ?? [];
      list.push(u);
      byCell.set(k, list);
    }
    const open = Object.values(run.value.cells).filter((c) => !done.has(cellRecordKey(runId, c.model, c.task)));
    await mapLimit(open, 4, (c) => this.finishCell(run.value, c, byCell.get(cellKey(c.model, c.task)) ?? []));
    await this.checkRunComplete(run.value);
  }

  /** Writes the cell record when every planned unit is final; returns whether it did. */
  private async finishCell(run: StoredRunRecord, plan: CellPlanRecord, units: readonly StoredUnitRecord[]): Promise<boolean> {
    const byId = new Map(units.map((u) => [u.id, u]));
    const planned = plan.units.map((id) => byId.get(id));
    if (planned.some((u) => !u || !isUnitFinal(u.state))) return false;
    const all = planned as StoredUnitRecord[];
    const failed = all.filter((u) => u.state === 'failed');
    const base = { runId: run.id, model: plan.model, task: plan.task };
    let record: CellRecord;
    if (failed.length > 0) {
      const shown = failed.slice(0, REASONS_SHOWN).map((u) => `${u.id}: ${u.reason ?? 'failed'}`);
      const more = failed.length > REASONS_SHOWN ? `; and ${failed.length - REASONS_SHOWN} more` : '';
      const reason = `${failed.length} of ${all.length} unit(s) failed: ${shown.join('; ')}${more}`;
      record = { ...base, state: 'failed', samples: 0, metrics: {}, metricTexts: {}, notComputed: {}, score: null, missing: [], reason };
    } else {
      try {
        const samples: SampleRecord[] = [];
        for (const u of all) samples.push(...(await readUnitResults(this.ctx.jet.results, u)));
        record = { ...base, state: 'done', ...aggregateCell(plan.task, samples, { mode: this.ctx.config.aggregation, bertscore: run.spec.disableBertscore !== true }) };
      } catch (e) {
        if (!(e instanceof ResultsError || e instanceof ClueError)) throw e;
        const reason = `results cannot be aggregated: ${e.message}`;
        record = { ...base, state: 'failed', samples: 0, metrics: {}, metricTexts: {}, notComputed: {}, score: null, missing: [], reason };
      }
    }
    await this.ctx.cells.put(cellRecordKey(run.id, plan.model, plan.task), record);
    this.ctx.logger.info({ runId: run.id, model: plan.model, task: plan.task, state: record.state, score: record.score }, 'cell final');
    return true;
  }

  /** Sets the run's final state once every cell has a record. */
  private async checkRunComplete(run: StoredRunRecord): Promise<void> {
    const records = new Map((await this.ctx.cells.list(run.id)).map((c) => [c.key, c.value]));
    const cells = Object.values(run.cells).map((c) => records.get(cellRecordKey(run.id, c.model, c.task)));
    if (cells.some((c) => c === undefined)) return;
    const failed = (cells as CellRecord[]).filter((c) => c.state === 'failed');
    const state = failed.length === 0 ? 'succeeded' : failed.length === cells.length ? 'failed' : 'partial';
    const reason =
      failed.length === 0
        ? undefined
        : `${failed.length} of ${cells.length} cell(s) failed: ${failed.map((c) => `${c.model}/${c.task}: ${c.reason ?? 'failed'}`).join(' | ')}`;
    const res = await this.ctx.runs.mutate(run.id, (r) =>
      isRunFinal(r.state) ? undefined : { ...r, state, finishedAt: nowIso(), ...(reason !== undefined ? { reason } : {}) },
    );
    if (res?.changed) this.ctx.logger.info({ runId: run.id, state }, 'run final');
  }
}
