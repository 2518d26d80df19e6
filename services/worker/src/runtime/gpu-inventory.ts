/**
 * The node's GPUs: a simulated inventory from `--gpus CLASS:N` (e.g. `H100-80GB:8`), or the real one
 * from `nvidia-smi --query-gpu=index,name,memory.total,uuid --format=csv,noheader,nounits` mapped onto
 * the catalog's GPU classes (H100-80GB, A100-80GB, A100-40GB, L40S-48GB). The coordinator is told about
 * every GPU and splits them into engine groups of one class each.
 */
import { execFile } from 'node:child_process';
import { GPU_CLASS_NAMES, getGpuClass, type GpuClass } from '@clue/tasks';
import { WorkerConfigError } from './errors.js';

/** One GPU as registered with the coordinator (the `clue.v1.Gpu` message). */
export interface NodeGpu {
  readonly index: number;
  readonly gpuClass: GpuClass;
  readonly memoryGib: number;
  /** `GPU-…` from nvidia-smi; `sim-<i>` for a simulated GPU. */
  readonly uuid: string;
}

/** The node's GPUs and where they came from. */
export interface NodeInventory {
  readonly gpus: readonly NodeGpu[];
  readonly source: 'simulated' | 'nvidia-smi';
}

/** The nvidia-smi query the worker runs. */
export const NVIDIA_SMI_ARGS = ['--query-gpu=index,name,memory.total,uuid', '--format=csv,noheader,nounits'] as const;

/**
 * Parses `--gpus`: `CLASS:N` (class case-insensitive; `:N` defaults to 1), several groups joined by
 * commas (`A100-80GB:4,L40S-48GB:2`). Indices run on across groups.
 * @throws WorkerConfigError naming the bad part.
 */
export function parseGpuFlag(flag: string): NodeInventory {
  const text = flag.trim();
  if (text === '') throw new WorkerConfigError('--gpus', `is empty; expected CLASS:COUNT such as H100-80GB:8 (classes: ${GPU_CLASS_NAMES.join(', ')})`);
  const gpus: NodeGpu[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z0-9-]+)\s*(?::\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new WorkerConfigError('--gpus', `'${part.trim()}' is not CLASS:COUNT (e.g. H100-80GB:8)`);
    let cls: GpuClass;
    try {
      cls = getGpuClass(m[1]!).name;
    } catch {
      throw new WorkerConfigError('--gpus', `unknown GPU class '${m[1]!}'; valid classes: ${GPU_CLASS_NAMES.join(', ')}`);
    }
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (!Number.isSafeInteger(count) || count < 1 || count > 64) {
      throw new WorkerConfigError('--gpus', `GPU count of '${part.trim()}' must be a whole number from 1 to 64`);
    }
    const memoryGib = getGpuClass(cls).memoryGiB;
    for (let i = 0; i < count; i++) gpus.push({ index: gpus.length, gpuClass: cls, memoryGib, uuid: `sim-${gpus.length}` });
  }
  return { gpus, source: 'simulated' };
}

/** GPU families by marketing name, with the memory (MiB) above which the larger class applies. */
const FAMILIES: readonly { readonly re: RegExp; readonly classify: (mib: number) => GpuClass | null }[] = [
  { re: /\b(?:G?H100|H200|GH200)\b/i, classify: (mib) => (mib >= 70 * 1024 ? 'H100-80GB' : null) },
  { re: /\bA100\b/i, classify: (mib) => (mib >= 70 * 1024 ? 'A100-80GB' : mib >= 35 * 1024 ? 'A100-40GB' : null) },
  { re: /\bL40S\b/i, classify: (mib) => (mib >= 40 * 1024 ? 'L40S-48GB' : null) },
];

/** The catalog class of a GPU from its nvidia-smi name and total memory in MiB, or null when none fits. */
export function classifyGpu(name: string, memoryMiB: number): GpuClass | null {
  for (const f of FAMILIES) if (f.re.test(name)) return f.classify(memoryMiB);
  return null;
}

/**
 * Parses nvidia-smi's CSV (`index, name, memory.total [MiB], uuid` per line, no header, no units).
 * @throws WorkerConfigError for a malformed line or a GPU that maps to no catalog class.
 */
export function parseNvidiaSmi(csv: string): NodeInventory {
  const gpus: NodeGpu[] = [];
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  lines.forEach((line, i) => {
    const cols = line.split(',').map((c) => c.trim());
    const where = `nvidia-smi output, line ${i + 1}`;
    if (cols.length !== 4) throw new WorkerConfigError('GPU detection', `${where}: expected 4 columns (index, name, memory.total, uuid), got ${cols.length}`);
    const [idx, name, mem, uuid] = cols as [string, string, string, string];
    const index = Number(idx);
    const mib = Number(mem);
    if (!/^\d+$/.test(idx)) throw new WorkerConfigError('GPU detection', `${where}: index '${idx}' is not a whole number`);
    if (!/^\d+(\.\d+)?$/.test(mem)) throw new WorkerConfigError('GPU detection', `${where}: memory.total '${mem}' is not a number of MiB`);
    const cls = classifyGpu(name, mib);
    if (cls === null) {
      throw new WorkerConfigError(
        'GPU detection',
        `${where}: GPU '${name}' with ${mib} MiB matches none of the classes ${GPU_CLASS_NAMES.join(', ')}; pass --gpus CLASS:COUNT to declare a class explicitly`,
      );
    }
    gpus.push({ index, gpuClass: cls, memoryGib: Math.round((mib / 1024) * 100) / 100, uuid });
  });
  if (gpus.length === 0) throw new WorkerConfigError('GPU detection', 'nvidia-smi listed no GPUs; pass --gpus CLASS:COUNT to simulate some');
  return { gpus, source: 'nvidia-smi' };
}

/**
 * Runs nvidia-smi and parses its answer.
 * @throws WorkerConfigError when nvidia-smi is missing or fails (the message suggests `--gpus`).
 */
export function detectGpus(executable = 'nvidia-smi', timeoutMs = 15_000): Promise<NodeInventory> {
  return new Promise((resolve, reject) => {
    execFile(executable, [...NVIDIA_SMI_ARGS], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'nvidia-smi is not installed' : `nvidia-smi failed: ${(stderr || err.message).trim().split('\n')[0]}`;
        reject(new WorkerConfigError('--gpus', `not given and ${why}; on a machine without NVIDIA GPUs pass --gpus CLASS:COUNT (e.g. H100-80GB:1) to simulate some`));
        return;
      }
      try {
        resolve(parseNvidiaSmi(stdout));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** A one-line summary for logs, e.g. `8× H100-80GB (simulated)`. */
export function describeInventory(inv: NodeInventory): string {
  const counts = new Map<string, number>();
  for (const g of inv.gpus) counts.set(g.gpuClass, (counts.get(g.gpuClass) ?? 0) + 1);
  return `${[...counts].map(([c, n]) => `${n}× ${c}`).join(' + ')} (${inv.source})`;
}
