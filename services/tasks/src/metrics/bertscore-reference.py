"""Expected BERTScore results for bertscore.test.ts: a numpy port of bert_score 0.3.13's batched matching.

Run with any python3 that has numpy (the test finds one and runs this file itself):
    python3 bertscore-reference.py [seed] > cases.json
It makes seeded pseudo-random token embeddings (no model involved) and scores them the way
`bert_score.score(cands, refs)` does once it has the embeddings, in float32 like torch:

- score(), idf off: weight 1.0 per token id, 0 for the [CLS] and [SEP] ids;
- bert_cos_score_idf(): pairs in consecutive batches of 64; pad_batch_stats() pads each side of a
  batch to its longest sentence with embedding value 2.0, weight 0 and a length mask;
- greedy_cos_idf(): L2-normalize, sim = hyp @ ref^T times the outer product of the masks, max over
  the other side (padded sims are 0 and take part), weights divided by their sum, weighted sums,
  F = 2PR/(P+R), then P and R set to 0 for 2-token sentences, then F's NaN set to 0.

The cases cover lengths 2..80, empty sentences ([CLS][SEP]), [CLS]/[SEP] ids inside a sentence,
sentences of specials only (NaN P or R), 2-token sentences that are not [CLS][SEP] (bert_score tests the
length, not the ids), repeated sentences, unnormalized vectors, dims from 1 to 768, and pairs built so
that some tokens' similarities to the whole other side are negative, where the batch's padding decides
between the max and 0.

Output (JSON): {"numpy", "cls", "sep", "batchSize", "sentences": [{"ids", "dim", "vectors"}],
"pairs": [[hyp, ref], ...], "expected": [[P, R, F], ...]} with vectors as base64 of little-endian
float32 and P, R, F as hex of little-endian float32 (so NaN survives JSON).
"""
import base64
import json
import sys

import numpy as np

CLS, SEP = 102, 103  # SciBERT scivocab's [CLS] and [SEP]
BATCH = 64
F32 = np.float32
# One dim per batch of 64 pairs (torch's bmm needs one dim per batch); the last batch is partial.
BATCH_DIMS = [768, 2, 3, 8, 16, 1, 4, 32, 768, 5, 2, 64, 3, 12, 2, 128, 6, 3, 24, 2, 10]
LAST_BATCH = 37


# ---- the port -------------------------------------------------------------------------------------

def idf_weights(ids):
    return np.array([0.0 if t in (CLS, SEP) else 1.0 for t in ids], dtype=F32)


def pad_batch_stats(keys, stats):
    embs = [stats[k][0] for k in keys]
    idfs = [stats[k][1] for k in keys]
    lens = np.array([e.shape[0] for e in embs])
    longest = int(lens.max())
    emb = np.full((len(keys), longest, embs[0].shape[1]), 2.0, dtype=F32)
    idf = np.zeros((len(keys), longest), dtype=F32)
    for i, (e, w) in enumerate(zip(embs, idfs)):
        emb[i, : len(e)] = e
        idf[i, : len(w)] = w
    mask = np.arange(longest)[None, :] < lens[:, None]
    return emb, mask, idf


def greedy_cos_idf(ref_emb, ref_mask, ref_idf, hyp_emb, hyp_mask, hyp_idf):
    ref_emb = ref_emb / np.linalg.norm(ref_emb, axis=-1)[..., None]
    hyp_emb = hyp_emb / np.linalg.norm(hyp_emb, axis=-1)[..., None]
    sim = np.matmul(hyp_emb, ref_emb.transpose(0, 2, 1))
    masks = np.matmul(hyp_mask[:, :, None].astype(F32), ref_mask[:, None, :].astype(F32))
    sim = sim * masks
    word_precision = sim.max(axis=2)
    word_recall = sim.max(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        hyp_idf = hyp_idf / hyp_idf.sum(axis=1, keepdims=True)
        ref_idf = ref_idf / ref_idf.sum(axis=1, keepdims=True)
        p = (word_precision * hyp_idf).sum(axis=1)
        r = (word_recall * ref_idf).sum(axis=1)
        f = 2 * p * r / (p + r)
    hyp_zero = hyp_mask.sum(axis=1) == 2
    ref_zero = ref_mask.sum(axis=1) == 2
    p = np.where(hyp_zero | ref_zero, F32(0), p)
    r = np.where(hyp_zero | ref_zero, F32(0), r)
    f = np.where(np.isnan(f), F32(0), f)
    assert p.dtype == r.dtype == f.dtype == F32
    return p, r, f


def bert_cos_score_idf(refs, hyps, stats):
    out = []
    for start in range(0, len(refs), BATCH):
        ref_stats = pad_batch_stats(refs[start : start + BATCH], stats)
        hyp_stats = pad_batch_stats(hyps[start : start + BATCH], stats)
        out.append(np.stack(greedy_cos_idf(*ref_stats, *hyp_stats), axis=-1))
    return np.concatenate(out)


# ---- the cases ------------------------------------------------------------------------------------

class Cases:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.sentences = []  # (ids, float32 embeddings)

    def ids(self, kind, length):
        rng = self.rng
        if kind == "empty":
            return [CLS, SEP]
        if kind == "two":  # 2 tokens but not [CLS][SEP]: bert_score's rule looks at the length only
            return [CLS, int(rng.integers(1000, 31090))]
        if kind == "specials":
            return [CLS] + [int(rng.choice([CLS, SEP])) for _ in range(int(rng.integers(1, 4)))] + [SEP]
        ids = [CLS] + [int(t) for t in rng.integers(1000, 31090, size=length - 2)] + [SEP]
        if kind == "inner" and length > 3:
            for _ in range(int(rng.integers(1, 4))):
                ids[int(rng.integers(1, length - 1))] = int(rng.choice([CLS, SEP]))
        return ids

    def add(self, ids, dim, directions=None):
        """Adds a sentence; `directions[i]` (a vector or None) biases token i's embedding."""
        rng = self.rng
        n = len(ids)
        if directions is None:
            emb = rng.normal(size=(n, dim))
        else:
            noise = rng.normal(size=(n, dim)) * (0.25 / np.sqrt(dim))
            emb = np.stack([d if d is not None else np.zeros(dim) for d in directions]) + noise
        # Hidden states are not normalized: scale every token differently.
        emb *= np.exp(rng.uniform(np.log(0.05), np.log(20.0), size=(n, 1)))
        self.sentences.append((ids, emb.astype(F32)))
        return len(self.sentences) - 1

    def kind(self):
        return self.rng.choice(
            ["normal", "empty", "inner", "specials", "two"], p=[0.68, 0.1, 0.12, 0.06, 0.04]
        )

    def length(self, longest):
        return int(self.rng.integers(3, longest + 1))

    def random_pair(self, dim, longest, pool):
        rng = self.rng
        sides = []
        for _ in range(2):
            if pool and rng.random() < (0.6 if dim >= 256 else 0.15):
                sides.append(int(rng.choice(pool)))
            else:
                sides.append(self.add(self.ids(self.kind(), self.length(longest)), dim))
        return sides

    def anti_pair(self, dim, hyp_len, ref_len, anti_hyp, anti_ref):
        """Normal tokens point along u. Hyp tokens marked anti point along -u + 2v, ref ones along -u - 2v:
        negative cosine with every token of the other side, so their max is negative (0 when padded)."""
        rng = self.rng
        q, _ = np.linalg.qr(rng.normal(size=(dim, 2)))
        u, v = q[:, 0], q[:, 1]

        def side(length, anti, toward):
            kind = "inner" if rng.random() < 0.2 else "normal"
            ids = self.ids(kind, length)
            dirs = [u] * length
            if anti:
                inner = [i for i in range(1, length - 1) if ids[i] not in (CLS, SEP)]
                for i in rng.choice(inner, size=min(len(inner), int(rng.integers(1, 4))), replace=False):
                    dirs[i] = -u + 2 * toward * v
            return self.add(ids, dim, dirs)

        return [side(hyp_len, anti_hyp, 1.0), side(ref_len, anti_ref, -1.0)]

    def batch(self, dim, size):
        rng = self.rng
        longest = int(rng.choice([8, 20, 40, 80]))
        pairs = []
        # The first pair is the longest on both sides and has negative-max tokens on both: the batch's
        # padding does not reach it, so its unpadded scores apply.
        if dim >= 2:
            pairs.append(self.anti_pair(dim, longest, longest, True, True))
        pool = []
        while len(pairs) < size:
            mode = rng.choice(["random", "antiP", "antiR", "both", "same"], p=[0.4, 0.2, 0.2, 0.1, 0.1])
            if dim < 2 or mode == "random":
                pair = self.random_pair(dim, longest, pool)
            elif mode == "same":
                s = self.add(self.ids("normal", self.length(longest)), dim)
                pair = [s, s]
            else:
                lens = (self.length(longest), self.length(longest))
                pair = self.anti_pair(dim, *lens, mode in ("antiP", "both"), mode in ("antiR", "both"))
            pool.extend(pair)
            pairs.append(pair)
        return [pairs[i] for i in rng.permutation(len(pairs))]


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 20250128
    cases = Cases(seed)
    pairs = []
    for b, dim in enumerate(BATCH_DIMS):
        pairs += cases.batch(dim, LAST_BATCH if b == len(BATCH_DIMS) - 1 else BATCH)
    stats = {i: (emb, idf_weights(ids)) for i, (ids, emb) in enumerate(cases.sentences)}
    # bert_score.score(cands, refs) calls bert_cos_score_idf(model, refs, cands, ...).
    scores = bert_cos_score_idf([r for _, r in pairs], [h for h, _ in pairs], stats)
    out = {
        "numpy": np.__version__,
        "cls": CLS,
        "sep": SEP,
        "batchSize": BATCH,
        "sentences": [
            {"ids": ids, "dim": int(emb.shape[1]), "vectors": base64.b64encode(emb.astype("<f4").tobytes()).decode()}
            for ids, emb in cases.sentences
        ],
        "pairs": pairs,
        "expected": [[x.astype("<f4").tobytes().hex() for x in row] for row in scores],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
