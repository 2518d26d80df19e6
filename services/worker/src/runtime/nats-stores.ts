/**
 * The worker's NATS connection and the JetStream handles it uses: the work-queue consumers (through
 * the JetStream client), KV `clue_units` / `clue_runs` (read only) and the object stores
 * `clue_datasets` (read) / `clue_results` (write). The coordinator creates all of them at start-up;
 * a worker that starts first waits for them.
 */
import { readFile } from 'node:fs/promises';
import { credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { KV_RUNS, KV_UNITS, OBJ_DATASETS, OBJ_RESULTS, connectWhenReachable, natsSecurityOptions, type Logger, type NatsAuthSettings } from '@clue/common';
import { WorkerConfigError, errorLine } from './errors.js';
import { sleep } from './sleep.js';

/** Connection settings. */
export interface NatsSettings {
  readonly servers: readonly string[];
  readonly name: string;
  readonly credsFile: string | null;
  /** Never logged. */
  readonly token: string | null;
  /** User, password and CA of the worker role. */
  readonly auth: NatsAuthSettings;
}

/** Everything the worker reads and writes in JetStream. */
export interface WorkerStores {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly units: KV;
  readonly runs: KV;
  readonly datasets: ObjectStore;
  readonly results: ObjectStore;
}

/**
 * Connects (waiting for a server that is not up yet) with endless reconnects.
 * @throws NatsAuthConfigError at once when the server refuses the credentials or its certificate is untrusted.
 */
export async function connectNats(s: NatsSettings, logger?: Logger, signal?: AbortSignal): Promise<NatsConnection> {
  let creds: Uint8Array | undefined;
  if (s.credsFile !== null) {
    try {
      creds = new Uint8Array(await readFile(s.credsFile));
    } catch (e) {
      throw new WorkerConfigError('--nats-creds', `cannot read ${s.credsFile}: ${errorLine(e)}`);
    }
  }
  return connectWhenReachable(
    {
      servers: [...s.servers],
      name: s.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      ...(creds ? { authenticator: credsAuthenticator(creds) } : {}),
      ...(s.token !== null ? { token: s.token } : {}),
      ...natsSecurityOptions(s.auth, 'worker'),
    },
    { auth: s.auth, ...(logger ? { logger } : {}), ...(signal ? { signal } : {}) },
  );
}

/** Opens the buckets, retrying every `retryMs` until they exist or `signal` fires. */
export async function openStores(nc: NatsConnection, logger: Logger, signal?: AbortSignal, retryMs = 2000): Promise<WorkerStores> {
  const js = jetstream(nc);
  const kvm = new Kvm(js);
  const objm = new Objm(js);
  for (let attempt = 1; ; attempt++) {
    try {
      const [units, runs] = await Promise.all([kvm.open(KV_UNITS), kvm.open(KV_RUNS)]);
      await Promise.all([units.status(), runs.status()]);
      const [datasets, results] = await Promise.all([objm.open(OBJ_DATASETS), objm.open(OBJ_RESULTS)]);
      return { nc, js, units, runs, datasets, results };
    } catch (e) {
      if (signal?.aborted) throw e;
      if (attempt === 1 || attempt % 15 === 0) {
        logger.warn({ error: errorLine(e), attempt }, 'JetStream buckets not available yet (has the coordinator started?); retrying');
      }
      await sleep(retryMs, signal);
      if (signal?.aborted) throw e;
    }
  }
}
