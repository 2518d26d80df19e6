/** Small concurrency helpers: bounded parallel map, a FIFO async mutex, a keyed coalescing queue. */

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A FIFO mutex: `run` executes callbacks one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` once every earlier holder has finished; returns its result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Runs at most one job per key at a time and coalesces requests: scheduling a key whose job is
 * already queued (not yet started) is a no-op; scheduling it while it runs queues exactly one rerun.
 * Errors go to `onError`; nothing is thrown to the scheduler.
 */
export class CoalescingQueue {
  private readonly queued = new Set<string>();
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly onError: (key: string, e: unknown) => void) {}

  /** Schedules `job` for `key`. */
  schedule(key: string, job: () => Promise<void>): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const p: Promise<void> = prev
      .then(async () => {
        this.queued.delete(key);
        await job();
      })
      .catch((e: unknown) => this.onError(key, e))
      .finally(() => {
        if (this.chains.get(key) === p) this.chains.delete(key);
      });
    this.chains.set(key, p);
  }

  /** Resolves when every scheduled job (including reruns scheduled meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }
}
