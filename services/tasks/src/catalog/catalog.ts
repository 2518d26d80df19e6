/**
 * Lookup API of the model catalog: find a model by key, Hugging Face id, CLUE display name or alias
 * (case-insensitive), and expand the `clue-v3` / `clue-v5` presets.
 */
import { ClueError } from '../errors.js';
import { PRESET_NAMES, type ModelSpec, type PresetName } from './model-spec.js';
import { MODELS } from './models.js';

export { MODELS } from './models.js';
export { PRESET_NAMES } from './model-spec.js';
export type {
  AttentionLayout,
  ChatTemplateSource,
  ModelKind,
  ModelSpec,
  PresetName,
  ServeDtype,
} from './model-spec.js';

/** Model keys of each preset, in catalog order. `clue-v3`: the 25 v3 LLMs; `clue-v5`: 12 biomedical + 8 bases. */
export const PRESETS: Readonly<Record<PresetName, readonly string[]>> = Object.freeze({
  'clue-v3': Object.freeze(MODELS.filter((m) => m.presets.includes('clue-v3')).map((m) => m.key)),
  'clue-v5': Object.freeze(MODELS.filter((m) => m.presets.includes('clue-v5')).map((m) => m.key)),
});

/** Every name a model answers to: key, HF id, display name and aliases. */
export function modelLookupNames(model: ModelSpec): string[] {
  return [...new Set([model.key, model.hfId, model.displayName, ...model.aliases])];
}

const BY_NAME: ReadonlyMap<string, ModelSpec> = new Map(
  MODELS.flatMap((m) => modelLookupNames(m).map((n) => [n.toLowerCase(), m] as const)),
);

/**
 * The model named `keyOrHfId`: a catalog key (`llama-3-70b-instruct`), a Hugging Face id
 * (`meta-llama/Meta-Llama-3-70B-Instruct`), CLUE's display name (`llama2-7b-hf`) or an alias
 * (`meta-llama/Meta-Llama-3.1-8B-Instruct`); case-insensitive, surrounding whitespace ignored.
 * @throws ClueError `UNKNOWN_MODEL` naming the closest catalog keys.
 */
export function getModel(keyOrHfId: string): ModelSpec {
  const name = keyOrHfId.trim();
  if (name === '') throw new ClueError('UNKNOWN_MODEL', 'model name is empty; give a catalog key or a Hugging Face id');
  const found = BY_NAME.get(name.toLowerCase());
  if (found) return found;
  const close = closeModelMatches(name);
  const hint = close.length > 0 ? `did you mean: ${close.join(', ')}?` : `known models: ${MODELS.map((m) => m.key).join(', ')}`;
  throw new ClueError('UNKNOWN_MODEL', `unknown model '${name}'; ${hint}`);
}

/** True when `keyOrHfId` names a catalog model (same matching as `getModel`). */
export function hasModel(keyOrHfId: string): boolean {
  return BY_NAME.has(keyOrHfId.trim().toLowerCase());
}

/**
 * The models of a preset (`clue-v3`, `clue-v5`; case-insensitive), in catalog order.
 * @throws ClueError `UNKNOWN_PRESET` naming the valid presets.
 */
export function presetModels(preset: string): ModelSpec[] {
  const name = preset.trim().toLowerCase();
  const found = PRESET_NAMES.find((p) => p === name);
  if (!found) {
    throw new ClueError('UNKNOWN_PRESET', `unknown model preset '${preset}'; valid presets: ${PRESET_NAMES.join(', ')}`);
  }
  return PRESETS[found].map((key) => getModel(key));
}

/**
 * Up to five catalog keys whose names resemble `name`, compared on lowercase letters and digits only
 * (so `llama3-70b` meets `llama-3-70b-instruct`): names starting with the query first, then names
 * containing it (or contained in it), then by edit distance within a third of the query's length (at least 3).
 */
export function closeModelMatches(name: string): string[] {
  const q = normalize(name);
  const scored: { key: string; score: number }[] = [];
  for (const m of MODELS) {
    let best = Number.POSITIVE_INFINITY;
    for (const n of modelLookupNames(m)) {
      const bare = normalize(n.includes('/') ? n.slice(n.indexOf('/') + 1) : n);
      const contains = q.length >= 3 && (bare.includes(q) || q.includes(bare));
      best = Math.min(best, bare.startsWith(q) && q.length >= 3 ? 0 : contains ? 1 : editDistance(q, bare));
    }
    if (best <= Math.max(3, Math.floor(q.length / 3))) scored.push({ key: m.key, score: best });
  }
  scored.sort((a, b) => a.score - b.score || a.key.length - b.key.length || a.key.localeCompare(b.key));
  return scored.slice(0, 5).map((s) => s.key);
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Levenshtein distance (insert, delete, substitute all cost 1). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
