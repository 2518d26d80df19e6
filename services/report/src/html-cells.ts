/**
 * Per-cell details `<table id="cells">`: the metrics the CLI's table displays for the task (in %), the
 * score, samples aggregated, GPU-seconds and failed units (from the run's cellInfo), and the metrics not
 * computed with their reasons (or why the cell has no result).
 */
import { DISPLAYED_METRICS, METRIC_LABELS, PERCENT_METRICS, type TaskId } from '@clue/tasks';
import { fmtScore } from './format.js';
import { attrs, cellView, esc, runModels, runTasks, taskName } from './html-util.js';
import { cellKey, type RunData } from './model.js';
import { groupModels } from './models.js';

const pct = (key: string, v: number): number => (PERCENT_METRICS.has(key) ? v : v * 100);

function metricsText(task: string, metrics: Readonly<Record<string, number>>): string {
  const keys = DISPLAYED_METRICS[task as TaskId] ?? Object.keys(metrics);
  return keys.map((k) => `${METRIC_LABELS[k] ?? k} ${k in metrics ? fmtScore(pct(k, metrics[k]!)) : '–'}`).join(' · ');
}

/** The details of every cell of the run, in the score table's order. */
export function cellsTable(run: RunData): string {
  const rows: string[] = [];
  for (const m of groupModels(runModels(run)).flatMap((g) => g.models)) {
    for (const task of runTasks(run)) {
      const v = cellView(run, m.key, task);
      if (!v.cell) continue;
      const info = run.cellInfo.get(cellKey(m.key, task));
      const notes = Object.entries(v.cell.notComputed).map(([k, why]) => `<li><code>${esc(k)}</code>: ${esc(why)}</li>`);
      if (v.score === null) notes.unshift(`<li class="reason">${esc(v.reason)}</li>`);
      if (info && info.reason !== '' && info.reason !== v.reason) notes.push(`<li>${esc(info.reason)}</li>`);
      rows.push(
        `<tr${attrs({ 'data-model': m.key, 'data-task': task })}><td>${esc(m.name)}</td><td>${esc(taskName(task))}</td>` +
          `<td class="metrics">${esc(metricsText(task, v.cell.metrics))}</td><td class="num">${fmtScore(v.score)}</td>` +
          `<td class="num">${v.cell.samples}</td><td class="num">${info ? info.gpuSeconds.toFixed(1) : '–'}</td>` +
          `<td class="num">${info ? info.unitsFailed : '–'}</td><td>${notes.length > 0 ? `<ul>${notes.join('')}</ul>` : ''}</td></tr>`,
      );
    }
  }
  const head = ['Model', 'Task', 'Metrics (%)', 'Score', 'Samples', 'GPU-seconds', 'Failed units', 'Not computed / reason'];
  return `<table id="cells"><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}
