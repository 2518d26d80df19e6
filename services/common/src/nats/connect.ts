/**
 * Connecting to NATS at start-up: a server that is not reachable yet is waited for (Kubernetes starts
 * pods in any order), with a log line now and then; a refused credential or an untrusted certificate
 * is not transient and stops the start at once, with a message naming the setting to check. (nats.js's
 * own `waitOnFirstConnect` would retry those forever, silently.) After the first connection, nats.js
 * reconnects by itself.
 */
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { NatsAuthConfigError, explainNatsConnectError, type NatsAuthSettings } from '../security/nats-client.js';

/** Options of {@link connectWhenReachable}. */
export interface ConnectRetryOptions {
  readonly auth: NatsAuthSettings;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** @default 1000 */
  readonly retryMs?: number;
}

/** Connects, waiting for an unreachable server; @throws NatsAuthConfigError for a refused credential or certificate. */
export async function connectWhenReachable(options: ConnectionOptions, o: ConnectRetryOptions): Promise<NatsConnection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({ ...options, waitOnFirstConnect: false });
    } catch (e) {
      const explained = explainNatsConnectError(e, o.auth);
      if (explained instanceof NatsAuthConfigError || o.signal?.aborted) throw explained;
      if (attempt === 1 || attempt % 30 === 0) {
        o.logger?.warn({ error: explained.message, attempt }, 'NATS is not reachable yet; retrying');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, o.retryMs ?? 1000);
        o.signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      if (o.signal?.aborted) throw explained;
    }
  }
}
