/**
 * GPU profiles for the timing and memory model (`VLLM_SIM_GPU`). Numbers are the vendors' datasheet
 * values: usable memory as CUDA reports it, peak HBM/GDDR bandwidth, dense BF16 tensor throughput.
 */
import { SimError } from './errors.js';

/** One GPU model. */
export interface GpuProfile {
  /** Profile name as given in `VLLM_SIM_GPU`. */
  readonly name: string;
  /** What `torch.cuda.get_device_name()` would print (used in logs). */
  readonly deviceName: string;
  /** Total device memory in bytes, as `torch.cuda.mem_get_info` reports it. */
  readonly memoryBytes: number;
  /** Peak memory bandwidth in bytes/s. */
  readonly memoryBandwidth: number;
  /** Peak dense BF16/FP16 tensor FLOP/s. */
  readonly peakFlops: number;
  /** Peak FP32 (non-tensor-core) FLOP/s: what `--dtype float32` runs at (PyTorch leaves TF32 matmuls off). */
  readonly fp32Flops: number;
  /** Sustained host-to-device weight loading rate per GPU (disk/page cache + PCIe), bytes/s. */
  readonly loadBandwidth: number;
}

const GiB = 2 ** 30;

/** The built-in profiles, keyed by name. */
export const GPU_PROFILES: Readonly<Record<string, GpuProfile>> = {
  'H100-80GB': {
    name: 'H100-80GB',
    deviceName: 'NVIDIA H100 80GB HBM3',
    memoryBytes: 79.19 * GiB,
    memoryBandwidth: 3.35e12,
    peakFlops: 989e12,
    fp32Flops: 67e12,
    loadBandwidth: 2.5e9,
  },
  'H200-141GB': {
    name: 'H200-141GB',
    deviceName: 'NVIDIA H200',
    memoryBytes: 139.8 * GiB,
    memoryBandwidth: 4.8e12,
    peakFlops: 989e12,
    fp32Flops: 67e12,
    loadBandwidth: 2.5e9,
  },
  'A100-80GB': {
    name: 'A100-80GB',
    deviceName: 'NVIDIA A100-SXM4-80GB',
    memoryBytes: 79.15 * GiB,
    memoryBandwidth: 2.0e12,
    peakFlops: 312e12,
    fp32Flops: 19.5e12,
    loadBandwidth: 2.0e9,
  },
  'A100-40GB': {
    name: 'A100-40GB',
    deviceName: 'NVIDIA A100-SXM4-40GB',
    memoryBytes: 39.38 * GiB,
    memoryBandwidth: 1.555e12,
    peakFlops: 312e12,
    fp32Flops: 19.5e12,
    loadBandwidth: 2.0e9,
  },
  'L40S-48GB': {
    name: 'L40S-48GB',
    deviceName: 'NVIDIA L40S',
    memoryBytes: 44.39 * GiB,
    memoryBandwidth: 0.864e12,
    peakFlops: 362e12,
    fp32Flops: 91.6e12,
    loadBandwidth: 1.5e9,
  },
  'L4-24GB': {
    name: 'L4-24GB',
    deviceName: 'NVIDIA L4',
    memoryBytes: 22.04 * GiB,
    memoryBandwidth: 0.3e12,
    peakFlops: 121e12,
    fp32Flops: 30.3e12,
    loadBandwidth: 1.0e9,
  },
};

/** The profile used when `VLLM_SIM_GPU` is unset. */
export const DEFAULT_GPU = 'H100-80GB';

/**
 * Looks a profile up by name (case-insensitive; `H100` alone means `H100-80GB`, `A100` means `A100-80GB`).
 * @throws SimError `UNKNOWN_GPU` naming the valid profiles.
 */
export function getGpuProfile(name: string): GpuProfile {
  const key = name.trim().toUpperCase();
  const short: Record<string, string> = { H100: 'H100-80GB', H200: 'H200-141GB', A100: 'A100-80GB', L40S: 'L40S-48GB', L4: 'L4-24GB' };
  const found = Object.values(GPU_PROFILES).find((p) => p.name.toUpperCase() === key) ?? GPU_PROFILES[short[key] ?? ''];
  if (!found) {
    throw new SimError('UNKNOWN_GPU', `VLLM_SIM_GPU: unknown GPU profile '${name}' (known: ${Object.keys(GPU_PROFILES).join(', ')})`);
  }
  return found;
}

/**
 * vLLM's default `max_num_seqs` / `max_num_batched_tokens` for the API server: 1024/8192 on GPUs with
 * at least 70 GiB whose name does not contain "a100", else 256/2048.
 */
export function defaultSchedulerLimits(gpu: GpuProfile): { maxNumSeqs: number; maxNumBatchedTokens: number } {
  const big = gpu.memoryBytes >= 70 * GiB && !gpu.deviceName.toLowerCase().includes('a100');
  return big ? { maxNumSeqs: 1024, maxNumBatchedTokens: 8192 } : { maxNumSeqs: 256, maxNumBatchedTokens: 2048 };
}
