/**
 * The report's difference section: `<table id="diff">` with every cell's difference B − A (scores, Δ,
 * the interval, ▲/▼, pairs, and why a cell has no interval), and the level point differences per model.
 */
import { changeDirection, changeMark } from './cell-diff.js';
import { confidenceLabel, fmtDelta, fmtInterval, fmtScore } from './format.js';
import { attrs, esc, taskName } from './html-util.js';
import { modelView } from './models.js';
import type { LevelDiff, RunDiff } from './run-diff.js';

/** The per-cell difference table and the level differences. */
export function diffSection(diff: RunDiff): string {
  const ci = `${confidenceLabel(diff.bootstrap.confidence)} CI`;
  const rows = diff.cells.map((c) => {
    const dir = changeDirection(c);
    const notes = [c.reason, ...c.notes].filter(Boolean).map((n) => `<li>${esc(n)}</li>`).join('');
    const a = { 'data-model': c.model, 'data-task': c.task, 'data-status': c.status, 'data-significant': String(c.significant), class: dir ? `sig-${dir}` : undefined };
    return (
      `<tr${attrs(a)}><td>${esc(modelView(c.model).name)}</td><td>${esc(taskName(c.task))}</td><td class="num">${fmtScore(c.scoreA)}</td>` +
      `<td class="num">${fmtScore(c.scoreB)}</td><td class="num">${fmtDelta(c.delta)}</td><td class="num">${fmtInterval(c.low, c.high)}</td>` +
      `<td class="mark">${changeMark(c)}</td><td class="num">${c.status === 'ok' ? c.paired : '–'}</td>` +
      `<td class="num">${c.status === 'ok' ? `${c.unpairedA} / ${c.unpairedB}` : '–'}</td><td>${esc(c.status)}${notes ? `<ul>${notes}</ul>` : ''}</td></tr>`
    );
  });
  const head = ['Model', 'Task', 'A', 'B', 'Δ', ci, '', 'Paired', 'Unpaired A / B', 'Status'];
  const cellTable = `<table id="diff"><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
  const lv = (l: LevelDiff): string => `<td class="num">${fmtScore(l.a)}</td><td class="num">${fmtScore(l.b)}</td><td class="num">${fmtDelta(l.delta)}</td>`;
  const levelRows = diff.models.map((m) => `<tr${attrs({ 'data-model': m.model })}><td>${esc(modelView(m.model).name)}</td>${lv(m.level1)}${lv(m.level2)}${lv(m.clueAvg)}</tr>`);
  const levelHead = ['Model', 'L1 A', 'L1 B', 'Δ L1', 'L2 A', 'L2 B', 'Δ L2', 'AVG A', 'AVG B', 'Δ AVG'];
  const levels = `<table id="diff-levels"><thead><tr>${levelHead.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${levelRows.join('\n')}</tbody></table>`;
  const legend =
    `Δ = B − A over the samples both runs scored (paired by index); ${ci}: paired bootstrap with ${diff.bootstrap.iterations} resamples, ` +
    `seed ${diff.bootstrap.seed}; ▲/▼: the interval excludes 0. BERT F1 within the bootstrap is the per-sample value.`;
  return `<p>${esc(legend)}</p>${cellTable}<h3>Levels (point differences)</h3>${levels}`;
}
