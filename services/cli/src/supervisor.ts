/**
 * Restarts one component of the local cluster (nats-server, the coordinator, a worker) when it dies,
 * the way the kubelet restarts a pod: with exponential backoff, one log line per restart, and a crash
 * loop detector that gives up with a clear error instead of restarting forever.
 *
 * States: starting → running → (exit) → backoff → starting → …; stop() from any state → stopping →
 * stopped; too many quick exits in a row → failed (onGiveUp is called once).
 */
import { LocalClusterError } from './local-cluster-error.js';

/** How one instance of a component ended. */
export interface InstanceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One running instance of a component (a process). */
export interface Instance {
  readonly pid: number | undefined;
  /** Resolves when the instance has ended (never rejects). */
  readonly exited: Promise<InstanceExit>;
  /** Graceful stop (SIGTERM, then SIGKILL after a grace period); resolves when it has ended. */
  stop(): Promise<void>;
}

/** Restart policy. Defaults: 0.25 s doubling to 8 s; 10 s up counts as stable; give up after 6 quick exits in a row. */
export interface RestartPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** An instance that ran at least this long was healthy: the next crash starts the count anew. */
  readonly stableMs: number;
  /** Quick exits (or failed starts) in a row after which the supervisor gives up. */
  readonly maxQuickExits: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialBackoffMs: 250, maxBackoffMs: 8000, stableMs: 10_000, maxQuickExits: 6 };

export type SupervisorState = 'idle' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'failed';

export interface SupervisorOptions {
  /** The component's name in log lines and errors, e.g. `worker-2`. */
  readonly name: string;
  /** Starts an instance; resolves once it is ready to serve. */
  readonly start: () => Promise<Instance>;
  /** Runs after an instance died and before the next one starts (e.g. reap its orphaned children). */
  readonly afterExit?: (() => Promise<void>) | undefined;
  /** Receives one line per restart and the give-up line. */
  readonly log: (line: string) => void;
  /** Called once when the supervisor gives up. */
  readonly onGiveUp: (e: LocalClusterError) => void;
  /** Where the component's log is, for the give-up message. */
  readonly logFile?: string;
  readonly policy?: Partial<RestartPolicy> | undefined;
}

function describeExit(e: InstanceExit): string {
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

/** Keeps one component running until stop(). */
export class Supervisor {
  private state: SupervisorState = 'idle';
  private instance: Instance | undefined;
  private quickExits = 0;
  private restartCount = 0;
  private readonly policy: RestartPolicy;
  private readonly stopRequested = new AbortController();
  private loop: Promise<void> | undefined;
  private firstStart: Promise<void> | undefined;

  constructor(private readonly o: SupervisorOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...o.policy };
  }

  get current(): Instance | undefined {
    return this.state === 'running' ? this.instance : undefined;
  }

  get restarts(): number {
    return this.restartCount;
  }

  get status(): SupervisorState {
    return this.state;
  }

  /** Starts the first instance; a failure here is thrown (nothing was running yet), not retried. */
  start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`supervisor of ${this.o.name} already started`);
    this.state = 'starting';
    this.firstStart = this.startFirst();
    return this.firstStart;
  }

  private async startFirst(): Promise<void> {
    const first = await this.o.start();
    this.instance = first;
    if (this.stopRequested.signal.aborted) {
      await first.stop();
      this.state = 'stopped';
      return;
    }
    this.state = 'running';
    this.loop = this.supervise(first);
  }

  /** Stops the component and restarts nothing more; safe to call in any state, and twice. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'failed' || this.state === 'idle') {
      this.state = this.state === 'idle' ? 'stopped' : this.state;
      return;
    }
    this.stopRequested.abort();
    const wasStarting = this.state === 'starting';
    this.state = 'stopping';
    // A start in flight finishes first, and then stops what it started.
    if (!wasStarting && this.instance) await this.instance.stop();
    await this.firstStart?.catch(() => undefined);
    await this.loop;
    this.state = 'stopped';
  }

  private async supervise(first: Instance): Promise<void> {
    let inst = first;
    let readyAt = Date.now();
    for (;;) {
      const exit = await inst.exited;
      if (this.stopRequested.signal.aborted) return;
      const lived = Date.now() - readyAt;
      this.quickExits = lived < this.policy.stableMs ? this.quickExits + 1 : 1;
      if (this.o.afterExit) await this.o.afterExit().catch(() => undefined);
      const next = await this.restartAfter(`exited (${describeExit(exit)}) after ${(lived / 1000).toFixed(1)} s`);
      if (!next) return;
      inst = next;
      readyAt = Date.now();
    }
  }

  /** Backs off and starts a new instance, retrying failed starts; undefined when stopped or given up. */
  private async restartAfter(why: string): Promise<Instance | undefined> {
    let reason = why;
    for (;;) {
      if (this.quickExits >= this.policy.maxQuickExits) {
        this.state = 'failed';
        const where = this.o.logFile ? `; its log: ${this.o.logFile} (--keep-state keeps it)` : '';
        const e = new LocalClusterError('CRASH_LOOP', `${this.o.name} is crash-looping: it failed ${this.quickExits} times in a row within ${this.policy.stableMs / 1000} s of starting (last: ${reason}); gave up${where}`);
        this.o.log(`supervisor: ${this.o.name} ${reason}; giving up after ${this.quickExits} quick failures in a row`);
        this.o.onGiveUp(e);
        return undefined;
      }
      const delay = Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** Math.max(0, this.quickExits - 1));
      this.restartCount++;
      this.o.log(`supervisor: ${this.o.name} ${reason}; restart ${this.restartCount} in ${(delay / 1000).toFixed(2)} s`);
      this.state = 'backoff';
      if (!(await this.sleep(delay))) return undefined;
      this.state = 'starting';
      try {
        const inst = await this.o.start();
        this.instance = inst;
        if (this.stopRequested.signal.aborted) {
          await inst.stop();
          return undefined;
        }
        this.state = 'running';
        return inst;
      } catch (e) {
        if (this.stopRequested.signal.aborted) return undefined;
        this.quickExits++;
        reason = `failed to start (${e instanceof Error ? e.message : String(e)})`;
      }
    }
  }

  /** Waits `ms`; false when stop() came first. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.stopRequested.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
