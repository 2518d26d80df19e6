/**
 * Client-side NATS security of the coordinator and the workers: the user and password of the
 * component's role, the CA that signed the server's certificate (TLS), and the role's inbox prefix
 * (its permissions allow replies only below it). The password never reaches a log line.
 */
import { readFileSync } from 'node:fs';
import { AuthorizationError, type ConnectionOptions } from '@nats-io/transport-node';
import { NATS_INBOX_PREFIX, type NatsRole } from './nats-permissions.js';

/** How a component authenticates to NATS. */
export interface NatsAuthSettings {
  /** User name (`--nats-user`); null = no user/password authentication. */
  readonly user: string | null;
  /** The password (from `--nats-password-file` or CLUE_NATS_PASSWORD). Never logged. */
  readonly password: string | null;
  /** CA file verifying the server's certificate (`--nats-ca`); null = plaintext unless the URL says tls://. */
  readonly caFile: string | null;
}

/** Thrown for unusable NATS credentials; names the flag. */
export class NatsAuthConfigError extends Error {
  readonly code = 'NATS_AUTH_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'NatsAuthConfigError';
  }
}

/** Reads the password file given with `--nats-password-file` (trailing newline removed). */
export function readNatsPassword(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NatsAuthConfigError(`--nats-password-file ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const pw = text.replace(/\r?\n$/, '');
  if (pw === '') throw new NatsAuthConfigError(`--nats-password-file ${file} is empty`);
  return pw;
}

/**
 * Resolves the password source (file wins over the environment variable) and checks that a user and a
 * password come together. @throws NatsAuthConfigError
 */
export function resolveNatsAuth(user: string | null, passwordFile: string | null, passwordEnv: string | null, caFile: string | null): NatsAuthSettings {
  const password = passwordFile !== null ? readNatsPassword(passwordFile) : passwordEnv !== null && passwordEnv !== '' ? passwordEnv : null;
  if (user !== null && password === null) {
    throw new NatsAuthConfigError(`--nats-user ${user} needs a password: --nats-password-file FILE or CLUE_NATS_PASSWORD`);
  }
  if (user === null && password !== null) throw new NatsAuthConfigError('a NATS password is set but no --nats-user (CLUE_NATS_USER)');
  if (caFile !== null) {
    try {
      readFileSync(caFile);
    } catch (e) {
      throw new NatsAuthConfigError(`--nats-ca ${caFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  return { user, password, caFile };
}

/** The connection options that carry `auth` for a component of `role`. */
export function natsSecurityOptions(auth: NatsAuthSettings, role: NatsRole): Partial<ConnectionOptions> {
  return {
    inboxPrefix: NATS_INBOX_PREFIX[role],
    ...(auth.user !== null && auth.password !== null ? { user: auth.user, pass: auth.password } : {}),
    ...(auth.caFile !== null ? { tls: { caFile: auth.caFile } } : {}),
  };
}

/** What a start-up log may say about the NATS security (no secrets). */
export function describeNatsAuth(auth: NatsAuthSettings): { natsUser: string | null; natsTls: boolean } {
  return { natsUser: auth.user, natsTls: auth.caFile !== null };
}

/** Whether a Node TLS error `code` means the peer's certificate was not accepted (OpenSSL verify codes, ERR_TLS_*). */
export function isCertificateErrorCode(code: unknown): boolean {
  return typeof code === 'string' && /^(ERR_TLS_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/.test(code);
}

/**
 * A NATS connection error in words that name the credential to check: a refused user or password
 * (nats.js's AuthorizationError), or a server certificate the client's CA does not vouch for (a Node
 * TLS error code). Other errors come back unchanged.
 */
export function explainNatsConnectError(e: unknown, auth: NatsAuthSettings): Error {
  if (e instanceof AuthorizationError) {
    const who = auth.user === null ? 'no user was given (--nats-user, with --nats-password-file or CLUE_NATS_PASSWORD)' : `check --nats-user (${auth.user}) and its password (--nats-password-file or CLUE_NATS_PASSWORD)`;
    return new NatsAuthConfigError(`NATS refused the connection (${e.message}): ${who}`);
  }
  if (e instanceof Error && isCertificateErrorCode((e as NodeJS.ErrnoException).code)) {
    return new NatsAuthConfigError(`the TLS handshake with NATS failed (${e.message}): does --nats-ca (CLUE_NATS_CA) name the CA that signed the NATS servers' certificate?`);
  }
  return e instanceof Error ? e : new Error(String(e));
}
