/**
 * The headless-Chromium harness (support/chromium.ts) on a small static page written here: a table with
 * data-* attributes and an inline SVG bar chart. Proves that a real Chromium renders it (cell text and
 * attributes read from the DOM, SVG rects laid out with a size and their CSS fill), that a PNG
 * screenshot comes out, that the page is offline (a request to https://example.com is blocked and
 * recorded) and that no browser process outlives a test.
 *
 * Needs Debian's `chromium` (scripts/setup.sh installs it) or CLUE_CHROMIUM; without it every test here
 * fails, saying how to install it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { chromiumExecutable, chromiumVersion, openHtml, openPage, type OpenedPage } from '../support/chromium.js';

const TIMEOUT = 60_000;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>harness page</title>
<style>
  body { font-family: sans-serif; margin: 16px; }
  rect.ok { fill: rgb(46, 125, 50); }
  rect.bad { fill: #c62828; }
</style></head>
<body>
  <h1>Scores</h1>
  <table id="scores">
    <thead><tr><th>model</th><th>task</th><th>score</th></tr></thead>
    <tbody>
      <tr data-model="llama-3-8b" data-task="medqa" data-score="0.61"><td>llama-3-8b</td><td>medqa</td><td>0.61</td></tr>
      <tr data-model="llama-3-8b" data-task="ehrnoteqa" data-score="0.42"><td>llama-3-8b</td><td>ehrnoteqa</td><td>0.42</td></tr>
      <tr data-model="mistral-7b" data-task="medqa" data-score="0.55"><td>mistral-7b</td><td>medqa</td><td>0.55</td></tr>
    </tbody>
  </table>
  <svg id="chart" width="300" height="120" viewBox="0 0 300 120" xmlns="http://www.w3.org/2000/svg">
    <rect class="ok" data-cell="llama-3-8b/medqa" x="10" y="${120 - 61}" width="60" height="61"/>
    <rect class="bad" data-cell="llama-3-8b/ehrnoteqa" x="90" y="${120 - 42}" width="60" height="42"/>
    <rect class="ok" data-cell="mistral-7b/medqa" x="170" y="${120 - 55}" width="60" height="55" style="fill: rgb(21, 101, 192)"/>
  </svg>
</body></html>
`;

/** The temp dirs of the browsers this file started: every process of one names its dir on its command line. */
const started: string[] = [];

/** Opens and remembers the page's browser temp dir, for the process checks below. */
function track(p: OpenedPage): OpenedPage {
  const arg = p.page.browser().process()?.spawnargs.find((a) => a.startsWith('--user-data-dir='));
  assert.ok(arg, 'the browser was started without --user-data-dir');
  started.push(dirname(arg.slice('--user-data-dir='.length)));
  return p;
}

/** Processes (pid and command line) of the browsers with these temp dirs, found with pgrep. */
function processesOf(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) => {
    const r = spawnSync('pgrep', ['-a', '-f', dir], { encoding: 'utf8', timeout: 10_000 });
    assert.ok(r.status === 0 || r.status === 1, `pgrep failed: ${r.error?.message ?? r.stderr}`);
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  });
}

async function waitGone(dirs: readonly string[], ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesOf(dirs);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('chromium is installed and runs', { timeout: TIMEOUT }, () => {
  const exe = chromiumExecutable(); // throws with the install instructions when missing
  assert.match(chromiumVersion(exe), /Chromium|Chrome/, `${exe} --version does not look like Chromium`);
});

test('a static page renders: table cells, data-* attributes, SVG rects with a size and their fill; PNG screenshot', { timeout: TIMEOUT }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clue-report-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'page.html');
  writeFileSync(file, PAGE);
  const p = track(await openPage(file));
  t.after(() => p.close());

  assert.equal(await p.page.title(), 'harness page');
  const cells = await p.page.$$eval('#scores tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(cells, [
    ['llama-3-8b', 'medqa', '0.61'],
    ['llama-3-8b', 'ehrnoteqa', '0.42'],
    ['mistral-7b', 'medqa', '0.55'],
  ]);
  const data = await p.page.$$eval('#scores tbody tr', (rows) => rows.map((r) => ({ ...r.dataset })));
  assert.deepEqual(data, [
    { model: 'llama-3-8b', task: 'medqa', score: '0.61' },
    { model: 'llama-3-8b', task: 'ehrnoteqa', score: '0.42' },
    { model: 'mistral-7b', task: 'medqa', score: '0.55' },
  ]);

  const rects = await p.page.$$eval('#chart rect', (els) =>
    els.map((el) => {
      const b = el.getBoundingClientRect();
      return { cell: el.getAttribute('data-cell'), width: b.width, height: b.height, fill: getComputedStyle(el).fill };
    }),
  );
  assert.equal(rects.length, 3);
  for (const r of rects) assert.ok(r.width > 0 && r.height > 0, `rect ${r.cell} is not laid out: ${r.width}×${r.height}`);
  // Heights follow the scores (the viewBox is 1:1 with the 300×120 px box).
  assert.deepEqual(
    rects.map((r) => [r.cell, Math.round(r.height)]),
    [
      ['llama-3-8b/medqa', 61],
      ['llama-3-8b/ehrnoteqa', 42],
      ['mistral-7b/medqa', 55],
    ],
  );
  // The stylesheet's class fills, and an inline style overriding one of them, as Chromium computed them.
  assert.deepEqual(
    rects.map((r) => r.fill),
    ['rgb(46, 125, 50)', 'rgb(198, 40, 40)', 'rgb(21, 101, 192)'],
  );

  const png = join(dir, 'page.png');
  await p.screenshot(png);
  const bytes = readFileSync(png);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the screenshot is not a PNG');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  assert.equal(width, 1280, 'a full-page screenshot is as wide as the viewport');
  assert.ok(height >= 300, `screenshot height ${height}`);
  // A blank 1280×800 page comes out at about 5 KB; this one, with text and coloured bars, at about 18 KB.
  assert.ok(bytes.length > 8_000, `the screenshot is only ${bytes.length} bytes`);

  assert.deepEqual(p.blockedRequests, []);
  assert.deepEqual(p.consoleErrors, []);
});

test('the page is offline: a request to https://example.com is blocked and recorded, and so is a WebSocket', { timeout: TIMEOUT }, async (t) => {
  const p = track(await openHtml(`<!doctype html><html><head><title>net</title></head><body>
    <img id="remote" src="https://example.com/x.png" alt="remote">
    <img id="local" src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='3' height='2'/%3E" alt="local">
    <script>
      window.fetchResult = fetch('http://203.0.113.7/api').then(() => 'loaded', (e) => 'failed: ' + e.message);
      window.socketResult = new Promise((done) => {
        const ws = new WebSocket('wss://example.com/socket');
        ws.onopen = () => done('open');
        ws.onerror = () => done('error');
      });
    </script></body></html>`));
  t.after(() => p.close());

  const images = await p.page.$$eval('img', (imgs) => imgs.map((i) => ({ id: i.id, complete: i.complete, width: i.naturalWidth })));
  assert.deepEqual(images, [
    { id: 'remote', complete: true, width: 0 }, // broken: never loaded
    { id: 'local', complete: true, width: 3 }, // data: URLs load
  ]);
  assert.match(String(await p.page.evaluate('window.fetchResult')), /^failed/);
  assert.equal(await p.page.evaluate('window.socketResult'), 'error');
  // The image, the fetch and the socket start concurrently: their order is not fixed.
  assert.deepEqual([...p.blockedRequests].sort(), ['http://203.0.113.7/api', 'https://example.com/x.png', 'wss://example.com/socket']);
  assert.ok(
    p.consoleErrors.some((e) => e.includes('ERR_BLOCKED_BY_CLIENT')),
    `no console error for the blocked request: ${JSON.stringify(p.consoleErrors)}`,
  );
});

test('nothing reaches a server that is listening: a loopback HTTP server sees no connection from the page', { timeout: TIMEOUT }, async (t) => {
  // Offline would hide a leak to example.com; a real server on 127.0.0.1 shows whether anything gets out,
  // an IP address (no name to resolve) and a WebSocket (which request interception does not see) included.
  let connections = 0;
  const server = createServer((_req, res) => res.end('reached'));
  server.on('connection', () => connections++);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.after(() => new Promise<void>((done) => server.close(() => done())));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const p = track(
    await openHtml(`<!doctype html><body><img src="${base}/x.png" alt="x"><script>
      window.fetchResult = fetch('${base}/api').then(() => 'loaded', () => 'failed');
      window.socketResult = new Promise((done) => {
        const ws = new WebSocket('ws://127.0.0.1:${port}/socket');
        ws.onopen = () => done('open');
        ws.onerror = () => done('error');
      });
    </script></body>`),
  );
  t.after(() => p.close());
  assert.equal(await p.page.evaluate('window.fetchResult'), 'failed');
  assert.equal(await p.page.evaluate('window.socketResult'), 'error');
  assert.deepEqual([...p.blockedRequests].sort(), [`${base}/api`, `${base}/x.png`, `ws://127.0.0.1:${port}/socket`]);
  assert.equal(connections, 0, 'the page connected to the loopback server');
});

test('uncaught exceptions and console.error are recorded', { timeout: TIMEOUT }, async (t) => {
  const p = track(await openHtml(`<!doctype html><script>console.error('bad thing', 42); null.x;</script>`));
  t.after(() => p.close());
  assert.equal(p.consoleErrors.length, 2, JSON.stringify(p.consoleErrors));
  assert.equal(p.consoleErrors[0], 'bad thing 42');
  assert.match(p.consoleErrors[1]!, /^uncaught: .*null/);
});

test('close() leaves no chromium process and no profile, also when the test body threw', { timeout: TIMEOUT }, async () => {
  let opened: OpenedPage | undefined;
  await assert.rejects(async () => {
    opened = track(await openHtml('<!doctype html><p>hi</p>'));
    assert.ok(processesOf(started.slice(-1)).length >= 2, 'pgrep finds no browser processes while a page is open: the check below would prove nothing');
    throw new Error('the test failed here');
  }, /the test failed here/);
  assert.ok(opened);
  await opened.close();
  await opened.close(); // idempotent
  assert.deepEqual(await waitGone(started.slice(-1), 5_000), [], 'chromium processes left after close()');
  assert.equal(existsSync(started.at(-1)!), false, 'the temp profile is still there after close()');
  await assert.rejects(opened.page.title(), 'the page still answers after close()');
});

test('a page that never finishes loading fails within its timeout and leaves nothing behind', { timeout: TIMEOUT }, async (t) => {
  // The browser's temp dir goes under a dir of this test's own (os.tmpdir() reads TMPDIR), so that the
  // process check below sees this browser only.
  const dir = mkdtempSync(join(tmpdir(), 'clue-report-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const before = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  const started = Date.now();
  try {
    await assert.rejects(openHtml('<!doctype html><script>for (;;) {}</script>', { timeoutMs: 3_000 }), /could not open the HTML: Navigation timeout of 3000 ms exceeded/);
  } finally {
    if (before === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = before;
  }
  assert.ok(Date.now() - started < 20_000, `openHtml took ${Date.now() - started} ms to give up`);
  assert.deepEqual(await waitGone([dir], 5_000), [], 'chromium processes left after a failed open');
  assert.deepEqual(readdirSync(dir), [], 'the temp profile of the failed open is still there');
});

test('no chromium process outlives this file', { timeout: TIMEOUT }, async () => {
  assert.equal(started.length, 5, 'the tests above opened 5 pages');
  assert.deepEqual(await waitGone(started, 10_000), [], 'chromium processes left after the tests above closed their pages');
  assert.deepEqual(started.filter((d) => existsSync(d)), [], 'temp profiles left behind');
});
