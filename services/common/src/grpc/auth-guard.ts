/**
 * Bearer-token authorisation of a gRPC service: every method of the service definition is wrapped so
 * that it runs only for a caller whose `authorization: Bearer <token>` has one of the method's roles.
 * A refusal is UNAUTHENTICATED (no token, malformed header, unknown token) or PERMISSION_DENIED (a
 * valid token of the wrong role), and its message says which credential is missing or insufficient.
 * A method without a role entry is a programming error (fail closed at start-up, not at call time).
 */
import { status, type Metadata, type ServiceDefinition, type UntypedServiceImplementation, type UntypedHandleCall } from '@grpc/grpc-js';
import type { ApiRole, TokenTable } from '../security/api-tokens.js';

/** Why a call was refused (for logs and metrics; never contains the token). */
export type DenialReason = 'no_token' | 'malformed' | 'unknown_token' | 'wrong_role';

/** A refused call, reported to {@link GuardOptions.onDenied}. */
export interface Denial {
  readonly method: string;
  readonly reason: DenialReason;
  /** The caller's role when its token was valid. */
  readonly role?: ApiRole;
  readonly peer: string;
}

/** Options of {@link guardService}. */
export interface GuardOptions {
  readonly tokens: TokenTable;
  /** Roles allowed per method name (as in the .proto). */
  readonly roles: Readonly<Record<string, readonly ApiRole[]>>;
  /** How a client of this service supplies its token (ends the UNAUTHENTICATED message). */
  readonly hint: string;
  readonly onDenied?: (d: Denial) => void;
}

interface Refusal {
  readonly code: status;
  readonly details: string;
  readonly reason: DenialReason;
  readonly role?: ApiRole;
}

function article(roles: readonly string[]): string {
  const names = roles.map((r) => `${/^[aeiou]/.test(r) ? 'an' : 'a'} ${r}`);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0]!;
}

/** Checks a call's metadata against the roles a method allows; undefined = allowed. */
export function checkBearer(metadata: Metadata, method: string, allowed: readonly ApiRole[], tokens: TokenTable, hint: string): Refusal | undefined {
  const need = `${method} needs ${article(allowed)} token`;
  const values = metadata.get('authorization');
  if (values.length === 0) return { code: status.UNAUTHENTICATED, reason: 'no_token', details: `no bearer token: ${need} (${hint})` };
  const header = String(values[0]);
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (values.length > 1 || !m) {
    return { code: status.UNAUTHENTICATED, reason: 'malformed', details: `the authorization metadata is not one 'Bearer <token>': ${need}` };
  }
  const role = tokens.roleOf(m[1]!);
  if (role === undefined) {
    return { code: status.UNAUTHENTICATED, reason: 'unknown_token', details: `the bearer token is not one this coordinator accepts (wrong or rotated?): ${need} (${hint})` };
  }
  if (!allowed.includes(role)) {
    return { code: status.PERMISSION_DENIED, reason: 'wrong_role', role, details: `${article([role])} token cannot call ${method}: it needs ${article(allowed)} token` };
  }
  return undefined;
}

/** Wraps every method of `impl` (implementing `definition`) with the bearer check. */
export function guardService(definition: ServiceDefinition, impl: UntypedServiceImplementation, o: GuardOptions): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(definition)) {
    const allowed = o.roles[name];
    if (!allowed || allowed.length === 0) throw new Error(`no roles are configured for ${def.path}: every method needs an entry`);
    const key = name in impl ? name : (def.originalName ?? name);
    const inner = impl[key];
    if (!inner) continue;
    const refuse = (call: { metadata: Metadata; getPeer(): string }): Refusal | undefined => {
      const r = checkBearer(call.metadata, name, allowed, o.tokens, o.hint);
      if (r) o.onDenied?.({ method: name, reason: r.reason, peer: call.getPeer(), ...(r.role ? { role: r.role } : {}) });
      return r;
    };
    const error = (r: Refusal) => ({ code: r.code, details: r.details, message: r.details, name: 'Error' });
    let wrapped: UntypedHandleCall;
    if (!def.responseStream) {
      // Unary and client-streaming calls answer through their callback.
      const fn = inner as (call: never, cb: (e: unknown) => void) => void;
      wrapped = ((call: { metadata: Metadata; getPeer(): string }, cb: (e: unknown) => void) => {
        const r = refuse(call);
        if (r) cb(error(r));
        else fn(call as never, cb);
      }) as UntypedHandleCall;
    } else {
      // Server-streaming and bidi calls answer by emitting an error on the stream.
      const fn = inner as (call: never) => void;
      wrapped = ((call: { metadata: Metadata; getPeer(): string; emit(ev: 'error', e: unknown): boolean }) => {
        const r = refuse(call);
        if (r) call.emit('error', error(r));
        else fn(call as never);
      }) as UntypedHandleCall;
    }
    out[key] = wrapped;
  }
  return out;
}
