/**
 * One vLLM server process: spawn, readiness, crash detection, stop.
 *
 * States: `starting` (spawned; vLLM serves nothing while it loads, so connection refused is normal)
 * → `ready` (`/health` answered 200 and `/v1/models` lists the served name with its max_model_len)
 * → `exited`. `starting → exited` is a start-up failure, classified from the exit status and the log
 * tail (`classifyStartupFailure`) or START_TIMEOUT when the budget runs out (the process is then
 * stopped); `ready → exited` without `stop()` is a crash, reported to `onExit` listeners.
 *
 * The server runs in its own process group (`detached: true`) so `stop()` reaches vLLM's engine-core
 * and worker children too: SIGTERM to the group, SIGKILL after the grace period, and a final SIGKILL
 * for stragglers. `stop()` is idempotent (every call returns the same promise). A process-wide 'exit'
 * hook (plus SIGINT/SIGTERM/SIGHUP when the application does not handle them) SIGKILLs every group
 * still alive, so a worker that exits, even through an uncaught exception or a signal, leaves no
 * orphan; only `kill -9` of the worker itself can bypass it.
 *
 * stdout/stderr go into a bounded `LogTail` (request-content lines dropped, API key masked).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EngineError, abortError } from './errors.js';
import { launchCommand, redactArgv, type LaunchPlan } from './launch-plan.js';
import { LogTail } from './log-tail.js';
import { SILENT_LOGGER, type EngineLogger } from './logger.js';
import { classifyStartupFailure, describeExit, type ProcessExit } from './startup-failure.js';
import { VllmClient } from './vllm-client.js';

/** Options of `VllmProcess.spawn`. */
/**
 * The worker's environment without its own settings and credentials (`CLUE_*`: the API token, the NATS
 * password, ...): the engine, and any model code it runs, has no use for them.
 */
export function engineBaseEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('CLUE_')));
}

export interface VllmProcessOptions {
  readonly plan: LaunchPlan;
  readonly port: number;
  /** Time allowed from spawn to readiness, in ms. @default 1200000 (20 min) */
  readonly startupTimeoutMs?: number;
  /** Interval between `/health` polls while loading, in ms. @default 500 */
  readonly healthPollMs?: number;
  /** Time between SIGTERM and SIGKILL on stop, in ms. @default 15000 */
  readonly stopGraceMs?: number;
  /** Log lines kept for failure reports. @default 200 */
  readonly logTailLines?: number;
  /** Receives every (filtered, redacted) log line of the server. */
  readonly onLogLine?: (line: string) => void;
  readonly logger?: EngineLogger;
  /** Environment the plan's variables are merged over (without `CLUE_*`, see engineBaseEnv). @default process.env */
  readonly baseEnv?: NodeJS.ProcessEnv;
}

/** What readiness established. */
export interface ReadyInfo {
  /** `max_model_len` from `/v1/models`. */
  readonly maxModelLen: number;
  /** Spawn to ready, in ms. */
  readonly loadMs: number;
}

/** Lifecycle of the process. */
export type ProcessState = 'starting' | 'ready' | 'exited';

/** Listener for the process's end: `stopping` is true when `stop()` caused it. */
export type ExitListener = (exit: ProcessExit, info: { readonly wasReady: boolean; readonly stopping: boolean }) => void;

const LIVE = new Set<VllmProcess>();
let exitHookInstalled = false;

function killAllNow(): void {
  for (const p of LIVE) p.killGroupNow('SIGKILL');
}

/**
 * Kills every live server group when this process exits. For SIGINT/SIGTERM/SIGHUP, which end a Node
 * process without an 'exit' event, a listener does the same and re-raises the signal, but only when
 * the application has no listener of its own (an application that handles the signal must stop the
 * engine itself, or call process.exit()).
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      if (process.listenerCount(sig) > 1) return;
      killAllNow();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** A spawned vLLM server. */
export class VllmProcess {
  readonly port: number;
  readonly baseUrl: string;
  readonly plan: LaunchPlan;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly tail: LogTail;
  private readonly log: EngineLogger;
  private readonly opts: VllmProcessOptions;
  private readonly spawnedAt = performance.now();
  private readonly listeners: ExitListener[] = [];
  private readonly streamsClosed: Promise<void>;
  private current: ProcessState = 'starting';
  private exitInfo: ProcessExit | null = null;
  private stopping = false;
  private stopPromise: Promise<ProcessExit> | null = null;
  private spawnError: Error | null = null;

  private constructor(opts: VllmProcessOptions) {
    this.opts = opts;
    this.plan = opts.plan;
    this.port = opts.port;
    this.baseUrl = `http://127.0.0.1:${opts.port}`;
    this.log = opts.logger ?? SILENT_LOGGER;
    this.tail = new LogTail({ maxLines: opts.logTailLines ?? 200, redact: opts.plan.apiKey ? [opts.plan.apiKey] : [] });
    if (opts.onLogLine) this.tail.onLine(opts.onLogLine);
    const cmd = launchCommand(opts.plan, opts.port);
    installExitHook();
    const env: NodeJS.ProcessEnv = { ...engineBaseEnv(opts.baseEnv ?? process.env), ...cmd.env };
    if (opts.plan.apiKey === null) delete env['VLLM_API_KEY']; // the client would not know an inherited key
    this.child = spawn(cmd.command, cmd.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    LIVE.add(this);
    this.child.stdout?.on('data', (c: Buffer) => this.tail.push(c));
    this.child.stderr?.on('data', (c: Buffer) => this.tail.push(c));
    let open = 2;
    this.streamsClosed = new Promise<void>((resolve) => {
      const done = (): void => {
        if (--open === 0) {
          this.tail.end();
          resolve();
        }
      };
      if (this.child.stdout) this.child.stdout.once('close', done);
      else done();
      if (this.child.stderr) this.child.stderr.once('close', done);
      else done();
    });
    this.exited = new Promise<ProcessExit>((resolve) => {
      const onExit = (exit: ProcessExit): void => {
        if (this.exitInfo !== null) return;
        this.exitInfo = exit;
        const wasReady = this.current === 'ready';
        this.current = 'exited';
        LIVE.delete(this);
        this.killGroupNow('SIGKILL'); // stragglers (engine-core or TP workers) of a leader that is gone
        resolve(exit);
        for (const fn of this.listeners) fn(exit, { wasReady, stopping: this.stopping });
      };
      this.child.once('exit', (code, signal) => onExit({ exitCode: code, signal }));
      this.child.once('error', (e) => {
        this.spawnError = e;
        onExit({ exitCode: null, signal: null });
      });
    });
    this.log.info(
      { pid: this.child.pid ?? null, port: this.port, argv: redactArgv(cmd.args, opts.plan.apiKey) },
      'spawned vLLM',
    );
  }

  /** Spawns the server described by `options.plan` on `options.port`. */
  static spawn(options: VllmProcessOptions): VllmProcess {
    return new VllmProcess(options);
  }

  /** The process id (also its process-group id), or null when spawning failed. */
  get pid(): number | null {
    return this.child.pid ?? null;
  }

  /** Current lifecycle state. */
  get state(): ProcessState {
    return this.current;
  }

  /** How the process ended, once it has. */
  get exitStatus(): ProcessExit | null {
    return this.exitInfo;
  }

  /** The most recent log lines (filtered, redacted). */
  logTail(): string[] {
    return this.tail.lines();
  }

  /** Registers a listener for the process's end (called once). */
  onExit(fn: ExitListener): void {
    this.listeners.push(fn);
  }

  /**
   * Waits until the server is ready: polls `/health` until 200 within the start-up budget, racing the
   * process exit, then reads `max_model_len` from `/v1/models` and checks the served name.
   * @throws EngineError classified start-up failure, START_TIMEOUT (the process is stopped first), or the abort reason.
   */
  async waitReady(signal?: AbortSignal): Promise<ReadyInfo> {
    const budget = this.opts.startupTimeoutMs ?? 1_200_000;
    const poll = this.opts.healthPollMs ?? 500;
    const deadline = this.spawnedAt + budget;
    const client = new VllmClient({
      baseUrl: this.baseUrl,
      servedModelName: this.plan.model.key,
      apiKey: this.plan.apiKey,
      maxSockets: 2,
      controlTimeoutMs: 10_000,
      retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 },
    });
    try {
      for (;;) {
        if (signal?.aborted) {
          await this.stop();
          throw abortError(signal, 'vLLM start-up');
        }
        if (this.exitInfo !== null) throw await this.startupFailure();
        const left = deadline - performance.now();
        if (left <= 0) throw await this.startupTimeout(budget);
        const health = await Promise.race([client.health(Math.max(50, Math.min(2000, left))), this.exited.then(() => 'exited' as const)]);
        if (health === 'ok') break;
        if (health === 'exited') continue;
        await raceTimeout(this.exited, Math.min(poll, Math.max(0, deadline - performance.now())));
      }
      const models = await Promise.race([client.models(), this.exited.then(() => null)]);
      if (models === null) throw await this.startupFailure();
      const card = models.find((m) => m.id === this.plan.model.key);
      if (!card || card.maxModelLen === null) {
        await this.stop();
        throw new EngineError(
          'START_FAILED_PORT_IN_USE',
          `the server on port ${this.port} does not serve '${this.plan.model.key}' (it lists ${models.map((m) => m.id).join(', ') || 'nothing'}); ` +
            'another server probably holds the port',
        );
      }
      if (this.exitInfo === null) this.current = 'ready';
      else throw await this.startupFailure();
      return { maxModelLen: card.maxModelLen, loadMs: performance.now() - this.spawnedAt };
    } catch (e) {
      if (this.exitInfo === null && !(e instanceof EngineError && e.code === 'START_TIMEOUT')) {
        // A failure of our own (e.g. /v1/models unreachable): do not leave the server running.
        await this.stop();
      }
      throw e;
    } finally {
      client.close();
    }
  }

  private async startupFailure(): Promise<EngineError> {
    await raceTimeout(this.streamsClosed, 1000);
    const exit = this.exitInfo ?? { exitCode: null, signal: null };
    if (this.spawnError !== null) {
      return new EngineError('START_FAILED', `cannot run '${this.plan.executable}': ${this.spawnError.message}`, {
        exitCode: null,
        signal: null,
        logTail: this.tail.lines(),
      });
    }
    const err = classifyStartupFailure(exit, this.tail.lines(), this.plan.model.hfId);
    this.log.warn({ code: err.code, pid: this.pid, exit: describeExit(exit) }, 'vLLM failed to start');
    return err;
  }

  private async startupTimeout(budget: number): Promise<EngineError> {
    this.log.warn({ pid: this.pid, budgetMs: budget }, 'vLLM did not become ready in time; stopping it');
    await this.stop();
    return new EngineError(
      'START_TIMEOUT',
      `vLLM for ${this.plan.model.hfId} was not ready after ${(budget / 1000).toFixed(1)} s\n${this.tail.last(6).join('\n')}`,
      { logTail: this.tail.lines() },
    );
  }

  /**
   * Stops the server: SIGTERM to its process group, SIGKILL after `graceMs`. Idempotent: every call
   * returns the same promise, resolved with the exit status.
   */
  stop(graceMs: number = this.opts.stopGraceMs ?? 15_000): Promise<ProcessExit> {
    if (this.stopPromise) return this.stopPromise;
    this.stopping = true;
    this.stopPromise = (async () => {
      if (this.exitInfo !== null) return this.exitInfo;
      this.killGroupNow('SIGTERM');
      const exitedInTime = await raceTimeout(this.exited, graceMs);
      if (!exitedInTime) {
        this.log.warn({ pid: this.pid, graceMs }, 'vLLM ignored SIGTERM; sending SIGKILL');
        this.killGroupNow('SIGKILL');
      }
      const exit = await this.exited;
      this.log.info({ pid: this.pid, exit: describeExit(exit) }, 'vLLM stopped');
      return exit;
    })();
    return this.stopPromise;
  }

  /** Sends `signal` to the whole process group at once (synchronous; errors such as ESRCH ignored). */
  killGroupNow(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }
}

/** Resolves true when `p` settles within `ms`, false otherwise; the timer never outlives the race. */
function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}
