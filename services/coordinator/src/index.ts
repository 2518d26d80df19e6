/**
 * @clue/coordinator — plans runs into units, schedules models onto workers, keeps all state in
 * JetStream, aggregates cell scores and serves the Coordinator and WorkerApi gRPC services.
 */
export { Coordinator, type CoordinatorState, type CoordinatorEndpoints, type CoordinatorOptions } from './coordinator.js';
export { loadConfig, configWith, ConfigError, CONFIG_OPTIONS, type CoordinatorConfig } from './config.js';
export { CoordinatorError, toGrpcStatus, type CoordinatorErrorCode } from './errors.js';
export { ensureJetStream, ensureModelConsumer, UNIT_ACK_WAIT_MS, UNIT_MAX_DELIVER, type JetStreamHandles } from '@clue/common';
export {
  REQUEST_LIMITS,
  COORDINATOR_LIMITS,
  WORKER_API_LIMITS,
  SERVER_MAX_RECEIVE_BYTES,
  SERVER_MAX_SEND_BYTES,
  DATASET_MAX_BYTES,
  type RequestLimits,
  type FieldBound,
  type MessageBounds,
} from './grpc/limits.js';
export { validateSpec, runIdFor, specDigest, canonicalSpec, DEFAULT_SAMPLING, type RunSpecMessage } from './spec.js';
export { profileDataset, LONGHEALTH_PROMPTS_PER_QUESTION, type DatasetProfile } from './datasets.js';
export { planCell, planRun, shardBounds, sampleCosts, type PlannedCell, type PlannedUnit, type PlanCellInput } from './planner.js';
export {
  placeNode,
  groupId,
  tpFor,
  freeBlock,
  holdOptions,
  waitReason,
  describeNeed,
  describeWorkers,
  clusterRate,
  type WaitReason,
  DEFAULT_SPREAD_FACTOR,
  type PlacementSnapshot,
  type PlacementOptions,
  type PlacementReason,
  type NodePlan,
  type GroupPlan,
  type NodeView,
  type NodeGpuView,
  type GroupView,
  type GroupState,
  type ModelDemand,
  type ModelConstraint,
} from './placement.js';
export { Estimator, classSpeed, type Estimates } from './estimates.js';
export { REFERENCE_GPU_CLASS, loadSeconds, sampleGpuSeconds, expectedOutputTokens, taskMaxTokens, longHealthPromptTokens, promptTokensFromChars } from './cost.js';
export { aggregateCell, parseUnitResults } from './aggregation.js';
export type { StoredRunRecord, StoredUnitRecord, CellRecord, WorkerRecord, CellPlanRecord, DatasetDescription } from './records.js';
export type { DeadLetter, FailureKind } from './dead-letter.js';
