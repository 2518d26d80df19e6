/**
 * Runtime side of fault injection. States: `ok` → `hung` (engine frozen; requests never answered,
 * /health still 200) or `ok` → `dead` (engine died: in-flight requests end with a bare 500, new ones
 * get a bare 500, /health 503, and vLLM's watchdog ends the process with exit code 1 about 5 s later,
 * scaled by the time scale).
 */
import type { Engine } from './engine.js';
import type { FaultSpec } from './faults.js';
import type { VllmLogger } from './log.js';
import { createRng, type Rng } from './answers/rng.js';
import { LOG } from './vllm-compat.js';

/** Engine health as seen by the HTTP layer. */
export type EngineHealth = 'ok' | 'hung' | 'dead';

/** Fault state of one server. */
export class FaultRuntime {
  private health: EngineHealth = 'ok';
  private finished = 0;
  private readonly rng: Rng = createRng('VLLM_SIM_FAULTS error_rate');

  constructor(
    private readonly spec: FaultSpec,
    private readonly engine: Engine,
    private readonly log: VllmLogger,
    private readonly timeScale: number,
    private readonly exit: (code: number) => void,
  ) {}

  /** Current engine health. */
  get state(): EngineHealth {
    return this.health;
  }

  /** Called when a generation request is accepted (a limit of 0 triggers at once). */
  onRequestAccepted(): void {
    if (this.spec.crashAfterRequests === 0) this.die();
    else if (this.spec.hangAfterRequests === 0) this.hang();
  }

  /** Called when a generation request has finished. */
  onRequestFinished(): void {
    this.finished++;
    if (this.spec.crashAfterRequests !== null && this.finished >= this.spec.crashAfterRequests) this.die();
    else if (this.spec.hangAfterRequests !== null && this.finished >= this.spec.hangAfterRequests) this.hang();
  }

  /** Whether this request should get an injected 500 (`error_rate`). */
  injectError(): boolean {
    return this.spec.errorRate > 0 && this.rng.chance(this.spec.errorRate);
  }

  private hang(): void {
    if (this.health !== 'ok') return;
    this.health = 'hung';
    this.engine.freeze();
  }

  private die(): void {
    if (this.health === 'dead') return;
    this.health = 'dead';
    this.log.error(
      LOG.coreFatal('RuntimeError: CUDA error: an illegal memory access was encountered (simulated by VLLM_SIM_FAULTS crash_after_requests)'),
      'EngineCore_DP0',
    );
    this.log.error(LOG.outputHandlerFailed());
    this.engine.abortAll();
    const watchdogMs = Math.max(50, 5000 / this.timeScale);
    setTimeout(() => {
      this.log.info(LOG.shutdown());
      this.exit(1);
    }, watchdogMs);
  }
}
