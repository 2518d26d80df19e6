/**
 * The model × task score table, like the CLUE paper's main table: per task its score (in %), then
 * Level 1, Level 2 and CLUE AVG, in at most 120 columns for the 25 models of the paper; `detail` adds
 * each task's displayed metrics (ROUGE, BERT F1, ...) before its score, like the paper's appendix.
 * A missing cell is marked and its reason listed.
 */
import { DISPLAYED_METRICS, METRIC_LABELS, PERCENT_METRICS, TASK_IDS, TASK_NAMES, type TaskId } from '@clue/tasks';
import type { CellResultMsg, ResultsMsg } from './shapes.js';

/** The table formats (`clue results --format json` is the document of json-export.ts). */
export type TableFormat = 'table' | 'md' | 'csv';

/** Task headers of the compact table (at most 8 characters, so that 25 models fit 120 columns). */
const SHORT_TASK: Readonly<Record<TaskId, string>> = {
  mednli: 'MedNLI',
  meqsum: 'MeQSum',
  problemsummary: 'ProbSum',
  medisumqa: 'MDS-QA',
  medisumcode: 'MDS-Code',
  longhealth: 'LongH',
};

const pct = (key: string, v: number): number => (PERCENT_METRICS.has(key) ? v : v * 100);
const fmt = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));

interface Grid {
  header: string[];
  rows: string[][];
  /** Why each missing cell is missing, numbered in the table. */
  notes: string[];
  /** Displayed metrics not computed (e.g. BERT_F1 without a scorer), once each. */
  notComputed: Map<string, string>;
}

function tasksOf(r: ResultsMsg): TaskId[] {
  const present = new Set(r.cells.map((c) => c.task));
  return TASK_IDS.filter((t) => present.has(t));
}

function modelsOf(r: ResultsMsg): string[] {
  const seen: string[] = [];
  for (const c of [...r.models.map((m) => m.model), ...r.cells.map((c) => c.model)]) if (!seen.includes(c)) seen.push(c);
  return seen;
}

function grid(r: ResultsMsg, detail: boolean): Grid {
  const tasks = tasksOf(r);
  const header = ['Model'];
  for (const t of tasks) {
    if (detail) header.push(`${TASK_NAMES[t]} ${DISPLAYED_METRICS[t].map((k) => METRIC_LABELS[k] ?? k).join(' / ')}`, `${TASK_NAMES[t]} score`);
    else header.push(SHORT_TASK[t]);
  }
  header.push(...(detail ? ['Level 1', 'Level 2', 'CLUE AVG'] : ['L1', 'L2', 'AVG']));
  const notes: string[] = [];
  const notComputed = new Map<string, string>();
  const rows = modelsOf(r).map((model) => {
    const row = [model];
    for (const t of tasks) {
      const cell = r.cells.find((c) => c.model === model && c.task === t);
      if (!cell || (!cell.complete && cell.score === undefined)) {
        notes.push(`${model} × ${TASK_NAMES[t]}: ${cell?.missingReason || 'no result'}`);
        row.push(...(detail ? [`missing [${notes.length}]`, '–'] : [`–[${notes.length}]`]));
        continue;
      }
      if (detail) row.push(DISPLAYED_METRICS[t].map((k) => (k in cell.metrics ? fmt(pct(k, cell.metrics[k]!)) : '–')).join(' / '));
      row.push(fmt(cell.score));
      for (const k of Object.keys(cell.notComputed)) {
        if (DISPLAYED_METRICS[t].includes(k)) notComputed.set(k, cell.notComputed[k]!);
      }
    }
    const s = r.models.find((m) => m.model === model);
    row.push(fmt(s?.level1), fmt(s?.level2), fmt(s?.clueAvg));
    return row;
  });
  return { header, rows, notes, notComputed };
}

function textTable(g: Grid): string {
  const widths = g.header.map((h, i) => Math.max(h.length, ...g.rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(g.header), widths.map((w) => '-'.repeat(w)).join('  '), ...g.rows.map(line)].join('\n');
}

function mdTable(g: Grid): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|');
  return [
    `| ${g.header.map(esc).join(' | ')} |`,
    `| ${g.header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...g.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Long-form CSV: one row per (model, task, metric) plus the level scores; values in %. */
function csv(r: ResultsMsg): string {
  const out = [['model', 'task', 'metric', 'value', 'note'].join(',')];
  const byCell = (c: CellResultMsg): void => {
    const t = c.task as TaskId;
    for (const k of DISPLAYED_METRICS[t] ?? Object.keys(c.metrics)) {
      const v = c.metrics[k];
      out.push([c.model, c.task, k, v === undefined ? '' : String(pct(k, v)), v === undefined ? (c.notComputed[k] ?? c.missingReason) : ''].map(csvField).join(','));
    }
    out.push([c.model, c.task, 'score', c.score === undefined ? '' : String(c.score), c.missingReason].map(csvField).join(','));
  };
  r.cells.forEach(byCell);
  for (const m of r.models) {
    for (const [k, v] of [['level1', m.level1], ['level2', m.level2], ['clue_avg', m.clueAvg]] as const) {
      out.push([m.model, '', k, v === undefined ? '' : String(v), ''].map(csvField).join(','));
    }
  }
  return out.join('\n');
}

/** Renders a Results message; `detail` shows each task's metrics in the table and md formats. */
export function renderResults(r: ResultsMsg, format: TableFormat, options: { detail?: boolean } = {}): string {
  if (format === 'csv') return csv(r);
  const detail = options.detail === true;
  const g = grid(r, detail);
  const body = format === 'md' ? mdTable(g) : textTable(g);
  const what = detail ? 'metrics and scores in %' : 'task scores in % (--detail: the metrics behind them)';
  const head = `Run ${r.runId} (${r.state.replace('RUN_STATE_', '').toLowerCase()}) — ${what}`;
  const missing = g.notes.length ? '\n\nMissing cells:\n' + g.notes.map((n, i) => `[${i + 1}] ${n}`).join('\n') : '';
  const nc = g.notComputed.size
    ? '\n\nTask scores leave out metrics that were not computed:\n' + [...g.notComputed].map(([k, why]) => `- ${k}: ${why}`).join('\n')
    : '';
  return `${head}\n\n${body}${missing}${nc}`;
}
