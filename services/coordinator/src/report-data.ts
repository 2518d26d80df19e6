/**
 * A run as @clue/report reads it (RunData), straight from JetStream: the run record, the results table
 * (results.ts buildResults) and, for differences, every complete cell's per-sample records (samples.ts).
 */
import type { SampleRecord } from '@clue/common';
import { cellKey, runDataOf, type RunData } from '@clue/report';
import type { CoordinatorContext } from './context.js';
import { buildResults } from './results.js';
import { requireRun, runStateEnum } from './run-view.js';
import { readCellRecords } from './samples.js';
import type { StoredRunRecord } from './records.js';

/**
 * Loads a run (the record, when the caller has it already); with `samples`, also the records of its
 * complete cells. Lists the run's units and cells once. @throws CoordinatorError NOT_FOUND.
 */
export async function loadRunData(ctx: CoordinatorContext, runOrId: string | StoredRunRecord, options: { samples: boolean }): Promise<RunData> {
  const run = typeof runOrId === 'string' ? await requireRun(ctx, runOrId) : runOrId;
  const [cells, unitEntries] = await Promise.all([ctx.cells.list(run.id), ctx.units.list(run.id)]);
  const units = unitEntries.map((u) => u.value);
  const results = buildResults(run, new Map(cells.map((c) => [c.key, c.value])), new Map(unitEntries.map((u) => [u.key, u.value])));
  let samples: Map<string, SampleRecord[]> | undefined;
  if (options.samples) {
    samples = new Map();
    for (const c of results.cells.filter((x) => x.complete)) {
      samples.set(cellKey(c.model, c.task), await readCellRecords(ctx, units.filter((u) => u.model === c.model && u.task === c.task)));
    }
  }
  return runDataOf({ ...run, state: runStateEnum(run.state) }, results, samples);
}

/** The newest succeeded run with the same spec name created before `run`, or null. */
export async function lastSuccessBefore(ctx: CoordinatorContext, run: Pick<StoredRunRecord, 'id' | 'createdAt' | 'spec'>): Promise<string | null> {
  const earlier = (await ctx.runs.list())
    .map((r) => r.value)
    .filter((r) => r.id !== run.id && r.spec.name === run.spec.name && r.state === 'succeeded' && r.createdAt < run.createdAt)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return earlier[0]?.id ?? null;
}
