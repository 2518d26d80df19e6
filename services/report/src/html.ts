/**
 * The run report: one self-contained HTML page (inline CSS and SVG; no script, font, image or other
 * resource from anywhere else) with the run's facts, the paper-style score table, a heatmap, per-cell
 * details and, against another run, the differences with their intervals. Every string from the run
 * (model names, reasons, spec values) is escaped.
 */
import { ReportError } from './errors.js';
import { cellsTable } from './html-cells.js';
import { diffSection } from './html-diff.js';
import { heatmapSvg } from './html-heatmap.js';
import { scoresTable } from './html-scores.js';
import { esc, taskName } from './html-util.js';
import type { RunData } from './model.js';
import { diffRuns, type RunDiff, type RunRef } from './run-diff.js';

/** What the report shows. */
export interface ReportInput {
  /** The run reported on (B of a difference). */
  readonly run: RunData;
  /** The run it is compared against (A); without `diff`, the difference is computed with the default bootstrap. */
  readonly against?: RunData;
  /** The difference B − A with `run` as B (from {@link diffRuns}). */
  readonly diff?: RunDiff;
  /** When the report was made (ISO time), printed in the header. */
  readonly generatedAt: string;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 16px;margin:8px 0}dl.facts dt{color:#555}dl.facts dd{margin:0}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 8px;border-bottom:1px solid #e3e3e3;vertical-align:top}
thead th{text-align:left;border-bottom:2px solid #999;background:#f6f6f6}caption{text-align:left;color:#555;padding:4px 0}
#scores td{text-align:right;white-space:nowrap}#scores th[scope=row]{text-align:left;font-weight:normal}
tr.group th{text-align:left;background:#eef2f7;font-weight:600}
.base,.key{display:block;font-size:11px;color:#666}.delta,.ci{display:block;font-size:11px;color:#555}
td.missing{color:#999}.sig-up{background:#e7f6ea}.sig-down{background:#fbe9e7}
.sig-up .mark,.sig-up.mark,tr.sig-up td.mark{color:#137333}.sig-down .mark,tr.sig-down td.mark{color:#b3261e}
td.num{text-align:right;white-space:nowrap}td.metrics{font-size:12px}td ul{margin:0;padding-left:16px;font-size:12px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
#heatmap text{font-size:11px;fill:#1d1d1f}#heatmap text.val{font-size:10px}#heatmap text.val.dark{fill:#fff}
#cells td:first-child,#diff td:first-child{white-space:nowrap}
footer{margin-top:32px;color:#777;font-size:12px}
`;

function fact(label: string, value: string): string {
  return `<dt>${esc(label)}</dt><dd>${value}</dd>`;
}

function specValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
}

function header(run: RunData, other: RunRef | undefined, generatedAt: string): string {
  const facts = [
    fact('Run', `<code>${esc(run.runId)}</code>`),
    fact('Name', esc(run.name)),
    fact('State', esc(run.state.replace(/^RUN_STATE_/, '').toLowerCase())),
    fact('Created', esc(run.createdAt)),
    ...Object.entries(run.spec).map(([k, v]) => fact(k, esc(specValue(v)))),
  ];
  if (other) facts.push(fact('Compared against', `<code>${esc(other.runId)}</code> (${esc(other.name)}, created ${esc(other.createdAt)})`));
  const datasets = Object.entries(run.datasets).map(([task, sha]) => `<tr><td>${esc(taskName(task))}</td><td><code>${esc(sha)}</code></td></tr>`);
  const dsTable = datasets.length > 0 ? `<table id="datasets"><thead><tr><th scope="col">Task</th><th scope="col">Dataset sha256</th></tr></thead><tbody>${datasets.join('')}</tbody></table>` : '';
  return `<header><h1>CLUE run report: ${esc(run.name || run.runId)}</h1><p>Generated ${esc(generatedAt)}</p><dl class="facts">${facts.join('')}</dl>${dsTable}</header>`;
}

/**
 * The report as one HTML document.
 * @throws ReportError INVALID_ARGUMENT when `diff` is not a difference with `run` as B (and `against` as A).
 */
export function renderReportHtml(input: ReportInput): string {
  const { run, against, generatedAt } = input;
  const diff = input.diff ?? (against ? diffRuns(against, run) : undefined);
  if (diff && diff.b.runId !== run.runId) {
    throw new ReportError('INVALID_ARGUMENT', `the diff's run B is ${diff.b.runId}, but the report is of run ${run.runId}`);
  }
  if (diff && against && diff.a.runId !== against.runId) {
    throw new ReportError('INVALID_ARGUMENT', `the diff's run A is ${diff.a.runId}, but the report compares against run ${against.runId}`);
  }
  const other = against ? { runId: against.runId, name: against.name, createdAt: against.createdAt, state: against.state } : diff?.a;
  const sections = [
    header(run, other, generatedAt),
    `<section><h2>Scores</h2>${scoresTable(run, diff)}</section>`,
    `<section><h2>Heatmap</h2>${heatmapSvg(run)}</section>`,
    `<section><h2>Cells</h2><details open><summary>Metrics, samples, GPU-seconds and failures per cell</summary>${cellsTable(run)}</details></section>`,
  ];
  if (diff) sections.push(`<section><h2>Differences against run ${esc(diff.a.runId)}</h2>${diffSection(diff)}</section>`);
  sections.push(`<footer>@clue/report, ${esc(generatedAt)}</footer>`);
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(`CLUE run ${run.name || run.runId}`)}</title><style>${CSS}</style></head>\n<body>\n${sections.join('\n')}\n</body></html>\n`;
}
