/**
 * Cluster descriptions: `4x8xH100-80GB,2x4xL40S-48GB` = 4 nodes of 8 H100-80GB GPUs plus 2 nodes of
 * 4 L40S-48GB. Parts are separated by commas; each is `NODES x GPUS x CLASS` (`x` or `×`, spaces
 * allowed, class names case-insensitive). Nodes are named `node-0`, `node-1`, … in the order given.
 */
import { GPU_CLASS_NAMES, getGpuClass, type GpuClass } from '@clue/tasks';
import type { NodeView } from '@clue/coordinator';
import { CapacityError } from './errors.js';

/** Largest number of nodes in one part, and of GPUs on one node. */
export const MAX_NODES_PER_PART = 1024;
export const MAX_GPUS_PER_NODE = 64;

/** One node of the cluster. */
export interface ClusterNode {
  readonly id: string;
  readonly gpuClass: GpuClass;
  readonly gpus: number;
}

/** A parsed cluster. */
export interface Cluster {
  /** The description in canonical spelling, e.g. `4x8xH100-80GB,2x4xL40S-48GB`. */
  readonly description: string;
  readonly nodes: readonly ClusterNode[];
  readonly totalGpus: number;
}

const PART = /^(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\S.*)$/i;

function bad(part: string, why: string): never {
  throw new CapacityError('INVALID_CLUSTER', `cluster part '${part}': ${why} (expected NODESxGPUSxCLASS, e.g. 4x8xH100-80GB; known classes: ${GPU_CLASS_NAMES.join(', ')})`);
}

function gpuClassOf(part: string, name: string): GpuClass {
  try {
    return getGpuClass(name).name;
  } catch {
    return bad(part, `unknown GPU class '${name.trim()}'`);
  }
}

function count(part: string, text: string, what: string, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) bad(part, `${what} must be a whole number from 1 to ${max}, got ${text}`);
  return n;
}

/**
 * Parses a cluster description.
 * @throws CapacityError INVALID_CLUSTER naming the bad part and listing the known GPU classes.
 */
export function parseCluster(text: string): Cluster {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new CapacityError('INVALID_CLUSTER', `empty cluster description (expected e.g. 4x8xH100-80GB,2x4xL40S-48GB; known classes: ${GPU_CLASS_NAMES.join(', ')})`);
  }
  const nodes: ClusterNode[] = [];
  const canonical: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') bad(raw, 'empty part (a stray comma?)');
    const m = PART.exec(part);
    if (!m) bad(part, 'not of the form NODESxGPUSxCLASS');
    const n = count(part, m[1]!, 'the node count', MAX_NODES_PER_PART);
    const g = count(part, m[2]!, 'the GPUs per node', MAX_GPUS_PER_NODE);
    const cls = gpuClassOf(part, m[3]!);
    for (let i = 0; i < n; i++) nodes.push({ id: `node-${nodes.length}`, gpuClass: cls, gpus: g });
    canonical.push(`${n}x${g}x${cls}`);
  }
  return { description: canonical.join(','), nodes, totalGpus: nodes.reduce((s, x) => s + x.gpus, 0) };
}

/** The cluster's nodes as the placement policy sees them, without groups. */
export function emptyNodeViews(cluster: Cluster): NodeView[] {
  return cluster.nodes.map((n) => ({ workerId: n.id, gpus: Array.from({ length: n.gpus }, (_, index) => ({ index, gpuClass: n.gpuClass })), groups: [], live: true }));
}

/** The GPU classes present, each with the largest GPU count of one node of it. */
export function classesOf(cluster: Cluster): Map<GpuClass, number> {
  const out = new Map<GpuClass, number>();
  for (const n of cluster.nodes) out.set(n.gpuClass, Math.max(out.get(n.gpuClass) ?? 0, n.gpus));
  return out;
}
