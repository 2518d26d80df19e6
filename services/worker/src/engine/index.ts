/**
 * The worker's vLLM engine driver: launch planning, the server process, its HTTP client and tokenizer,
 * the bounded request pool, hang detection and the `VllmEngine` façade tying them together.
 */
export { VllmEngine } from './engine.js';
export type { BatchOptions, EngineEvent, EngineEventMap, EngineInfo, EngineState, StateChange, VllmEngineOptions } from './engine-types.js';
export { EngineError, ENGINE_ERROR_CLASS, isEngineError, type EngineErrorClass, type EngineErrorCode, type EngineErrorDetails } from './errors.js';
export {
  planLaunch,
  launchArgv,
  launchCommand,
  saferProfile,
  effectiveMaxNumSeqs,
  vllmDefaultMaxNumSeqs,
  redactArgv,
  type GpuInventory,
  type LaunchOptions,
  type LaunchPlan,
  type LaunchCommand,
} from './launch-plan.js';
export { findFreePort } from './free-port.js';
export { VllmProcess, type VllmProcessOptions, type ReadyInfo, type ProcessState } from './vllm-process.js';
export { classifyStartupFailure, type ProcessExit } from './startup-failure.js';
export {
  VllmClient,
  parseErrorBody,
  type ChatRequest,
  type ChatResult,
  type ModelCard,
  type TokenizeInput,
  type TokenizeResult,
  type HealthStatus,
  type VllmClientOptions,
} from './vllm-client.js';
export { VllmTokenizer, type TokenizeBackend } from './vllm-tokenizer.js';
export { createHttpTransport, TransportError, type HttpTransport, type HttpRequest, type HttpResponse } from './http-transport.js';
export { mapPool, runPool, type PoolOptions, type PoolOutcome, type PoolTask, type PoolSource } from './request-pool.js';
export { HangWatch, type HangWatchOptions } from './hang-watch.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { SILENT_LOGGER, type EngineLogger } from './logger.js';
