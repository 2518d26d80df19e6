/**
 * Enforces the bounds table (limits.ts) at the gRPC boundary, before any handler work:
 *
 * 1. {@link boundedDefinition} wraps each method's request deserializer. An encoded request larger
 *    than its method's `maxBytes` is not decoded at all; a decoded one is walked against its field
 *    bounds (O(fields), never O(elements) of an over-long list). Either way a violation is attached
 *    to the request object instead of throwing, because a throwing deserializer becomes INTERNAL.
 * 2. {@link boundedService} wraps each handler: a unary or server-streaming call whose request carries
 *    a violation is answered INVALID_ARGUMENT at once; client-streaming handlers call
 *    {@link requestViolation} on every message.
 *
 * Messages name the field path as in the protos and the bound: `spec.models[3]: is 5000 characters;
 * the limit is 200`, `run_id: is 5242880 bytes encoded; the limit of GetRun requests is 147`.
 */
import type { ServiceDefinition, UntypedHandleCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ClueProto } from '@clue/common';
import { CoordinatorError } from '../errors.js';
import { camelName, type FieldBound, type MessageBounds, type NumberBound, type RequestLimits } from './limits.js';
import { describeOversize, type DescriptorLookup, type MessageDescriptor } from './oversize.js';
import { grpcError } from './call.js';

const VIOLATION = Symbol('clue.requestViolation');

/** How many problems one rejection lists at most (the spec parser's too). */
export const MAX_ISSUES = 10;


function fmt(n: number): string {
  return Number.isNaN(n) ? 'NaN' : String(n);
}

/** The message of a number outside its bound, or null. Shared with the spec parser. */
export function numberIssue(b: NumberBound, v: number): string | null {
  const low = b.minExclusive ? v > b.min : v >= b.min;
  const ok = Number.isFinite(v) && low && v <= b.max && (!b.integer || Number.isInteger(v));
  if (ok) return null;
  const note = b.note ? ` ${b.note}` : '';
  if (b.integer) return `must be a whole number from ${b.min} to ${b.max}${note}, got ${fmt(v)}`;
  return `must be in ${b.minExclusive ? '(' : '['}${b.min}, ${b.max}]${note}, got ${fmt(v)}`;
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Problems found by {@link checkField}: `path: problem` lines, and whether one is about size. */
export class BoundIssues {
  readonly lines: string[] = [];
  /** A string, bytes, list or map is too long (as opposed to a number out of range). */
  oversize = false;
  get length(): number {
    return this.lines.length;
  }
  add(line: string, oversize: boolean): void {
    this.lines.push(line);
    this.oversize ||= oversize;
  }
}

/**
 * Checks `value` against `bound`, adding `path: problem` lines to `issues` (stops adding at
 * {@link MAX_ISSUES}). Missing values (null/undefined) are in bounds: required-ness is the handlers'.
 */
export function checkField(bound: FieldBound, value: unknown, path: string, issues: BoundIssues): void {
  if (issues.length >= MAX_ISSUES || value === undefined || value === null) return;
  switch (bound.kind) {
    case 'string': {
      const s = String(value);
      if (s.length > bound.maxChars) issues.add(`${path}: is ${s.length} characters; the limit is ${bound.maxChars}`, true);
      else if (bound.pattern && !bound.pattern.re.test(s)) issues.add(`${path}: '${preview(s)}' may only contain ${bound.pattern.describe}`, false);
      return;
    }
    case 'bytes': {
      const n = (value as Uint8Array).length ?? 0;
      if (n > bound.maxBytes) issues.add(`${path}: is ${n} bytes; the limit is ${bound.maxBytes}`, true);
      return;
    }
    case 'number': {
      const problem = numberIssue(bound, Number(value));
      if (problem) issues.add(`${path}: ${problem}`, false);
      return;
    }
    case 'bool':
      return;
    case 'list': {
      const items = value as readonly unknown[];
      if (items.length > bound.maxCount) {
        issues.add(`${path}: has ${items.length} elements; the limit is ${bound.maxCount}`, true);
        return;
      }
      items.forEach((v, i) => checkField(bound.element, v, `${path}[${i}]`, issues));
      return;
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > bound.maxEntries) {
        issues.add(`${path}: has ${entries.length} entries; the limit is ${bound.maxEntries}`, true);
        return;
      }
      entries.forEach(([k, v], i) => {
        const before = issues.length;
        checkField(bound.key, k, `${path}[key ${i}]`, issues);
        if (issues.length === before) checkField(bound.value, v, `${path}.${k}`, issues);
      });
      return;
    }
    case 'message':
      checkMessage(bound.fields, value as Record<string, unknown>, path, issues);
      return;
  }
}

/** Checks every field of a decoded message (camelCase object) against `fields`. */
export function checkMessage(fields: MessageBounds, msg: Record<string, unknown>, prefix: string, issues: BoundIssues): void {
  for (const [name, bound] of Object.entries(fields)) {
    checkField(bound, msg[camelName(name)], prefix === '' ? name : `${prefix}.${name}`, issues);
  }
}

/** The INVALID_ARGUMENT for a list of issues (first issue's field as `field`). */
export function boundsError(issues: readonly string[]): CoordinatorError {
  const first = issues[0] ?? 'request: out of bounds';
  return new CoordinatorError('INVALID_ARGUMENT', issues.join('\n'), { field: first.slice(0, first.indexOf(':')) });
}

/**
 * Checks an encoded request's size and, when it fits, its decoded fields. An oversized request is not
 * decoded; `explain` (a wire-format walk, oversize.ts) names the fields that make it too large.
 * @returns the violation, or the decoded request when it is within bounds.
 */
export function checkRequest(
  method: string,
  limits: RequestLimits,
  encodedBytes: number,
  decode: () => Record<string, unknown>,
  explain?: (issues: BoundIssues) => void,
): { error: CoordinatorError } | { request: Record<string, unknown> } {
  if (encodedBytes > limits.maxBytes) {
    const issues = new BoundIssues();
    explain?.(issues);
    return { error: boundsError([...issues.lines, `request: is ${encodedBytes} bytes encoded; the limit of ${method} requests is ${limits.maxBytes}`]) };
  }
  const request = decode();
  const issues = new BoundIssues();
  checkMessage(limits.fields, request, '', issues);
  return issues.length > 0 ? { error: boundsError(issues.lines) } : { request };
}

/** The DescriptorProto of a proto-loader message type definition, if it is one. */
function messageDescriptor(t: unknown): MessageDescriptor | undefined {
  const type = (t as { type?: { field?: unknown } } | undefined)?.type;
  return type && Array.isArray(type.field) ? (type as unknown as MessageDescriptor) : undefined;
}

/** The bounds violation attached to a decoded request, or undefined. */
export function requestViolation(req: unknown): CoordinatorError | undefined {
  return (req as { [VIOLATION]?: CoordinatorError } | null)?.[VIOLATION];
}

/**
 * A copy of `definition` whose request deserializers enforce `limits` (the original stays as is: the
 * same definition object also builds clients). Every method must have an entry.
 * @throws Error naming a method without bounds (a proto change the table missed).
 */
export function boundedDefinition(definition: ServiceDefinition, limits: Readonly<Record<string, RequestLimits>>, pkg: ClueProto['definition']): ServiceDefinition {
  const lookup: DescriptorLookup = (typeName, parent) =>
    parent.nestedType.find((t) => t.name === typeName) ?? messageDescriptor(pkg[typeName.replace(/^\./, '')]) ?? messageDescriptor(pkg[`clue.v1.${typeName}`]);
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(definition)) {
    const l = limits[name];
    if (!l) throw new Error(`no request bounds for ${def.path}: add it to grpc/limits.ts`);
    const decode = def.requestDeserialize.bind(def);
    const desc = messageDescriptor((def as { requestType?: unknown }).requestType);
    out[name] = {
      ...def,
      requestDeserialize: (buf: Buffer) => {
        const explain = desc ? (issues: BoundIssues) => describeOversize(buf, desc, l.fields, lookup, issues) : undefined;
        const r = checkRequest(name, l, buf.length, () => decode(buf) as Record<string, unknown>, explain);
        return 'error' in r ? { [VIOLATION]: r.error } : r.request;
      },
    };
  }
  return out as ServiceDefinition;
}

/**
 * Wraps the handlers of `impl`: a unary or server-streaming call whose request is out of bounds is
 * answered INVALID_ARGUMENT before the handler runs. Client-streaming handlers check each message
 * with {@link requestViolation} themselves.
 */
export function boundedService(definition: ServiceDefinition, impl: UntypedServiceImplementation, onReject: (method: string, e: CoordinatorError) => void): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = { ...impl };
  for (const [name, def] of Object.entries(definition)) {
    const key = name in impl ? name : (def.originalName ?? name);
    const inner = impl[key];
    if (!inner || def.requestStream) continue;
    if (!def.responseStream) {
      const fn = inner as (call: { request: unknown }, cb: (e: unknown) => void) => void;
      out[key] = ((call: { request: unknown }, cb: (e: unknown) => void) => {
        const v = requestViolation(call.request);
        if (!v) return fn(call, cb);
        onReject(name, v);
        cb(grpcError(v));
      }) as UntypedHandleCall;
    } else {
      const fn = inner as (call: { request: unknown; emit(ev: 'error', e: unknown): boolean }) => void;
      out[key] = ((call: { request: unknown; emit(ev: 'error', e: unknown): boolean }) => {
        const v = requestViolation(call.request);
        if (!v) return fn(call);
        onReject(name, v);
        call.emit('error', grpcError(v));
      }) as UntypedHandleCall;
    }
  }
  return out;
}
