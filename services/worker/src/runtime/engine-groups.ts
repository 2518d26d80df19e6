/**
 * The node's engine groups, kept in line with the coordinator's layout. Each GetAssignment answer
 * lists every group the node should run (`apply`):
 *
 * - a listed group the node does not run is started, when its GPUs are free (GPUs of a group still
 *   releasing are not: the group is started from a later answer, and the worker asks again as soon
 *   as the release is over);
 * - a running group that is not listed is released (no more pulls, its running units finish, its
 *   server stops), while every other group keeps serving.
 *
 * A layout that names unknown GPUs, a TP size other than its GPU count, or an unknown model is
 * refused group by group, with a log line saying why. `drain()` stops the whole node gracefully.
 */
import type { Logger } from '@clue/common';
import { getEngineModel } from '@clue/tasks';
import type { VllmEngine } from '../engine/engine.js';
import { EngineGroup, type EngineGroupDeps, type EngineGroupSettings, type GroupSpec, type GroupStatus } from './engine-group.js';
import { errorLine } from './errors.js';
import type { NodeGpu, NodeInventory } from './gpu-inventory.js';
import type { WorkerMetrics } from './metrics.js';
import { sleep } from './sleep.js';

/** One group of the coordinator's answer (proto GroupAssignment). */
export interface GroupAssignment {
  readonly id: string;
  readonly gpuIndices: readonly number[];
  readonly model: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
}

/** What the groups share. */
export interface EngineGroupsDeps extends Omit<EngineGroupDeps, 'engine' | 'logger'> {
  readonly inventory: NodeInventory;
  readonly logger: Logger;
  readonly metrics?: WorkerMetrics;
  /** A driver for the group's GPUs (its inventory is the group's GPUs only). */
  readonly createEngine: (spec: GroupSpec) => VllmEngine;
  /** The group settings, with the launch options for the group's model. */
  readonly settingsFor: (spec: GroupSpec) => EngineGroupSettings;
  /** Units one group runs at once (for the slots gauge). */
  readonly slotsPerGroup: number;
}

/** Timing of a drain. */
export interface GroupsDrainTimings {
  /** Time running units get to finish. */
  readonly drainTimeoutMs: number;
  /** Time handed-back units get to settle. @default 5000 */
  readonly settleTimeoutMs?: number;
  /** Longest wait for the pull loops to notice the stop. @default 6000 */
  readonly loopTimeoutMs?: number;
}

/** The node's groups. */
export class EngineGroups {
  private readonly d: EngineGroupsDeps;
  private readonly groups = new Map<string, EngineGroup>();
  private readonly refused = new Set<string>();
  private stopping = false;

  constructor(deps: EngineGroupsDeps) {
    this.d = deps;
  }

  /** The groups (releasing ones included). */
  get list(): EngineGroup[] {
    return [...this.groups.values()];
  }

  /** Units held by all groups. */
  get held(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.held;
    return n;
  }

  /** What GetAssignment reports. */
  statuses(): GroupStatus[] {
    return this.list.map((g) => g.status());
  }

  /** Brings the groups in line with the layout (see the file comment). */
  apply(layout: readonly GroupAssignment[]): void {
    if (this.stopping) return;
    const wanted = new Set(layout.map((a) => a.id));
    for (const g of this.groups.values()) {
      const st = g.state.state;
      if (!wanted.has(g.spec.id) && st !== 'releasing' && st !== 'stopped') this.release(g);
    }
    const busy = new Set<number>();
    for (const g of this.groups.values()) for (const x of g.spec.gpus) busy.add(x.index);
    for (const a of layout) {
      if (this.groups.has(a.id)) continue;
      const spec = this.specOf(a);
      if (spec === null) continue;
      if (spec.gpus.some((x) => busy.has(x.index))) continue; // still releasing: started from a later answer
      for (const x of spec.gpus) busy.add(x.index);
      this.startGroup(spec);
    }
  }

  /**
   * Graceful stop of every group: no more pulls; running units get `drainTimeoutMs` to finish, then
   * are handed back; the servers are stopped. Later layouts are ignored.
   */
  async drain(t: GroupsDrainTimings): Promise<void> {
    this.stopping = true;
    const log = this.d.logger;
    const groups = this.list;
    for (const g of groups) g.stopPulling();
    log.info({ groups: groups.length, held: this.held, drainSeconds: t.drainTimeoutMs / 1000 }, 'draining: no more pulls; letting running units finish');
    const finished = await this.waitUnits(t.drainTimeoutMs);
    if (!finished) {
      log.warn({ held: this.held }, 'drain time is up; handing the running units back');
      for (const g of groups) g.abortUnits();
      if (!(await this.waitUnits(t.settleTimeoutMs ?? 5000))) log.warn({ held: this.held }, 'some units did not settle; they return to the queue after their ack_wait');
    }
    await Promise.race([Promise.all(groups.map((g) => g.pullStopped())), sleep(t.loopTimeoutMs ?? 6000)]);
    // Release every group; a unit that never settles must not keep a server alive.
    await Promise.race([Promise.all(groups.map((g) => g.release())), sleep(t.settleTimeoutMs ?? 5000)]);
    await Promise.all(groups.map((g) => g.engine.stop().catch((e: unknown) => log.warn({ group: g.spec.id, error: errorLine(e) }, 'stopping the engine failed'))));
  }

  /** Forced stop: hands every unit back at once. */
  async force(): Promise<void> {
    this.stopping = true;
    for (const g of this.groups.values()) {
      g.stopPulling();
      g.abortUnits();
    }
    await this.waitUnits(1000);
  }

  /** Resolves when no group holds a unit, or after `timeoutMs`. */
  async waitUnits(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (const g of this.groups.values()) {
      if (!(await g.waitUnits(Math.max(0, deadline - Date.now())))) return false;
    }
    return true;
  }

  private specOf(a: GroupAssignment): GroupSpec | null {
    const refuse = (why: string): null => {
      if (!this.refused.has(a.id)) this.d.logger.error({ group: a.id, model: a.model, gpus: a.gpuIndices }, `refusing an assigned group: ${why}`);
      this.refused.add(a.id);
      return null;
    };
    const gpus: NodeGpu[] = [];
    for (const i of a.gpuIndices) {
      const g = this.d.inventory.gpus.find((x) => x.index === i);
      if (!g) return refuse(`GPU ${i} is not one of this node's (${this.d.inventory.gpus.map((x) => x.index).join(', ')})`);
      gpus.push(g);
    }
    if (gpus.length === 0) return refuse('it names no GPU');
    if (new Set(gpus.map((g) => g.gpuClass)).size > 1) return refuse('its GPUs are of different classes');
    const tp = a.tensorParallelSize > 0 ? a.tensorParallelSize : gpus.length;
    if (tp !== gpus.length) return refuse(`tensor-parallel size ${tp} differs from its ${gpus.length} GPUs`);
    try {
      getEngineModel(a.model);
    } catch (e) {
      return refuse(errorLine(e));
    }
    return { id: a.id, gpus, model: a.model, tensorParallelSize: tp, maxModelLen: a.maxModelLen };
  }

  private startGroup(spec: GroupSpec): void {
    const logger = this.d.logger.child({ group: spec.id });
    const g = new EngineGroup(spec, { ...this.d, engine: this.d.createEngine(spec), logger }, this.d.settingsFor(spec));
    this.groups.set(spec.id, g);
    this.d.metrics?.setGroups(this.list.map((x) => x.spec.tensorParallelSize), this.d.slotsPerGroup);
    g.start();
  }

  private release(g: EngineGroup): void {
    void g.release().then(
      () => this.forget(g),
      (e: unknown) => {
        this.d.logger.error({ group: g.spec.id, error: errorLine(e) }, 'releasing a group failed');
        this.forget(g);
      },
    );
  }

  private forget(g: EngineGroup): void {
    if (this.groups.get(g.spec.id) === g) this.groups.delete(g.spec.id);
    this.d.metrics?.forgetGroup(g.spec.id);
    this.d.metrics?.setGroups(this.list.map((x) => x.spec.tensorParallelSize), this.d.slotsPerGroup);
    this.d.onChange();
  }
}
