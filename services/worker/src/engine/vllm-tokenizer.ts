/**
 * The served model's tokenizer, through vLLM's `/tokenize` (with `add_special_tokens: true`, so the ids
 * match Hugging Face's `encode(text)` including BOS) and `/detokenize`. Conforms to `Tokenizer` from
 * @clue/tasks (LongHealth's token budget). Recent encodings are cached so `decodePrefix` after
 * `encode` of the same text costs one request.
 */
import type { Tokenizer } from '@clue/tasks';
import type { TokenizeInput, TokenizeResult } from './vllm-client.js';

/** What the tokenizer needs from a server (a `VllmClient`, or the engine, which routes to its current server). */
export interface TokenizeBackend {
  tokenize(input: TokenizeInput, addSpecialTokens: boolean): Promise<TokenizeResult>;
  detokenize(tokens: readonly number[]): Promise<string>;
}

/** Texts whose encodings are kept. */
const CACHE_ENTRIES = 16;

/** `Tokenizer` over a vLLM server. */
export class VllmTokenizer implements Tokenizer {
  private readonly backend: TokenizeBackend;
  private readonly cache = new Map<string, readonly number[]>();

  constructor(backend: TokenizeBackend) {
    this.backend = backend;
  }

  /** HF `encode(text)` (special tokens added). */
  async encode(text: string): Promise<readonly number[]> {
    const hit = this.cache.get(text);
    if (hit) {
      this.cache.delete(text);
      this.cache.set(text, hit);
      return hit;
    }
    const { tokens } = await this.backend.tokenize({ prompt: text }, true);
    const ids = Object.freeze([...tokens]);
    this.cache.set(text, ids);
    if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return ids;
  }

  /** HF `decode(ids)`. */
  async decode(ids: readonly number[]): Promise<string> {
    if (ids.length === 0) return '';
    return this.backend.detokenize(ids);
  }

  /** `decode(encode(text).slice(0, n))`, reusing a cached encoding. */
  async decodePrefix(text: string, n: number): Promise<string> {
    if (n <= 0) return '';
    const ids = await this.encode(text);
    return this.decode(ids.slice(0, n));
  }
}
