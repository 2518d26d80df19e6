/**
 * TLS and bearer-token credentials of the gRPC connections. The server presents a certificate; a client
 * verifies it against a CA (or the system's roots) and sends `authorization: Bearer <token>` on every
 * call. grpc-js sends call credentials only over TLS, so a token never crosses a plaintext channel.
 */
import { readFileSync } from 'node:fs';
import { credentials, Metadata, ServerCredentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';

/** Thrown when a certificate, key or CA file cannot be read; names the flag and file. */
export class TlsConfigError extends Error {
  readonly code = 'TLS_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

/** Reads a PEM file given by `flag`, checking that it holds `kind` (CERTIFICATE or PRIVATE KEY). */
export function readPem(file: string, flag: string, kind: 'CERTIFICATE' | 'PRIVATE KEY'): Buffer {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch (e) {
    throw new TlsConfigError(`${flag} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const text = b.toString('utf8');
  const ok = kind === 'CERTIFICATE' ? text.includes('-----BEGIN CERTIFICATE-----') : /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  if (!ok) throw new TlsConfigError(`${flag} ${file}: not a PEM ${kind.toLowerCase()} (expected a '-----BEGIN ${kind}-----' block)`);
  return b;
}

/** Server credentials from a PEM certificate chain and key. */
export function serverTlsCredentials(certFile: string, keyFile: string): ServerCredentials {
  const cert = readPem(certFile, '--tls-cert', 'CERTIFICATE');
  const key = readPem(keyFile, '--tls-key', 'PRIVATE KEY');
  return ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false);
}

/** What a client needs to reach the coordinator. */
export interface ClientTlsSettings {
  /** PEM file of the CA that signed the coordinator's certificate; null = the system's roots. */
  readonly caFile: string | null;
  /** The bearer token; null sends none (every call is then refused as UNAUTHENTICATED). */
  readonly token: string | null;
  /** Name expected in the certificate when it differs from the address (e.g. through a port-forward). */
  readonly serverName?: string | null;
}

/** Channel credentials (TLS + bearer token) and the channel options they need. */
export function clientCredentials(s: ClientTlsSettings, caFlag = '--tls-ca'): { credentials: ChannelCredentials; options: ChannelOptions } {
  const ca = s.caFile !== null ? readPem(s.caFile, caFlag, 'CERTIFICATE') : null;
  const tls = credentials.createSsl(ca);
  const token = s.token;
  const creds =
    token === null
      ? tls
      : credentials.combineChannelCredentials(
          tls,
          credentials.createFromMetadataGenerator((_params, cb) => {
            const m = new Metadata();
            m.set('authorization', `Bearer ${token}`);
            cb(null, m);
          }),
        );
  const options: ChannelOptions = s.serverName ? { 'grpc.ssl_target_name_override': s.serverName, 'grpc.default_authority': s.serverName } : {};
  return { credentials: creds, options };
}

/**
 * True when a gRPC error's text says the TLS handshake failed (an untrusted or mismatched certificate).
 * grpc-js reports a failed handshake only as UNAVAILABLE with the TLS error's message in `details`
 * (no code of its own), so the text is all there is to go on.
 */
export function isTlsFailure(details: string): boolean {
  return /certificate|self[- ]signed|SSL|TLS|handshake|altnames|ERR_TLS/i.test(details);
}
