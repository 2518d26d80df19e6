/**
 * Runs many requests with a bounded number in flight, the way vLLM's batch wants them: in flight ≈ the
 * server's `--max-num-seqs`, never more than `concurrency` outstanding.
 *
 * - Backpressure: items are pulled from the source (array, iterable or async iterable) only when a slot
 *   is free AND fewer than `maxBuffered` finished results wait for the consumer, so neither promises nor
 *   results pile up without bound.
 * - Every task gets an AbortSignal that fires on the pool's signal (cancellation) or on its own
 *   per-request timeout (reason: EngineError REQUEST_FAILED). A slot is released only when the task
 *   settles, so a task must honour its signal for the bound to mean anything (the vLLM client does).
 * - A failed task yields a failed outcome; it never stops the pool. Cancellation stops pulling, aborts
 *   the tasks in flight, waits for them, then throws the abort error.
 * - `mapPool` yields outcomes in completion order (each with its index); `runPool` returns them in
 *   index order.
 */
import { EngineError, abortError } from './errors.js';

/** Options of a pool run. */
export interface PoolOptions<O> {
  /** Most tasks in flight at once (≥ 1). */
  readonly concurrency: number;
  /** Per-task time limit in ms; unset = none. */
  readonly timeoutMs?: number;
  /** Cancels the whole run. */
  readonly signal?: AbortSignal;
  /** Finished results held for a slow consumer before pulling more items. @default concurrency */
  readonly maxBuffered?: number;
  /** Called as each task settles (progress reporting). */
  readonly onOutcome?: (outcome: PoolOutcome<O>) => void;
}

/** The result of one task. */
export type PoolOutcome<O> =
  | { readonly index: number; readonly ok: true; readonly value: O }
  | { readonly index: number; readonly ok: false; readonly error: EngineError };

/** A task: runs item number `index`, honouring `signal`. */
export type PoolTask<I, O> = (item: I, index: number, signal: AbortSignal) => Promise<O>;

/** Anything `mapPool` can read items from. */
export type PoolSource<I> = Iterable<I> | AsyncIterable<I>;

function toEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new EngineError('REQUEST_FAILED', `unexpected error: ${msg}`, {}, { cause: e });
}

function iteratorOf<I>(source: PoolSource<I>): AsyncIterator<I> | Iterator<I> {
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<I>)[Symbol.asyncIterator]();
  return (source as Iterable<I>)[Symbol.iterator]();
}

/**
 * Runs `task` over `source` with at most `concurrency` in flight; yields outcomes as they complete.
 * @throws EngineError the abort error when `signal` fires (after the in-flight tasks have settled).
 */
export async function* mapPool<I, O>(source: PoolSource<I>, task: PoolTask<I, O>, options: PoolOptions<O>): AsyncGenerator<PoolOutcome<O>> {
  const concurrency = options.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new EngineError('INVALID_CONFIG', `pool concurrency must be a positive integer, got ${concurrency}`);
  }
  const maxBuffered = Math.max(1, options.maxBuffered ?? concurrency);
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const it = iteratorOf(source);
  const done: PoolOutcome<O>[] = [];
  let head = 0;
  let inFlight = 0;
  let next = 0;
  let exhausted = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onAbort = (): void => notify();
  signal.addEventListener('abort', onAbort);

  const launch = (item: I, index: number): void => {
    inFlight++;
    let timer: NodeJS.Timeout | undefined;
    let taskSignal = signal;
    if (options.timeoutMs !== undefined) {
      const t = new AbortController();
      const ms = options.timeoutMs;
      timer = setTimeout(() => t.abort(new EngineError('REQUEST_FAILED', `request ${index} timed out after ${ms} ms`)), ms);
      taskSignal = AbortSignal.any([signal, t.signal]);
    }
    let p: Promise<O>;
    try {
      p = task(item, index, taskSignal);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (value): PoolOutcome<O> => ({ index, ok: true, value }),
      (e: unknown): PoolOutcome<O> => ({ index, ok: false, error: toEngineError(e) }),
    ).then((outcome) => {
      clearTimeout(timer);
      inFlight--;
      done.push(outcome);
      options.onOutcome?.(outcome);
      notify();
    });
  };

  try {
    for (;;) {
      while (!exhausted && !signal.aborted && inFlight < concurrency && done.length - head < maxBuffered) {
        const r = await it.next();
        if (r.done) {
          exhausted = true;
          break;
        }
        launch(r.value, next++);
      }
      if (head < done.length) {
        const outcome = done[head]!;
        done[head++] = undefined as unknown as PoolOutcome<O>;
        if (head > 1024 && head * 2 > done.length) {
          done.splice(0, head);
          head = 0;
        }
        yield outcome;
        continue;
      }
      if (inFlight === 0 && (exhausted || signal.aborted)) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (signal.aborted && inFlight === 0) notify();
      });
    }
    if (options.signal?.aborted) throw abortError(options.signal, 'request batch');
  } finally {
    signal.removeEventListener('abort', onAbort);
    internal.abort(new EngineError('ABORTED', 'request pool closed'));
    if (!exhausted) await (it.return?.() ?? Promise.resolve());
  }
}

/**
 * Runs `task` over `source` with at most `concurrency` in flight; returns every outcome in index order.
 * @throws EngineError the abort error when `signal` fires.
 */
export async function runPool<I, O>(source: PoolSource<I>, task: PoolTask<I, O>, options: PoolOptions<O>): Promise<PoolOutcome<O>[]> {
  const out: PoolOutcome<O>[] = [];
  for await (const o of mapPool(source, task, options)) out[o.index] = o;
  return out;
}
