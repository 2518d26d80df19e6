/**
 * The report of real runs, opened in headless Chromium (support/chromium.ts):
 * - `clue up --report` on a local cluster: `clue up --format json` is valid against the results schema and
 *   every score cell of the page equals its cells,
 *   the heatmap is drawn (a laid-out, coloured rect per cell), nothing is fetched from the network;
 * - `clue report B --against A` for a second run with a changed seed, and for a run whose outputs are cut
 *   to one token: the page's difference marks are exactly the cells `clue diff --format json` finds
 *   significant (the cut run has at least one).
 * Screenshots go to the test's temp dir (kept when CLUE_KEEP_SCREENSHOTS is set).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { generateDatasets } from '@clue/tasks';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { CoordinatorClient, RESULTS_SCHEMA_FILE, defaultSpec, startLocalCluster, submitSpec, watchRun, type LocalCluster, type ResultsDocument } from '@clue/cli';
import { openPage, type OpenedPage } from '../support/chromium.js';

const require = createRequire(import.meta.url);
const CLUE = join(require.resolve('@clue/cli').replace(/index\.js$/, ''), 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'clue-report-page-'));
const MODELS = ['llama-3-8b-instruct', 'meditron-7b'];

function clue(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLUE_')));
  const r = spawnSync(process.execPath, [CLUE, ...args], { encoding: 'utf8', env: { ...base, ...env }, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface ScoreCell {
  model: string;
  task: string;
  score: string;
  delta: string | null;
  significant: string | null;
  cls: string;
}

async function scoreCells(p: OpenedPage): Promise<ScoreCell[]> {
  return p.page.$$eval('#scores tr[data-model] td[data-task]', (tds) =>
    tds.map((td) => ({
      model: td.closest('tr')!.getAttribute('data-model')!,
      task: td.getAttribute('data-task')!,
      score: td.getAttribute('data-score') ?? '',
      delta: td.getAttribute('data-delta'),
      significant: td.getAttribute('data-significant'),
      cls: td.className,
    })),
  );
}

after(() => {
  if (!process.env['CLUE_KEEP_SCREENSHOTS']) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`screenshots kept in ${dir}\n`);
});

test('the report of a clue up run: its cells are the results, the heatmap is drawn, it loads nothing', { timeout: 300_000 }, async () => {
  const html = join(dir, 'up-report.html');
  const r = clue(['up', '--workers', '1', '--gpus-per-worker', '2', '--models', MODELS.join(','), '--tasks', 'mednli,meqsum,problemsummary', '--samples', '10', '--format', 'json', '--report', html]);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as ResultsDocument;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const valid = ajv.compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')) as object);
  assert.ok(valid(doc), `clue up --format json follows the schema: ${ajv.errorsText(valid.errors)}`);
  const results = { cells: Object.entries(doc.results).flatMap(([model, tasks]) => Object.entries(tasks).map(([task, c]) => ({ model, task, score: c.score ?? undefined }))) };
  assert.equal(results.cells.length, MODELS.length * 3, 'every cell of the run is in the document');
  const p = await openPage(html);
  try {
    const cells = await scoreCells(p);
    assert.equal(cells.length, results.cells.length, 'one score cell per result cell');
    for (const c of results.cells) {
      const shown = cells.find((x) => x.model === c.model && x.task === c.task);
      assert.ok(shown, `${c.model} × ${c.task} is on the page`);
      assert.equal(shown.score === '' ? undefined : Number(shown.score), c.score, `${c.model} × ${c.task}`);
    }
    const groups = await p.page.$$eval('#scores tr', (trs) => trs.map((tr) => tr.textContent ?? '').join('\n'));
    assert.match(groups, /biomedical/i, 'meditron-7b sits in the biomedical group');
    const rects = await p.page.$$eval('#heatmap rect[data-task]', (rs) =>
      rs.map((r) => {
        const b = r.getBoundingClientRect();
        return { w: b.width, h: b.height, fill: getComputedStyle(r).fill, model: r.getAttribute('data-model'), score: r.getAttribute('data-score') };
      }),
    );
    assert.equal(rects.length, results.cells.length, 'a heatmap rect per cell');
    assert.ok(rects.every((x) => x.w > 0 && x.h > 0), 'every rect is laid out');
    assert.ok(new Set(rects.map((x) => x.fill)).size > 1, `the colours follow the scores: ${[...new Set(rects.map((x) => x.fill))].join(', ')}`);
    assert.deepEqual(p.blockedRequests, [], 'the page fetched nothing from the network');
    const shot = join(dir, 'up-report.png');
    await p.screenshot(shot);
    assert.ok(statSync(shot).size > 10_000, 'a screenshot of the page');
  } finally {
    await p.close();
  }
});

test('differences against a run with another seed, and against a regression: the marks are the significant cells', { timeout: 300_000 }, async () => {
  const cluster: LocalCluster = await startLocalCluster({ workers: 1, gpusPerWorker: 2, gpu: 'H100-80GB', timeScale: 2000, stateDir: join(dir, 'state') });
  try {
    const data = await generateDatasets({ outDir: join(dir, 'data'), samples: 30, seed: 2 });
    const client = new CoordinatorClient(cluster.coordinator, cluster.clientAuth('operator'));
    const ids: string[] = [];
    try {
      for (const [key, seed, maxTokens] of [['a', 0, 0], ['b', 1, 0], ['c', 0, 1]] as const) {
        const spec = {
          ...defaultSpec(),
          name: 'nightly',
          idempotencyKey: key,
          models: MODELS,
          tasks: ['mednli' as const, 'meqsum' as const],
          data: { mednli: data.mednli, meqsum: data.meqsum },
          sampling: { temperature: 0.7, topP: 0.95, maxTokens, seed },
          bertscore: false,
        };
        const { runId } = await submitSpec(client, spec);
        await watchRun(client, runId);
        ids.push(runId);
      }
    } finally {
      client.close();
    }
    const env = { CLUE_COORDINATOR: cluster.coordinator, CLUE_TLS_CA: cluster.security.caFile, CLUE_TLS_SERVER_NAME: 'localhost', CLUE_TOKEN: cluster.security.tokens.reader };
    let marksSeen = 0;
    const pairs: [string, string][] = [
      [ids[0]!, ids[1]!],
      [ids[0]!, ids[2]!],
    ];
    for (const [against, b] of pairs) {
      const diff = JSON.parse(clue(['diff', against, b, '--format', 'json'], env).out) as { cells: { model: string; task: string; delta: number; significant: boolean }[] };
      const html = join(dir, `diff-${b}.html`);
      const r = clue(['report', b, '--against', against, '--out', html], env);
      assert.equal(r.code, 0, r.err);
      const p = await openPage(html);
      try {
        const cells = await scoreCells(p);
        for (const d of diff.cells) {
          const shown = cells.find((x) => x.model === d.model && x.task === d.task)!;
          assert.ok(shown, `${d.model} × ${d.task}`);
          assert.equal(shown.significant, String(d.significant), `${d.model} × ${d.task}: data-significant`);
          assert.ok(Math.abs(Number(shown.delta) - d.delta) < 1e-9, `${d.model} × ${d.task}: data-delta`);
          const marked = /\bsig-(up|down)\b/.test(shown.cls);
          assert.equal(marked, d.significant, `${d.model} × ${d.task}: marked exactly when significant`);
          if (marked) {
            marksSeen++;
            assert.match(shown.cls, d.delta < 0 ? /\bsig-down\b/ : /\bsig-up\b/);
          }
        }
        assert.deepEqual(p.blockedRequests, []);
        await p.screenshot(join(dir, `diff-${b}.png`));
      } finally {
        await p.close();
      }
    }
    assert.ok(marksSeen > 0, 'the regression (outputs cut to one token) is marked');
  } finally {
    await cluster.stop();
  }
});
