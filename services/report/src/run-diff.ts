/**
 * The difference between two runs, B − A: every cell of B and every cell only in A, each with a paired
 * bootstrap interval where both runs have the cell's per-sample records ({@link diffCellSamples}), and
 * per model the point differences of Level 1, Level 2 and CLUE AVG from the runs' results.
 */
import type { CellResultMessage, ModelSummaryMessage } from '@clue/common';
import { TASK_IDS, type TaskId } from '@clue/tasks';
import { bootstrapSettings, type BootstrapOptions } from './bootstrap.js';
import { diffCellSamples, unavailableCellDiff, type CellDiff, type CellSideState } from './cell-diff.js';
import { cellKey, type RunData } from './model.js';

/** Which run a side of the difference is. */
export interface RunRef {
  readonly runId: string;
  readonly name: string;
  readonly createdAt: string;
  readonly state: string;
}

/** A level score in both runs and its point difference (null where a run has no such score). */
export interface LevelDiff {
  readonly a: number | null;
  readonly b: number | null;
  readonly delta: number | null;
}

/** A model's level differences. */
export interface ModelDiff {
  readonly model: string;
  readonly level1: LevelDiff;
  readonly level2: LevelDiff;
  readonly clueAvg: LevelDiff;
}

/** The difference between two runs (the JSON shape of `renderDiff(diff, 'json')`, see the README). */
export interface RunDiff {
  /** Version of this shape. */
  readonly version: 1;
  readonly a: RunRef;
  readonly b: RunRef;
  /** The bootstrap settings every cell used. */
  readonly bootstrap: { readonly iterations: number; readonly seed: number; readonly confidence: number };
  /** Models in B's order (then those only in A), tasks in CLUE's order. */
  readonly cells: readonly CellDiff[];
  readonly models: readonly ModelDiff[];
}

/** Options of {@link diffRuns}: the bootstrap's (see {@link BootstrapOptions}). */
export type RunDiffOptions = Omit<BootstrapOptions, 'keepReplicates'>;

function ref(run: RunData): RunRef {
  return { runId: run.runId, name: run.name, createdAt: run.createdAt, state: run.state };
}

interface Side {
  readonly state: CellSideState;
  readonly cell?: CellResultMessage;
  readonly reason: string;
}

/** A cell without a result (as the CLI's table counts it: not complete and no score) is failed. */
function side(run: RunData, label: 'A' | 'B', model: string, task: string): Side {
  const cell = run.results.cells.find((c) => c.model === model && c.task === task);
  if (!cell) return { state: 'absent', reason: `not in run ${label} (${run.runId})` };
  if (!cell.complete && cell.score === undefined) {
    return { state: 'failed', cell, reason: `${label}: ${cell.missingReason || run.cellInfo.get(cellKey(model, task))?.reason || 'no result'}` };
  }
  return { state: 'complete', cell, reason: '' };
}

function orderedUnion(...lists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const list of lists) for (const x of list) if (!out.includes(x)) out.push(x);
  return out;
}

function runModels(run: RunData): string[] {
  return orderedUnion(run.results.models.map((m) => m.model), run.results.cells.map((c) => c.model));
}

function cellDiff(a: RunData, b: RunData, model: string, task: string, options: RunDiffOptions): CellDiff {
  const sa = side(a, 'A', model, task);
  const sb = side(b, 'B', model, task);
  const base = { model, task, stateA: sa.state, stateB: sb.state, scoreA: sa.cell?.score ?? null, scoreB: sb.cell?.score ?? null };
  const why = [sa.reason, sb.reason].filter(Boolean).join('; ');
  if (sa.state === 'absent' || sb.state === 'absent') return unavailableCellDiff({ ...base, status: 'missing', reason: why });
  if (sa.state === 'failed' || sb.state === 'failed') return unavailableCellDiff({ ...base, status: 'failed', reason: why });
  if (!(TASK_IDS as readonly string[]).includes(task)) {
    return unavailableCellDiff({ ...base, status: 'no-common-metrics', reason: `unknown task '${task}'` });
  }
  const samplesA = a.samples?.get(cellKey(model, task));
  const samplesB = b.samples?.get(cellKey(model, task));
  if (!samplesA || !samplesB) {
    const which = [!samplesA ? 'A' : '', !samplesB ? 'B' : ''].filter(Boolean).join(' and ');
    return unavailableCellDiff({ ...base, status: 'no-samples', reason: `the per-sample records of run ${which} are not loaded: a point difference only` });
  }
  return diffCellSamples(model, task as TaskId, samplesA, samplesB, options);
}

function levelDiff(a: number | undefined, b: number | undefined): LevelDiff {
  return { a: a ?? null, b: b ?? null, delta: a !== undefined && b !== undefined ? b - a : null };
}

/**
 * The difference B − A over every cell of either run.
 * @throws ReportError INVALID_ARGUMENT for bad bootstrap options or a cell with an index twice.
 */
export function diffRuns(a: RunData, b: RunData, options: RunDiffOptions = {}): RunDiff {
  const settings = bootstrapSettings(options);
  const models = orderedUnion(runModels(b), runModels(a));
  const cells: CellDiff[] = [];
  for (const model of models) {
    const tasks = orderedUnion(
      [...b.results.cells, ...a.results.cells].filter((c) => c.model === model).map((c) => c.task),
    ).sort((x, y) => rank(x) - rank(y));
    for (const task of tasks) cells.push(cellDiff(a, b, model, task, settings));
  }
  const summary = (run: RunData, model: string): ModelSummaryMessage | undefined => run.results.models.find((m) => m.model === model);
  return {
    version: 1,
    a: ref(a),
    b: ref(b),
    bootstrap: settings,
    cells,
    models: models.map((model) => {
      const sa = summary(a, model);
      const sb = summary(b, model);
      return { model, level1: levelDiff(sa?.level1, sb?.level1), level2: levelDiff(sa?.level2, sb?.level2), clueAvg: levelDiff(sa?.clueAvg, sb?.clueAvg) };
    }),
  };
}

/** CLUE's task order; unknown task ids after the six, in their order of appearance. */
function rank(task: string): number {
  const i = (TASK_IDS as readonly string[]).indexOf(task);
  return i < 0 ? TASK_IDS.length : i;
}

/** The difference of one cell, if the diff has it. */
export function findCellDiff(diff: RunDiff, model: string, task: string): CellDiff | undefined {
  return diff.cells.find((c) => c.model === model && c.task === task);
}
