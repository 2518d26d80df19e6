/**
 * The BERTScore scorer's request/reply messages (core NATS, subject `BERTSCORE_SUBJECT`): a unit's
 * runner sends (prediction, reference) pairs, a scorer engine group answers each pair's statistics
 * (`BertScoreRecord`) and the GPU-seconds it spent. JSON, version 1. Both sides check what they
 * receive, and every bound is enforced before any work.
 */
import type { BertScoreRecord } from '@clue/common';

/** Most pairs in one request (bert_score's batch size). */
export const MAX_PAIRS_PER_REQUEST = 64;
/** Largest text of a pair, in UTF-16 units (a MeDiSumQA answer is at most 512 tokens, a few KB). */
export const MAX_TEXT_CHARS = 100_000;

/** One pair: the model's output and CLUE's reference. */
export interface BertScorePair {
  readonly hyp: string;
  readonly ref: string;
}

/** A scoring request. */
export interface BertScoreRequest {
  readonly v: 1;
  readonly pairs: readonly BertScorePair[];
}

/** Why a request was not scored: the request is malformed (a bug: not retried) or the scorer cannot serve now (retried). */
export type BertScoreErrorCode = 'BAD_REQUEST' | 'UNAVAILABLE';

/** A scoring reply. */
export type BertScoreReply =
  | { readonly v: 1; readonly stats: readonly BertScoreRecord[]; readonly gpuSeconds: number; readonly scorer: string }
  | { readonly v: 1; readonly error: { readonly code: BertScoreErrorCode; readonly message: string } };

/** A malformed message (names the field). */
export class BertScoreProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BertScoreProtocolError';
  }
}

const decoder = new TextDecoder();

function parseJson(data: Uint8Array, what: string): Record<string, unknown> {
  let o: unknown;
  try {
    o = JSON.parse(decoder.decode(data));
  } catch {
    throw new BertScoreProtocolError(`${what} is not valid JSON`);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new BertScoreProtocolError(`${what} must be a JSON object`);
  const r = o as Record<string, unknown>;
  if (r['v'] !== 1) throw new BertScoreProtocolError(`${what}: field 'v' must be 1, got ${JSON.stringify(r['v'])}`);
  return r;
}

/** Parses and checks a request. @throws BertScoreProtocolError naming the field and the bound. */
export function parseRequest(data: Uint8Array): BertScoreRequest {
  const r = parseJson(data, 'request');
  const pairs = r['pairs'];
  if (!Array.isArray(pairs) || pairs.length === 0 || pairs.length > MAX_PAIRS_PER_REQUEST) {
    throw new BertScoreProtocolError(`request: field 'pairs' must be a list of 1 to ${MAX_PAIRS_PER_REQUEST} pairs`);
  }
  return {
    v: 1,
    pairs: pairs.map((p: unknown, i) => {
      const o = (p ?? {}) as Record<string, unknown>;
      for (const k of ['hyp', 'ref']) {
        const t = o[k];
        if (typeof t !== 'string') throw new BertScoreProtocolError(`request: pairs[${i}].${k} must be a string`);
        if (t.length > MAX_TEXT_CHARS) throw new BertScoreProtocolError(`request: pairs[${i}].${k} has ${t.length} characters, at most ${MAX_TEXT_CHARS}`);
      }
      return { hyp: o['hyp'] as string, ref: o['ref'] as string };
    }),
  };
}

function statValue(v: unknown, where: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BertScoreProtocolError(`${where} must be a finite number or null`);
  return v;
}

/** Parses and checks a reply to a request of `pairs` pairs. @throws BertScoreProtocolError. */
export function parseReply(data: Uint8Array, pairs: number): BertScoreReply {
  const r = parseJson(data, 'reply');
  const err = r['error'];
  if (err !== undefined) {
    const e = (err ?? {}) as Record<string, unknown>;
    const code = e['code'] === 'BAD_REQUEST' ? 'BAD_REQUEST' : 'UNAVAILABLE';
    return { v: 1, error: { code, message: typeof e['message'] === 'string' ? e['message'].slice(0, 500) : 'no message' } };
  }
  const stats = r['stats'];
  if (!Array.isArray(stats) || stats.length !== pairs) throw new BertScoreProtocolError(`reply: field 'stats' must list ${pairs} pairs`);
  const gpuSeconds = r['gpuSeconds'];
  if (typeof gpuSeconds !== 'number' || !(gpuSeconds >= 0)) throw new BertScoreProtocolError("reply: field 'gpuSeconds' must be a number >= 0");
  return {
    v: 1,
    gpuSeconds,
    scorer: typeof r['scorer'] === 'string' ? r['scorer'].slice(0, 200) : '',
    stats: stats.map((s: unknown, i): BertScoreRecord => {
      const o = (s ?? {}) as Record<string, unknown>;
      const where = `reply: stats[${i}]`;
      const count = (k: string): number => {
        const v = o[k];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 2) throw new BertScoreProtocolError(`${where}.${k} must be a whole number >= 2 ([CLS] and [SEP] included)`);
        return v;
      };
      return {
        p: statValue(o['p'], `${where}.p`),
        r: statValue(o['r'], `${where}.r`),
        pPad: statValue(o['pPad'], `${where}.pPad`),
        rPad: statValue(o['rPad'], `${where}.rPad`),
        hypTokens: count('hypTokens'),
        refTokens: count('refTokens'),
      };
    }),
  };
}

/** The JSON bytes of a message. */
export function encode(message: BertScoreRequest | BertScoreReply): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}
