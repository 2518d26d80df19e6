/**
 * A deterministic, stable and exactly invertible tokenizer, used for /tokenize, /detokenize, usage
 * counts and context checks alike.
 *
 * Encoding: special-token strings (`<s>`, `<|eot_id|>`, ...) become their fixed ids; the rest is cut
 * into pieces (an optional leading space plus a run of letters, up to 3 digits, a run of other
 * symbols, or a run of whitespace), and every piece into chunks of at most 4 UTF-8 bytes on code-point
 * boundaries. A chunk's id packs its bytes, so ids are the same in every process and decoding is
 * exact: `decode(encode(x)) === x` (without the BOS), and any prefix of the ids decodes to a prefix of
 * the text. That gives roughly 3.5 characters per token on English prose.
 */

/** Special tokens with fixed ids 0..n-1 (HF tokenizers also match them inside text). */
export const SPECIAL_TOKENS = [
  '<unk>',
  '<s>',
  '</s>',
  '<|begin_of_text|>',
  '<|end_of_text|>',
  '<|start_header_id|>',
  '<|end_header_id|>',
  '<|eot_id|>',
  '<|system|>',
  '<|user|>',
  '<|assistant|>',
  '<|end|>',
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
] as const;

const SPECIAL_ID = new Map<string, number>(SPECIAL_TOKENS.map((s, i) => [s, i]));
/** First id of packed byte chunks. */
const PACK_BASE = 256;
/** Offsets of 1-, 2-, 3- and 4-byte chunks. */
const OFFSETS = [0, PACK_BASE, PACK_BASE + 256, PACK_BASE + 256 + 65536, PACK_BASE + 256 + 65536 + 16777216];
/** Largest valid id + 1. */
const ID_LIMIT = OFFSETS[4]! + 4294967296;

const PIECE = / ?[\p{L}\p{M}]+| ?\p{N}{1,3}| ?[^\s\p{L}\p{M}\p{N}]+|\s+/uy;

/** Error for ids that do not name a token. */
export class TokenIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenIdError';
  }
}

/** Which special strings a model's tokenizer uses as BOS/EOS. */
export interface TokenizerSpec {
  /** BOS text, or null when the tokenizer adds none (Qwen). */
  readonly bos: string | null;
  readonly eos: string;
}

/** What the HTTP layer needs of a tokenizer (the byte-chunk SimTokenizer or the BERT WordPiece one). */
export interface TextTokenizer {
  /** Token ids of `text`, with the model's special tokens when `addSpecialTokens`. */
  encode(text: string, addSpecialTokens?: boolean): number[];
  /**
   * Text of token ids.
   * @throws TokenIdError for ids outside the vocabulary.
   */
  decode(ids: readonly number[]): string;
  /**
   * The string of one token id.
   * @throws TokenIdError for an invalid id.
   */
  tokenString(id: number): string;
}

/** A tokenizer bound to one model's BOS/EOS. */
export class SimTokenizer implements TextTokenizer {
  readonly bosToken: string | null;
  readonly eosToken: string;
  readonly bosId: number | null;
  readonly eosId: number;

  constructor(spec: TokenizerSpec) {
    this.bosToken = spec.bos;
    this.eosToken = spec.eos;
    this.bosId = spec.bos === null ? null : (SPECIAL_ID.get(spec.bos) ?? null);
    this.eosId = SPECIAL_ID.get(spec.eos) ?? 2;
  }

  /** Token ids of `text`; with `addSpecialTokens` a BOS id is prepended (if the model has one). */
  encode(text: string, addSpecialTokens = false): number[] {
    const out: number[] = [];
    if (addSpecialTokens && this.bosId !== null) out.push(this.bosId);
    let segStart = 0;
    let i = text.indexOf('<');
    while (i >= 0) {
      const special = matchSpecial(text, i);
      if (special !== null) {
        encodePlain(text.slice(segStart, i), out);
        out.push(SPECIAL_ID.get(special)!);
        segStart = i + special.length;
        i = text.indexOf('<', segStart);
      } else {
        i = text.indexOf('<', i + 1);
      }
    }
    encodePlain(text.slice(segStart), out);
    return out;
  }

  /** Number of tokens of `text` (same as `encode(text, addSpecialTokens).length`). */
  count(text: string, addSpecialTokens = false): number {
    return this.encode(text, addSpecialTokens).length;
  }

  /**
   * Text of token ids (special tokens as their strings).
   * @throws TokenIdError for ids that are not integers in range.
   */
  decode(ids: readonly number[]): string {
    return ids.map((id) => this.tokenString(id)).join('');
  }

  /**
   * The string of one token id.
   * @throws TokenIdError for an invalid id.
   */
  tokenString(id: number): string {
    if (!Number.isSafeInteger(id) || id < 0 || id >= ID_LIMIT) throw new TokenIdError(`invalid token id ${id}`);
    if (id < PACK_BASE) {
      const s = SPECIAL_TOKENS[id];
      if (s === undefined) throw new TokenIdError(`invalid token id ${id}`);
      return s;
    }
    let len = 1;
    while (len < 4 && id >= OFFSETS[len + 1]!) len++;
    let v = id - OFFSETS[len]!;
    const bytes = Buffer.alloc(len);
    for (let k = len - 1; k >= 0; k--) {
      bytes[k] = v % 256;
      v = Math.floor(v / 256);
    }
    return bytes.toString('utf8');
  }
}

function matchSpecial(text: string, at: number): string | null {
  for (const s of SPECIAL_TOKENS) {
    if (text.startsWith(s, at)) return s;
  }
  return null;
}

function encodePlain(text: string, out: number[]): void {
  PIECE.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    PIECE.lastIndex = pos;
    const m = PIECE.exec(text);
    // Every character is a letter, number, whitespace or "other", so a piece always matches; the
    // fallback keeps lone surrogates from looping forever.
    const piece = m ? m[0] : text.slice(pos, pos + 1);
    chunkPiece(piece, out);
    pos += piece.length;
  }
}

function chunkPiece(piece: string, out: number[]): void {
  let bytes: number[] = [];
  for (const ch of piece) {
    const b = utf8(ch.codePointAt(0)!);
    if (bytes.length + b.length > 4) {
      out.push(pack(bytes));
      bytes = [];
    }
    for (const x of b) bytes.push(x);
  }
  if (bytes.length > 0) out.push(pack(bytes));
}

function pack(bytes: readonly number[]): number {
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  return OFFSETS[bytes.length]! + v;
}

function utf8(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
  // Lone surrogates encode as U+FFFD, as Buffer.from does.
  if (cp >= 0xd800 && cp <= 0xdfff) return [0xef, 0xbf, 0xbd];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
}
