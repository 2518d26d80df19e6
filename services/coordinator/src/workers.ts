/**
 * Worker records (`clue_workers`): Register writes the inventory; every GetAssignment and (at most
 * every half heartbeat) every progress report refreshes `lastSeen`. The bucket's TTL (4 heartbeats)
 * drops workers that stopped calling in; ListWorkers shows the rest, `stale` after 3 heartbeats.
 */
import { getGpuClass } from '@clue/tasks';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError, invalidArgument } from './errors.js';
import { nowIso, type WorkerRecord } from './records.js';
import { WORKER_ID } from './grpc/limits.js';

/** A GPU as the proto carries it (camelCase). */
export interface GpuMessage {
  readonly index?: number;
  readonly gpuClass?: string;
  readonly memoryGib?: number;
  readonly uuid?: string;
}

/** The Register request (camelCase). */
export interface RegisterMessage {
  readonly workerId?: string;
  readonly node?: string;
  readonly gpus?: readonly GpuMessage[];
  readonly engine?: string;
}

/** The Worker message of ListWorkers. */
export interface WorkerMessage {
  readonly id: string;
  readonly node: string;
  readonly gpus: { index: number; gpuClass: string; memoryGib: number; uuid: string }[];
  /** The models its groups serve, comma-separated. */
  readonly model: string;
  readonly state: string;
  readonly lastSeen: string;
  readonly unitsRunning: number;
  readonly groups: { id: string; gpuIndices: number[]; model: string; state: string; unitsRunning: number; tensorParallelSize: number }[];
}

/** Worker ids are KV keys: tokens of letters, digits, `_`, `-`, separated by dots. */
const WORKER_ID_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Validates a worker id. @throws CoordinatorError INVALID_ARGUMENT naming `worker_id`. */
export function checkWorkerId(id: string | undefined): string {
  const w = (id ?? '').trim();
  if (w === '') throw invalidArgument('worker_id', 'is required');
  if (w.length > WORKER_ID.maxChars || !WORKER_ID_RE.test(w)) {
    throw invalidArgument('worker_id', `'${w}' must be letters, digits, '_', '-' and '.' (at most ${WORKER_ID.maxChars})`);
  }
  return w;
}

/** The worker registry over `clue_workers`. */
export class WorkerRegistry {
  private readonly lastTouch = new Map<string, number>();

  constructor(private readonly ctx: CoordinatorContext) {}

  /** Registers (or re-registers) a worker; returns the heartbeat period it must keep. */
  async register(req: RegisterMessage): Promise<{ heartbeatSeconds: number }> {
    const id = checkWorkerId(req.workerId);
    const gpus = (req.gpus ?? []).map((g, i) => {
      const cls = (g.gpuClass ?? '').trim();
      try {
        getGpuClass(cls);
      } catch (e) {
        throw invalidArgument(`gpus[${i}].gpu_class`, (e as Error).message);
      }
      return { index: g.index ?? i, gpuClass: cls, memoryGiB: g.memoryGib ?? 0, uuid: g.uuid ?? '' };
    });
    if (gpus.length === 0) throw invalidArgument('gpus', 'a worker needs at least one GPU');
    const at = nowIso();
    const rec: WorkerRecord = {
      id,
      node: (req.node ?? '').trim(),
      engine: (req.engine ?? '').trim(),
      gpus,
      // Register starts a worker process (or one the coordinator forgot): it reports its groups at its
      // next GetAssignment, right after this.
      groups: [],
      unitsRunning: 0,
      registeredAt: at,
      lastSeen: at,
    };
    await this.ctx.workers.put(id, rec);
    this.lastTouch.set(id, Date.now());
    this.ctx.logger.info({ workerId: id, node: rec.node, gpus: gpus.length, gpuClass: gpus[0]?.gpuClass }, 'worker registered');
    return { heartbeatSeconds: this.ctx.config.heartbeatSeconds };
  }

  /**
   * The worker's record. @throws CoordinatorError FAILED_PRECONDITION when it is not registered (or
   * expired): the worker must call Register again.
   */
  async require(workerId: string): Promise<WorkerRecord> {
    const rec = await this.ctx.workers.get(workerId);
    if (!rec) {
      throw new CoordinatorError('FAILED_PRECONDITION', `worker '${workerId}' is not registered (or its record expired); call Register first`, {
        field: 'worker_id',
      });
    }
    return rec.value;
  }

  /** Writes the worker's groups and refreshes lastSeen. */
  async update(rec: WorkerRecord, patch: Partial<Pick<WorkerRecord, 'groups' | 'unitsRunning'>>): Promise<WorkerRecord> {
    const next: WorkerRecord = { ...rec, ...patch, lastSeen: nowIso() };
    await this.ctx.workers.put(rec.id, next);
    this.lastTouch.set(rec.id, Date.now());
    return next;
  }

  /** Refreshes lastSeen from a progress report, at most every half heartbeat per worker. */
  async touch(workerId: string): Promise<void> {
    const last = this.lastTouch.get(workerId) ?? 0;
    if (Date.now() - last < (this.ctx.config.heartbeatSeconds * 1000) / 2) return;
    this.lastTouch.set(workerId, Date.now());
    const rec = await this.ctx.workers.get(workerId);
    if (rec) await this.ctx.workers.put(workerId, { ...rec.value, unitsRunning: this.running(workerId), lastSeen: nowIso() });
  }

  /** True when the worker called in within 3 heartbeats. */
  isLive(rec: WorkerRecord, now = Date.now()): boolean {
    return now - Date.parse(rec.lastSeen) <= 3 * this.ctx.config.heartbeatSeconds * 1000;
  }

  /** Every known worker (records not yet expired). */
  async list(): Promise<WorkerRecord[]> {
    return (await this.ctx.workers.list()).map((e) => e.value);
  }

  /** ListWorkers: every worker, sorted by id, `stale` when not seen for 3 heartbeats. */
  async listMessages(): Promise<WorkerMessage[]> {
    const now = Date.now();
    const all = await this.list();
    this.ctx.metrics.workersLive.set(all.filter((w) => this.isLive(w, now)).length);
    return all
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((w) => ({
        id: w.id,
        node: w.node,
        gpus: w.gpus.map((g) => ({ index: g.index, gpuClass: g.gpuClass, memoryGib: g.memoryGiB, uuid: g.uuid })),
        model: [...new Set((w.groups ?? []).map((g) => g.model))].join(','),
        state: !this.isLive(w, now) ? 'stale' : (w.groups ?? []).length > 0 ? 'serving' : 'idle',
        lastSeen: w.lastSeen,
        unitsRunning: this.running(w.id),
        groups: (w.groups ?? []).map((g) => ({ id: g.id, gpuIndices: [...g.gpus], model: g.model, state: g.state, unitsRunning: g.unitsRunning, tensorParallelSize: g.tensorParallelSize })),
      }));
  }

  private running(workerId: string): number {
    return this.ctx.progress.unitsRunningOn(workerId, 3 * this.ctx.config.heartbeatSeconds * 1000);
  }
}

