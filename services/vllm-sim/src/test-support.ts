/**
 * Helpers for this package's tests: spawn real `vllm-sim` processes (from dist, or from src through
 * tsx when the tests themselves run under tsx), free ports, HTTP helpers. Not part of the runtime API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A running simulator process. */
export interface SimProcess {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code and signal (immediately if already exited). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running. */
  kill(): void;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function command(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    return ['--import', pathToFileURL(tsx).href, self.replace(/test-support\.ts$/, 'main.ts')];
  }
  return [self.replace(/test-support\.js$/, 'main.js')];
}

/**
 * Spawns `vllm-sim <args>` with the given extra environment. `--port`/`--host` are appended unless
 * `port` is null (for CLI-only runs).
 */
export async function spawnSim(args: readonly string[], env: Record<string, string> = {}, port?: number | null): Promise<SimProcess> {
  const p = port === null ? 0 : (port ?? (await freePort()));
  const full = port === null ? [...args] : [...args, '--host', '127.0.0.1', '--port', String(p)];
  const child = spawn(process.execPath, [...command(), ...full], {
    env: { ...process.env, VLLM_SIM_TIME_SCALE: '1000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    port: p,
    url: `http://127.0.0.1:${p}`,
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Polls GET /health until it answers 200. */
export async function waitReady(sim: SimProcess, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (sim.child.exitCode !== null) throw new Error(`vllm-sim exited with ${sim.child.exitCode}:\n${sim.stdout()}\n${sim.stderr()}`);
    try {
      const r = await fetch(`${sim.url}/health`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return;
    } catch {
      // not serving yet
    }
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`vllm-sim not ready after ${timeoutMs} ms:\n${sim.stdout()}\n${sim.stderr()}`);
}

/** A JSON response. */
export interface JsonResponse {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly text: string;
  readonly headers: Headers;
}

/** POSTs JSON and reads the answer. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return readJson(r);
}

/** GETs a URL. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  return readJson(await fetch(url, { headers }));
}

/** Status, text and (when the body is JSON) the parsed body of a response. */
async function readJson(r: Response): Promise<JsonResponse> {
  const text = await r.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: r.status, body: parsed, text, headers: r.headers };
}

/** Reads one metric sample value from Prometheus text (`name{labels} value`), or undefined. */
export function metricValue(text: string, name: string, labelPart = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(name + '{') && line.includes(labelPart)) return Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(name + ' ')) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Stops a simulator with SIGKILL and waits for it (for `after` hooks). */
export async function killSim(sim: SimProcess | undefined): Promise<void> {
  if (!sim) return;
  sim.kill();
  await sim.exited();
}
