/**
 * How a model can be served on a cluster: per GPU class present, the tensor-parallel size the
 * placement policy would use there (`tpFor`: the catalog's size for that class, on one node).
 */
import type { GpuClass, ModelSpec } from '@clue/tasks';
import { tpFor } from '@clue/coordinator';
import { classesOf, type Cluster, type ClusterNode } from './cluster.js';

/** One way to hold a model. */
export interface GroupOption {
  readonly gpuClass: GpuClass;
  readonly tp: number;
}

/** The ways the cluster can hold `model` (empty: it fits nowhere). */
export function groupOptions(cluster: Cluster, model: ModelSpec): GroupOption[] {
  const out: GroupOption[] = [];
  for (const [gpuClass, most] of classesOf(cluster)) {
    const tp = tpFor(model, gpuClass, most);
    if (tp !== null) out.push({ gpuClass, tp });
  }
  return out;
}

/** The TP size for `model` on `node`, or null when it does not fit there. */
export function tpOnNode(node: ClusterNode, model: ModelSpec): number | null {
  return tpFor(model, node.gpuClass, node.gpus);
}
