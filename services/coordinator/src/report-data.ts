/**
 * A run as @clue/report reads it (RunData), straight from JetStream: the run record, the results table
 * (results.ts) and, for differences, every complete cell's per-sample records (samples.ts).
 */
import type { SampleRecord } from '@clue/common';
import { cellKey, runDataOf, type RunData } from '@clue/report';
import type { CoordinatorContext } from './context.js';
import { getResults } from './results.js';
import { requireRun, runStateEnum } from './run-view.js';
import { readUnitResults } from './aggregation.js';
import type { StoredRunRecord } from './records.js';

/** Loads a run; with `samples`, also the records of its complete cells. @throws CoordinatorError NOT_FOUND. */
export async function loadRunData(ctx: CoordinatorContext, runId: string, options: { samples: boolean }): Promise<RunData> {
  const run = await requireRun(ctx, runId);
  const results = await getResults(ctx, run.id);
  let samples: Map<string, SampleRecord[]> | undefined;
  if (options.samples) {
    samples = new Map();
    const units = (await ctx.units.list(run.id)).map((u) => u.value).filter((u) => u.state === 'done');
    for (const c of results.cells.filter((x) => x.complete)) {
      const records: SampleRecord[] = [];
      for (const u of units.filter((x) => x.model === c.model && x.task === c.task)) records.push(...(await readUnitResults(ctx.jet.results, u)));
      samples.set(cellKey(c.model, c.task), records.sort((a, b) => a.index - b.index));
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
