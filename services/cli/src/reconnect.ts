/**
 * Calls through a coordinator restart: `clue up`'s supervisor brings a killed coordinator back on the
 * same address within seconds, and a call that failed with UNAVAILABLE (or DEADLINE_EXCEEDED) in the
 * meantime is tried again, for at most `patienceMs`. Other errors, and TLS/auth failures, are not
 * retried: they do not heal by waiting.
 */
import { status } from '@grpc/grpc-js';
import { RpcError } from './grpc-client.js';

export interface ReconnectOptions {
  readonly signal?: AbortSignal;
  /** Told once per outage. */
  readonly log?: (line: string) => void;
  /** @default 120000 */
  readonly patienceMs?: number;
}

function transient(e: unknown): boolean {
  return e instanceof RpcError && !e.authError && (e.grpcCode === status.UNAVAILABLE || e.grpcCode === status.DEADLINE_EXCEEDED) && !/TLS handshake/.test(e.message);
}

/** Runs `fn` until it succeeds, fails for good, `signal` aborts (→ undefined), or the outage outlasts the patience. */
export async function withReconnect<T>(fn: () => Promise<T>, o: ReconnectOptions = {}): Promise<T | undefined> {
  let outageSince: number | undefined;
  for (;;) {
    try {
      const r = await fn();
      if (outageSince !== undefined) o.log?.(`reconnected to the coordinator after ${((Date.now() - outageSince) / 1000).toFixed(1)} s`);
      return r;
    } catch (e) {
      if (o.signal?.aborted) return undefined;
      if (!transient(e)) throw e;
      if (outageSince === undefined) {
        outageSince = Date.now();
        o.log?.('lost the coordinator; retrying while it restarts');
      } else if (Date.now() - outageSince > (o.patienceMs ?? 120_000)) {
        throw e;
      }
      await new Promise((r) => setTimeout(r, 500));
      if (o.signal?.aborted) return undefined;
    }
  }
}
