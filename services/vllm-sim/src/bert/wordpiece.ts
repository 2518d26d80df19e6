/**
 * transformers' slow `BertTokenizer` (do_lower_case=True, tokenize_chinese_chars=True) over the
 * synthetic SciBERT vocabulary:
 * 1. special tokens written in the text (`[SEP]`, `[CLS]`, ...) are cut out first and map to their ids;
 * 2. BasicTokenizer: drop NUL, U+FFFD and control characters, turn whitespace into spaces, put spaces
 *    around CJK ideographs, split on whitespace, lower-case, strip accents (NFD minus Mn), split
 *    punctuation (ASCII symbol ranges and Unicode P*) into tokens of its own;
 * 3. WordPiece: greedy longest match first, continuation pieces prefixed `##`; a word longer than 100
 *    characters, or one with a position nothing matches, becomes `[UNK]`.
 * `encode(text, true)` wraps the ids in `[CLS] ... [SEP]`.
 */
import { TokenIdError, type TextTokenizer } from '../tokenizer.js';
import { BERT_SPECIAL, BERT_SPECIAL_TOKENS, buildBertVocab } from './vocab.js';

const MAX_INPUT_CHARS_PER_WORD = 100;

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /^\p{C}$/u.test(ch);
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BasicTokenizer: clean, split, lower-case, strip accents, split punctuation. */
export function basicTokenize(text: string): string[] {
  let cleaned = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (isWhitespace(ch)) cleaned += ' ';
    else if (isCjk(cp)) cleaned += ` ${ch} `;
    else cleaned += ch;
  }
  const out: string[] = [];
  for (const raw of cleaned.split(' ')) {
    if (raw === '') continue;
    const word = raw.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
    let cur = '';
    for (const ch of word) {
      if (isPunctuation(ch)) {
        if (cur !== '') out.push(cur);
        out.push(ch);
        cur = '';
      } else {
        cur += ch;
      }
    }
    if (cur !== '') out.push(cur);
  }
  return out;
}

/** The WordPiece tokenizer of the simulated SciBERT. */
export class BertWordPieceTokenizer implements TextTokenizer {
  readonly vocab: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;
  readonly clsId = BERT_SPECIAL.cls;
  readonly sepId = BERT_SPECIAL.sep;
  readonly unkId = BERT_SPECIAL.unk;

  constructor(vocabSize: number) {
    this.vocab = buildBertVocab(vocabSize);
    this.ids = new Map(this.vocab.map((t, i) => [t, i]));
  }

  /** Ids of `text`; with `addSpecialTokens`, `[CLS] ... [SEP]`. */
  encode(text: string, addSpecialTokens = false): number[] {
    const out: number[] = addSpecialTokens ? [this.clsId] : [];
    const specials = new RegExp(BERT_SPECIAL_TOKENS.map((t) => t.replace(/[[\]]/g, '\\$&')).join('|'), 'g');
    let last = 0;
    for (const m of text.matchAll(specials)) {
      this.encodePlain(text.slice(last, m.index), out);
      out.push(this.ids.get(m[0])!);
      last = m.index + m[0].length;
    }
    this.encodePlain(text.slice(last), out);
    if (addSpecialTokens) out.push(this.sepId);
    return out;
  }

  /** `convert_tokens_to_string`: tokens joined by spaces, ` ##` glued. */
  decode(ids: readonly number[]): string {
    return ids.map((id) => this.tokenString(id)).join(' ').replaceAll(' ##', '').trim();
  }

  tokenString(id: number): string {
    const t = Number.isInteger(id) ? this.vocab[id] : undefined;
    if (t === undefined) throw new TokenIdError(`invalid token id ${id}`);
    return t;
  }

  private encodePlain(text: string, out: number[]): void {
    for (const word of basicTokenize(text)) this.wordPiece(word, out);
  }

  private wordPiece(word: string, out: number[]): void {
    const chars = [...word];
    if (chars.length > MAX_INPUT_CHARS_PER_WORD) {
      out.push(this.unkId);
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        found = this.ids.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        out.push(this.unkId);
        return;
      }
      pieces.push(found);
      start = end;
    }
    for (const p of pieces) out.push(p);
  }
}
