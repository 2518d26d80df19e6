/**
 * Which models the cluster can hold at all: a model needs `tp` GPUs of one class on one node (the
 * placement policy's own `holdOptions`). Models that fit nowhere are left out of the simulation and
 * reported with the policy's own wait reason (which GPUs they need, what the cluster has).
 */
import type { ModelSpec } from '@clue/tasks';
import { Estimator, holdOptions, waitReason } from '@clue/coordinator';
import { emptyNodeViews, type Cluster } from './cluster.js';

/** A model the cluster cannot hold. */
export interface UnplaceableModel {
  readonly model: string;
  /** E.g. "no live worker can hold it: it needs 2× H100-80GB, … on one worker; 1 worker with 1× L40S-48GB". */
  readonly reason: string;
}

/** True when some node of the cluster can hold the model. */
export function fitsSomewhere(cluster: Cluster, model: ModelSpec): boolean {
  return emptyNodeViews(cluster).some((n) => holdOptions(n, model).length > 0);
}

/** The models (in the given order) that no node of the cluster can hold, with the reason. */
export function unplaceableModels(cluster: Cluster, models: readonly ModelSpec[]): UnplaceableModel[] {
  const nodes = emptyNodeViews(cluster);
  const out: UnplaceableModel[] = [];
  for (const m of models) {
    if (nodes.some((n) => holdOptions(n, m).length > 0)) continue;
    const reason = waitReason(m.key, { demand: [{ model: m.key, queuedUnits: 1, queuedGpuSeconds: 1 }], nodes, estimates: new Estimator() })?.reason.replace('no live worker can hold it', 'no node of the cluster can hold it').replace('(live workers: ', '(the cluster: ') ?? 'no node can hold it';
    out.push({ model: m.key, reason });
  }
  return out;
}
