/**
 * Retry timing: exponential backoff with full jitter, and a sleep that an AbortSignal interrupts.
 */
import { abortError } from './errors.js';

/** How often and how patiently to retry a transient failure. */
export interface RetryPolicy {
  /** Total attempts, the first included. @default 4 */
  readonly attempts: number;
  /** Delay scale of the first retry in ms. @default 250 */
  readonly baseDelayMs: number;
  /** Cap of one delay in ms. @default 4000 */
  readonly maxDelayMs: number;
}

/** The default policy: 4 attempts, 250 ms doubling, at most 4 s between attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ attempts: 4, baseDelayMs: 250, maxDelayMs: 4000 });

/**
 * Delay before retry number `retry` (0 = the first retry): uniformly random in
 * [cap/2, cap] with cap = min(maxDelayMs, baseDelayMs · 2^retry), so retries of a batch spread out
 * but never fire immediately.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry));
  return cap / 2 + (random() * cap) / 2;
}

/** Waits `ms`; rejects with the signal's abort error if it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
