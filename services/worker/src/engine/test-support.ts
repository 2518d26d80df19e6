/**
 * Helpers for the engine's own tests (real vllm-sim processes on 127.0.0.1). Not part of the runtime API.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VllmEngine } from './engine.js';
import type { EngineEvent, EngineState, VllmEngineOptions } from './engine-types.js';
import type { HttpRequest, HttpResponse, HttpTransport } from './http-transport.js';
import { createHttpTransport } from './http-transport.js';
import type { LaunchOptions } from './launch-plan.js';

/** The vllm-sim executable (`services/vllm-sim/dist/main.js`; build it with `npx tsc -b services/vllm-sim`). */
export function simBin(): string {
  const path = fileURLToPath(new URL('../../../vllm-sim/dist/main.js', import.meta.url));
  if (!existsSync(path)) throw new Error(`vllm-sim is not built: ${path} is missing (run npx tsc -b services/vllm-sim)`);
  return path;
}

/** Launch options for a fast simulator: time scale 200 unless given, extra VLLM_SIM_* variables. */
export function simLaunch(env: Record<string, string> = {}, more: LaunchOptions = {}): LaunchOptions {
  return {
    executable: simBin(),
    ...more,
    env: { VLLM_SIM_TIME_SCALE: '200', VLLM_SIM_GPU: 'H100-80GB', ...env, ...(more.env ?? {}) },
  };
}

/** An engine on one simulated H100 with short poll intervals and grace periods. */
export function simEngine(env: Record<string, string> = {}, options: Partial<VllmEngineOptions> = {}): VllmEngine {
  return new VllmEngine({
    inventory: { gpuClass: 'H100-80GB', count: 1 },
    healthPollMs: 25,
    stopGraceMs: 2000,
    startupTimeoutMs: 20_000,
    retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
    ...options,
    launch: simLaunch(env, options.launch ?? {}),
  });
}

/** True while a process with this pid exists (a reaped child disappears). */
/** Records an engine's state transitions and events, in order. */
export function recordEngine(engine: VllmEngine): { states: EngineState[]; events: EngineEvent[] } {
  const states: EngineState[] = [];
  const events: EngineEvent[] = [];
  engine.on('state', (s) => states.push(s.to));
  engine.on('event', (e) => events.push(e));
  return { states, events };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until `pid` is gone or `timeoutMs` passes; returns whether it is gone. */
export async function waitPidGone(pid: number, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !pidAlive(pid);
}

/** A transport factory that records requests and the peak number in flight, per path. */
export function countingTransports(): {
  factory: (baseUrl: string, maxSockets: number) => HttpTransport;
  readonly stats: { inFlight: number; peak: number; sent: HttpRequest[]; statuses: number[] };
} {
  const stats = { inFlight: 0, peak: 0, sent: [] as HttpRequest[], statuses: [] as number[] };
  const factory = (baseUrl: string, maxSockets: number): HttpTransport => {
    const inner = createHttpTransport(baseUrl, { maxSockets });
    return {
      async send(req: HttpRequest): Promise<HttpResponse> {
        if (req.path !== '/v1/chat/completions') return inner.send(req);
        stats.sent.push(req);
        stats.inFlight++;
        stats.peak = Math.max(stats.peak, stats.inFlight);
        try {
          const res = await inner.send(req);
          stats.statuses.push(res.status);
          return res;
        } finally {
          stats.inFlight--;
        }
      },
      close: () => inner.close(),
    };
  };
  return { factory, stats };
}

/**
 * Writes a fake `vllm` (a Node script) that ignores SIGTERM, optionally starts a grandchild in its
 * process group, and answers /health and /v1/models like a ready server. Returns its path.
 */
export function writeStubbornServer(opts: { readonly grandchild?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'clue-engine-test-'));
  const path = join(dir, 'stubborn-vllm.mjs');
  writeFileSync(
    path,
    `import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
const argv = process.argv.slice(2);
const arg = (f) => argv[argv.indexOf(f) + 1];
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
${opts.grandchild ? "const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log('grandchild ' + g.pid);" : ''}
const name = arg('--served-model-name');
createServer((req, res) => {
  if (req.url === '/health') { res.writeHead(200); res.end(); return; }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data: [{ id: name, object: 'model', root: argv[1], max_model_len: 4096 }] }));
}).listen(Number(arg('--port')), '127.0.0.1', () => console.log('listening'));
`,
  );
  return path;
}
