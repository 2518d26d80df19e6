/**
 * The simulated engine core: vLLM V1's continuous-batching scheduler on a virtual clock, with one
 * timer per engine step (not per token), so thousands of concurrent requests stay cheap.
 *
 * Sequence states: `waiting` (queued, or preempted) → `running` (admitted into the batch, at most
 * max_num_seqs) → `finished` (stop/length) or `aborted` (client gone, shutdown, engine death).
 * A running sequence is first prefilled in chunks, then decodes one token per step.
 *
 * Each step (vLLM's order): running sequences first — decodes cost one token of the
 * max_num_batched_tokens budget, unfinished prefills take a chunk of what is left; a sequence whose
 * next token needs a KV block when none is free preempts the most recently admitted sequence
 * (recompute: it goes back to the front of the queue). Then waiting sequences are admitted while
 * the batch has room, budget is left and their KV blocks fit; a first admission looks its prompt up
 * in the prefix cache (chained hashes of full 16-token blocks). The step's duration comes from the
 * timing model; its effects (new tokens, finished sequences) happen at the step's end.
 *
 * Virtual time = (real elapsed) × time scale. When a timer fires, every step that ended before the
 * virtual "now" is applied (catch-up), so throughput does not depend on timer resolution.
 */
import type { PerfModel, StepLoad } from './timing.js';
import { BLOCK_SIZE } from './vllm-compat.js';

/** How a sequence ended. */
export type FinishReason = 'stop' | 'length' | 'abort';

/** Virtual timestamps (seconds) of one sequence. */
export interface SequenceTimes {
  readonly arrival: number;
  readonly scheduled: number;
  readonly firstToken: number;
  readonly finished: number;
}

/** What the engine reports when a sequence ends. */
export interface SequenceResult {
  readonly finishReason: FinishReason;
  /** Output tokens generated (≤ the planned length). */
  readonly generated: number;
  /** Prompt tokens served from the prefix cache at first admission. */
  readonly cachedTokens: number;
  readonly times: SequenceTimes;
}

/** A generation job for the engine. */
export interface SequenceSpec {
  /** Prompt token ids (hashed for the prefix cache). */
  readonly promptTokenIds: readonly number[];
  /** Output tokens to generate before finishing (≥ 1). */
  readonly outputLength: number;
  /** Reason reported when `outputLength` tokens have been generated. */
  readonly finishReason: 'stop' | 'length';
  /**
   * A pooling request: the whole prompt is processed in one step (no chunked prefill, as vLLM runs
   * ALL/CLS pooling on encoder models) and the sequence finishes with `stop` after it, generating
   * no tokens. `outputLength` is ignored.
   */
  readonly pooling?: boolean;
  /** Called after every step that produced a token, with the number generated so far. */
  onProgress(generated: number): void;
  /** Called exactly once when the sequence ends. */
  onFinish(result: SequenceResult): void;
}

/** Handle to a submitted sequence. */
export interface SequenceHandle {
  /** Aborts the sequence (no-op once finished). */
  abort(): void;
}

/** Hooks for metrics. All times are virtual seconds. */
export interface EngineObserver {
  onStep?(load: StepLoad, scheduledTokens: number): void;
  /** Tokens produced by a step, and the inter-token gaps of its decode tokens. */
  onTokens?(produced: number, gaps: readonly number[]): void;
  onPromptDone?(promptTokens: number): void;
  onPrefixLookup?(queries: number, hits: number): void;
  onPreemption?(): void;
  onFinish?(result: SequenceResult, promptTokens: number): void;
}

/** Engine configuration. */
export interface EngineOptions {
  readonly perf: PerfModel;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly numBlocks: number;
  readonly prefixCaching: boolean;
  /** Modelled seconds per real second. */
  readonly timeScale: number;
  readonly observer?: EngineObserver;
  /** Real clock in ms (for tests). @default performance.now */
  readonly now?: () => number;
}

interface Seq {
  readonly spec: SequenceSpec;
  readonly promptLen: number;
  arrival: number;
  scheduled: number;
  firstToken: number;
  lastToken: number;
  computed: number;
  prefillRemaining: number;
  generated: number;
  blocks: number;
  cachedTokens: number;
  admittedOnce: boolean;
  done: boolean;
}

interface Step {
  readonly end: number;
  readonly items: ReadonlyArray<{ readonly seq: Seq; readonly tokens: number; readonly prefill: boolean }>;
}

/** The scheduler plus its virtual clock. */
export class Engine {
  private readonly o: EngineOptions;
  private readonly now: () => number;
  private readonly realBase: number;
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private readonly prefixCache = new Map<string, true>();
  private freeBlocks: number;
  private current: Step | null = null;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private frozen = false;

  constructor(options: EngineOptions) {
    this.o = options;
    this.now = options.now ?? (() => performance.now());
    this.realBase = this.now();
    this.freeBlocks = options.numBlocks;
  }

  /** Current virtual time in seconds. */
  virtualNow(): number {
    return ((this.now() - this.realBase) / 1000) * this.o.timeScale;
  }

  /** Requests in the batch and in the queue, and the fraction of KV blocks in use. */
  stats(): { running: number; waiting: number; kvUsage: number } {
    const used = this.o.numBlocks - this.freeBlocks;
    return { running: this.running.length, waiting: this.waiting.length, kvUsage: this.o.numBlocks > 0 ? used / this.o.numBlocks : 0 };
  }

  /** Queues a sequence. */
  add(spec: SequenceSpec): SequenceHandle {
    const t = this.virtualNow();
    const seq: Seq = {
      spec,
      promptLen: spec.promptTokenIds.length,
      arrival: t,
      scheduled: -1,
      firstToken: -1,
      lastToken: -1,
      computed: 0,
      prefillRemaining: spec.promptTokenIds.length,
      generated: 0,
      blocks: 0,
      cachedTokens: 0,
      admittedOnce: false,
      done: false,
    };
    this.waiting.push(seq);
    if (this.current === null && !this.frozen) {
      this.current = this.plan(t);
      this.arm();
    }
    return { abort: () => this.finish(seq, 'abort', this.virtualNow()) };
  }

  /** Stops stepping for good (hang fault): queued and running sequences never finish. */
  freeze(): void {
    this.frozen = true;
    this.disarm();
  }

  /** Aborts every sequence (shutdown or engine death) and stops stepping. */
  abortAll(): void {
    this.freeze();
    const t = this.virtualNow();
    for (const s of [...this.running, ...this.waiting]) this.finish(s, 'abort', t);
  }

  private arm(): void {
    this.disarm();
    if (this.current === null || this.frozen) return;
    const delayMs = ((this.current.end - this.virtualNow()) / this.o.timeScale) * 1000;
    this.timer = delayMs < 0.5 ? setImmediate(this.tick) : setTimeout(this.tick, delayMs);
  }

  private disarm(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }

  private readonly tick = (): void => {
    this.timer = null;
    if (this.frozen) return;
    const now = this.virtualNow();
    let n = 0;
    while (this.current !== null && this.current.end <= now && n < 256 && !this.frozen) {
      const ended = this.current;
      this.apply(ended);
      this.current = this.plan(ended.end);
      if (this.current === null && this.waiting.length > 0) {
        this.current = this.plan(Math.max(ended.end, this.waiting[0]!.arrival));
      }
      n++;
    }
    this.arm();
  };

  private allocate(seq: Seq, tokens: number): boolean {
    const need = Math.ceil(tokens / BLOCK_SIZE) - seq.blocks;
    if (need <= 0) return true;
    if (need > this.freeBlocks) return false;
    this.freeBlocks -= need;
    seq.blocks += need;
    return true;
  }

  private release(seq: Seq): void {
    this.freeBlocks += seq.blocks;
    seq.blocks = 0;
  }

  private preempt(victim: Seq): void {
    this.running.splice(this.running.indexOf(victim), 1);
    this.release(victim);
    victim.computed = 0;
    victim.prefillRemaining = victim.promptLen + victim.generated;
    this.waiting.unshift(victim);
    this.o.observer?.onPreemption?.();
  }

  private plan(t: number): Step | null {
    let budget = this.o.maxNumBatchedTokens;
    const items: Array<{ seq: Seq; tokens: number; prefill: boolean }> = [];
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i]!;
      const prefill = seq.prefillRemaining > 0;
      const tokens = prefill ? Math.min(seq.prefillRemaining, budget) : 1;
      let ok = this.allocate(seq, seq.computed + tokens);
      while (!ok) {
        const victim = this.running[this.running.length - 1]!;
        this.preempt(victim);
        if (victim === seq) break;
        ok = this.allocate(seq, seq.computed + tokens);
      }
      if (!ok) break;
      items.push({ seq, tokens, prefill });
      budget -= tokens;
    }
    while (this.waiting.length > 0 && this.running.length < this.o.maxNumSeqs && budget > 0) {
      const seq = this.waiting[0]!;
      if (seq.arrival > t) break;
      if (!seq.admittedOnce) this.lookupPrefix(seq);
      if (seq.spec.pooling && seq.prefillRemaining > budget && items.length > 0) break;
      const tokens = Math.min(seq.prefillRemaining, budget);
      if (!this.allocate(seq, seq.computed + tokens)) break;
      this.waiting.shift();
      this.running.push(seq);
      if (seq.scheduled < 0) seq.scheduled = t;
      items.push({ seq, tokens, prefill: true });
      budget -= tokens;
    }
    if (items.length === 0) return null;
    let decodeSeqs = 0;
    let prefillTokens = 0;
    let contextTokens = 0;
    let attentionPositions = 0;
    for (const { seq, tokens, prefill } of items) {
      if (prefill) prefillTokens += tokens;
      else decodeSeqs++;
      contextTokens += seq.computed + tokens;
      attentionPositions += tokens * seq.computed + (tokens * (tokens + 1)) / 2;
    }
    const load: StepLoad = { decodeSeqs, prefillTokens, contextTokens, attentionPositions };
    this.o.observer?.onStep?.(load, decodeSeqs + prefillTokens);
    return { end: t + this.o.perf.stepSeconds(load), items };
  }

  private apply(step: Step): void {
    const gaps: number[] = [];
    let produced = 0;
    for (const { seq, tokens, prefill } of step.items) {
      if (seq.done) continue;
      seq.computed += tokens;
      if (prefill) {
        seq.prefillRemaining -= tokens;
        if (seq.prefillRemaining > 0) continue;
        if (seq.firstToken < 0) {
          seq.firstToken = step.end;
          this.o.observer?.onPromptDone?.(seq.promptLen);
          if (this.o.prefixCaching) this.storePrefix(seq);
        }
        if (seq.spec.pooling) {
          this.finish(seq, 'stop', step.end);
          continue;
        }
      } else if (seq.lastToken >= 0) {
        gaps.push(step.end - seq.lastToken);
      }
      seq.generated++;
      produced++;
      seq.lastToken = step.end;
      seq.spec.onProgress(seq.generated);
      if (seq.generated >= seq.spec.outputLength) this.finish(seq, seq.spec.finishReason, step.end);
    }
    if (produced > 0) this.o.observer?.onTokens?.(produced, gaps);
  }

  private finish(seq: Seq, reason: FinishReason, t: number): void {
    if (seq.done) return;
    seq.done = true;
    const ri = this.running.indexOf(seq);
    if (ri >= 0) this.running.splice(ri, 1);
    const wi = this.waiting.indexOf(seq);
    if (wi >= 0) this.waiting.splice(wi, 1);
    this.release(seq);
    const result: SequenceResult = {
      finishReason: reason,
      generated: seq.generated,
      cachedTokens: seq.cachedTokens,
      times: { arrival: seq.arrival, scheduled: seq.scheduled < 0 ? t : seq.scheduled, firstToken: seq.firstToken < 0 ? t : seq.firstToken, finished: t },
    };
    this.o.observer?.onFinish?.(result, seq.promptLen);
    seq.spec.onFinish(result);
  }

  private blockKeys(seq: Seq): string[] {
    const ids = seq.spec.promptTokenIds;
    const keys: string[] = [];
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let b = 0; (b + 1) * BLOCK_SIZE <= ids.length; b++) {
      for (let k = b * BLOCK_SIZE; k < (b + 1) * BLOCK_SIZE; k++) {
        const v = ids[k]!;
        h1 = Math.imul(h1 ^ (v >>> 0), 0x01000193) >>> 0;
        h2 = Math.imul(h2 ^ ((v / 4294967296) >>> 0) ^ k, 0x5bd1e995) >>> 0;
      }
      keys.push(`${h1.toString(36)}.${h2.toString(36)}`);
    }
    return keys;
  }

  private lookupPrefix(seq: Seq): void {
    seq.admittedOnce = true;
    if (!this.o.prefixCaching) return;
    const keys = this.blockKeys(seq);
    const maxBlocks = Math.floor((seq.promptLen - 1) / BLOCK_SIZE);
    let hits = 0;
    while (hits < Math.min(keys.length, maxBlocks) && this.prefixCache.has(keys[hits]!)) hits++;
    seq.cachedTokens = hits * BLOCK_SIZE;
    seq.computed = seq.cachedTokens;
    seq.prefillRemaining = seq.promptLen - seq.cachedTokens;
    this.o.observer?.onPrefixLookup?.(seq.promptLen, seq.cachedTokens);
  }

  private storePrefix(seq: Seq): void {
    for (const key of this.blockKeys(seq)) {
      this.prefixCache.delete(key);
      this.prefixCache.set(key, true);
    }
    while (this.prefixCache.size > this.o.numBlocks) {
      this.prefixCache.delete(this.prefixCache.keys().next().value as string);
    }
  }
}
