import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TASK_IDS, type TaskId } from '@clue/tasks';
import { renderReportHtml } from './html.js';
import { ReportError } from './errors.js';
import { MISSING_FILL } from './html-heatmap.js';
import { diffRuns } from './run-diff.js';
import { makeRun, synthSamples, type CellSpec } from './test-support.js';
import type { RunData } from './model.js';

const GENERAL = 'llama-3-8b-instruct';
const BIO = 'openbiollm-8b';
const ODD = 'my-<b>model</b>&"x\'';
const EVIL = '<script>alert("x")</script>';

/** An element: its attributes (unescaped) and inner HTML. */
interface El {
  readonly attrs: Record<string, string>;
  readonly inner: string;
}

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Elements `tag` (not nested in themselves) whose attributes match `where`; a tiny parser for these tests. */
function elements(html: string, tag: string, where: Record<string, string | true> = {}): El[] {
  const re = new RegExp(`<${tag}((?:\\s+[\\w-]+(?:="[^"]*")?)*)\\s*(?:/>|>([\\s\\S]*?)</${tag}>)`, 'g');
  const out: El[] = [];
  for (const m of html.matchAll(re)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[1] ?? '').matchAll(/([\w-]+)(?:="([^"]*)")?/g)) attrs[a[1]!] = unescape(a[2] ?? '');
    if (Object.entries(where).every(([k, v]) => (v === true ? k in attrs : attrs[k] === v))) out.push({ attrs, inner: m[2] ?? '' });
  }
  return out;
}

function section(html: string, id: string, tag = 'table'): string {
  const start = html.indexOf(`<${tag} id="${id}"`);
  assert.ok(start >= 0, `no <${tag} id="${id}">`);
  return html.slice(start, html.indexOf(`</${tag}>`, start) + tag.length + 3);
}

const text = (inner: string): string => unescape(inner.replace(/<[^>]+>/g, ''));

function cells(seedShift: number, overrides: Partial<Record<TaskId, CellSpec>> = {}): Partial<Record<TaskId, CellSpec>> {
  const base = Object.fromEntries(TASK_IDS.map((t, i) => [t, { samples: synthSamples(t, t === 'longhealth' ? 600 : 200, 10 * i + seedShift) }]));
  return { ...base, ...overrides };
}

function runs(): { a: RunData; b: RunData } {
  const a = makeRun('run-a', { [BIO]: cells(1), [GENERAL]: cells(2), [ODD]: { mednli: { samples: synthSamples('mednli', 50, 3) } } });
  const b = makeRun(
    'run-b',
    {
      [BIO]: cells(1, { medisumcode: { failed: EVIL } }),
      [GENERAL]: cells(2, { mednli: { samples: synthSamples('mednli', 200, 77, 0.25) }, medisumqa: { samples: synthSamples('medisumqa', 200, 78, -0.15) } }),
      [ODD]: { mednli: { samples: synthSamples('mednli', 50, 3) } },
    },
    { name: `nightly ${EVIL}`, spec: { temperature: 0, note: EVIL, nested: { maxTokens: 0 } } },
  );
  return { a, b };
}

test('the score table: groups as the paper, display names, full-precision data-score, levels, missing cells with reasons', () => {
  const { b } = runs();
  const html = renderReportHtml({ run: b, generatedAt: '2026-12-02T08:00:00Z' });
  const table = section(html, 'scores');
  const groups = elements(table, 'tr', { class: 'group' }).map((g) => text(g.inner));
  assert.deepEqual(groups, ['General-domain models', 'Biomedical models', 'Other models (not in the catalog)']);
  const rows = elements(table, 'tr', { 'data-model': true });
  assert.deepEqual(rows.map((r) => r.attrs['data-model']), [GENERAL, BIO, ODD]);
  assert.match(rows[0]!.inner, /<th scope="row">Meta-Llama-3-8B-Instruct</);
  assert.match(rows[1]!.inner, /Llama3-OpenBioLLM-8B<span class="base">adapted from Meta-Llama-3-8B-Instruct<\/span>/);
  for (const row of rows) {
    const model = row.attrs['data-model']!;
    const tds = elements(row.inner, 'td', { 'data-task': true });
    assert.deepEqual(tds.map((t) => t.attrs['data-task']), [...TASK_IDS]);
    for (const td of tds) {
      const cell = b.results.cells.find((c) => c.model === model && c.task === td.attrs['data-task']);
      if (cell?.score !== undefined) {
        assert.equal(td.attrs['data-score'], String(cell.score));
        assert.equal(Number(td.attrs['data-score']), cell.score, 'full precision');
        assert.equal(text(td.inner), cell.score.toFixed(2));
      } else {
        assert.equal(td.attrs['data-score'], '');
        assert.equal(text(td.inner), '–');
        assert.ok(td.attrs['title'], `${model} ${td.attrs['data-task']}: a missing cell says why`);
      }
    }
    const summary = b.results.models.find((m) => m.model === model)!;
    for (const level of ['level1', 'level2', 'clueAvg'] as const) {
      const [td] = elements(row.inner, 'td', { 'data-level': level });
      assert.equal(td!.attrs['data-score'], summary[level] === undefined ? '' : String(summary[level]));
    }
  }
  const failed = elements(rows[1]!.inner, 'td', { 'data-task': 'medisumcode', class: 'missing' });
  assert.deepEqual(failed.map((f) => f.attrs['title']), [EVIL], 'the reason, escaped in the attribute, reads back intact');
  assert.equal(elements(table, 'td', { title: 'not in this run' }).length, 5, 'the uncatalogued model has only a MedNLI cell');
});

test('the heatmap has one rect per cell, grey for missing ones, labels and a legend', () => {
  const { b } = runs();
  const svg = section(renderReportHtml({ run: b, generatedAt: 'now' }), 'heatmap', 'svg');
  const rects = elements(svg, 'rect', { 'data-model': true });
  assert.equal(rects.length, 3 * 6);
  for (const r of rects) {
    const cell = b.results.cells.find((c) => c.model === r.attrs['data-model'] && c.task === r.attrs['data-task']);
    assert.equal(r.attrs['data-score'], cell?.score === undefined ? '' : String(cell.score));
    assert.equal(r.attrs['fill'] === MISSING_FILL, cell?.score === undefined, `${r.attrs['data-model']} ${r.attrs['data-task']}`);
    assert.match(r.attrs['fill']!, /^#[0-9a-f]{6}$/);
  }
  assert.ok(svg.includes('>Meta-Llama-3-8B-Instruct</text>') && svg.includes('>MeDiSumQA</text>'));
  assert.ok(svg.includes('Score (%)') && svg.includes('>none</text>'), 'legend');
});

test('per-cell details: displayed metrics, samples, GPU-seconds, failed units, reasons', () => {
  const { b } = runs();
  const table = section(renderReportHtml({ run: b, generatedAt: 'now' }), 'cells');
  const rows = elements(table, 'tr', { 'data-model': true });
  assert.equal(rows.length, b.results.cells.length);
  const qa = rows.find((r) => r.attrs['data-model'] === GENERAL && r.attrs['data-task'] === 'medisumqa')!;
  const tds = elements(qa.inner, 'td').map((t) => text(t.inner));
  assert.match(tds[2]!, /^R-L \d+\.\d\d · R-1 \d+\.\d\d · R-2 \d+\.\d\d · BERT F1 \d+\.\d\d · UMLS F1 \d+\.\d\d$/);
  assert.deepEqual(tds.slice(4, 7), ['200', '300.0', '0']);
  const failed = rows.find((r) => r.attrs['data-model'] === BIO && r.attrs['data-task'] === 'medisumcode')!;
  assert.deepEqual(elements(failed.inner, 'td').map((t) => text(t.inner)).slice(4), ['0', '12.5', '1', EVIL]);
});

test('every string is escaped and nothing is fetched from elsewhere', () => {
  const { a, b } = runs();
  const html = renderReportHtml({ run: b, against: a, generatedAt: EVIL });
  assert.ok(!html.includes('<script'), 'no script element, not even from a reason');
  assert.ok(!html.includes('<b>model'), 'model names are escaped');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('my-&lt;b&gt;model&lt;/b&gt;&amp;&quot;x&#39;'));
  assert.doesNotMatch(html, /(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /url\(\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /https?:\/\//i);
  assert.doesNotMatch(html, /<(?:link|img|iframe|object|embed)\b/i);
});

test('with a diff: Δ and interval per cell, marks exactly where the interval excludes 0, and the diff table', () => {
  const { a, b } = runs();
  const diff = diffRuns(a, b, { iterations: 400 });
  const html = renderReportHtml({ run: b, against: a, diff, generatedAt: 'now' });
  const header = html.slice(0, html.indexOf('</header>'));
  assert.ok(header.includes('<code>run-a</code> (nightly, created 2026-12-01T02:00:00Z)'));
  const tds = elements(section(html, 'scores'), 'td', { 'data-task': true });
  assert.equal(tds.length, 18);
  let up = 0;
  let down = 0;
  for (const td of tds) {
    const low = td.attrs['data-ci-low']!;
    const high = td.attrs['data-ci-high']!;
    assert.ok('data-delta' in td.attrs && 'data-significant' in td.attrs);
    const excludes0 = low !== '' && (Number(low) > 0 || Number(high) < 0);
    assert.equal(td.attrs['data-significant'], String(excludes0));
    const cls = td.attrs['class'] ?? '';
    const marks = (td.inner.match(/[▲▼]/g) ?? []).length;
    if (excludes0) {
      const dir = Number(low) > 0 ? 'up' : 'down';
      if (dir === 'up') up++;
      else down++;
      assert.ok(cls.split(' ').includes(`sig-${dir}`), cls);
      assert.equal(marks, 1);
      assert.ok(td.inner.includes(dir === 'up' ? '▲' : '▼'));
      assert.match(text(td.inner), /Δ [+-]\d+\.\d\d [▲▼]\[[+-]\d+\.\d\d, [+-]\d+\.\d\d\]$/);
    } else {
      assert.ok(!/sig-/.test(cls), cls);
      assert.equal(marks, 0);
    }
  }
  assert.deepEqual([up, down], [1, 1], 'the fixture has one significant rise (MedNLI) and one drop (MeDiSumQA)');
  const rows = elements(section(html, 'diff'), 'tr', { 'data-model': true });
  assert.equal(rows.length, diff.cells.length);
  for (const r of rows) {
    const c = diff.cells.find((x) => x.model === r.attrs['data-model'] && x.task === r.attrs['data-task'])!;
    assert.equal(r.attrs['data-significant'], String(c.significant));
    assert.equal((r.inner.match(/[▲▼]/g) ?? []).length, c.significant ? 1 : 0);
  }
  assert.equal(elements(section(html, 'diff-levels'), 'tr', { 'data-model': true }).length, 3);
});

test('against without a diff computes it; a diff of another run is refused', () => {
  const { a, b } = runs();
  const html = renderReportHtml({ run: b, against: a, generatedAt: 'now' });
  assert.ok(html.includes('<table id="diff">'));
  assert.ok(!renderReportHtml({ run: b, generatedAt: 'now' }).includes('<table id="diff">'));
  assert.throws(() => renderReportHtml({ run: a, diff: diffRuns(a, b, { iterations: 10 }), generatedAt: 'now' }), (e: unknown) => e instanceof ReportError && /run B is run-b/.test(e.message));
});
