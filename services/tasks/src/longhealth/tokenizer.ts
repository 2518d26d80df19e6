/**
 * The tokenizer LongHealth's prompt budget is measured with. CLUE uses the evaluated model's Hugging Face
 * tokenizer: `tokenizer.encode(text)` (which adds special tokens such as BOS by default) for lengths, and
 * `tokenizer.decode(ids)` (which keeps special tokens by default) to cut an overflowing document.
 */

/**
 * A model tokenizer with Hugging Face's default `encode`/`decode` semantics. Implementations: a vLLM server's
 * `/tokenize` (with `add_special_tokens: true`) and `/detokenize`, or {@link SimpleTokenizer} for tests.
 */
export interface Tokenizer {
  /** Token ids of `text`, special tokens included (HF `encode(text)`, `add_special_tokens=True`). */
  encode(text: string): Promise<readonly number[]>;
  /** Text of `ids`, special tokens rendered (HF `decode(ids)`, `skip_special_tokens=False`). */
  decode(ids: readonly number[]): Promise<string>;
  /**
   * Optional shortcut for `decode(encode(text).slice(0, n))`, which implementations may cache. Must return exactly
   * what that expression returns.
   */
  decodePrefix?(text: string, n: number): Promise<string>;
}

/**
 * `decode(encode(text)[:n])`, using the tokenizer's own shortcut when it has one. For n <= 0 the result is ""
 * (HF's `decode([])`) without calling the tokenizer.
 */
export async function decodePrefix(tokenizer: Tokenizer, text: string, n: number): Promise<string> {
  if (tokenizer.decodePrefix) return tokenizer.decodePrefix(text, n);
  if (n <= 0) return '';
  const ids = await tokenizer.encode(text);
  return tokenizer.decode(ids.slice(0, n));
}

/** Options of {@link SimpleTokenizer}. */
export interface SimpleTokenizerOptions {
  /** Prepend a BOS id to every encoding, as Llama-style HF tokenizers do (default true). */
  readonly bos?: boolean;
  /** Text `decode` renders the BOS id as (default "<s>"). */
  readonly bosText?: string;
}

/** Pieces of {@link SimpleTokenizer}: a whitespace run, a run of letters/digits/underscore, or one other char. */
const PIECE_RE = /\s+|[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/**
 * A deterministic stand-in tokenizer for tests and demos: every whitespace run, word (letters, digits, `_`) and
 * other single character is one token; ids are assigned in first-seen order per instance, starting at 2, and
 * id 1 is BOS. `decode` is the exact inverse of `encode` (BOS renders as `bosText`, like HF's default decode).
 */
export class SimpleTokenizer implements Tokenizer {
  /** The BOS id. */
  static readonly BOS_ID = 1;
  private readonly bos: boolean;
  private readonly bosText: string;
  private readonly ids = new Map<string, number>();
  private readonly pieces: string[] = ['', ''];

  constructor(options: SimpleTokenizerOptions = {}) {
    this.bos = options.bos ?? true;
    this.bosText = options.bosText ?? '<s>';
  }

  /** Synchronous {@link encode}. */
  encodeSync(text: string): number[] {
    const out: number[] = this.bos ? [SimpleTokenizer.BOS_ID] : [];
    for (const m of text.matchAll(PIECE_RE)) {
      const piece = m[0];
      let id = this.ids.get(piece);
      if (id === undefined) {
        id = this.pieces.length;
        this.pieces.push(piece);
        this.ids.set(piece, id);
      }
      out.push(id);
    }
    return out;
  }

  /** Synchronous {@link decode}. Throws RangeError for an id this instance never produced. */
  decodeSync(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      if (id === SimpleTokenizer.BOS_ID) {
        s += this.bosText;
        continue;
      }
      const piece = id >= 2 ? this.pieces[id] : undefined;
      if (piece === undefined) throw new RangeError(`SimpleTokenizer: unknown token id ${id}`);
      s += piece;
    }
    return s;
  }

  /** See {@link Tokenizer.encode}. */
  encode(text: string): Promise<readonly number[]> {
    return Promise.resolve(this.encodeSync(text));
  }

  /** See {@link Tokenizer.decode}. */
  decode(ids: readonly number[]): Promise<string> {
    return Promise.resolve(this.decodeSync(ids));
  }
}

/** Call counts of a {@link MemoTokenizer}, for tests and logging. */
export interface MemoTokenizerStats {
  /** Calls that reached the wrapped tokenizer's `encode`. */
  readonly encodeCalls: number;
  /** Calls that reached the wrapped tokenizer's `decode`. */
  readonly decodeCalls: number;
}

/**
 * Wraps a tokenizer so that each distinct text is encoded once per run (documents, the system prompt, the template,
 * questions and option lists recur thousands of times in LongHealth) and each document prefix is decoded once.
 * Returned id arrays are shared: callers must not mutate them. A failed call is not cached.
 */
export class MemoTokenizer implements Tokenizer {
  private readonly inner: Tokenizer;
  private readonly encodings = new Map<string, Promise<readonly number[]>>();
  private readonly prefixes = new Map<string, Map<number, Promise<string>>>();
  private encodeCount = 0;
  private decodeCount = 0;

  constructor(inner: Tokenizer) {
    this.inner = inner;
  }

  /** How often the wrapped tokenizer was called. */
  get stats(): MemoTokenizerStats {
    return { encodeCalls: this.encodeCount, decodeCalls: this.decodeCount };
  }

  /** See {@link Tokenizer.encode}; cached by text. */
  encode(text: string): Promise<readonly number[]> {
    let p = this.encodings.get(text);
    if (p === undefined) {
      this.encodeCount++;
      p = this.inner.encode(text);
      this.encodings.set(text, p);
      p.catch(() => this.encodings.delete(text));
    }
    return p;
  }

  /** See {@link Tokenizer.decode} (not cached). */
  decode(ids: readonly number[]): Promise<string> {
    this.decodeCount++;
    return this.inner.decode(ids);
  }

  /** `decode(encode(text)[:n])`, cached by (text, n). n = 0 gives "" without a call (HF's `decode([])`). */
  decodePrefix(text: string, n: number): Promise<string> {
    if (n <= 0) return Promise.resolve('');
    let byLen = this.prefixes.get(text);
    if (byLen === undefined) {
      byLen = new Map();
      this.prefixes.set(text, byLen);
    }
    let p = byLen.get(n);
    if (p === undefined) {
      p = this.encode(text).then((ids) => this.decode(ids.slice(0, n)));
      byLen.set(n, p);
      const cache = byLen;
      p.catch(() => cache.delete(n));
    }
    return p;
  }
}

/** Wraps `tokenizer` in a {@link MemoTokenizer} unless it already is one. */
export function memoiseTokenizer(tokenizer: Tokenizer): MemoTokenizer {
  return tokenizer instanceof MemoTokenizer ? tokenizer : new MemoTokenizer(tokenizer);
}
