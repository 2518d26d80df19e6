/**
 * Request-body validation with pydantic's (lax mode) rules and FastAPI's error report: a 400 with
 * `type: "Bad Request"` and the message `"N validation error(s):\n  {...}\n [{...}]"` (the exception
 * text, a space, then the error list), as vLLM's RequestValidationError handler renders it.
 */
import { PyTuple, pyRepr } from '../py-repr.js';
import { HttpError } from './respond.js';

/** One pydantic error. */
export interface Issue {
  readonly type: string;
  readonly loc: ReadonlyArray<string | number>;
  readonly msg: string;
  readonly input: unknown;
  readonly ctx?: Readonly<Record<string, unknown>>;
}

function issueRepr(i: Issue): string {
  const m = new Map<string, unknown>([
    ['type', i.type],
    ['loc', new PyTuple(i.loc)],
    ['msg', i.msg],
    ['input', i.input],
  ]);
  if (i.ctx) m.set('ctx', i.ctx);
  return pyRepr(m);
}

/** The 400 for a list of issues. */
export function validationError(issues: readonly Issue[]): HttpError {
  const head = `${issues.length} validation error${issues.length === 1 ? '' : 's'}:\n` + issues.map((i) => `  ${issueRepr(i)}\n`).join('');
  const message = `${head} [${issues.map(issueRepr).join(', ')}]`;
  return new HttpError(400, { error: { message, type: 'Bad Request', param: null, code: 400 } }, message);
}

/**
 * Parses a request body as JSON.
 * @throws HttpError 400 (`json_invalid`) for malformed JSON.
 */
export function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message);
    throw validationError([
      { type: 'json_invalid', loc: ['body', pos ? Number(pos[1]) : 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } },
    ]);
  }
}

/** Typed field access that collects pydantic-style issues. */
export class BodyReader {
  readonly issues: Issue[] = [];
  readonly body: Record<string, unknown>;

  constructor(body: unknown) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      this.body = {};
      this.issues.push({ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body });
    } else {
      this.body = body as Record<string, unknown>;
    }
  }

  /** True when the field is present and not null. */
  has(key: string): boolean {
    return this.body[key] !== undefined && this.body[key] !== null;
  }

  private add(type: string, key: string | Array<string | number>, msg: string, input: unknown): undefined {
    this.issues.push({ type, loc: ['body', ...(Array.isArray(key) ? key : [key])], msg, input });
    return undefined;
  }

  /** Records a missing required field. */
  missing(key: string): void {
    this.add('missing', key, 'Field required', this.body);
  }

  /** An optional integer (accepts integral floats and digit strings, as pydantic's lax mode). */
  int(key: string): number | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') {
      if (Number.isInteger(v)) return v;
      return this.add('int_from_float', key, 'Input should be a valid integer, got a number with a fractional part', v);
    }
    if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number(v);
    if (typeof v === 'string') return this.add('int_parsing', key, 'Input should be a valid integer, unable to parse string as an integer', v);
    return this.add('int_type', key, 'Input should be a valid integer', v);
  }

  /** An optional number. */
  num(key: string): number | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    if (typeof v === 'string') return this.add('float_parsing', key, 'Input should be a valid number, unable to parse string as a number', v);
    return this.add('float_type', key, 'Input should be a valid number', v);
  }

  /** An optional boolean (true/false, 0/1 and pydantic's accepted strings). */
  bool(key: string): boolean | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 1) return v === 1;
    if (typeof v === 'string') {
      const s = v.toLowerCase();
      if (['true', 't', 'yes', 'y', 'on', '1'].includes(s)) return true;
      if (['false', 'f', 'no', 'n', 'off', '0'].includes(s)) return false;
      return this.add('bool_parsing', key, 'Input should be a valid boolean, unable to interpret input', v);
    }
    return this.add('bool_type', key, 'Input should be a valid boolean', v);
  }

  /** An optional string. */
  str(key: string): string | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    return this.add('string_type', key, 'Input should be a valid string', v);
  }

  /** `stop`: a string or a list of strings. */
  stop(key: string): string[] {
    const v = this.body[key];
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    this.add('string_type', key, 'Input should be a valid string', v);
    return [];
  }

  /** An optional object. */
  obj(key: string): Record<string, unknown> | undefined {
    const v = this.body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return this.add('model_type', key, 'Input should be a valid dictionary or object to extract fields from', v);
  }

  /** Records a model-validator ValueError (loc `('body',)`). */
  valueError(message: string): void {
    this.issues.push({ type: 'value_error', loc: ['body'], msg: `Value error, ${message}`, input: this.body, ctx: { error: {} } });
  }

  /** Records an issue at a nested location. */
  at(loc: Array<string | number>, type: string, msg: string, input: unknown): void {
    this.add(type, loc, msg, input);
  }

  /** Throws the collected issues, if any. */
  throwIfInvalid(): void {
    if (this.issues.length > 0) throw validationError(this.issues);
  }
}

/** A chat message as received: role plus raw content (string, parts array or null). */
export interface RawMessage {
  readonly role: string;
  readonly content: unknown;
}

/**
 * Reads `messages` (required list of objects with a string `role`).
 * Returns [] after recording issues when invalid.
 */
export function readMessages(r: BodyReader): RawMessage[] {
  const v = r.body['messages'];
  if (v === undefined) {
    r.missing('messages');
    return [];
  }
  if (!Array.isArray(v)) {
    r.at(['messages'], 'list_type', 'Input should be a valid list', v);
    return [];
  }
  const out: RawMessage[] = [];
  v.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      r.at(['messages', i], 'model_type', 'Input should be a valid dictionary or object to extract fields from', m);
      return;
    }
    const o = m as Record<string, unknown>;
    if (typeof o['role'] !== 'string') {
      if (o['role'] === undefined) r.at(['messages', i, 'role'], 'missing', 'Field required', m);
      else r.at(['messages', i, 'role'], 'string_type', 'Input should be a valid string', o['role']);
      return;
    }
    const c = o['content'];
    if (c !== undefined && c !== null && typeof c !== 'string' && !Array.isArray(c)) {
      r.at(['messages', i, 'content'], 'string_type', 'Input should be a valid string', c);
      return;
    }
    out.push({ role: o['role'], content: c });
  });
  return out;
}
