/**
 * Classifies a vLLM start-up failure from its exit status and log tail. vLLM prints the root cause
 * (a Python exception) above a generic `Engine core initialization failed` line and exits with code 1,
 * so the whole tail is searched, most specific pattern first:
 *
 * | log text | code |
 * |---|---|
 * | `... the estimated maximum model length is N ...` | START_FAILED_KV_CACHE (carries N) |
 * | `No available memory for the cache blocks` | START_FAILED_NO_KV_MEMORY |
 * | `CUDA out of memory` / `OutOfMemoryError` | START_FAILED_OOM |
 * | `Free memory on device ... is less than desired GPU memory utilization` | START_FAILED_GPU_BUSY |
 * | gated repo, 401/403 from the Hub, invalid repository id, RepositoryNotFound | MODEL_INVALID_OR_GATED |
 * | `[Errno 98]` / `address already in use` | START_FAILED_PORT_IN_USE |
 * | argparse usage error (exit 2), max_model_len above the model's, heads not divisible by TP | START_FAILED_CONFIG |
 * | anything else | START_FAILED |
 */
import { EngineError, type EngineErrorCode } from './errors.js';

/** How the process ended. */
export interface ProcessExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** Lines of context put into the error message. */
const MESSAGE_LINES = 6;

interface Rule {
  readonly code: EngineErrorCode;
  readonly pattern: RegExp;
  readonly summary: string;
}

const RULES: readonly Rule[] = [
  {
    code: 'START_FAILED_KV_CACHE',
    pattern: /estimated maximum model length is \d+|KV cache is needed, which is larger than the available KV cache memory/,
    summary: 'the KV cache cannot hold one sequence of the requested max model length',
  },
  {
    code: 'START_FAILED_NO_KV_MEMORY',
    pattern: /No available memory for the cache blocks/,
    summary: 'no GPU memory is left for the KV cache',
  },
  { code: 'START_FAILED_OOM', pattern: /CUDA out of memory|OutOfMemoryError|CUDA error: out of memory/, summary: 'CUDA out of memory' },
  {
    code: 'START_FAILED_GPU_BUSY',
    pattern: /Free memory on device .* is less than desired GPU memory utilization/,
    summary: 'the GPU memory is already in use by another process',
  },
  {
    code: 'MODEL_INVALID_OR_GATED',
    pattern:
      /Cannot access gated repo|GatedRepoError|Access to model .* is restricted|\b40[13] Client Error|Invalid repository ID or local directory|is not a valid model identifier|RepositoryNotFoundError|Repository Not Found/,
    summary: 'the model repository is invalid, missing or gated',
  },
  { code: 'START_FAILED_PORT_IN_USE', pattern: /\[Errno 98\]|[Aa]ddress already in use|EADDRINUSE/, summary: 'the port is already in use' },
  {
    code: 'START_FAILED_CONFIG',
    pattern:
      /vllm serve: error:|unrecognized arguments|is greater than the derived max_model_len|must be divisible by tensor parallel size|default chat template is no longer allowed/,
    summary: 'vLLM rejected its configuration',
  },
];

const GATED = /Cannot access gated repo|GatedRepoError|Access to model .* is restricted|\b40[13] Client Error/;

/**
 * The `EngineError` for a server that exited before it became ready.
 * @param modelId the repository id, for the message.
 */
export function classifyStartupFailure(exit: ProcessExit, tail: readonly string[], modelId: string): EngineError {
  const text = tail.join('\n');
  const how = describeExit(exit);
  for (const rule of RULES) {
    const idx = findLastLine(tail, rule.pattern);
    if (idx < 0) continue;
    const details = { exitCode: exit.exitCode, signal: exit.signal, logTail: [...tail] };
    const evidence = tail[idx]!.trim();
    if (rule.code === 'START_FAILED_KV_CACHE') {
      const m = /estimated maximum model length is (\d+)/.exec(text);
      const est = m ? Number(m[1]) : undefined;
      return new EngineError(
        rule.code,
        `vLLM for ${modelId} ${how}: ${rule.summary}` + (est !== undefined ? `; vLLM estimates it can serve ${est} tokens` : '') +
          `\n${evidence}`,
        est !== undefined ? { ...details, estimatedMaxModelLen: est } : details,
      );
    }
    if (rule.code === 'MODEL_INVALID_OR_GATED') {
      return new EngineError(rule.code, `vLLM for ${modelId} ${how}: ${rule.summary}\n${evidence}`, {
        ...details,
        gated: GATED.test(text),
      });
    }
    return new EngineError(rule.code, `vLLM for ${modelId} ${how}: ${rule.summary}\n${evidence}`, details);
  }
  if (exit.exitCode === 2) {
    return new EngineError('START_FAILED_CONFIG', `vLLM for ${modelId} ${how} (usage error)\n${lastLines(tail)}`, {
      exitCode: exit.exitCode,
      signal: exit.signal,
      logTail: [...tail],
    });
  }
  return new EngineError('START_FAILED', `vLLM for ${modelId} ${how} before it became ready\n${lastLines(tail)}`, {
    exitCode: exit.exitCode,
    signal: exit.signal,
    logTail: [...tail],
  });
}

/** "exited with code 1" / "was killed by SIGKILL". */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.exitCode ?? 'unknown'}`;
}

function findLastLine(lines: readonly string[], pattern: RegExp): number {
  for (let i = lines.length - 1; i >= 0; i--) if (pattern.test(lines[i]!)) return i;
  return -1;
}

function lastLines(tail: readonly string[]): string {
  const shown = tail.slice(Math.max(0, tail.length - MESSAGE_LINES));
  return shown.length > 0 ? shown.join('\n') : '(no log output)';
}
