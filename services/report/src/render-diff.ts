/**
 * A run difference for the terminal (a table that fits 120 columns: model, task, A, B, Δ, the interval,
 * ▲/▼ for significant changes, then the level differences per model, with the reasons of cells without
 * an interval as numbered notes) or as JSON (the {@link RunDiff} itself; its shape is in the README).
 */
import { TASK_NAMES, type TaskId } from '@clue/tasks';
import { changeMark } from './cell-diff.js';
import { confidenceLabel, fmtDelta, fmtInterval, fmtScore, truncate, wrap } from './format.js';
import type { LevelDiff, RunDiff } from './run-diff.js';

/** Output formats of {@link renderDiff}. */
export type DiffFormat = 'table' | 'json';

/** The widest line of the table format. */
export const DIFF_TABLE_WIDTH = 120;

const MODEL_WIDTH = 30;

function taskName(task: string): string {
  return TASK_NAMES[task as TaskId] ?? task;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], leftAligned: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < leftAligned ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+/, '').replace(/Z$/, ' UTC');
}

function tableFormat(diff: RunDiff): string {
  const out: string[] = [];
  const head = `Run B ${diff.b.runId} (${diff.b.name}, ${when(diff.b.createdAt)}) against run A ${diff.a.runId} (${diff.a.name}, ${when(diff.a.createdAt)})`;
  const ci = `${confidenceLabel(diff.bootstrap.confidence)} CI`;
  const legend =
    `Task scores in %; Δ = B − A over the samples both runs scored; ${ci}: paired bootstrap (${diff.bootstrap.iterations} resamples, ` +
    `seed ${diff.bootstrap.seed}); ▲/▼: the interval excludes 0.`;
  out.push(...wrap(head, DIFF_TABLE_WIDTH, '  '), ...wrap(legend, DIFF_TABLE_WIDTH, '  '), '');

  const notes: string[] = [];
  const rows = diff.cells.map((c) => {
    const text = [c.reason, ...c.notes].filter(Boolean).join('; ');
    let ref = '';
    if (text !== '') {
      notes.push(`${c.model} × ${taskName(c.task)}: ${text}`);
      ref = `[${notes.length}]`;
    }
    return [truncate(c.model, MODEL_WIDTH), taskName(c.task), fmtScore(c.scoreA), fmtScore(c.scoreB), fmtDelta(c.delta), fmtInterval(c.low, c.high), changeMark(c), c.status === 'ok' ? String(c.paired) : '–', ref];
  });
  out.push(...table(['Model', 'Task', 'A', 'B', 'Δ', ci, '', 'Paired', 'Note'], rows, 2));

  if (diff.models.length > 0) {
    const lv = (l: LevelDiff): string[] => [fmtScore(l.a), fmtScore(l.b), fmtDelta(l.delta)];
    const mrows = diff.models.map((m) => [truncate(m.model, MODEL_WIDTH), ...lv(m.level1), ...lv(m.level2), ...lv(m.clueAvg)]);
    out.push('', 'Levels (point differences):', ...table(['Model', 'L1 A', 'L1 B', 'Δ L1', 'L2 A', 'L2 B', 'Δ L2', 'AVG A', 'AVG B', 'Δ AVG'], mrows, 1));
  }
  if (notes.length > 0) {
    out.push('', 'Notes:');
    notes.forEach((n, i) => out.push(...wrap(`[${i + 1}] ${n}`, DIFF_TABLE_WIDTH, '    ')));
  }
  return out.join('\n');
}

/** Renders a run difference as a terminal table (at most {@link DIFF_TABLE_WIDTH} columns) or as JSON. */
export function renderDiff(diff: RunDiff, format: DiffFormat): string {
  return format === 'json' ? JSON.stringify(diff, null, 2) : tableFormat(diff);
}
