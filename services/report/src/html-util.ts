/**
 * Pieces the HTML report's sections share: escaping, attributes, and what a run's cell shows (its score
 * or why it has none), decided as the CLI's table decides it.
 */
import type { CellResultMessage } from '@clue/common';
import { DISPLAYED_METRICS, TASK_IDS, TASK_NAMES, type TaskId } from '@clue/tasks';
import { cellKey, type RunData } from './model.js';

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** ` name="value"` for every attribute that is not undefined (values escaped). */
export function attrs(a: Readonly<Record<string, string | number | boolean | undefined>>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${esc(String(v))}"`)
    .join('');
}

/** A number for a data attribute, in full precision (shortest round-trip form), or '' when there is none. */
export function dataNum(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '' : String(v);
}

/** A task's display name (the id for a task the library does not know). */
export function taskName(task: string): string {
  return TASK_NAMES[task as TaskId] ?? task;
}

/** A run's cell as the report shows it. */
export interface CellView {
  readonly cell?: CellResultMessage;
  /** Task score in %, null when the cell has none. */
  readonly score: number | null;
  /** Why there is no score ('' when there is one). */
  readonly reason: string;
}

/** The run's cell: missing as in the CLI's table (no cell, or not complete and no score), with its reason. */
export function cellView(run: RunData, model: string, task: string): CellView {
  const cell = run.results.cells.find((c) => c.model === model && c.task === task);
  if (!cell) return { score: null, reason: 'not in this run' };
  if (!cell.complete && cell.score === undefined) {
    return { cell, score: null, reason: cell.missingReason || run.cellInfo.get(cellKey(model, task))?.reason || 'no result' };
  }
  if (cell.score === undefined) {
    const why = (DISPLAYED_METRICS[task as TaskId] ?? []).map((k) => cell.notComputed[k]).filter(Boolean);
    return { cell, score: null, reason: why.length > 0 ? [...new Set(why)].join('; ') : 'no displayed metric was computed' };
  }
  return { cell, score: cell.score, reason: '' };
}

/** The run's tasks in CLUE's order (unknown task ids after the six). */
export function runTasks(run: RunData): string[] {
  const present = [...new Set(run.results.cells.map((c) => c.task))];
  return [...TASK_IDS.filter((t) => present.includes(t)), ...present.filter((t) => !(TASK_IDS as readonly string[]).includes(t))];
}

/** The run's models: the summaries' order, then models that only have cells. */
export function runModels(run: RunData): string[] {
  return [...new Set([...run.results.models.map((m) => m.model), ...run.results.cells.map((c) => c.model)])];
}
