/**
 * BERTScore and UMLS F1 need models (SciBERT; scispaCy's en_core_sci_sm with the UMLS linker) that
 * this library does not ship. In the cluster, BERTScore comes from a scorer engine group (the worker's
 * scorer-service, vLLM's pooling runner) and UMLS F1 could come from a sidecar answering the same
 * request/reply protocol (docs/clue-fidelity.md); in-process code may plug in a `PairScorer`. Without
 * one these metrics are reported as not computed, with the reason — never estimated.
 */

/** Per-pair precision, recall and F1 from a model-based scorer. */
export interface PairScores {
  readonly p: readonly number[];
  readonly r: readonly number[];
  readonly f: readonly number[];
}

/** A model-based metric implementation. */
export interface PairScorer {
  /** Which CLUE metric family it computes. */
  readonly kind: 'bertscore' | 'umls';
  /** What it runs (model, version), for the results' provenance. */
  readonly description: string;
  /** Scores predictions against references, pairwise, in order. */
  score(predictions: readonly string[], references: readonly string[]): Promise<PairScores>;
}

/** The configured model scorers; a missing entry means "not computed". */
export interface ModelScorers {
  readonly bertscore?: PairScorer;
  readonly umls?: PairScorer;
}

/** Why each family is not computed when no scorer is configured. */
export const NOT_COMPUTED_REASONS: Readonly<Record<'bertscore' | 'umls', string>> = {
  bertscore:
    'not computed: BERTScore needs the SciBERT model (allenai/scibert_scivocab_uncased, layer 8, as bert_score lang="en-sci"); no BERTScore scorer is configured (clue score: --bertscore-engine URL)',
  umls:
    "not computed: UMLS F1 needs scispaCy's en_core_sci_sm pipeline with the UMLS entity linker; no UMLS scorer is configured",
};

/** Metric keys each family fills. */
export const FAMILY_KEYS: Readonly<Record<'bertscore' | 'umls', readonly [string, string, string]>> = {
  bertscore: ['BERT_P', 'BERT_R', 'BERT_F1'],
  umls: ['UMLS_P', 'UMLS_R', 'UMLS_F1'],
};
