/**
 * Names the field at fault in an encoded request that is larger than its method's bound, without
 * decoding it: a walk over the protobuf wire format (tags and lengths only) counts each field's
 * occurrences and bytes, then compares them with the bounds table. A 5 MB GetRun becomes
 * `run_id: is 5242880 characters; the limit is 128` and a 20,000-name SubmitRun
 * `spec.models: has 20000 elements; the limit is 256`, at the cost of one pass over the tags.
 */
import { camelName, type FieldBound, type MessageBounds } from './limits.js';

/** Where problems go (request-bounds.ts's BoundIssues). */
export interface IssueSink {
  add(line: string, oversize: boolean): void;
}

/** The parts of a proto-loader DescriptorProto this walk reads. */
export interface MessageDescriptor {
  readonly name: string;
  readonly field: readonly { readonly name: string; readonly number: number; readonly type: string; readonly typeName: string }[];
  readonly nestedType: readonly MessageDescriptor[];
}

/** Finds a message descriptor by the (relative) type name a field refers to. */
export type DescriptorLookup = (typeName: string, parent: MessageDescriptor) => MessageDescriptor | undefined;

/** Wire fields read at most per request (a pass over 64 MiB of one-byte fields stays well under a second). */
const MAX_WIRE_FIELDS = 2_000_000;

interface FieldStats {
  count: number;
  /** Elements of a packed repeated number field. */
  packed: number;
  bytes: number;
  /** The longest length-delimited occurrence: its index, start and end. */
  longest: { index: number; start: number; end: number } | null;
}

/** Reads a varint at `pos`; returns [value, next position] or null past `end`. */
function varint(buf: Uint8Array, pos: number, end: number): [number, number] | null {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return null;
    const b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
  return null;
}

/** Per field number, what the span [start, end) holds; null when it is not valid wire format. */
function scan(buf: Uint8Array, start: number, end: number, packedFields: ReadonlySet<number>, budget: { fields: number }): Map<number, FieldStats> | null {
  const stats = new Map<number, FieldStats>();
  let pos = start;
  while (pos < end) {
    if (--budget.fields < 0) return stats;
    const from = pos;
    const tag = varint(buf, pos, end);
    if (!tag) return null;
    pos = tag[1];
    const no = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    const s = stats.get(no) ?? { count: 0, packed: 0, bytes: 0, longest: null };
    stats.set(no, s);
    if (wire === 0) {
      const v = varint(buf, pos, end);
      if (!v) return null;
      pos = v[1];
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const len = varint(buf, pos, end);
      if (!len || len[1] + len[0] > end) return null;
      const [n, at] = len;
      if (!s.longest || n > s.longest.end - s.longest.start) s.longest = { index: s.count, start: at, end: at + n };
      if (packedFields.has(no)) for (let i = at; i < at + n; i++) if ((buf[i]! & 0x80) === 0) s.packed++;
      pos = at + n;
    } else {
      return null;
    }
    s.count++;
    s.bytes += pos - from;
  }
  return stats;
}

function utf16Length(buf: Uint8Array, start: number, end: number): number {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8').length;
}

/** Checks one length-delimited occurrence of `bound` (a string, bytes or a message). */
function checkSpan(buf: Uint8Array, span: { start: number; end: number }, bound: FieldBound, typeName: string, parent: MessageDescriptor, path: string, ctx: Ctx): void {
  const n = span.end - span.start;
  if (bound.kind === 'string' && n > bound.maxChars) {
    const chars = utf16Length(buf, span.start, span.end);
    if (chars > bound.maxChars) ctx.issues.add(`${path}: is ${chars} characters; the limit is ${bound.maxChars}`, true);
  } else if (bound.kind === 'bytes' && n > bound.maxBytes) {
    ctx.issues.add(`${path}: is ${n} bytes; the limit is ${bound.maxBytes}`, true);
  } else if (bound.kind === 'message' || bound.kind === 'map') {
    const desc = ctx.lookup(typeName, parent);
    if (!desc) return;
    const fields: MessageBounds = bound.kind === 'message' ? bound.fields : { key: bound.key, value: bound.value };
    walk(buf, span.start, span.end, desc, fields, path, ctx);
  }
}

interface Ctx {
  readonly issues: IssueSink;
  readonly lookup: DescriptorLookup;
  readonly budget: { fields: number };
}

function walk(buf: Uint8Array, start: number, end: number, desc: MessageDescriptor, bounds: MessageBounds, path: string, ctx: Ctx): void {
  const packedFields = new Set<number>();
  for (const [name, b] of Object.entries(bounds)) {
    const f = desc.field.find((x) => x.name === camelName(name));
    if (f && b.kind === 'list' && b.element.kind === 'number') packedFields.add(f.number);
  }
  const stats = scan(buf, start, end, packedFields, ctx.budget);
  if (!stats) {
    ctx.issues.add(`${path || 'request'}: is not a valid ${desc.name} message`, true);
    return;
  }
  const at = (name: string): string => (path === '' ? name : `${path}.${name}`);
  for (const [no, s] of stats) {
    const f = desc.field.find((x) => x.number === no);
    const entry = f ? Object.entries(bounds).find(([name]) => camelName(name) === f.name) : undefined;
    if (!f || !entry) {
      ctx.issues.add(`${path === '' ? 'request' : path}: field number ${no} is not in ${desc.name} (${s.bytes} bytes)`, true);
      continue;
    }
    const [name, bound] = entry;
    if (bound.kind === 'list' || bound.kind === 'map') {
      const packed = bound.kind === 'list' && bound.element.kind === 'number' && s.longest !== null;
      const count = packed ? s.packed : s.count;
      const limit = bound.kind === 'list' ? bound.maxCount : bound.maxEntries;
      if (count > limit) {
        ctx.issues.add(`${at(name)}: has ${count} ${bound.kind === 'list' ? 'elements' : 'entries'}; the limit is ${limit}`, true);
      } else if (s.longest && !packed) {
        const element = bound.kind === 'list' ? bound.element : bound;
        const label = bound.kind === 'list' ? `${at(name)}[${s.longest.index}]` : `${at(name)}[entry ${s.longest.index}]`;
        checkSpan(buf, s.longest, element, f.typeName, desc, label, ctx);
      }
    } else if (s.longest) {
      checkSpan(buf, s.longest, bound, f.typeName, desc, at(name), ctx);
    }
  }
}

/**
 * Adds to `issues` the fields that make an oversized encoded request too large (nothing when none
 * stands out, e.g. every field is at its limit but the request still is not).
 */
export function describeOversize(buf: Uint8Array, desc: MessageDescriptor, bounds: MessageBounds, lookup: DescriptorLookup, issues: IssueSink): void {
  walk(buf, 0, buf.length, desc, bounds, '', { issues, lookup, budget: { fields: MAX_WIRE_FIELDS } });
}
