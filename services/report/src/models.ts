/**
 * How the report names and groups models, as the CLUE paper does: general-domain models first, then
 * the biomedical ones (each with the general model it was adapted from), in the catalog's order (the
 * website's); models the catalog does not know come last, under their run names.
 */
import { MODELS, getModel, hasModel, type ModelKind } from '@clue/tasks';

/** A model as the report shows it. */
export interface ModelView {
  /** The model as the run names it (the key of its cells). */
  readonly key: string;
  /** The catalog's display name (CLUE's name), or `key` for a model the catalog does not know. */
  readonly name: string;
  /** `unknown`: not in the catalog. */
  readonly kind: ModelKind | 'unknown';
  /** Display name of the base model of a biomedical model, when the catalog names one. */
  readonly base: string | null;
}

/** A group of models under one header row. */
export interface ModelGroup {
  readonly kind: ModelKind | 'unknown';
  readonly title: string;
  readonly models: readonly ModelView[];
}

const TITLES: Readonly<Record<ModelKind | 'unknown', string>> = {
  general: 'General-domain models',
  biomedical: 'Biomedical models',
  unknown: 'Other models (not in the catalog)',
};

/** The report's view of one model. */
export function modelView(key: string): ModelView {
  if (!hasModel(key)) return { key, name: key, kind: 'unknown', base: null };
  const spec = getModel(key);
  const base = spec.kind === 'biomedical' && spec.baseModel !== null && hasModel(spec.baseModel) ? getModel(spec.baseModel).displayName : null;
  return { key, name: spec.displayName, kind: spec.kind, base };
}

/** `keys` grouped general / biomedical / unknown (empty groups left out), each in catalog order. */
export function groupModels(keys: readonly string[]): ModelGroup[] {
  const order = (key: string): number => {
    if (!hasModel(key)) return Number.MAX_SAFE_INTEGER;
    const k = getModel(key).key;
    return MODELS.findIndex((m) => m.key === k);
  };
  const views = [...new Set(keys)].map((key, i) => ({ view: modelView(key), rank: order(key), i }));
  views.sort((x, y) => x.rank - y.rank || x.i - y.i);
  return (['general', 'biomedical', 'unknown'] as const)
    .map((kind) => ({ kind, title: TITLES[kind], models: views.filter((v) => v.view.kind === kind).map((v) => v.view) }))
    .filter((g) => g.models.length > 0);
}
