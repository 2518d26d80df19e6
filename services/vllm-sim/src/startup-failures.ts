/**
 * The log tails vLLM prints when start-up fails, so a worker that tails and parses them sees the same
 * thing: the ERROR records of the engine core, the Python tracebacks on stderr and, for engine-core
 * failures, the API server's final `RuntimeError: Engine core initialization failed...`. The exit
 * code is 1 in every case. Frames and texts come from vllm-compat.
 */
import type { VllmLogger } from './log.js';
import { ENGINE_CORE_FAILED, FRAMES, LOG } from './vllm-compat.js';

function traceback(frames: readonly string[], exception: string, message: string): string[] {
  return ['Traceback (most recent call last):', ...frames.map((f) => '  ' + f), ...`${exception}: ${message}`.split('\n')];
}

/** Prints an engine-core start-up failure (KV cache, no cache memory, CUDA OOM, weights missing from the checkpoint). */
export function printEngineCoreFailure(log: VllmLogger, site: 'kv_cache' | 'no_cache_memory' | 'oom' | 'weights', exception: string, message: string): void {
  log.error(LOG.coreFailed(traceback(FRAMES[site], exception, message)), 'EngineCore_DP0');
  log.stderrLines(['Process EngineCore_DP0:', ...traceback([...FRAMES.processBootstrap, ...FRAMES[site]], exception, message)], 'EngineCore_DP0');
  log.stderrLines(traceback([...FRAMES.apiServer, ...FRAMES.waitForEngine], 'RuntimeError', ENGINE_CORE_FAILED));
}

/** Prints an API-server start-up failure (bad config, invalid or gated repo). */
export function printApiServerFailure(log: VllmLogger, site: 'config' | 'hf_hub', exception: string, message: string): void {
  const frames = site === 'hf_hub' ? [...FRAMES.apiServer, ...FRAMES.hfHub] : [...FRAMES.apiServer, ...FRAMES.config];
  log.stderrLines(traceback(frames, exception, message));
}
