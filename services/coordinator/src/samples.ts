/**
 * GetSamples: the per-sample records of one cell, read from the results objects of its done units (the
 * object each DONE record names) and checked as aggregation checks them, in sample order. Units that
 * are not done contribute nothing; the caller compares the count with the cell's sample count.
 */
import { sampleMessage, type SampleMessage, type SampleRecord } from '@clue/common';
import type { StoredUnitRecord } from './records.js';
import type { CoordinatorContext } from './context.js';
import { readUnitResults } from './aggregation.js';
import { invalidArgument } from './errors.js';
import { requireRun } from './run-view.js';

/**
 * Streams the cell's records to `emit` in index order.
 * @throws CoordinatorError NOT_FOUND (run), INVALID_ARGUMENT (a model or task the run does not have).
 */
export async function streamCellSamples(ctx: CoordinatorContext, runId: string, model: string, task: string, emit: (s: SampleMessage) => void): Promise<number> {
  const run = await requireRun(ctx, runId);
  if (!run.spec.models.includes(model)) throw invalidArgument('model', `run ${run.id} has no model '${model}' (it has ${run.spec.models.join(', ')})`);
  if (!(run.spec.tasks as readonly string[]).includes(task)) throw invalidArgument('task', `run ${run.id} has no task '${task}' (it has ${run.spec.tasks.join(', ')})`);
  const units = (await ctx.units.list(`${run.id}.${model}.${task}`)).map((u) => u.value);
  const records = await readCellRecords(ctx, units);
  for (const r of records) emit(sampleMessage(r));
  return records.length;
}

/** The records of a cell's done units (others are skipped), checked as aggregation checks them, in index order. */
export async function readCellRecords(ctx: CoordinatorContext, units: readonly StoredUnitRecord[]): Promise<SampleRecord[]> {
  const out: SampleRecord[] = [];
  for (const u of units.filter((x) => x.state === 'done')) out.push(...(await readUnitResults(ctx.jet.results, u)));
  return out.sort((a, b) => a.index - b.index);
}
