/**
 * @clue/capacity — capacity planning in modelled time: a discrete-event simulation of how the real
 * placement policy (`placeNode` of @clue/coordinator) lays the CLUE matrix onto a GPU cluster, with
 * vllm-sim's GPU timing model as the reality, lower bounds, two baselines, and the text/JSON output of
 * `clue plan`. Runs no processes.
 */
export { CapacityError, type CapacityErrorCode } from './errors.js';
export { parseCluster, emptyNodeViews, classesOf, MAX_GPUS_PER_NODE, MAX_NODES_PER_PART, type Cluster, type ClusterNode } from './cluster.js';
export { buildMatrix, cellsOfModels, modelsOf, DEFAULT_UNIT_TARGET_GPU_SECONDS, PLAN_RUN_ID, type MatrixCell, type MatrixOptions, type WorkUnit } from './matrix.js';
export { syntheticProfiles, fileProfile, cutProfile, CLUE_SAMPLE_COUNTS, CLUE_LONGHEALTH_QUESTIONS, PROFILE_SEED, type SyntheticProfileOptions } from './profiles.js';
export { vllmSimReality, type RealityModel } from './reality.js';
export { fitsSomewhere, unplaceableModels, type UnplaceableModel } from './fit.js';
export { groupOptions, tpOnNode, type GroupOption } from './group-options.js';
export { simulate, DEFAULT_RELEASE_SECONDS, DEFAULT_HEARTBEAT_SECONDS, type SimulationOptions, type SimulationResult } from './simulate.js';
export { lowerBounds, loadsNeeded, type LowerBounds } from './bounds.js';
export { staticPartitionBaseline, type BaselineResult } from './baseline-static.js';
export { clueStyleBaseline } from './baseline-clue.js';
export { summarize, TAIL_FRACTION, type RunSummary, type UnitRun, type GroupSpan, type GpuBusy, type GpuTime, type CellUsage } from './metrics.js';
export { planCapacity, type CapacityPlan, type CapacityPlanInput, type CellEstimate } from './plan.js';
export { renderPlan, renderPlanTable, planJson, loadsLine, gpuTimeLine, B_CAVEAT, type PlanFormat } from './render.js';
export { hms, pct, plural, gpuList, table } from './format.js';
