/**
 * Deterministic stand-ins for an encoder's last hidden states, one vector per token.
 *
 * - Base vector of a token id: `sqrt(0.3)·shared + sqrt(0.7)·own(id)` with unit random vectors, so two
 *   different ids have cosine ≈ 0.3 and equal ids 1.0.
 * - Each of the model's layers mixes every position with its neighbours (weights 0.03 at distance
 *   1, 0.01 at distance 2; the layers' kernels are convolved into one, reach ≤ 6), and each token's
 *   base vector gets a term that depends on the layer count, so the same word in different contexts
 *   differs a little and the number of layers changes every vector.
 * - The result is scaled to a BERT-like norm (about 15); the pooler head decides normalisation.
 * Everything is computed in float32 (`Float32Array`), so values are float32-representable.
 */

/** Norm of a simulated hidden state. */
const HIDDEN_NORM = 15;
const SHARED_WEIGHT = Math.sqrt(0.3);
const OWN_WEIGHT = Math.sqrt(0.7);
const NEIGHBOUR_WEIGHTS = [0.03, 0.01];
const MAX_REACH = 6;
const LAYER_TERM = 0.3;
const CACHE_LIMIT = 8192;

function rng(seed: number): () => number {
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296 - 0.5;
  };
}

function unitVector(seed: number, dim: number): Float32Array {
  const r = rng(seed);
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    // Sum of three uniforms: close enough to a Gaussian for direction sampling.
    const x = r() + r() + r();
    v[i] = x;
    n += x * x;
  }
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] = v[i]! * inv;
  return v;
}

/** Hidden-state generator for one model (hidden size and layer count). */
export class HiddenStateModel {
  private readonly shared: Float32Array;
  private readonly cache = new Map<number, Float32Array>();

  constructor(
    readonly dim: number,
    readonly layers: number,
  ) {
    this.shared = unitVector(0x5eed, dim);
  }

  /** The context-free vector of a token id (unit length). */
  base(id: number): Float32Array {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const own = unitVector(Math.imul(id + 1, 0x85ebca6b) ^ 0x27d4eb2f, this.dim);
    // What the encoder's depth adds to the token's own direction (differs per layer count).
    const deep = unitVector(Math.imul(id + 1, 0x2545f491) ^ Math.imul(this.layers, 0x9e3779b1), this.dim);
    const v = new Float32Array(this.dim);
    let n = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = SHARED_WEIGHT * this.shared[i]! + OWN_WEIGHT * own[i]! + LAYER_TERM * deep[i]!;
      v[i] = x;
      n += x * x;
    }
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < this.dim; i++) v[i] = v[i]! * inv;
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(id, v);
    return v;
  }

  /** Last-layer hidden states of a sequence: one `dim`-vector per token. */
  forward(ids: readonly number[]): Float32Array[] {
    const dim = this.dim;
    const bases = ids.map((id) => this.base(id));
    const kernel = this.kernel;
    const reach = kernel.length - 1;
    return bases.map((_, i) => {
      const v = new Float32Array(dim);
      for (let d = -reach; d <= reach; d++) {
        const n = bases[i + d];
        if (!n) continue;
        const w = kernel[Math.abs(d)]!;
        for (let k = 0; k < dim; k++) v[k] = v[k]! + w * n[k]!;
      }
      let norm = 0;
      for (let k = 0; k < dim; k++) norm += v[k]! * v[k]!;
      const scale = HIDDEN_NORM / Math.sqrt(norm);
      for (let k = 0; k < dim; k++) v[k] = v[k]! * scale;
      return v;
    });
  }

  /** Weight by distance after `layers` rounds of neighbour mixing: the per-layer kernel convolved `layers` times. */
  private get kernel(): readonly number[] {
    if (this.kernelCache) return this.kernelCache;
    const per = [...NEIGHBOUR_WEIGHTS].reverse().concat([1], NEIGHBOUR_WEIGHTS);
    let k = [1];
    for (let l = 0; l < this.layers; l++) {
      const next = new Array<number>(k.length + per.length - 1).fill(0);
      for (let i = 0; i < k.length; i++) for (let j = 0; j < per.length; j++) next[i + j] = next[i + j]! + k[i]! * per[j]!;
      k = next;
    }
    const mid = (k.length - 1) / 2;
    const half = k.slice(mid, mid + MAX_REACH + 1);
    this.kernelCache = half.map((x) => x / half[0]!);
    return this.kernelCache;
  }

  private kernelCache: readonly number[] | null = null;
}

/** L2 normalisation per vector (torch `F.normalize(p=2, dim=-1)`, eps 1e-12). */
export function l2Normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  const inv = 1 / Math.max(Math.sqrt(n), 1e-12);
  return v.map((x) => x * inv);
}

/** Softmax over the vector (what vLLM 0.11.0's `encode` head applies by default). */
export function softmax(v: Float32Array): Float32Array {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  let sum = 0;
  const e = v.map((x) => {
    const y = Math.exp(x - max);
    sum += y;
    return y;
  });
  return e.map((x) => x / sum);
}
