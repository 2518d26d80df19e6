/**
 * A real headless Chromium for the system tests: Debian's `chromium` (installed by scripts/setup.sh),
 * driven by puppeteer-core, which connects to that installed browser and never downloads one.
 *
 *   const p = await openPage(file);          // or openHtml('<!doctype html>…')
 *   try {
 *     const cells = await p.page.$$eval('td', (tds) => tds.map((td) => td.textContent));
 *     await p.screenshot(join(dir, 'page.png'));
 *     assert.deepEqual(p.blockedRequests, []);
 *     assert.deepEqual(p.consoleErrors, []);
 *   } finally {
 *     await p.close();                        // always: kills the browser, removes its profile
 *   }
 *
 * Each page runs in a browser of its own, with a fresh temporary profile, talking to us over a pipe (no
 * DevTools port is opened; the browser also exits by itself when this process dies and the pipe closes).
 * The page is offline: every request whose URL is not file:, data:, blob: or about: is aborted and
 * recorded in `blockedRequests`, as is every WebSocket it opens; on top of that the browser resolves no
 * host at all, not even an IP address (--host-resolver-rules), which stops what request interception does
 * not see (WebSockets, Chromium's own background requests).
 */
// Callbacks given to page.evaluate/$$eval run in the page: they are typed against the DOM.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** What an install hint says when no browser is found. */
const INSTALL_HINT =
  "install Debian's chromium package: `bash scripts/setup.sh` (which runs scripts/install-system-deps.sh) or " +
  '`apt-get install --no-install-recommends chromium`; or set CLUE_CHROMIUM to the path of a Chromium/Chrome executable';

/** A page open in its own headless Chromium. */
export interface OpenedPage {
  /** The puppeteer page, loaded (its `load` event has fired). */
  readonly page: Page;
  /** Every URL the page tried to fetch off this machine (aborted), and every WebSocket it opened, as they were seen. */
  readonly blockedRequests: string[];
  /** `console.error` messages and uncaught exceptions of the page, in order. A blocked request adds one too. */
  readonly consoleErrors: string[];
  /** Writes a PNG of the whole page (not only the viewport) to `path`. */
  screenshot(path: string): Promise<void>;
  /** Closes the browser (killing its process group if it does not exit in time) and removes its profile. Idempotent. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Bound on launching, loading and every later protocol call. @default 30000 */
  readonly timeoutMs?: number;
  /** @default { width: 1280, height: 800 } */
  readonly viewport?: { readonly width: number; readonly height: number };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium executable: `CLUE_CHROMIUM` if set (it must be executable), else `chromium` on PATH.
 * Throws, saying how to install it, when there is none.
 */
export function chromiumExecutable(): string {
  const env = process.env['CLUE_CHROMIUM'];
  if (env) {
    if (!isExecutable(env)) throw new Error(`CLUE_CHROMIUM=${env} is not an executable file: point it at a Chromium executable, or unset it to use \`chromium\` from PATH`);
    return env;
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, 'chromium');
    if (isExecutable(file)) return file;
  }
  throw new Error(`Chromium was not found (no \`chromium\` on PATH, CLUE_CHROMIUM unset): ${INSTALL_HINT}`);
}

/** `chromium --version` of the executable, e.g. "Chromium 156.0.8078.114 built on Debian GNU/Linux 12". */
export function chromiumVersion(executable = chromiumExecutable()): string {
  const r = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) throw new Error(`${executable} --version failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  return r.stdout.trim();
}

/** URL schemes a page may load: none of them leaves the machine. */
const LOCAL_SCHEMES = new Set(['file:', 'data:', 'blob:', 'about:']);

function isLocal(url: string): boolean {
  try {
    return LOCAL_SCHEMES.has(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** Rejects after `ms` with `what` in the message, so that no step can hang. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens an HTML file (a path, or a file: URL) in a fresh headless Chromium; see the module comment. */
export async function openPage(htmlFile: string | URL, options: OpenOptions = {}): Promise<OpenedPage> {
  const url = htmlFile instanceof URL ? htmlFile.href : htmlFile.startsWith('file:') ? htmlFile : pathToFileURL(resolve(htmlFile)).href;
  return open(url, undefined, options);
}

/** Writes `html` to a file in the browser's temporary profile and opens it as a file: page (removed on close). */
export async function openHtml(html: string, options: OpenOptions = {}): Promise<OpenedPage> {
  return open(undefined, html, options);
}

async function open(url: string | undefined, html: string | undefined, options: OpenOptions): Promise<OpenedPage> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const executablePath = chromiumExecutable();
  const profile = mkdtempSync(join(tmpdir(), 'clue-chromium-'));
  const blockedRequests: string[] = [];
  const consoleErrors: string[] = [];
  let browser: Browser | undefined;
  let closed: Promise<void> | undefined;

  const close = (): Promise<void> =>
    (closed ??= (async () => {
      const proc = browser?.process();
      try {
        if (browser) await within(10_000, 'closing Chromium', browser.close());
      } catch {
        // It did not exit in time (or the connection was already gone): kill its whole process group
        // (puppeteer starts it as a group leader), renderers and GPU process included.
        if (proc?.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
          try {
            process.kill(-proc.pid, 'SIGKILL');
          } catch {
            proc.kill('SIGKILL');
          }
        }
      }
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        await within(10_000, `waiting for Chromium (pid ${proc.pid}) to exit`, new Promise((r) => proc.once('exit', r))).catch(() => undefined);
      }
      rmSync(profile, { recursive: true, force: true });
    })());

  try {
    let target = url;
    if (html !== undefined) {
      const file = join(profile, 'page.html');
      writeFileSync(file, html);
      target = pathToFileURL(file).href;
    }
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      pipe: true,
      userDataDir: join(profile, 'profile'),
      timeout: timeoutMs,
      protocolTimeout: timeoutMs,
      defaultViewport: options.viewport ?? { width: 1280, height: 800 },
      // Chromium keeps its crash database and caches under XDG_CONFIG_HOME/XDG_CACHE_HOME (~/.config,
      // ~/.cache), whatever --user-data-dir says: point them into the temporary profile too.
      env: { ...process.env, XDG_CONFIG_HOME: join(profile, 'config'), XDG_CACHE_HOME: join(profile, 'cache') },
      args: [
        // Chromium will not start as root with its sandbox ("Running as root without --no-sandbox is
        // not supported"), and CI runs as root: turn the sandbox off for root only; as any other user
        // the page's renderer stays sandboxed.
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        // Nothing connects: every host, IP addresses included, maps to "not found". A second wall behind
        // the request interception below, for what it does not see (WebSockets, the browser's own
        // background requests); file: pages need no host.
        '--host-resolver-rules=MAP * ~NOTFOUND',
        '--no-proxy-server',
        '--disable-gpu',
      ],
    });
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    page.setDefaultTimeout(timeoutMs);
    page.setDefaultNavigationTimeout(timeoutMs);
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e instanceof Error ? e.message : String(e)}`));
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.isInterceptResolutionHandled()) return;
      if (isLocal(req.url())) {
        void req.continue().catch(() => undefined);
      } else {
        blockedRequests.push(req.url());
        void req.abort('blockedbyclient').catch(() => undefined);
      }
    });
    // Request interception does not see WebSockets: record them from the protocol's own event (the
    // host resolver rule above makes them fail).
    const cdp = await page.createCDPSession();
    cdp.on('Network.webSocketCreated', (e) => blockedRequests.push(e.url));
    await cdp.send('Network.enable');
    await page.goto(target!, { waitUntil: 'load', timeout: timeoutMs });
    return {
      page,
      blockedRequests,
      consoleErrors,
      screenshot: async (path: string) => {
        await page.screenshot({ path: path as `${string}.png`, type: 'png', fullPage: true });
      },
      close,
    };
  } catch (e) {
    await close();
    const log = e instanceof Error ? e.message : String(e);
    throw new Error(`headless Chromium (${executablePath}) could not open ${url ?? 'the HTML'}: ${log}`, { cause: e });
  }
}
