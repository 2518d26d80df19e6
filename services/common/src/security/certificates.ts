/**
 * X.509 certificates for the local cluster and the tests: a throwaway certificate authority and the
 * server/client certificates it signs. Built with @peculiar/x509 (ECDSA P-256 keys from WebCrypto), not
 * by hand. Keys are exported as PKCS#8 PEM, which nats-server (Go) and Node's TLS both read.
 */
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Certificates are valid from a minute ago (clock skew between processes). */
const BACKDATE_MS = 60_000;

/** A PEM certificate and its private key. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** A certificate authority that can sign further certificates. */
export interface CertificateAuthority extends PemPair {
  readonly name: string;
  /** Signs a leaf certificate. */
  issue(options: LeafOptions): Promise<PemPair>;
}

/** What a leaf certificate is for and whom it names. */
export interface LeafOptions {
  readonly commonName: string;
  /** DNS names and IP addresses of the subject alternative names. */
  readonly hosts: readonly string[];
  /** `server`, `client`, or both (route connections between NATS servers are both). */
  readonly usage: readonly ('server' | 'client')[];
  /** @default 30 */
  readonly days?: number;
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * 86_400_000) };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // positive
  return b.toString('hex');
}

async function keyPem(keys: webcrypto.CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as unknown as webcrypto.CryptoKeyPair;
}

/** Creates a self-signed CA (valid `days`, default 30) whose key signs leaf certificates only. */
export async function createCertificateAuthority(name: string, days = 30): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    ...validity(days),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const caPem = ca.toString('pem');
  return {
    name,
    cert: caPem,
    key: await keyPem(keys),
    async issue(o: LeafOptions): Promise<PemPair> {
      const leafKeys = await generateKeys();
      const names = o.hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
      const usages = o.usage.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${o.commonName}`,
        issuer: ca.subject,
        ...validity(o.days ?? 30),
        publicKey: leafKeys.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
          new x509.ExtendedKeyUsageExtension(usages, false),
          new x509.SubjectAlternativeNameExtension(names, false),
          await x509.AuthorityKeyIdentifierExtension.create(ca, false),
        ],
      });
      return { cert: leaf.toString('pem'), key: await keyPem(leafKeys) };
    },
  };
}
