/**
 * Throwaway credentials of a local cluster (`clue up`) or a test: a CA, server certificates for
 * nats-server and the coordinator's gRPC port (valid for 127.0.0.1 and localhost), a NATS password per
 * role and an API token per role, written below one directory (mode 0700, files 0600). Nothing here
 * is printed; callers pass file paths to the processes.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, type CertificateAuthority } from './certificates.js';
import { API_ROLES, type ApiRole } from './api-tokens.js';
import { NATS_ROLES, type NatsRole } from './nats-permissions.js';

/** Where everything of a {@link LocalSecurity} bundle is. */
export interface LocalSecurity {
  readonly dir: string;
  /** CA certificate (PEM) that signed both server certificates. */
  readonly caFile: string;
  readonly natsCertFile: string;
  readonly natsKeyFile: string;
  readonly grpcCertFile: string;
  readonly grpcKeyFile: string;
  /** Directory of the coordinator's `--tokens-dir` (files reader, operator, worker). */
  readonly tokensDir: string;
  readonly tokenFiles: Readonly<Record<ApiRole, string>>;
  readonly tokens: Readonly<Record<ApiRole, string>>;
  readonly natsPasswordFiles: Readonly<Record<NatsRole, string>>;
  readonly natsPasswords: Readonly<Record<NatsRole, string>>;
  readonly ca: CertificateAuthority;
}

const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '::1'];

/** A random secret of 32 bytes, base64url (43 characters): API tokens. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A random NATS password: a letter, then 32 bytes in hex. nats-server parses a password it reads from
 * its environment (`password: $VAR`, as the chart does) as a config value, so it must be letters and
 * digits and start with a letter (digits alone become a number, '-' and ',' break the parse).
 */
export function randomNatsPassword(): string {
  return `p${randomBytes(32).toString('hex')}`;
}

function secretFile(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Generates a bundle below `dir` (created if missing). */
export async function createLocalSecurity(dir: string, caName = 'clue local CA (throwaway)'): Promise<LocalSecurity> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const ca = await createCertificateAuthority(caName);
  const nats = await ca.issue({ commonName: 'clue-nats', hosts: LOCAL_HOSTS, usage: ['server', 'client'] });
  const grpc = await ca.issue({ commonName: 'clue-coordinator', hosts: LOCAL_HOSTS, usage: ['server'] });
  const p = (name: string): string => join(dir, name);
  secretFile(p('ca.pem'), ca.cert);
  secretFile(p('nats.pem'), nats.cert);
  secretFile(p('nats-key.pem'), nats.key);
  secretFile(p('coordinator.pem'), grpc.cert);
  secretFile(p('coordinator-key.pem'), grpc.key);
  const tokensDir = p('tokens');
  mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
  const tokens = {} as Record<ApiRole, string>;
  const tokenFiles = {} as Record<ApiRole, string>;
  for (const role of API_ROLES) {
    tokens[role] = randomSecret();
    tokenFiles[role] = join(tokensDir, role);
    secretFile(tokenFiles[role], `${tokens[role]}\n`);
  }
  const natsPasswords = {} as Record<NatsRole, string>;
  const natsPasswordFiles = {} as Record<NatsRole, string>;
  for (const role of NATS_ROLES) {
    natsPasswords[role] = randomNatsPassword();
    natsPasswordFiles[role] = p(`nats-${role}.password`);
    secretFile(natsPasswordFiles[role], `${natsPasswords[role]}\n`);
  }
  return {
    dir,
    caFile: p('ca.pem'),
    natsCertFile: p('nats.pem'),
    natsKeyFile: p('nats-key.pem'),
    grpcCertFile: p('coordinator.pem'),
    grpcKeyFile: p('coordinator-key.pem'),
    tokensDir,
    tokenFiles,
    tokens,
    natsPasswordFiles,
    natsPasswords,
    ca,
  };
}

/** The `clue-coordinator` flags that point at a bundle's files (no secret on the command line). */
export function coordinatorSecurityArgs(s: LocalSecurity): string[] {
  return [
    '--nats-user', 'coordinator',
    '--nats-password-file', s.natsPasswordFiles.coordinator,
    '--nats-ca', s.caFile,
    '--tls-cert', s.grpcCertFile,
    '--tls-key', s.grpcKeyFile,
    '--tokens-dir', s.tokensDir,
  ];
}

/**
 * The name clients of a local cluster expect in the coordinator's certificate. They dial 127.0.0.1,
 * but TLS must not be given an IP as server name (RFC 6066; Node warns), so they verify 'localhost',
 * which the certificate names too.
 */
export const LOCAL_SERVER_NAME = 'localhost';

/** TLS settings and token of a local client with `role`. */
export function localClientAuth(s: LocalSecurity, role: ApiRole | null): { caFile: string; token: string | null; serverName: string } {
  return { caFile: s.caFile, token: role === null ? null : s.tokens[role], serverName: LOCAL_SERVER_NAME };
}

/** The `clue-worker` flags that point at a bundle's files. */
export function workerSecurityArgs(s: LocalSecurity): string[] {
  return [
    '--nats-user', 'worker',
    '--nats-password-file', s.natsPasswordFiles.worker,
    '--nats-ca', s.caFile,
    '--tls-ca', s.caFile,
    '--tls-server-name', LOCAL_SERVER_NAME,
    '--token-file', s.tokenFiles.worker,
  ];
}
