/**
 * Starts a real `nats-server` with JetStream on loopback for tests and `clue up`: a temp config with
 * random ports and a file store, waits until it accepts connections, and stops it on demand.
 * The store directory can be reused to restart the "same" server (crash/restart tests).
 *
 * A server never outlives the process that started it, and never keeps it alive: the child and its
 * pipe are unreferenced, and an `exit` hook SIGKILLs every server still running and removes its
 * temporary directory. A test whose set-up threw before it could stop its server therefore fails
 * instead of hanging its test file forever, and leaves no `/tmp/clue-nats-*` behind. stop() removes that directory too; only a store or
 * credentials the caller may reuse survive it (kill() keeps everything: it models a crash).
 *
 * The server is always secured as in production: TLS on client connections and one user per role with
 * the permissions of security/nats-permissions.ts. The credentials come from a {@link LocalSecurity}
 * bundle (generated in the server's temp directory unless one is given, e.g. to restart with the same).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import type { ConnectionOptions } from '@nats-io/transport-node';
import { createLocalSecurity, type LocalSecurity } from '../security/local-bundle.js';
import { NATS_ROLES, natsAuthorizationBlock, type NatsRole } from '../security/nats-permissions.js';
import { natsSecurityOptions } from '../security/nats-client.js';

/** A running nats-server. */
export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly process: ChildProcess;
  /** The credentials the server accepts (its CA, the role passwords, the API tokens). */
  readonly security: LocalSecurity;
  /** Connection options of a client of `role`: servers, user, password, TLS CA and inbox prefix. */
  connectOptions(role: NatsRole): ConnectionOptions;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (a crash). */
  kill(): Promise<void>;
}

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Reuse a JetStream store (to restart a server with its data). */
  readonly storeDir?: string;
  /** Fixed port (to restart on the same address); default random. */
  readonly port?: number;
  readonly executable?: string;
  /** Credentials to use; default a new bundle in the server's temp directory. */
  readonly security?: LocalSecurity;
  /**
   * Join a cluster: listen for routes on `port` and connect to `routes` (ports on 127.0.0.1), over
   * mutual TLS with the bundle's certificate and CA, as the chart configures routes.
   */
  readonly cluster?: { readonly name: string; readonly port: number; readonly routes: readonly number[] };
}

/** Thrown when nats-server is not installed. */
export class NatsServerMissingError extends Error {
  constructor() {
    super('nats-server not found on PATH: install it with `bash scripts/install-system-deps.sh` (Debian/Ubuntu: apt-get install nats-server)');
    this.name = 'NatsServerMissingError';
  }
}

/** Servers of this process whose directory is not removed yet (running, or killed): child -> removal. */
const owned = new Map<ChildProcess, (atExit: boolean) => void>();
let exitHookInstalled = false;

/** At process exit: SIGKILL every server still running and remove its temporary directory. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, cleanup] of owned) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      cleanup(true);
    }
  });
}

/** A promise of `child`'s exit that keeps the event loop alive while it waits (the child is unreferenced). */
function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, 1000);
    child.once('exit', () => {
      clearInterval(keepAlive);
      resolve();
    });
  });
}

/** Starts nats-server with JetStream (file storage) on 127.0.0.1. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const work = mkdtempSync(join(tmpdir(), 'clue-nats-'));
  const storeDir = options.storeDir ?? join(work, 'js');
  const portsDir = join(work, 'ports');
  const conf = join(work, 'nats.conf');
  const security = options.security ?? (await createLocalSecurity(join(work, 'security')));
  writeFileSync(
    conf,
    [
      `listen: 127.0.0.1:${options.port ?? -1}`,
      `ports_file_dir: "${portsDir}"`,
      `jetstream { store_dir: "${storeDir}", max_memory_store: 256MB, max_file_store: 4GB }`,
      `tls { cert_file: "${security.natsCertFile}", key_file: "${security.natsKeyFile}", timeout: 5 }`,
      natsAuthorizationBlock(NATS_ROLES.map((role) => ({ role, password: security.natsPasswords[role] }))),
      ...(options.cluster ? clusterBlock(options.cluster, security, options.port) : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  mkdirSync(portsDir, { recursive: true });
  const exe = options.executable ?? 'nats-server';
  const child = spawn(exe, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  // What stop() removes: the whole directory unless it holds credentials the caller may reuse (given
  // a store of its own, it may restart a server with server.security). At exit it all goes.
  const ownsAll = !options.storeDir || options.security !== undefined;
  const cleanup = (atExit = false): void => {
    owned.delete(child);
    if (ownsAll || atExit) rmSync(work, { recursive: true, force: true });
    else for (const f of [conf, portsDir]) rmSync(f, { recursive: true, force: true });
  };
  installExitHook();
  owned.set(child, cleanup);
  child.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  let stderr = '';
  // CLUE_TEST_NATS_LOG=FILE appends every server's log there (e.g. to look for permission violations).
  const logFile = process.env['CLUE_TEST_NATS_LOG'];
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (logFile) appendFileSync(logFile, d);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new NatsServerMissingError() : e));
    child.once('exit', (code, signal) => reject(new Error(`nats-server exited (${code ?? signal}) before it was ready: ${stderr}`)));
  });
  exited.catch(() => undefined);
  let port: number;
  try {
    port = await Promise.race([waitForPort(portsDir, child), exited]);
    await Promise.race([waitForTcp(port), exited]);
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exitOf(child);
    cleanup();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  const waitExit = (): Promise<void> => exitOf(child);
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    port,
    storeDir,
    process: child,
    security,
    connectOptions(role: NatsRole): ConnectionOptions {
      const auth = { user: role, password: security.natsPasswords[role], caFile: security.caFile };
      return { servers: [url], ...natsSecurityOptions(auth, role) };
    },
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await waitExit();
          clearTimeout(t);
        }
        cleanup();
      })();
      return stopping;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitExit();
    },
  };
}

function clusterBlock(c: NonNullable<NatsServerOptions['cluster']>, s: LocalSecurity, clientPort: number | undefined): string[] {
  return [
    `server_name: "${c.name}-${c.port}-${clientPort ?? 'r'}"`,
    'cluster {',
    `  name: "${c.name}"`,
    `  listen: 127.0.0.1:${c.port}`,
    `  tls { cert_file: "${s.natsCertFile}", key_file: "${s.natsKeyFile}", ca_file: "${s.caFile}", verify: true, timeout: 5 }`,
    `  routes: [${c.routes.map((p) => `"nats://127.0.0.1:${p}"`).join(', ')}]`,
    '}',
  ];
}

async function waitForPort(dir: string, child: ChildProcess): Promise<number> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const f = existsSync(dir) ? readdirSync(dir).find((n) => n.includes(String(child.pid)) && n.endsWith('.ports')) : undefined;
    if (f) {
      try {
        const ports = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nats?: string[] };
        const url = ports.nats?.[0];
        if (url) return Number(new URL(url).port);
      } catch {
        // written but not complete yet
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('nats-server did not report its port within 15 s');
}

async function waitForTcp(port: number): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server port ${port} did not accept connections within 15 s`);
}
