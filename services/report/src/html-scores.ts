/**
 * The report's paper-style score table `<table id="scores">`: one row per model, grouped general-domain
 * / biomedical as the CLUE paper groups them, the task scores, then Level 1, Level 2 and CLUE AVG. Every
 * score cell carries its full-precision value in `data-score`; with a diff, also `data-delta`,
 * `data-ci-low`, `data-ci-high` and `data-significant`, shows Δ and the interval under the score, and a
 * significant change gets the class `sig-up`/`sig-down` and a ▲/▼ mark.
 */
import type { ModelSummaryMessage } from '@clue/common';
import { changeDirection, changeMark } from './cell-diff.js';
import { fmtDelta, fmtInterval, fmtScore } from './format.js';
import { attrs, cellView, dataNum, esc, runModels, runTasks, taskName } from './html-util.js';
import type { RunData } from './model.js';
import { groupModels, type ModelView } from './models.js';
import { findCellDiff, type RunDiff } from './run-diff.js';

const LEVELS = [
  ['level1', 'Level 1'],
  ['level2', 'Level 2'],
  ['clueAvg', 'CLUE AVG'],
] as const;

/** The model's name cell: the catalog's display name, the base model of a biomedical one, the run's key. */
export function modelNameCell(m: ModelView): string {
  const base = m.base !== null ? `<span class="base">adapted from ${esc(m.base)}</span>` : '';
  const key = m.name !== m.key ? `<span class="key">${esc(m.key)}</span>` : '';
  return `<th scope="row">${esc(m.name)}${base}${key}</th>`;
}

function taskCell(run: RunData, diff: RunDiff | undefined, model: string, task: string): string {
  const view = cellView(run, model, task);
  const d = diff ? findCellDiff(diff, model, task) : undefined;
  const dir = d ? changeDirection(d) : null;
  const a: Record<string, string | undefined> = { 'data-task': task, 'data-score': dataNum(view.score) };
  if (diff) {
    a['data-delta'] = dataNum(d?.delta);
    a['data-ci-low'] = dataNum(d?.low);
    a['data-ci-high'] = dataNum(d?.high);
    a['data-significant'] = String(d?.significant === true);
  }
  const classes = [view.score === null ? 'missing' : '', dir === 'up' ? 'sig-up' : dir === 'down' ? 'sig-down' : ''].filter(Boolean);
  if (classes.length > 0) a['class'] = classes.join(' ');
  if (view.score === null) a['title'] = view.reason;
  let body = view.score === null ? '–' : fmtScore(view.score);
  if (d && d.delta !== null) {
    const mark = changeMark(d);
    body += `<span class="delta">Δ ${fmtDelta(d.delta)}${mark ? ` <span class="mark">${mark}</span>` : ''}</span>`;
    if (d.low !== null) body += `<span class="ci">${fmtInterval(d.low, d.high)}</span>`;
  }
  return `<td${attrs(a)}>${body}</td>`;
}

function levelCell(summary: ModelSummaryMessage | undefined, diff: RunDiff | undefined, model: string, level: (typeof LEVELS)[number][0]): string {
  const v = summary?.[level];
  const ld = diff?.models.find((m) => m.model === model)?.[level];
  const a: Record<string, string | undefined> = { 'data-level': level, 'data-score': dataNum(v) };
  if (diff) a['data-delta'] = dataNum(ld?.delta);
  if (v === undefined) {
    a['class'] = 'missing';
    a['title'] = 'not every task of this level has a score';
  }
  const delta = ld && ld.delta !== null ? `<span class="delta">Δ ${fmtDelta(ld.delta)}</span>` : '';
  return `<td${attrs(a)}>${v === undefined ? '–' : fmtScore(v)}${delta}</td>`;
}

/** The score table of `run`, with the differences of `diff` (whose B is `run`) when given. */
export function scoresTable(run: RunData, diff?: RunDiff): string {
  const tasks = runTasks(run);
  const cols = 1 + tasks.length + LEVELS.length;
  const head = ['<th scope="col">Model</th>', ...tasks.map((t) => `<th scope="col"${attrs({ 'data-task': t })}>${esc(taskName(t))}</th>`), ...LEVELS.map(([k, label]) => `<th scope="col"${attrs({ 'data-level': k })}>${label}</th>`)];
  const rows: string[] = [];
  for (const group of groupModels(runModels(run))) {
    rows.push(`<tr class="group"${attrs({ 'data-group': group.kind })}><th colspan="${cols}" scope="rowgroup">${esc(group.title)}</th></tr>`);
    for (const m of group.models) {
      const summary = run.results.models.find((s) => s.model === m.key);
      const cells = [...tasks.map((t) => taskCell(run, diff, m.key, t)), ...LEVELS.map(([k]) => levelCell(summary, diff, m.key, k))];
      rows.push(`<tr${attrs({ 'data-model': m.key })}>${modelNameCell(m)}${cells.join('')}</tr>`);
    }
  }
  const caption = diff
    ? 'Task scores in %; under each, Δ against the other run and its interval (▲/▼: the interval excludes 0). Level differences are point differences.'
    : 'Task scores in % (the mean of the task’s displayed metrics); Level 1, Level 2 and CLUE AVG as CLUE computes them.';
  return `<table id="scores"><caption>${esc(caption)}</caption><thead><tr>${head.join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}
