/**
 * The HTML the report server sends: a run's report (@clue/report's renderer, with the paired
 * differences against another run when asked), and an index of recent runs.
 */
import { diffRuns, escapeHtml, renderReportHtml } from '@clue/report';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError } from './errors.js';
import { isRunFinal } from './records.js';
import { lastSuccessBefore, loadRunData } from './report-data.js';
import { requireRun, runStateEnum } from './run-view.js';

/**
 * The report of a finished run; `against` = a run id or `last-success`.
 * @throws CoordinatorError NOT_FOUND (a run), FAILED_PRECONDITION (a run not final yet, or no earlier success).
 */
export async function renderRunReport(ctx: CoordinatorContext, runId: string, against: string | null): Promise<string> {
  const rec = await requireRun(ctx, runId);
  if (!isRunFinal(rec.state)) throw new CoordinatorError('FAILED_PRECONDITION', `run ${rec.id} is ${rec.state}: its report is served once it is final`);
  let otherId: string | null = against;
  if (against === 'last-success') {
    otherId = await lastSuccessBefore(ctx, rec);
    if (otherId === null) throw new CoordinatorError('FAILED_PRECONDITION', `no succeeded run named '${rec.spec.name}' before ${rec.id}: nothing to compare with yet`);
  }
  const run = await loadRunData(ctx, rec, { samples: otherId !== null });
  if (otherId === null) return renderReportHtml({ run, generatedAt: new Date().toISOString() });
  const other = await loadRunData(ctx, otherId, { samples: true });
  return renderReportHtml({ run, against: other, diff: diffRuns(other, run), generatedAt: new Date().toISOString() });
}

/** A list of the newest runs with links to their reports. */
export async function renderIndexPage(ctx: CoordinatorContext, limit = 100): Promise<string> {
  const runs = (await ctx.runs.list())
    .map((r) => r.value)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit);
  const rows = runs.map((r) => {
    const link = isRunFinal(r.state)
      ? `<a href="runs/${escapeHtml(r.id)}/report">report</a> · <a href="runs/${escapeHtml(r.id)}/report?against=last-success">against the last success</a>`
      : 'not final yet';
    return `<tr><td>${escapeHtml(r.id)}</td><td>${escapeHtml(r.spec.name)}</td><td>${escapeHtml(runStateEnum(r.state).replace('RUN_STATE_', '').toLowerCase())}</td><td>${escapeHtml(r.createdAt)}</td><td>${link}</td></tr>`;
  });
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CLUE runs</title>',
    '<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}</style>',
    '</head><body><h1>CLUE runs</h1>',
    `<table id="runs"><thead><tr><th>run</th><th>name</th><th>state</th><th>created</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    '</body></html>',
  ].join('\n');
}
