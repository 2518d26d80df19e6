/**
 * Test fixture of the worker runtime (not part of its API): a real nats-server with the JetStream
 * layout of docs/pipeline-protocol.md (work-queue stream, a model's durable consumer, dead-letter
 * stream, KV buckets, object stores), synthetic CLUE datasets registered by sha256, the fake
 * coordinator, and helpers to publish units, read results and start workers in-process or as
 * processes (`dist/main.js`) driving real vllm-sim servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import {
  DEAD_STREAM,
  UNITS_STREAM,
  UNIT_ACK_WAIT_MS,
  createLogger,
  ensureJetStream,
  ensureModelConsumer,
  modelConsumer,
  startNatsServer,
  workerSecurityArgs,
  unitId as makeUnitId,
  unitSubject,
  type Logger,
  type NatsServer,
  type RunRecord,
  type SampleRecord,
  type SamplingSpec,
  type UnitMessage,
  type UnitRecord,
} from '@clue/common';
import { TASK_IDS, generateDatasets, type TaskId } from '@clue/tasks';
import { loadConfig, type WorkerConfig } from '../config.js';
import { simBin } from '../engine/test-support.js';
import { sha256Hex } from './datasets.js';
import { decodeResults } from './results-writer.js';
import { FakeCoordinator } from './test-coordinator.js';
import { createWorker, type Worker, type WorkerOutcome } from './worker.js';
import type { VllmEngine } from '../engine/engine.js';

/** The model the tests serve (8B, fits one simulated H100). */
export const TEST_MODEL = 'llama-3-8b-instruct';

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** The consumer's ack_wait. @default 60000 */
  readonly ackWaitMs?: number;
  /** Scored samples per synthetic task. @default 12 */
  readonly samples?: number;
  readonly model?: string;
  /** GetAssignment's max_model_len. @default 8192 */
  readonly maxModelLen?: number;
}

/** A registered dataset. */
export interface TestDataset {
  readonly sha256: string;
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Everything a worker test needs. */
export interface TestCluster {
  readonly nats: NatsServer;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly units: KV;
  readonly runs: KV;
  readonly results: ObjectStore;
  readonly coordinator: FakeCoordinator;
  readonly datasets: Readonly<Record<TaskId, TestDataset>>;
  readonly model: string;
  readonly dir: string;
  /** Publishes a unit (UnitRecord `queued` first, RunRecord if new), msgID = unit id. */
  publishUnit(u: {
    task: TaskId;
    shard: number;
    start: number;
    end: number;
    runId?: string;
    model?: string;
    sampling?: Partial<SamplingSpec>;
    dataset?: string;
    state?: UnitRecord['state'];
    /** Score the outputs with BERTScore (the coordinator sets it for MeQSum, Problem Summary, MeDiSumQA). */
    bertscore?: boolean;
  }): Promise<UnitMessage>;
  /** Creates the durable consumer of another model (as the coordinator does when a run uses it). */
  addModel(model: string): Promise<void>;
  unitRecord(id: string): Promise<UnitRecord | null>;
  /** The unit's results object, or null. */
  readResults(id: string): Promise<SampleRecord[] | null>;
  /** Messages in the work queue (un-acked ones included). */
  queued(): Promise<number>;
  /** The model consumer's ack-pending and pending counts. */
  consumer(): Promise<{ ackPending: number; pending: number; redelivered: number }>;
  deadLetters(): Promise<number>;
  /** An in-process worker configuration; `over` replaces fields. */
  workerConfig(flags?: string[], over?: Partial<WorkerConfig>): WorkerConfig;
  /** Command-line flags for `dist/main.js`. */
  workerArgs(flags?: string[]): string[];
  /** Runs an in-process worker (drained by `stop()` if the test has not). */
  startWorker(flags?: string[], over?: Partial<WorkerConfig>): { worker: Worker; run: Promise<WorkerOutcome>; lines: string[] };
  /** Spawns a worker process (killed, with its engine, by `stop()`). */
  spawnWorker(flags?: string[]): WorkerProcess;
  /** Drains the workers, kills the processes and engines left, stops everything. */
  stop(): Promise<void>;
}

/** The default sampling of the tests (greedy, CLUE's max_tokens). */
export const TEST_SAMPLING: SamplingSpec = { temperature: 0, topP: 1, maxTokens: 0, seed: 0 };

/** Starts nats-server, creates the JetStream layout, registers the synthetic datasets, starts the fake coordinator. */
export async function startTestCluster(o: TestClusterOptions = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'clue-worker-test-'));
  const nats = await startNatsServer();
  const nc = await connect(nats.connectOptions('coordinator'));
  const model = o.model ?? TEST_MODEL;
  // The production layout (streams, buckets, stores), as the coordinator creates it.
  const jet = await ensureJetStream(nc, { replicas: 1, workerTtlMs: 60_000 });
  const { jsm, js, units, runs, results } = jet;
  const datasetsOs = jet.datasets;
  const addModel = (m: string): Promise<void> => ensureModelConsumer(jsm, m, o.ackWaitMs ?? UNIT_ACK_WAIT_MS);
  await addModel(model);
  const files = await generateDatasets({ outDir: join(dir, 'data'), samples: o.samples ?? 12, seed: 1 });
  const datasets = {} as Record<TaskId, TestDataset>;
  for (const task of TASK_IDS) {
    const bytes = new Uint8Array(readFileSync(files[task]));
    const sha256 = sha256Hex(bytes);
    // As the coordinator's RegisterDataset stores it.
    const description = { task, fileName: files[task].split('/').pop()!, size: bytes.length };
    await datasetsOs.putBlob({ name: sha256, description: JSON.stringify(description) }, bytes);
    datasets[task] = { sha256, path: files[task], bytes };
  }
  const coordinator = new FakeCoordinator(units, results, js);
  const address = await coordinator.start(nats.security);
  coordinator.serve(model, o.maxModelLen ?? 8192);

  const baseFlags = (flags: string[]): string[] => [
    '--nats', nats.url,
    ...workerSecurityArgs(nats.security),
    '--coordinator', address,
    '--gpus', 'H100-80GB:1',
    '--engine-executable', simBin(),
    '--pull-expires-seconds', '1',
    '--working-seconds', '1',
    '--engine-stop-seconds', '3',
    '--engine-startup-seconds', '30',
    '--retry-delay-seconds', '0.5',
    ...flags,
  ];
  const workers: Array<{ worker: Worker; run: Promise<WorkerOutcome> }> = [];
  const processes: WorkerProcess[] = [];
  const cluster: TestCluster = {
    nats, nc, js, jsm, units, runs, results, coordinator, datasets, model, dir,
    addModel,
    async publishUnit(u) {
      const runId = u.runId ?? 'r0123456789ab';
      const um = u.model ?? model;
      const id = makeUnitId(runId, um, u.task, u.shard);
      const msg: UnitMessage = {
        unitId: id, runId, model: um, task: u.task, shard: u.shard, start: u.start, end: u.end,
        dataset: u.dataset ?? datasets[u.task].sha256,
        sampling: { ...TEST_SAMPLING, ...(u.sampling ?? {}) },
        ...(u.bertscore ? { bertscore: true } : {}),
      };
      const rec: UnitRecord = { id, runId, model: um, task: u.task, shard: u.shard, start: u.start, end: u.end, state: u.state ?? 'queued', attempts: 0, updatedAt: new Date().toISOString() };
      await units.put(id, JSON.stringify(rec));
      if (!(await runs.get(runId))) {
        const run: RunRecord = {
          id: runId,
          spec: { name: 'test', models: [model], tasks: [u.task], datasets: {}, sampling: msg.sampling, maxSamples: 0, idempotencyKey: runId },
          state: 'running', createdAt: new Date().toISOString(), cells: {},
        };
        await runs.put(runId, JSON.stringify(run));
      }
      await js.publish(unitSubject(um, u.task), JSON.stringify(msg), { msgID: id });
      return msg;
    },
    async unitRecord(id) {
      const e = await units.get(id);
      return e && e.operation === 'PUT' ? e.json<UnitRecord>() : null;
    },
    async readResults(id) {
      // The DONE record names the object of the completing attempt (a rerun writes under a new name).
      const e = await units.get(id);
      const rec = e && e.operation === 'PUT' ? e.json<UnitRecord>() : null;
      const b = await results.getBlob(rec?.resultsObject ?? id);
      return b ? decodeResults(b) : null;
    },
    async queued() {
      return (await jsm.streams.info(UNITS_STREAM)).state.messages;
    },
    async consumer() {
      const i = await jsm.consumers.info(UNITS_STREAM, modelConsumer(model));
      return { ackPending: i.num_ack_pending, pending: i.num_pending, redelivered: i.num_redelivered };
    },
    async deadLetters() {
      return (await jsm.streams.info(DEAD_STREAM)).state.messages;
    },
    workerConfig(flags = [], over = {}) {
      return { ...loadConfig(baseFlags(['--worker-id', 'w-test', ...flags]), {}), ...over };
    },
    workerArgs(flags = []) {
      return baseFlags(flags);
    },
    startWorker(flags = [], over = {}) {
      const { logger, lines } = captureLogger();
      const worker = createWorker(cluster.workerConfig(flags, over), { logger });
      const run = worker.run();
      workers.push({ worker, run });
      return { worker, run, lines };
    },
    spawnWorker(flags = []) {
      const p = spawnWorker(baseFlags(flags));
      processes.push(p);
      return p;
    },
    async stop() {
      for (const w of workers) w.worker.drain();
      await Promise.race([Promise.allSettled(workers.map((w) => w.run)), delay(15_000)]);
      for (const p of processes) {
        const pid = p.enginePid();
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        await p.exited;
        if (pid !== null) killGroup(pid);
      }
      coordinator.stop();
      await nc.close().catch(() => undefined);
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** The engine of the worker's only (first) group, or null while it has none. */
export function soleEngine(worker: Worker): VllmEngine | null {
  return worker.groups?.list[0]?.engine ?? null;
}

/** Resolves after `ms` without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Polls `check` every 25 ms until it returns a truthy value; throws after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A logger that keeps every line (to check what a worker logged). */
export function captureLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      if (process.env['CLUE_TEST_LOGS']) process.stderr.write(chunk);
      cb();
    },
  });
  return { logger: createLogger('worker-test', { level, destination: sink }), lines };
}

/** `dist/main.js` of the worker. */
export function workerMain(): string {
  return fileURLToPath(new URL('../main.js', import.meta.url));
}

/** A worker process; its stderr (JSON logs) is collected. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The pid of the vllm-sim it started (from its 'vLLM ready' log line), once known. */
  enginePid(): number | null;
}

/** Spawns `node dist/main.js ...args`. */
export function spawnWorker(args: readonly string[]): WorkerProcess {
  const child = spawn(process.execPath, [workerMain(), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts.filter((l) => l !== ''));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    exited,
    enginePid() {
      for (const l of lines) {
        try {
          const o = JSON.parse(l) as { msg?: string; pid?: number };
          if (o.msg === 'vLLM ready' && typeof o.pid === 'number') return o.pid;
        } catch {
          // not JSON
        }
      }
      return null;
    },
  };
}

/** True while a process with this pid exists and is not a zombie (an orphan nobody has reaped yet). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** SIGKILLs a process group, ignoring "no such process". */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * A vllm-sim wrapper whose FIRST start gets `faults` (VLLM_SIM_FAULTS) and later starts run clean:
 * a fault that hits once, so the re-queued unit can complete after the engine's restart.
 */
export function faultOnceExecutable(dir: string, faults: string): string {
  const marker = join(dir, `fault-${Math.random().toString(36).slice(2)}`);
  const path = join(dir, `vllm-sim-fault-once-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    path,
    `import { existsSync, writeFileSync } from 'node:fs';\n` +
      `if (!existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, ''); process.env.VLLM_SIM_FAULTS = ${JSON.stringify(faults)}; }\n` +
      `await import(${JSON.stringify(simBin())});\n`,
  );
  return path;
}
