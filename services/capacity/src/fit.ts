/**
 * Which models the cluster can hold at all: a model needs `tp` GPUs of one class on one node (the
 * placement policy's own `holdOptions`). Models that fit nowhere are left out of the simulation and
 * reported with what they need (the policy's `describeNeed`) and what the cluster has.
 */
import type { ModelSpec } from '@clue/tasks';
import { describeNeed, describeWorkers, holdOptions } from '@clue/coordinator';
import { emptyNodeViews, type Cluster } from './cluster.js';

/** A model the cluster cannot hold. */
export interface UnplaceableModel {
  readonly model: string;
  /** E.g. "no node of the cluster can hold it: it needs 2× H100-80GB, … on one worker (the cluster: 1 with 1× L40S-48GB)". */
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
    out.push({ model: m.key, reason: `no node of the cluster can hold it: it needs ${describeNeed(m)} (the cluster: ${describeWorkers(nodes)})` });
  }
  return out;
}
