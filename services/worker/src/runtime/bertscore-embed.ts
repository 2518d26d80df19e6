/**
 * BERTScore statistics of (prediction, reference) pairs through a vLLM server that serves bert_score's
 * encoder (SciBERT cut to 8 layers, `--runner pooling`, `--tokenizer-mode slow`; see
 * BERTSCORE_ENGINE_ARGS), the way `bert_score.score(preds, refs, lang="en-sci")` computes them:
 *
 * 1. Each text is `strip()`ped (Python's whitespace) and tokenized by the server (`/tokenize` with
 *    special tokens: `[CLS] … [SEP]`; the slow BertTokenizer, as bert_score's
 *    `use_fast_tokenizer=False`). An empty text gives `[CLS][SEP]`, as bert_score's `sent_encode`.
 *    Texts longer than 512 wordpieces keep the first 510 and their [SEP] (bert_score's fork 20ffcb3
 *    truncates at 512; the commit CLUE pins has no limit, and SciBERT then fails on such a text).
 * 2. The token ids are embedded by the server (`/pooling`, task `token_embed`: layer 8's hidden
 *    states, the encoder having 8 layers through `--hf-overrides`), several texts per call.
 * 3. `bertPairStats` (@clue/tasks) gives each pair's precision/recall with and without the padded 0
 *    of bert_score's batches; the cell aggregation (`bertBatchScores`) turns them into P/R/F1.
 *
 * The special ids are the server's (the tokens of ""). Used by the scorer groups and `clue score`.
 */
import { bertScoreRecord, type BertScoreRecord } from '@clue/common';
import { BERTSCORE_MAX_TOKENS, bertPairStats, pyStrip, type SpecialIds, type TokenEmbeddings } from '@clue/tasks';
import type { PoolingResult, TokenizeInput, TokenizeResult } from '../engine/vllm-client.js';

/** The server cannot serve BERTScore as bert_score computes it (wrong vLLM version or model). */
export class ScorerUnsupportedError extends Error {
  readonly code = 'SCORER_UNSUPPORTED';
  constructor(message: string) {
    super(message);
    this.name = 'ScorerUnsupportedError';
  }
}

/** What the embedder calls: a `VllmEngine` (follows restarts) or a `VllmClient` (one server). */
export interface EmbeddingBackend {
  tokenize(input: TokenizeInput, addSpecialTokens: boolean, opts?: { readonly signal?: AbortSignal }): Promise<TokenizeResult>;
  pool(inputs: readonly (readonly number[])[], opts?: { readonly signal?: AbortSignal }): Promise<PoolingResult>;
}

/** Options of an embedder. */
export interface BertScoreEmbedderOptions {
  /** Texts per `/pooling` call. @default 16 */
  readonly poolBatch?: number;
  /** `/tokenize` calls at once. @default 16 */
  readonly tokenizeConcurrency?: number;
  /**
   * Floats of embeddings kept for texts seen again (every model of a run is scored against the same
   * references), least recently used out first. 0 turns the cache off. @default 16M (64 MiB)
   */
  readonly cacheFloats?: number;
}

/** Scores pairs through one backend. */
export class BertScoreEmbedder {
  private readonly backend: EmbeddingBackend;
  private readonly poolBatch: number;
  private readonly tokenizeConcurrency: number;
  private readonly cacheFloats: number;
  private readonly cache = new Map<string, TokenEmbeddings>();
  private cachedFloats = 0;
  private special: Promise<SpecialIds> | null = null;
  /** Texts embedded / taken from the cache (tests, benchmarks). */
  readonly counts = { embedded: 0, cached: 0 };

  constructor(backend: EmbeddingBackend, options: BertScoreEmbedderOptions = {}) {
    this.backend = backend;
    this.poolBatch = Math.max(1, options.poolBatch ?? 16);
    this.tokenizeConcurrency = Math.max(1, options.tokenizeConcurrency ?? 16);
    this.cacheFloats = Math.max(0, options.cacheFloats ?? 16 * 1024 * 1024);
  }

  /** Forgets cached embeddings (e.g. when the server was replaced by another model). */
  clearCache(): void {
    this.cache.clear();
    this.cachedFloats = 0;
  }

  private cached(text: string): TokenEmbeddings | undefined {
    const e = this.cache.get(text);
    if (e) {
      this.cache.delete(text);
      this.cache.set(text, e);
    }
    return e;
  }

  private remember(text: string, e: TokenEmbeddings): void {
    if (this.cacheFloats === 0 || e.vectors.length > this.cacheFloats || this.cache.has(text)) return;
    this.cache.set(text, e);
    this.cachedFloats += e.vectors.length;
    for (const [k, v] of this.cache) {
      if (this.cachedFloats <= this.cacheFloats) break;
      this.cache.delete(k);
      this.cachedFloats -= v.vectors.length;
    }
  }

  /** The special ids: the tokens the server gives "" ([CLS], [SEP]). */
  specialIds(): Promise<SpecialIds> {
    this.special ??= this.backend.tokenize({ prompt: '' }, true).then(
      (r) => {
        if (r.tokens.length !== 2) throw new Error(`the scorer's tokenizer gives "" ${r.tokens.length} tokens, expected [CLS] and [SEP]`);
        return { cls: r.tokens[0]!, sep: r.tokens[1]! };
      },
      (e: unknown) => {
        this.special = null;
        throw e;
      },
    );
    return this.special;
  }

  /**
   * Checks that the server gives what BERTScore needs: [CLS]/[SEP] from "" and unit-norm per-token
   * vectors for them (vLLM ≥ 0.11.1's `token_embed`). vLLM 0.11.0 ignores `task` and applies a
   * softmax over the hidden size, which would make every score meaningless.
   * @throws ScorerUnsupportedError naming what is wrong and what to run instead.
   */
  async verify(signal?: AbortSignal): Promise<void> {
    const special = await this.specialIds();
    const res = await this.backend.pool([[special.cls, special.sep]], signal ? { signal } : {});
    const e = res.data[0];
    if (!e || e.tokens !== 2) throw new ScorerUnsupportedError(`the scorer's /pooling gave ${e?.tokens ?? 0} vectors for [CLS][SEP], expected 2 (per-token embeddings)`);
    for (let t = 0; t < e.tokens; t++) {
      let sq = 0;
      for (let k = 0; k < e.dim; k++) sq += e.vectors[t * e.dim + k]! ** 2;
      const norm = Math.sqrt(sq);
      if (!(Math.abs(norm - 1) < 1e-3)) {
        throw new ScorerUnsupportedError(
          `the scorer's /pooling token vectors have norm ${norm.toPrecision(4)}, not 1: the server is not vLLM >= 0.11.1 with task token_embed ` +
            '(vLLM 0.11.0 ignores the task and softmaxes the hidden states); run the scorer on vLLM 0.11.1 or later',
        );
      }
    }
  }

  /** Statistics of the pairs (hyps[i], refs[i]). */
  async score(hyps: readonly string[], refs: readonly string[], signal?: AbortSignal): Promise<BertScoreRecord[]> {
    if (hyps.length !== refs.length) throw new Error(`${hyps.length} predictions but ${refs.length} references`);
    const opts = signal ? { signal } : {};
    const special = await this.specialIds();
    const embedded = new Map<string, TokenEmbeddings>();
    const texts: string[] = [];
    for (const t of new Set([...hyps, ...refs].map(pyStrip))) {
      const hit = this.cached(t);
      if (hit) embedded.set(t, hit);
      else texts.push(t);
    }
    this.counts.cached += embedded.size;
    this.counts.embedded += texts.length;
    const ids = new Map<string, number[]>();
    for (let i = 0; i < texts.length; i += this.tokenizeConcurrency) {
      await Promise.all(
        texts.slice(i, i + this.tokenizeConcurrency).map(async (t) => {
          const r = await this.backend.tokenize({ prompt: t }, true, opts);
          ids.set(t, truncate(r.tokens, special));
        }),
      );
    }
    for (let i = 0; i < texts.length; i += this.poolBatch) {
      const chunk = texts.slice(i, i + this.poolBatch);
      const res = await this.backend.pool(chunk.map((t) => ids.get(t)!), opts);
      chunk.forEach((t, j) => {
        const e = res.data[j]!;
        const emb = { ids: ids.get(t)!, vectors: e.vectors, dim: e.dim };
        embedded.set(t, emb);
        this.remember(t, emb);
      });
    }
    const out: BertScoreRecord[] = [];
    let work = 0;
    for (let i = 0; i < hyps.length; i++) {
      const hyp = embedded.get(pyStrip(hyps[i]!))!;
      const ref = embedded.get(pyStrip(refs[i]!))!;
      const s = bertPairStats(hyp, ref, special);
      out.push(bertScoreRecord(s));
      // Let the event loop breathe (heartbeats, other groups' working() calls) every ~20M multiply-adds.
      work += hyp.ids.length * ref.ids.length * hyp.dim;
      if (work > 20e6) {
        work = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return out;
  }
}

/** At most 512 wordpieces: the first 510 and [SEP] (HF truncation with max_length=512). */
function truncate(tokens: readonly number[], special: SpecialIds): number[] {
  if (tokens.length <= BERTSCORE_MAX_TOKENS) return [...tokens];
  return [...tokens.slice(0, BERTSCORE_MAX_TOKENS - 1), special.sep];
}
