/**
 * The local cluster of `clue up`: nats-server (from PATH), one coordinator and N workers whose engine
 * is vllm-sim, as child processes — the same programs and code paths as production. `stop()` ends them
 * all (workers first, so they drain), and is safe to call twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { startNatsServer, NatsServerMissingError, type NatsServer } from '@clue/common';
import { ClueError } from '@clue/tasks';

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
}

/** A running local cluster. */
export interface LocalCluster {
  readonly coordinator: string;
  readonly natsUrl: string;
  stop(): Promise<void>;
}

function logTo(stateDir: string, name: string): WriteStream {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  return createWriteStream(join(stateDir, 'logs', `${name}.log`));
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

/** Starts nats-server, the coordinator and the workers. */
export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  let nats: NatsServer;
  try {
    nats = await startNatsServer({ storeDir: join(o.stateDir, 'jetstream') });
  } catch (e) {
    if (e instanceof NatsServerMissingError) {
      throw new ClueError('INVALID_ARGUMENT', 'nats-server is not installed (it must be on PATH). Install it with: sudo apt-get install nats-server   (or: bash scripts/install-system-deps.sh)');
    }
    throw e;
  }
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    const workers = children.slice(1);
    await Promise.all(workers.map((w) => waitExit(w, 15000)));
    if (children[0]) await waitExit(children[0], 10000);
    await nats.stop();
  };
  try {
    const coordLog = logTo(o.stateDir, 'coordinator');
    const coord = spawn(process.execPath, [packageMain('@clue/coordinator'), '--nats', nats.url, '--grpc-host', '127.0.0.1', '--grpc-port', '0', '--poll-after-seconds', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(coord);
    coord.stderr!.pipe(coordLog);
    const address = await listeningAddress(coord, coordLog);
    const sim = packageMain('@clue/vllm-sim');
    const env = { VLLM_SIM_TIME_SCALE: String(o.timeScale), VLLM_SIM_GPU: o.gpu, ...o.engineEnv };
    for (let i = 0; i < o.workers; i++) {
      const args = [
        packageMain('@clue/worker'),
        '--nats', nats.url,
        '--coordinator', address,
        '--worker-id', `local-${i + 1}`,
        '--gpus', `${o.gpu}:${o.gpusPerWorker}`,
        '--engine-executable', sim,
        // Short waits: simulated GPUs finish units in milliseconds, so idle polling would dominate.
        '--pull-expires-seconds', '1',
        '--drain-seconds', '5',
        ...Object.entries(env).flatMap(([k, v]) => ['--engine-env', `${k}=${v}`]),
        ...(o.icd10Table ? ['--icd10-table', o.icd10Table] : []),
      ];
      const w = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      w.stderr!.pipe(logTo(o.stateDir, `worker-${i + 1}`));
      children.push(w);
    }
    let stopping: Promise<void> | undefined;
    return { coordinator: address, natsUrl: nats.url, stop: () => (stopping ??= stopAll()) };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
