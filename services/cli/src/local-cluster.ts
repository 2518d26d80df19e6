/**
 * The local cluster of `clue up`: nats-server (from PATH), one coordinator and N workers whose engine
 * is vllm-sim, as child processes — the same programs and code paths as production. Each runs under a
 * {@link Supervisor} that restarts it when it dies (same port, same store, same worker id), as the
 * kubelet would; a crash loop ends the cluster with `failure`. `stop()` ends them all (workers first,
 * so they drain), then kills whatever of this cluster is left (an engine orphaned by a killed worker),
 * and is safe to call twice.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
import { Supervisor, type Instance, type InstanceExit, type RestartPolicy } from './supervisor.js';
import { LocalClusterError } from './local-cluster-error.js';
import { killMembers, MEMBER_ENV, memberMarker } from './cluster-members.js';
import { info } from './output.js';

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
  /** Where restart lines go. @default stderr */
  readonly log?: (line: string) => void;
  /** Restart policy of every component (tests shorten it). */
  readonly restartPolicy?: Partial<RestartPolicy>;
  /** Aborting it stops a start in progress (Ctrl-C while the workers register). */
  readonly signal?: AbortSignal;
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
  /** Resolves (never rejects) if a component crash-loops and its supervisor gives up; the cluster is then of no use. */
  readonly failure: Promise<LocalClusterError>;
  /** Restarts so far per component (`nats-server`, `coordinator`, `worker-1`, …). */
  restarts(): Record<string, number>;
  /** Fault injection for tests: kill -9 one component, as from another shell; its supervisor restarts it. */
  readonly chaos: LocalClusterChaos;
}

/** Crash handles of a local cluster's processes (what kill -9 from another shell does). */
export interface LocalClusterChaos {
  /** SIGKILL worker `i` (0-based) alone: its engines live on, orphaned, until its supervisor reaps them. */
  killWorker(i: number): Promise<void>;
  /** Process ids of worker `i`'s engines (one per engine group). */
  enginePids(i: number): number[];
  /** SIGKILL one engine of worker `i` (its worker restarts it); returns its pid, or null when it has none. */
  killEngine(i: number, which?: number): number | null;
  killCoordinator(): Promise<void>;
  killNats(): Promise<void>;
  /** Resolves once every component runs again (after a kill), or rejects after `timeoutMs`. */
  allRunning(timeoutMs?: number): Promise<void>;
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
 * Waits until `n` workers have registered (so a submit sees their GPUs), or fails: a worker's
 * supervisor gave up (`failed()`), `signal` was aborted, or 60 s passed.
 */
async function workersRegistered(address: string, auth: ClientTlsSettings, n: number, failed: () => boolean, signal?: AbortSignal): Promise<void> {
  const client = new CoordinatorClient(address, auth);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const r = await client.call<{ workers: unknown[] }>('listWorkers', {}, 5000).catch(() => ({ workers: [] }));
      if (r.workers.length >= n) return;
      if (signal?.aborted) throw new LocalClusterError('INTERRUPTED', 'interrupted while the workers were starting');
      if (failed()) throw new LocalClusterError('START_FAILED', 'a worker kept exiting while starting; see its log (--keep-state keeps the logs)');
      if (Date.now() > deadline) throw new LocalClusterError('START_FAILED', `only ${r.workers.length} of ${n} workers registered within 60 s; see their logs (--keep-state keeps them)`);
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    client.close();
  }
}

/** An {@link Instance} over a child process: SIGTERM on stop, SIGKILL after `graceMs`. */
function processInstance(p: ChildProcess, graceMs: number): Instance {
  const exited = new Promise<InstanceExit>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve({ code: p.exitCode, signal: p.signalCode });
    else p.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { pid: p.pid, exited, stop: () => waitExit(p, graceMs) };
}

/** Starts nats-server, the coordinator and the workers, each under a supervisor. */
export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const storeDir = join(o.stateDir, 'jetstream');
  const security = await createLocalSecurity(join(o.stateDir, 'security'));
  const clientAuth = (role: ApiRole): ClientTlsSettings => localClientAuth(security, role);
  const clusterId = `clue-up-${process.pid}-${randomBytes(4).toString('hex')}`;
  const log = o.log ?? info;
  let resolveFailure!: (e: LocalClusterError) => void;
  const failure = new Promise<LocalClusterError>((resolve) => (resolveFailure = resolve));
  const logFile = (name: string): string => join(o.stateDir, 'logs', `${name}.log`);
  const supervise = (name: string, start: () => Promise<Instance>, afterExit?: () => Promise<void>): Supervisor =>
    new Supervisor({ name, start, afterExit, log, onGiveUp: resolveFailure, logFile: logFile(name), policy: o.restartPolicy });

  let nats: NatsServer | undefined;
  const natsSup = supervise('nats-server', async () => {
    const server = await startNatsServer({ storeDir, security, ...(nats ? { port: nats.port } : {}) });
    nats = server;
    const inst = processInstance(server.process, 10000);
    return { pid: inst.pid, exited: inst.exited, stop: () => server.stop() };
  });

  let coordinatorPort = 0;
  let address = '';
  const coordinatorSup = supervise('coordinator', async () => {
    const out = logTo(o.stateDir, 'coordinator');
    const args = [
      '--nats', nats!.url, ...coordinatorSecurityArgs(security), '--grpc-host', '127.0.0.1', '--grpc-port', String(coordinatorPort), '--poll-after-seconds', '1',
      ...(o.metricsPorts ? ['--metrics-port', String(o.metricsPorts.coordinator)] : []),
      ...(o.reconcileSeconds !== undefined ? ['--reconcile-seconds', String(o.reconcileSeconds)] : []),
      ...(o.stallSeconds !== undefined ? ['--stall-seconds', String(o.stallSeconds)] : []),
      '--unplaceable-seconds', String(o.unplaceableSeconds ?? 15),
      // Simulated time runs ×time-scale faster, the scorers' CPU work (matching) does not: more of them.
      '--gpus-per-scorer', String(o.gpusPerScorer ?? 16),
    ];
    const p = spawn(process.execPath, [packageMain('@clue/coordinator'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [MEMBER_ENV]: memberMarker(clusterId, 'coordinator') },
    });
    p.stderr!.pipe(out, { end: false });
    try {
      address = await listeningAddress(p, out);
    } catch (e) {
      await killNow(p);
      throw e;
    }
    coordinatorPort = Number(address.slice(address.lastIndexOf(':') + 1));
    return processInstance(p, 10000);
  });

  const sim = packageMain('@clue/vllm-sim');
  const env = { VLLM_SIM_TIME_SCALE: String(o.timeScale), VLLM_SIM_GPU: o.gpu, ...o.engineEnv };
  const workerSup = (i: number): Supervisor => {
    const member = memberMarker(clusterId, `worker-${i + 1}`);
    return supervise(
      `worker-${i + 1}`,
      async () => {
        const args = [
          packageMain('@clue/worker'),
          '--nats', nats!.url,
          ...workerSecurityArgs(security),
          '--coordinator', address,
          '--worker-id', `local-${i + 1}`,
          '--gpus', `${o.gpu}:${o.gpusPerWorker}`,
          '--engine-executable', sim,
          // Short waits: simulated GPUs finish units in milliseconds, so idle polling would dominate.
          '--pull-expires-seconds', '1',
          '--drain-seconds', '5',
          ...(o.slotsPerGroup !== undefined ? ['--slots', String(o.slotsPerGroup)] : []),
          ...Object.entries({ ...env, [MEMBER_ENV]: `${member}/engine` }).flatMap(([k, v]) => ['--engine-env', `${k}=${v}`]),
          ...(o.icd10Table ? ['--icd10-table', o.icd10Table] : []),
          ...metricsArgs(o.metricsPorts?.workers[i]),
        ];
        const w = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...o.workerEnv, [MEMBER_ENV]: member } });
        w.stderr!.pipe(logTo(o.stateDir, `worker-${i + 1}`));
        return processInstance(w, 15000);
      },
      // A worker killed with -9 leaves its engines running (process groups of their own): reap them
      // before its successor starts engines on the same GPUs.
      async () => {
        killMembers(member);
      },
    );
  };
  const workers = Array.from({ length: o.workers }, (_, i) => workerSup(i));
  const all = (): Supervisor[] => [natsSup, coordinatorSup, ...workers];
  const stopAll = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.stop()));
    await coordinatorSup.stop();
    await natsSup.stop();
    killMembers(clusterId);
  };

  try {
    try {
      await natsSup.start();
    } catch (e) {
      if (e instanceof NatsServerMissingError) {
        throw new ClueError('INVALID_ARGUMENT', 'nats-server is not installed (it must be on PATH). Install it with: sudo apt-get install nats-server   (or: bash scripts/install-system-deps.sh)');
      }
      throw e;
    }
    await coordinatorSup.start();
    await Promise.all(workers.map((w) => w.start()));
    await workersRegistered(address, clientAuth('reader'), o.workers, () => workers.some((w) => w.status === 'failed'), o.signal);
    const kill9 = async (inst: Instance | undefined): Promise<void> => {
      if (!inst?.pid) return;
      try {
        process.kill(inst.pid, 'SIGKILL');
      } catch {
        return;
      }
      await inst.exited;
    };
    const chaos: LocalClusterChaos = {
      killWorker: (i) => kill9(workers[i]?.current),
      enginePids(i) {
        const pid = workers[i]?.current?.pid;
        return pid ? childPids(pid) : [];
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
      killCoordinator: () => kill9(coordinatorSup.current),
      killNats: () => kill9(natsSup.current),
      async allRunning(timeoutMs = 60000) {
        const deadline = Date.now() + timeoutMs;
        while (!all().every((s) => s.status === 'running')) {
          if (Date.now() > deadline) throw new Error(`not every component runs again within ${timeoutMs} ms: ${all().map((s) => s.status).join(', ')}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
    };
    const names = ['nats-server', 'coordinator', ...workers.map((_, i) => `worker-${i + 1}`)];
    let stopping: Promise<void> | undefined;
    return {
      coordinator: address,
      natsUrl: nats!.url,
      security,
      clientAuth,
      stop: () => (stopping ??= stopAll()),
      failure,
      restarts: () => Object.fromEntries(all().map((s, i) => [names[i]!, s.restarts])),
      chaos,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
