/**
 * `@clue/vllm-sim`: a stand-in for vLLM's OpenAI-compatible server. The executable is `vllm-sim`
 * (see README.md); this entry point exposes the pure parts for benchmarks and tests: the timing and
 * memory model, GPU profiles, the model table, the tokenizer and the oracle hash.
 */
export { theoreticalMaxThroughput, createPerfModel, type PerfModel, type PerfInputs, type StepLoad, type ThroughputOptions } from './timing.js';
export { planMemory, loadTimes, type MemoryPlan, type MemoryOutcome, type MemoryInputs, type LoadTimes } from './memory-plan.js';
export { GPU_PROFILES, DEFAULT_GPU, getGpuProfile, defaultSchedulerLimits, type GpuProfile } from './gpu-profiles.js';
export { BUILTIN_MODELS, findModel, guessModelFromName, kvBytesPerToken, type ModelInfo, type TemplateFamily, type GenerationDefaults } from './model-table.js';
export { SimTokenizer, SPECIAL_TOKENS, TokenIdError, type TokenizerSpec } from './tokenizer.js';
export { tokenizerSpecFor, renderChat, resolveTemplate, ChatTemplateError, type ChatMessage } from './chat-template.js';
export { promptSha256, loadOracle, type HashableMessage } from './oracle.js';
export { parseCli, parseHumanReadableInt, type ServeArgs, type CliCommand } from './cli-args.js';
export { parseFaults, FAIL_START_KINDS, type FaultSpec, type FailStartKind } from './faults.js';
export { loadSimSettings, resolveSkill, type SimSettings } from './sim-env.js';
export { generateAnswer, type AnswerRequest, type Answer } from './answers/generate.js';
export { detectTask, type TaskKind } from './answers/task-detect.js';
export { SimError, UsageError, type SimErrorCode } from './errors.js';
export * as vllmCompat from './vllm-compat.js';
