/**
 * How to launch vLLM for one model on this node: tensor-parallel size and `--max-model-len` chosen from
 * the model catalog and the node's GPU inventory, and the exact command line DESIGN.md prescribes:
 *
 *   serve <hf-id> --port <p> --host 127.0.0.1 --served-model-name <key> --tensor-parallel-size <tp>
 *     --max-model-len <n> --gpu-memory-utilization <u> --generation-config vllm --seed <s>
 *     [--max-num-seqs S] [--chat-template F] [extra args...]
 *
 * The API key is passed as `VLLM_API_KEY` in the server's environment (vLLM's documented fallback for
 * `--api-key`) rather than on the command line, where every user of the node could read it in `ps`.
 *
 * Also the "safer profile" a failed start is retried with (`saferProfile`).
 */
import {
  ClueError,
  TP_SIZES,
  defaultMaxModelLen,
  getGpuClass,
  perGpuMemoryGiB,
  tensorParallelSize,
  tpSplitsModel,
  type GpuClassSpec,
  type ModelSpec,
} from '@clue/tasks';
import { EngineError } from './errors.js';

/** The GPUs of this node that the engine may use. */
export interface GpuInventory {
  /** A catalog GPU class (`H100-80GB`, `A100-80GB`, `A100-40GB`, `L40S-48GB`), case-insensitive. */
  readonly gpuClass: string;
  /** Number of GPUs of that class. */
  readonly count: number;
  /** CUDA device indices; when given, the first `tp` become `CUDA_VISIBLE_DEVICES`. */
  readonly deviceIds?: readonly number[];
}

/** Options of a launch. Everything has a default except what the catalog cannot know. */
export interface LaunchOptions {
  /** `--max-model-len`. @default defaultMaxModelLen(model) (context capped at 8192) */
  readonly maxModelLen?: number;
  /** `--gpu-memory-utilization`, in (0, 1]. @default 0.9 */
  readonly gpuMemoryUtilization?: number;
  /** `--seed`. @default 0 */
  readonly seed?: number;
  /** `--max-num-seqs`; unset leaves vLLM's default (1024 on ≥70 GiB non-A100 GPUs, else 256). */
  readonly maxNumSeqs?: number;
  /** `--tensor-parallel-size`; unset picks the smallest size the catalog says fits. */
  readonly tensorParallelSize?: number;
  /** `--chat-template` file, for models without a built-in template. */
  readonly chatTemplateFile?: string;
  /** `vllm` (looked up on PATH), a path to a binary, or a `.js` file run with this Node (vllm-sim). @default 'vllm' */
  readonly executable?: string;
  /** Appended verbatim after the standard flags. */
  readonly extraArgs?: readonly string[];
  /** Extra environment for the server (e.g. `HF_TOKEN`, `VLLM_SIM_*`); merged over this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The server's API key (sent as `VLLM_API_KEY`, never on the command line); never logged. */
  readonly apiKey?: string;
}

/** A fully resolved launch (the port is chosen at spawn time). */
export interface LaunchPlan {
  readonly model: ModelSpec;
  readonly gpu: GpuClassSpec;
  readonly gpuCount: number;
  readonly deviceIds: readonly number[] | null;
  readonly executable: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  readonly seed: number;
  /** null: vLLM's default (see `effectiveMaxNumSeqs`). */
  readonly maxNumSeqs: number | null;
  readonly chatTemplateFile: string | null;
  readonly extraArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly apiKey: string | null;
  /** Things the operator should know (logged at start). */
  readonly warnings: readonly string[];
}

/** Highest `--gpu-memory-utilization` a safer profile goes to. */
export const MAX_SAFE_UTILIZATION = 0.95;
/** Lowest `--max-num-seqs` a safer profile goes to. */
export const MIN_SAFE_MAX_NUM_SEQS = 32;

function invalid(message: string): EngineError {
  return new EngineError('INVALID_CONFIG', message);
}

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw invalid(`${name} must be a positive integer, got ${v}`);
}

/**
 * Resolves the launch of `model` on `inventory`.
 * @throws EngineError `INVALID_CONFIG` for bad options (unknown GPU class, utilization outside (0, 1],
 *   length above the model's context, a TP size that does not split the model), `MODEL_DOES_NOT_FIT`
 *   (needs a bigger worker) when no TP size available on this node fits the model.
 */
export function planLaunch(model: ModelSpec, inventory: GpuInventory, options: LaunchOptions = {}): LaunchPlan {
  let gpu: GpuClassSpec;
  try {
    gpu = getGpuClass(inventory.gpuClass);
  } catch (e) {
    throw invalid(e instanceof ClueError ? e.message : String(e));
  }
  positiveInt('GPU count', inventory.count);
  const util = options.gpuMemoryUtilization ?? 0.9;
  if (!(util > 0 && util <= 1)) throw invalid(`gpuMemoryUtilization must be in (0, 1], got ${util}`);
  positiveInt('maxModelLen', options.maxModelLen);
  positiveInt('maxNumSeqs', options.maxNumSeqs);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalid(`seed must be a non-negative integer, got ${seed}`);
  const maxModelLen = options.maxModelLen ?? defaultMaxModelLen(model);
  if (maxModelLen > model.contextLength) {
    throw invalid(`maxModelLen ${maxModelLen} exceeds the context length of ${model.key} (${model.contextLength})`);
  }
  if (inventory.deviceIds !== undefined && inventory.deviceIds.length !== inventory.count) {
    throw invalid(`deviceIds lists ${inventory.deviceIds.length} devices but count is ${inventory.count}`);
  }

  const tp = options.tensorParallelSize ?? chooseTp(model, gpu, inventory.count, util, maxModelLen);
  if (options.tensorParallelSize !== undefined) {
    positiveInt('tensorParallelSize', tp);
    if (!tpSplitsModel(model, tp)) {
      throw invalid(`tensor-parallel size ${tp} does not split ${model.key} (${model.attention.heads} attention heads)`);
    }
    if (tp > inventory.count) throw notFit(model, gpu, inventory.count, maxModelLen, `tensor-parallel size ${tp} was requested`);
  }

  const env: Record<string, string> = { ...(options.env ?? {}) };
  const apiKey = options.apiKey ?? env['VLLM_API_KEY'] ?? null;
  delete env['VLLM_API_KEY'];
  const warnings: string[] = [];
  if (model.chatTemplate === 'none' && options.chatTemplateFile === undefined) {
    warnings.push(`${model.key} has no built-in chat template and no chat template file was given; vLLM will reject chat requests`);
  }
  return Object.freeze({
    model,
    gpu,
    gpuCount: inventory.count,
    deviceIds: inventory.deviceIds ? Object.freeze([...inventory.deviceIds]) : null,
    executable: options.executable ?? 'vllm',
    tensorParallelSize: tp,
    maxModelLen,
    gpuMemoryUtilization: util,
    seed,
    maxNumSeqs: options.maxNumSeqs ?? null,
    chatTemplateFile: options.chatTemplateFile ?? null,
    extraArgs: Object.freeze([...(options.extraArgs ?? [])]),
    env: Object.freeze(env),
    apiKey: apiKey === '' ? null : apiKey,
    warnings: Object.freeze(warnings),
  });
}

function chooseTp(model: ModelSpec, gpu: GpuClassSpec, count: number, util: number, maxModelLen: number): number {
  let tp: number | null;
  try {
    tp = tensorParallelSize(model, gpu.name, util, maxModelLen);
  } catch (e) {
    throw invalid(e instanceof ClueError ? e.message : String(e));
  }
  if (tp === null) throw notFit(model, gpu, count, maxModelLen, 'not even 8 GPUs of this class hold it');
  if (tp > count) throw notFit(model, gpu, count, maxModelLen, `it needs tensor-parallel size ${tp}`);
  return tp;
}

function notFit(model: ModelSpec, gpu: GpuClassSpec, count: number, maxModelLen: number, why: string): EngineError {
  const need = perGpuMemoryGiB(model, 1, maxModelLen).toFixed(1);
  return new EngineError(
    'MODEL_DOES_NOT_FIT',
    `${model.key} (${model.paramsB}B, max length ${maxModelLen}, about ${need} GiB on one GPU) does not fit this node ` +
      `(${count}× ${gpu.name}, ${gpu.memoryGiB} GiB each): ${why}`,
  );
}

/** vLLM's default `--max-num-seqs` for the API server: 1024 on GPUs of at least 70 GiB that are not A100s, else 256. */
export function vllmDefaultMaxNumSeqs(gpu: GpuClassSpec): number {
  return gpu.memoryGiB >= 70 && !gpu.name.toLowerCase().includes('a100') ? 1024 : 256;
}

/** The `--max-num-seqs` the server runs with: the plan's, or vLLM's default for the GPU. */
export function effectiveMaxNumSeqs(plan: LaunchPlan): number {
  return plan.maxNumSeqs ?? vllmDefaultMaxNumSeqs(plan.gpu);
}

/** The arguments after the executable, for a server listening on `port`. */
export function launchArgv(plan: LaunchPlan, port: number): string[] {
  const argv = [
    'serve', plan.model.hfId,
    '--port', String(port),
    '--host', '127.0.0.1',
    '--served-model-name', plan.model.key,
    '--tensor-parallel-size', String(plan.tensorParallelSize),
    '--max-model-len', String(plan.maxModelLen),
    '--gpu-memory-utilization', String(plan.gpuMemoryUtilization),
    '--generation-config', 'vllm',
    '--seed', String(plan.seed),
  ];
  if (plan.maxNumSeqs !== null) argv.push('--max-num-seqs', String(plan.maxNumSeqs));
  if (plan.chatTemplateFile !== null) argv.push('--chat-template', plan.chatTemplateFile);
  argv.push(...plan.extraArgs);
  return argv;
}

/** A process to spawn. */
export interface LaunchCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** Only the variables the plan adds (the caller merges them over its environment); may hold the API key, never log it. */
  readonly env: Readonly<Record<string, string>>;
}

/** The command for `plan` on `port`: a `.js`/`.mjs`/`.cjs` executable runs under this Node binary. */
export function launchCommand(plan: LaunchPlan, port: number): LaunchCommand {
  const argv = launchArgv(plan, port);
  const env: Record<string, string> = { ...plan.env };
  if (plan.apiKey !== null) env['VLLM_API_KEY'] = plan.apiKey;
  if (plan.deviceIds !== null) env['CUDA_VISIBLE_DEVICES'] = plan.deviceIds.slice(0, plan.tensorParallelSize).join(',');
  if (/\.(c|m)?js$/.test(plan.executable)) return { command: process.execPath, args: [plan.executable, ...argv], env };
  return { command: plan.executable, args: argv, env };
}

/** `argv` with the API key replaced by `***`, for logs and error messages. */
export function redactArgv(argv: readonly string[], apiKey: string | null): string[] {
  return argv.map((a, i) => (argv[i - 1] === '--api-key' || (apiKey !== null && apiKey !== '' && a === apiKey) ? '***' : a));
}

/** The next tensor-parallel size above the plan's that splits the model and fits on the node, or null. */
function largerTp(plan: LaunchPlan): number | null {
  return TP_SIZES.find((t) => t > plan.tensorParallelSize && t <= plan.gpuCount && tpSplitsModel(plan.model, t)) ?? null;
}

/**
 * A safer profile after a start-up failure, or null when nothing safer is left to try:
 * - KV cache too small: `--max-model-len` lowered to the length vLLM estimated, utilization raised
 *   (at most 0.95), `--max-num-seqs` halved (at least 32);
 * - no memory for KV blocks: utilization raised, a larger TP size if the node has the GPUs, fewer sequences;
 * - CUDA OOM: a larger TP size if the node has the GPUs, fewer sequences.
 * Any other failure gets null.
 */
export function saferProfile(plan: LaunchPlan, failure: EngineError): LaunchPlan | null {
  const halfSeqs = Math.max(MIN_SAFE_MAX_NUM_SEQS, Math.floor(effectiveMaxNumSeqs(plan) / 2));
  const seqs = halfSeqs < effectiveMaxNumSeqs(plan) ? halfSeqs : plan.maxNumSeqs;
  const util = Math.max(plan.gpuMemoryUtilization, Math.min(MAX_SAFE_UTILIZATION, round2(plan.gpuMemoryUtilization + 0.05)));
  let next: Partial<Pick<LaunchPlan, 'maxModelLen' | 'gpuMemoryUtilization' | 'maxNumSeqs' | 'tensorParallelSize'>>;
  switch (failure.code) {
    case 'START_FAILED_KV_CACHE': {
      const est = failure.details.estimatedMaxModelLen;
      const len = est !== undefined && est >= 1 ? Math.min(plan.maxModelLen, est) : plan.maxModelLen;
      next = { maxModelLen: len, gpuMemoryUtilization: util, maxNumSeqs: seqs };
      break;
    }
    case 'START_FAILED_NO_KV_MEMORY':
      next = { gpuMemoryUtilization: util, maxNumSeqs: seqs, tensorParallelSize: largerTp(plan) ?? plan.tensorParallelSize };
      break;
    case 'START_FAILED_OOM':
      next = { maxNumSeqs: seqs, tensorParallelSize: largerTp(plan) ?? plan.tensorParallelSize };
      break;
    default:
      return null;
  }
  const changed =
    (next.maxModelLen ?? plan.maxModelLen) !== plan.maxModelLen ||
    (next.gpuMemoryUtilization ?? plan.gpuMemoryUtilization) !== plan.gpuMemoryUtilization ||
    (next.maxNumSeqs ?? plan.maxNumSeqs) !== plan.maxNumSeqs ||
    (next.tensorParallelSize ?? plan.tensorParallelSize) !== plan.tensorParallelSize;
  if (!changed) return null;
  return Object.freeze({ ...plan, ...next });
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
