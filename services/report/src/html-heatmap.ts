/**
 * The score heatmap, inline SVG `<svg id="heatmap">`: one `<rect>` per (model, task) cell of the run,
 * coloured from its score on a 0–100 scale (grey when it has none, with the reason as its tooltip),
 * model and task labels, and a legend of the scale.
 */
import { fmtScore } from './format.js';
import { attrs, cellView, dataNum, esc, runModels, runTasks, taskName } from './html-util.js';
import type { RunData } from './model.js';
import { groupModels } from './models.js';

/** The colour of a missing cell. */
export const MISSING_FILL = '#c8c8c8';

/** Colour stops of the scale, score 0 to 100 (light yellow to dark blue). */
const STOPS: readonly (readonly [number, number, number])[] = [
  [255, 247, 188],
  [161, 218, 180],
  [65, 182, 196],
  [34, 94, 168],
  [12, 44, 132],
];

/** The fill of a score in % (clamped to 0–100), interpolated linearly between the scale's stops. */
export function scoreFill(score: number): string {
  const x = (Math.min(100, Math.max(0, score)) / 100) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const t = x - i;
  const c = STOPS[i]!.map((v, k) => Math.round(v + (STOPS[i + 1]![k]! - v) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

const CELL_W = 92;
const CELL_H = 22;
const TOP = 28;
const CHAR_W = 6.6;

/** The heatmap of the run's task scores. */
export function heatmapSvg(run: RunData): string {
  const tasks = runTasks(run);
  const models = groupModels(runModels(run)).flatMap((g) => g.models);
  const left = Math.ceil(Math.max(60, ...models.map((m) => m.name.length * CHAR_W)) + 12);
  const gridH = models.length * CELL_H;
  const legendY = TOP + gridH + 18;
  const width = left + Math.max(tasks.length * CELL_W, 11 * 34 + 80) + 8;
  const height = legendY + 40;
  const out: string[] = [];
  tasks.forEach((t, j) => out.push(`<text class="col" x="${left + j * CELL_W + CELL_W / 2}" y="${TOP - 8}" text-anchor="middle">${esc(taskName(t))}</text>`));
  models.forEach((m, i) => {
    const y = TOP + i * CELL_H;
    out.push(`<text class="row" x="${left - 8}" y="${y + CELL_H / 2 + 4}" text-anchor="end">${esc(m.name)}</text>`);
    tasks.forEach((t, j) => {
      const v = cellView(run, m.key, t);
      const fill = v.score === null ? MISSING_FILL : scoreFill(v.score);
      const x = left + j * CELL_W;
      const tip = `${m.name} × ${taskName(t)}: ${v.score === null ? v.reason : fmtScore(v.score)}`;
      out.push(
        `<rect${attrs({ 'data-model': m.key, 'data-task': t, 'data-score': dataNum(v.score), x, y, width: CELL_W - 2, height: CELL_H - 2, fill })}><title>${esc(tip)}</title></rect>`,
      );
      const dark = v.score !== null && v.score > 55;
      out.push(`<text class="val${dark ? ' dark' : ''}" x="${x + (CELL_W - 2) / 2}" y="${y + CELL_H / 2 + 3}" text-anchor="middle">${v.score === null ? '–' : fmtScore(v.score)}</text>`);
    });
  });
  out.push(`<g class="legend"><text x="${left}" y="${legendY - 4}">Score (%)</text>`);
  for (let k = 0; k <= 10; k++) {
    const x = left + k * 34;
    out.push(`<rect x="${x}" y="${legendY}" width="32" height="12" fill="${scoreFill(k * 10)}"/><text x="${x + 16}" y="${legendY + 26}" text-anchor="middle">${k * 10}</text>`);
  }
  const mx = left + 11 * 34 + 14;
  out.push(`<rect x="${mx}" y="${legendY}" width="32" height="12" fill="${MISSING_FILL}"/><text x="${mx + 16}" y="${legendY + 26}" text-anchor="middle">none</text></g>`);
  return `<svg id="heatmap" role="img" aria-label="Task scores per model" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${out.join('')}</svg>`;
}
