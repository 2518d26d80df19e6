/**
 * Hang detection for one server incarnation. While requests are in flight, something must progress:
 * a request completes, or (when a progress probe is given, e.g. vLLM's `vllm:generation_tokens_total`
 * counter from `/metrics`) the server produces tokens. If nothing progresses for `timeoutMs`, the
 * watch fires `onHang` once; the engine then kills and restarts the server and fails the in-flight
 * requests with a retryable HUNG error. Idle time (nothing in flight) never counts.
 */

/** Options of a `HangWatch`. */
export interface HangWatchOptions {
  /** No progress for this long with requests in flight = hung, in ms. */
  readonly timeoutMs: number;
  /** How often to check, in ms. @default min(timeoutMs / 4, 5000) */
  readonly checkIntervalMs?: number;
  /** Optional progress counter (monotonic, e.g. generated tokens); a change counts as progress. */
  readonly probe?: () => Promise<number>;
  /** Called once when the server is declared hung, with the in-flight count and the stall time in ms. */
  readonly onHang: (info: { readonly inFlight: number; readonly stalledMs: number }) => void;
  /** Clock in ms (tests). @default performance.now */
  readonly now?: () => number;
}

/** Watches one server. Call `requestStarted`/`requestFinished` around every request. */
export class HangWatch {
  private readonly o: HangWatchOptions;
  private readonly now: () => number;
  private inFlight = 0;
  private lastProgress: number;
  private lastProbeValue: number | null = null;
  private probing = false;
  private timer: NodeJS.Timeout | null = null;
  private fired = false;

  constructor(options: HangWatchOptions) {
    if (!(options.timeoutMs > 0)) throw new Error(`hang timeout must be positive, got ${options.timeoutMs}`);
    this.o = options;
    this.now = options.now ?? (() => performance.now());
    this.lastProgress = this.now();
  }

  /** Starts the periodic check. */
  start(): void {
    if (this.timer !== null || this.fired) return;
    const every = this.o.checkIntervalMs ?? Math.min(this.o.timeoutMs / 4, 5000);
    this.timer = setInterval(() => void this.check(), Math.max(10, every));
    this.timer.unref();
  }

  /** Stops checking for good. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** A request was sent. The first one after an idle period restarts the clock. */
  requestStarted(): void {
    if (this.inFlight === 0) this.lastProgress = this.now();
    this.inFlight++;
  }

  /** A request ended; `progressed` false for failures that show no server progress (e.g. aborts). */
  requestFinished(progressed = true): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (progressed) this.lastProgress = this.now();
  }

  /** Something else showed progress. */
  noteProgress(): void {
    this.lastProgress = this.now();
  }

  /** Requests currently in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Runs one check (also called by the timer). */
  async check(): Promise<void> {
    if (this.fired || this.inFlight === 0) return;
    if (this.o.probe && !this.probing) {
      this.probing = true;
      try {
        const v = await this.o.probe();
        if (this.lastProbeValue !== null && v !== this.lastProbeValue) this.noteProgress();
        this.lastProbeValue = v;
      } catch {
        // A server that cannot answer its metrics shows no progress.
      } finally {
        this.probing = false;
      }
    }
    const stalled = this.now() - this.lastProgress;
    if (!this.fired && this.inFlight > 0 && stalled >= this.o.timeoutMs) {
      this.fired = true;
      this.stop();
      this.o.onHang({ inFlight: this.inFlight, stalledMs: stalled });
    }
  }
}
