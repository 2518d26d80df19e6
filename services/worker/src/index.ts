/**
 * @clue/worker — the per-node worker: the vLLM engine driver (`VllmEngine` and its launch planning,
 * client, tokenizer, request pool and hang watch) and the worker runtime (configuration, GPU
 * inventory, coordinator client, datasets, samples, unit runner, results, completion, pull loop,
 * drain).
 */
// Engine driver (public API).
export { VllmEngine } from './engine/engine.js';
export type { EngineState, VllmEngineOptions, StateChange, EngineEvent, EngineEventMap, EngineInfo, BatchOptions } from './engine/engine-types.js';
export { EngineError, isEngineError, ENGINE_ERROR_CLASS, type EngineErrorCode, type EngineErrorClass, type EngineErrorDetails } from './engine/errors.js';
export {
  planLaunch,
  launchArgv,
  launchCommand,
  saferProfile,
  effectiveMaxNumSeqs,
  vllmDefaultMaxNumSeqs,
  type GpuInventory,
  type LaunchOptions,
  type LaunchPlan,
  type LaunchCommand,
} from './engine/launch-plan.js';
export { VllmClient, type ChatRequest, type ChatResult, type TokenizeInput, type TokenizeResult, type ModelCard, type HealthStatus, type PoolingResult, type TokenEmbeddingsResult } from './engine/vllm-client.js';
export { VllmTokenizer, type TokenizeBackend } from './engine/vllm-tokenizer.js';
export { runPool, mapPool, type PoolOptions, type PoolOutcome, type PoolTask, type PoolSource } from './engine/request-pool.js';
export { HangWatch, type HangWatchOptions } from './engine/hang-watch.js';
export type { EngineLogger, LogMethod } from './engine/logger.js';

// Worker runtime.
export { loadConfig, defaultWorkerId, describeConfig, usage, type WorkerConfig } from './config.js';
export { createWorker, Worker, engineKind, type WorkerOptions, type WorkerOutcome } from './runtime/worker.js';
export { WORKER_STATES, WorkerStateMachine, type WorkerState, type WorkerTransition } from './runtime/state.js';
export {
  parseGpuFlag,
  parseNvidiaSmi,
  classifyGpu,
  detectGpus,
  describeInventory,
  NVIDIA_SMI_ARGS,
  type NodeGpu,
  type NodeInventory,
} from './runtime/gpu-inventory.js';
export { CoordinatorClient, WORKER_MAX_MESSAGE_BYTES, type Assignment, type Registration, type CompleteUnitInput, type RetryBudget, type CoordinatorClientOptions } from './runtime/coordinator-client.js';
export { ProgressReporter, type ProgressUpdate, type ProgressReporterOptions } from './runtime/progress-reporter.js';
export { DatasetStore, datasetMeta, sha256Hex, DATASET_TASK_HEADER, DATASET_FILE_HEADER, type DatasetFile, type DatasetStoreOptions } from './runtime/datasets.js';
export { SampleBuilder, type UnitSample, type SampleSetKey, type SampleBuilderOptions } from './runtime/samples.js';
export { adaptMessages, promptSha256, maxTokensFor, scoreOutput, samplingProblem } from './runtime/sample-scoring.js';
export { ResultsWriter, encodeResults, decodeResults, type EncodedResults, type WrittenResults } from './runtime/results-writer.js';
export { Completion, type CompletionOptions, type Settlement, type UnitStats } from './runtime/completion.js';
export { UnitRunner, type UnitRunnerDeps, type UnitRunOptions } from './runtime/unit-runner.js';
export { parseUnitMessage, BadUnitMessage } from './runtime/unit-message.js';
export { AssignmentPoller, type AssignmentPollerOptions } from './runtime/assignment-poller.js';
export { EngineGroup, type GroupSpec, type GroupStatus, type EngineGroupDeps, type EngineGroupSettings } from './runtime/engine-group.js';
export { EngineGroups, type GroupAssignment, type EngineGroupsDeps, type GroupsDrainTimings } from './runtime/engine-groups.js';
export { GroupStateMachine, GROUP_STATES, type GroupStateName } from './runtime/group-state.js';
export { mergeExpositions, type GroupExposition } from './runtime/vllm-metrics.js';
export { drain, forceStop, installSignalHandlers, type DrainTargets, type DrainTimings } from './runtime/drain.js';
export { WorkerMetrics, serveMetrics } from './runtime/metrics.js';
export { connectNats, openStores, type NatsSettings, type WorkerStores } from './runtime/nats-stores.js';
export { UnitFailure, WorkerConfigError, CoordinatorError, type FailureKind } from './runtime/errors.js';

// BERTScore through a scorer engine (scorer groups, the unit side, and `clue score`).
export { BertScoreEmbedder, type EmbeddingBackend, type BertScoreEmbedderOptions } from './runtime/bertscore-embed.js';
export { BertScoreClient, type BertScoreClientOptions, type BertScoreResult } from './runtime/bertscore-client.js';
export { ScorerService, type ScorerServiceDeps } from './runtime/scorer-service.js';
