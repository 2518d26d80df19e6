/**
 * `clue list`: recent runs, newest first, one line each (at most 120 columns), with the CLUE AVG trend:
 * a run's mean CLUE AVG over its models, its change against the previous finished run of the same
 * name, and the gate verdict recorded on it. An average that lacks a model's CLUE AVG (a cell failed,
 * a level incomplete) is not printed as a number: it shows "–" and says why at the end.
 */
import type { CoordinatorClient } from './grpc-client.js';
import type { ResultsMsg } from './results/shapes.js';
import { runState } from './progress.js';

/** The Run message fields `clue list` reads. */
export interface ListedRun {
  id: string;
  state: string;
  createdAt: string;
  samplesDone: number;
  samplesTotal: number;
  spec?: { name?: string; models?: string[] };
  gate?: { passed: boolean; againstRunId: string; violations: number; summary: string } | null;
}

/** A run's CLUE AVG: the mean over its models, or why there is none. */
export type RunAverage = { value: number; models: readonly string[] } | { value: null; why: string };

/** Line width `clue list` keeps to. */
export const LIST_WIDTH = 120;

const FINISHED = new Set(['RUN_STATE_SUCCEEDED', 'RUN_STATE_PARTIAL', 'RUN_STATE_FAILED', 'RUN_STATE_CANCELLED']);

/** The CLUE AVG of `results` (only `model` when given). */
export function runAverage(results: ResultsMsg, model?: string): RunAverage {
  const models = model === undefined ? results.models : results.models.filter((m) => m.model === model);
  if (models.length === 0) return { value: null, why: model === undefined ? 'no model has results' : `${model} is not in the run` };
  const missing = models.filter((m) => m.clueAvg === undefined || m.clueAvg === null || Number.isNaN(m.clueAvg));
  if (missing.length > 0) return { value: null, why: `incomplete: no CLUE AVG for ${missing.map((m) => m.model).join(', ')}` };
  return { value: models.reduce((s, m) => s + m.clueAvg!, 0) / models.length, models: models.map((m) => m.model).sort() };
}

const sameModels = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((m, i) => m === b[i]);

/** `2026-12-04T08:57:29.934Z` -> `2026-12-04 08:57`. */
function minute(iso: string): string {
  return iso.length >= 16 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso;
}

function gateText(g: ListedRun['gate']): string {
  if (!g) return '';
  return g.passed ? 'passed' : `FAILED(${g.violations})`;
}

/**
 * The lines of `clue list`: a header, one line per run (newest first, as ListRuns returns them) and
 * numbered notes for averages that are not numbers. `averages` holds the finished runs' averages.
 */
export function renderRunList(runs: readonly ListedRun[], averages: ReadonlyMap<string, RunAverage>, options: { model?: string } = {}): string[] {
  const avgHead = options.model ? 'AVG(model)' : 'CLUE AVG';
  const head = ['RUN', 'STATE', 'DONE', 'CREATED (UTC)', avgHead, 'Δ PREV', 'GATE', 'NAME'];
  const notes: string[] = [];
  const rows = runs.map((run, i) => {
    const pct = run.samplesTotal ? ((100 * run.samplesDone) / run.samplesTotal).toFixed(1) + '%' : '0.0%';
    const avg = averages.get(run.id);
    let avgText = '';
    let delta = '';
    if (avg?.value !== undefined && avg.value !== null) {
      avgText = avg.value.toFixed(2);
      // The previous finished run of the same name (older: later in the list) with an average.
      const prev = runs.slice(i + 1).find((r) => (r.spec?.name ?? '') === (run.spec?.name ?? '') && averages.has(r.id));
      const pa = prev ? averages.get(prev.id)! : undefined;
      if (pa?.value !== undefined && pa.value !== null) {
        delta = sameModels(avg.models, pa.models) ? `${avg.value - pa.value >= 0 ? '+' : ''}${(avg.value - pa.value).toFixed(2)}` : 'models≠';
      }
    } else if (avg) {
      notes.push(`${run.id}: ${avg.why}`);
      avgText = `–[${notes.length}]`;
    }
    return [run.id, runState(run.state), pct, minute(run.createdAt), avgText, delta, gateText(run.gate), run.spec?.name ?? ''];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const right = new Set([2, 4, 5]);
  const line = (cells: string[]): string => {
    const fixed = cells
      .slice(0, -1)
      .map((x, c) => (right.has(c) ? x.padStart(widths[c]!) : x.padEnd(widths[c]!)))
      .join('  ');
    const room = Math.max(4, LIST_WIDTH - fixed.length - 2);
    const name = cells[cells.length - 1]!;
    return `${fixed}  ${name.length > room ? name.slice(0, room - 1) + '…' : name}`.trimEnd();
  };
  const out = [line(head), ...rows.map(line)];
  if (notes.length > 0) out.push('', ...notes.map((n, k) => `[${k + 1}] ${n}`));
  return out.map((l) => (l.length > LIST_WIDTH ? l.slice(0, LIST_WIDTH - 1) + '…' : l));
}

/** Lists runs (optionally only `name`'s) and the averages of the finished ones. */
export async function loadRunList(
  client: CoordinatorClient,
  options: { limit: number; name?: string; model?: string },
): Promise<{ runs: ListedRun[]; averages: Map<string, RunAverage> }> {
  const { runs: all } = await client.call<{ runs: ListedRun[] }>('listRuns', { limit: options.name === undefined ? options.limit : 500 });
  const runs = (options.name === undefined ? all : all.filter((r) => (r.spec?.name ?? '') === options.name)).slice(0, options.limit);
  const averages = new Map<string, RunAverage>();
  for (const r of runs) {
    if (!FINISHED.has(r.state)) continue;
    const results = await client.call<ResultsMsg>('getResults', { runId: r.id });
    averages.set(r.id, runAverage(results, options.model));
  }
  return { runs, averages };
}
