/** The state every HTTP handler works with, assembled once the engine is up. */
import type { ServeArgs } from './cli-args.js';
import type { Engine } from './engine.js';
import type { FaultRuntime } from './fault-runtime.js';
import type { HiddenStateModel } from './pooling/hidden-states.js';
import type { VllmLogger } from './log.js';
import type { SimMetrics } from './metrics.js';
import type { SimSettings } from './sim-env.js';
import type { EngineSetup } from './startup.js';
import type { TextTokenizer, TokenizerSpec } from './tokenizer.js';

/** Per-server state shared by the handlers. */
export interface ServerContext {
  readonly args: ServeArgs;
  readonly sim: SimSettings;
  readonly setup: EngineSetup;
  /** `--served-model-name` values, or the model id; responses use the first. */
  readonly servedNames: readonly string[];
  readonly tokenizer: TextTokenizer;
  readonly tokenizerSpec: TokenizerSpec;
  readonly engine: Engine;
  readonly metrics: SimMetrics;
  /** Answer quality in [0, 1]. */
  readonly skill: number;
  /** Accepted API keys (empty: no auth). */
  readonly apiKeys: readonly string[];
  readonly log: VllmLogger;
  readonly faults: FaultRuntime;
  /** Hidden-state generator of a pooling-runner server (null for generate servers). */
  readonly hiddenStates: HiddenStateModel | null;
  /** Abort functions of in-flight generations (for shutdown). */
  readonly inflight: Set<() => void>;
}
