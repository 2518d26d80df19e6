/** Timing helpers of the runtime: a sleep that a signal cuts short, and capped exponential backoff. */

/** Waits `ms`, or less if `signal` fires (it never rejects). Timers are unref'ed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    t.unref();
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Delay of retry number `n` (0-based): min(maxMs, baseMs · 2^n), with ±25 % jitter. */
export function backoffMs(n: number, baseMs: number, maxMs: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, n), 20));
  return cap * (0.75 + Math.random() / 2);
}
