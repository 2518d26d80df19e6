/**
 * The local cluster of `clue up`: nats-server (from PATH), one coordinator and N workers whose engine
 * is vllm-sim, as child processes — the same programs and code paths as production. `stop()` ends them
 * all (workers first, so they drain), and is safe to call twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import {
  coordinatorSecurityArgs,
  createLocalSecurity,
  localClientAuth,
  startNatsServer,
  workerSecurityArgs,
  NatsServerMissingError,
  type ApiRole,
  type ClientTlsSettings,
  type LocalSecurity,
  type NatsServer,
} from '@clue/common';
import { ClueError } from '@clue/tasks';
import { CoordinatorClient } from './grpc-client.js';

const require = createRequire(import.meta.url);

/** Entry point of a workspace package's bin: `dist/main.js` beside its `dist/index.js` export. */
function packageMain(pkg: string): string {
  return join(dirname(require.resolve(pkg)), 'main.js');
}

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  readonly workers: number;
  readonly gpusPerWorker: number;
  readonly gpu: string;
  readonly timeScale: number;
  /** Where logs and the JetStream store go. */
  readonly stateDir: string;
  readonly engineEnv?: Readonly<Record<string, string>>;
  readonly icd10Table?: string;
  /**
   * Serve Prometheus metrics: the coordinator on `coordinator`, worker i on `workers[i]` (all on
   * 127.0.0.1; the workers also re-expose their vLLM's metrics on `/metrics/vllm`). Unset = none.
   */
  readonly metricsPorts?: { readonly coordinator: number; readonly workers: readonly number[] };
  /** The coordinator's reconcile period (its state gauges are refreshed on each tick); default its own. */
  readonly reconcileSeconds?: number;
  /** Coordinator `--stall-seconds`: a running unit without progress this long is queued again. */
  readonly stallSeconds?: number;
  /** Coordinator `--unplaceable-seconds`: a model no worker can hold fails after this long. @default 15 */
  readonly unplaceableSeconds?: number;
  /** Coordinator `--gpus-per-scorer`: one BERTScore scorer group per this many GPUs. @default 16 */
  readonly gpusPerScorer?: number;
  /** Worker `--slots`: units one engine group runs at once. */
  readonly slotsPerGroup?: number;
  /** Extra environment of the worker processes (beside this process's own). */
  readonly workerEnv?: Readonly<Record<string, string>>;
}

/** A running local cluster. */
export interface LocalCluster {
  readonly coordinator: string;
  readonly natsUrl: string;
  /** The throwaway credentials (CA, tokens, NATS passwords) of this cluster. */
  readonly security: LocalSecurity;
  /** TLS settings and token for a client of the coordinator with `role`. */
  clientAuth(role: ApiRole): ClientTlsSettings;
  stop(): Promise<void>;
  /** Fault injection for tests: kill -9 one component, and start it again on the same address/store. */
  readonly chaos: LocalClusterChaos;
}

/** Crash and restart handles of a local cluster's processes. */
export interface LocalClusterChaos {
  /** SIGKILL worker `i` (0-based) and the engines it spawned (their own process groups survive a kill -9). */
  killWorker(i: number): Promise<void>;
  /** Process ids of worker `i`'s engines (one per engine group). */
  enginePids(i: number): number[];
  /** SIGKILL one engine of worker `i` (its worker restarts it); returns its pid, or null when it has none. */
  killEngine(i: number, which?: number): number | null;
  startWorker(i: number): void;
  killCoordinator(): Promise<void>;
  /** Starts a coordinator on the same gRPC address. */
  startCoordinator(): Promise<void>;
  killNats(): Promise<void>;
  /** Restarts nats-server on the same port with the same JetStream store. */
  startNats(): Promise<void>;
}

function logTo(stateDir: string, name: string): WriteStream {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  return createWriteStream(join(stateDir, 'logs', `${name}.log`), { flags: 'a' });
}

function waitExit(p: ChildProcess, graceMs: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** Reads the coordinator's `{"event":"listening","grpc":...}` line from its stdout. */
function listeningAddress(p: ChildProcess, log: WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: p.stdout! });
    const timer = setTimeout(() => reject(new ClueError('INVALID_ARGUMENT', 'the coordinator did not start within 60 s (see its log)')), 60000);
    rl.on('line', (line) => {
      log.write(line + '\n');
      try {
        const ev = JSON.parse(line) as { event?: string; grpc?: string };
        if (ev.event === 'listening' && ev.grpc) {
          clearTimeout(timer);
          resolve(ev.grpc);
        }
      } catch {
        // not the line we wait for
      }
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ClueError('INVALID_ARGUMENT', `the coordinator exited (${code}) during start-up; see its log`));
    });
  });
}

/** Process ids of a process's direct children (its vLLM engine, for a worker). */
function childPids(pid: number): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

function killNow(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

/** The worker flags serving /metrics on loopback `port` (none when undefined). */
function metricsArgs(port: number | undefined): string[] {
  return port === undefined ? [] : ['--metrics-port', String(port), '--metrics-host', '127.0.0.1'];
}

/**
 * Waits until `n` workers have registered (so a submit sees their GPUs), or fails: a worker exited
 * (`exited()`), or 60 s passed.
 */
async function workersRegistered(address: string, auth: ClientTlsSettings, n: number, exited: () => boolean): Promise<void> {
  const client = new CoordinatorClient(address, auth);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const r = await client.call<{ workers: unknown[] }>('listWorkers', {}, 5000).catch(() => ({ workers: [] }));
      if (r.workers.length >= n) return;
      if (exited()) throw new ClueError('INVALID_ARGUMENT', 'a worker exited while starting; see its log (--keep-state keeps the logs)');
      if (Date.now() > deadline) throw new ClueError('INVALID_ARGUMENT', `only ${r.workers.length} of ${n} workers registered within 60 s; see their logs (--keep-state keeps them)`);
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    client.close();
  }
}

/** Starts nats-server, the coordinator and the workers. */
export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const storeDir = join(o.stateDir, 'jetstream');
  const security = await createLocalSecurity(join(o.stateDir, 'security'));
  const clientAuth = (role: ApiRole): ClientTlsSettings => localClientAuth(security, role);
  let nats: NatsServer;
  try {
    nats = await startNatsServer({ storeDir, security });
  } catch (e) {
    if (e instanceof NatsServerMissingError) {
      throw new ClueError('INVALID_ARGUMENT', 'nats-server is not installed (it must be on PATH). Install it with: sudo apt-get install nats-server   (or: bash scripts/install-system-deps.sh)');
    }
    throw e;
  }
  let coord: ChildProcess | undefined;
  const workers: (ChildProcess | undefined)[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(workers.map((w) => (w ? waitExit(w, 15000) : undefined)));
    if (coord) await waitExit(coord, 10000);
    await nats.stop();
  };
  const startCoordinator = async (port: number): Promise<string> => {
    const log = logTo(o.stateDir, 'coordinator');
    const args = [
      '--nats', nats.url, ...coordinatorSecurityArgs(security), '--grpc-host', '127.0.0.1', '--grpc-port', String(port), '--poll-after-seconds', '1',
      ...(o.metricsPorts ? ['--metrics-port', String(o.metricsPorts.coordinator)] : []),
      ...(o.reconcileSeconds !== undefined ? ['--reconcile-seconds', String(o.reconcileSeconds)] : []),
      ...(o.stallSeconds !== undefined ? ['--stall-seconds', String(o.stallSeconds)] : []),
      '--unplaceable-seconds', String(o.unplaceableSeconds ?? 15),
      // Simulated time runs ×time-scale faster, the scorers' CPU work (matching) does not: more of them.
      '--gpus-per-scorer', String(o.gpusPerScorer ?? 16),
    ];
    coord = spawn(process.execPath, [packageMain('@clue/coordinator'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    coord.stderr!.pipe(log, { end: false });
    return listeningAddress(coord, log);
  };
  const sim = packageMain('@clue/vllm-sim');
  const env = { VLLM_SIM_TIME_SCALE: String(o.timeScale), VLLM_SIM_GPU: o.gpu, ...o.engineEnv };
  let address = '';
  const startWorker = (i: number): void => {
    const args = [
      packageMain('@clue/worker'),
      '--nats', nats.url,
      ...workerSecurityArgs(security),
      '--coordinator', address,
      '--worker-id', `local-${i + 1}`,
      '--gpus', `${o.gpu}:${o.gpusPerWorker}`,
      '--engine-executable', sim,
      // Short waits: simulated GPUs finish units in milliseconds, so idle polling would dominate.
      '--pull-expires-seconds', '1',
      '--drain-seconds', '5',
      ...(o.slotsPerGroup !== undefined ? ['--slots', String(o.slotsPerGroup)] : []),
      ...Object.entries(env).flatMap(([k, v]) => ['--engine-env', `${k}=${v}`]),
      ...(o.icd10Table ? ['--icd10-table', o.icd10Table] : []),
      ...metricsArgs(o.metricsPorts?.workers[i]),
    ];
    const w = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...o.workerEnv } });
    w.stderr!.pipe(logTo(o.stateDir, `worker-${i + 1}`));
    workers[i] = w;
  };
  try {
    address = await startCoordinator(0);
    for (let i = 0; i < o.workers; i++) startWorker(i);
    await workersRegistered(address, clientAuth('reader'), o.workers, () => workers.some((w) => w?.exitCode !== null));
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const chaos: LocalClusterChaos = {
      async killWorker(i) {
        const w = workers[i];
        if (!w?.pid) return;
        const engines = childPids(w.pid);
        await killNow(w);
        for (const pid of engines) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      },
      startWorker,
      enginePids(i) {
        const w = workers[i];
        return w?.pid ? childPids(w.pid) : [];
      },
      killEngine(i, which = 0) {
        const pid = this.enginePids(i)[which];
        if (pid === undefined) return null;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          process.kill(pid, 'SIGKILL');
        }
        return pid;
      },
      async killCoordinator() {
        if (coord) await killNow(coord);
      },
      async startCoordinator() {
        await startCoordinator(port);
      },
      async killNats() {
        await nats.kill();
      },
      async startNats() {
        nats = await startNatsServer({ storeDir, port: nats.port, security });
      },
    };
    let stopping: Promise<void> | undefined;
    return { coordinator: address, natsUrl: nats.url, security, clientAuth, stop: () => (stopping ??= stopAll()), chaos };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
