/**
 * GetResults: the model x task table from `clue_cells` (metrics, not-computed reasons, task scores)
 * and each model's Level 1, Level 2 and CLUE AVG (@clue/tasks `levelScores`). Cells without a result
 * are listed with the reason they are missing.
 */
import { levelScores, type TaskId } from '@clue/tasks';
import type { CellResultMessage, ModelSummaryMessage, ResultsMessage } from '@clue/common';
import type { CoordinatorContext } from './context.js';
import { requireRun, runStateEnum } from './run-view.js';
import { cellRecordKey, isRunFinal, isUnitFinal, type CellRecord, type StoredRunRecord, type StoredUnitRecord } from './records.js';

export type { CellResultMessage, ModelSummaryMessage, ResultsMessage } from '@clue/common';

function missingReason(run: StoredRunRecord, rec: CellRecord | undefined, unitsDone: number, unitsTotal: number): string {
  if (rec?.state === 'failed') return rec.reason ?? 'failed';
  if (rec) return '';
  if (run.state === 'cancelled') return run.reason ?? 'cancelled';
  if (isRunFinal(run.state)) return 'no result was recorded for this cell';
  return `not finished: ${unitsDone} of ${unitsTotal} unit(s) final`;
}

/** Builds the Results message from records (pure). */
export function buildResults(run: StoredRunRecord, cells: ReadonlyMap<string, CellRecord>, units: ReadonlyMap<string, Pick<StoredUnitRecord, 'state' | 'gpuSeconds'>>): ResultsMessage {
  const out: CellResultMessage[] = [];
  const scores = new Map<string, Partial<Record<TaskId, number | null>>>();
  for (const plan of Object.values(run.cells)) {
    const rec = cells.get(cellRecordKey(run.id, plan.model, plan.task));
    const done = rec?.state === 'done';
    const own = plan.units.map((u) => units.get(u)).filter((u) => u !== undefined);
    const cell: CellResultMessage = {
      model: plan.model,
      task: plan.task,
      complete: done,
      metrics: done ? { ...rec.metrics } : {},
      notComputed: done ? { ...rec.notComputed } : {},
      missingReason: missingReason(run, rec, own.filter((u) => isUnitFinal(u.state)).length, plan.units.length),
      samples: done ? rec.samples : 0,
      gpuSeconds: own.reduce((s, u) => s + (u.state === 'done' ? (u.gpuSeconds ?? 0) : 0), 0),
      unitsFailed: own.filter((u) => u.state === 'failed').length,
      unitsTotal: plan.units.length,
    };
    if (done && rec.score !== null) cell.score = rec.score;
    out.push(cell);
    const s = scores.get(plan.model) ?? {};
    s[plan.task] = done ? rec.score : null;
    scores.set(plan.model, s);
  }
  const models: ModelSummaryMessage[] = run.spec.models.map((model) => {
    const l = levelScores(scores.get(model) ?? {});
    const m: ModelSummaryMessage = { model };
    if (l.level1 !== null) m.level1 = l.level1;
    if (l.level2 !== null) m.level2 = l.level2;
    if (l.clueAvg !== null) m.clueAvg = l.clueAvg;
    return m;
  });
  return { runId: run.id, state: runStateEnum(run.state), cells: out, models };
}

/** GetResults. @throws CoordinatorError NOT_FOUND for an unknown run. */
export async function getResults(ctx: CoordinatorContext, runId: string): Promise<ResultsMessage> {
  const run = await requireRun(ctx, runId);
  const [cells, units] = await Promise.all([ctx.cells.list(run.id), ctx.units.list(run.id)]);
  return buildResults(run, new Map(cells.map((c) => [c.key, c.value])), new Map(units.map((u) => [u.key, u.value])));
}
