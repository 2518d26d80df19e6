/**
 * `clue results --format json`: a run's results as one versioned document (schema
 * `services/cli/schema/results.v1.schema.json`, described in docs/results-json.md). It follows
 * lm-evaluation-harness's results-file habits where they fit — `results` keyed by what was evaluated,
 * `config`, `versions`, `n-shot`, `n-samples`, `higher_is_better` — with CLUE's model × task matrix:
 * `results[model][task]`, and Level 1 / Level 2 / CLUE AVG under `levels[model]`.
 *
 * Values: metrics in CLUE's own keys and units (0–1; LongHealth's TaskN_Accuracy 0–100), exactly as
 * the coordinator aggregated them; task scores and levels in %. A level that is not available is
 * null, never a number computed over fewer tasks.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DISPLAYED_METRICS, SHORT_TASKS, TASK_IDS, hasModel, getModel, type TaskId } from '@clue/tasks';
import type { CellResultMsg, ResultsMsg } from './shapes.js';
import type { RunReply } from '../run-data.js';

/** Bumped on any change a consumer could notice (a field removed, renamed or re-typed). */
export const RESULTS_SCHEMA_VERSION = 1;
/** The `$id` of the schema file. */
export const RESULTS_SCHEMA_ID = 'https://clue-orchestrator.invalid/schema/results.v1.schema.json';
/** The JSON Schema file of the document (draft 2020-12). */
export const RESULTS_SCHEMA_FILE = fileURLToPath(new URL('../../schema/results.v1.schema.json', import.meta.url));
/** CLUE's code that the prompts and metrics reproduce (docs/clue-fidelity.md). */
export const CLUE_REFERENCE = 'TIO-IKIM/CLUE@2de4314';

/** One cell of `results[model][task]`. */
export interface CellDocument {
  complete: boolean;
  /** Task score in % (mean of the displayed metrics), null when there is none. */
  score: number | null;
  metrics: Record<string, number>;
  not_computed: Record<string, string>;
  missing_reason: string;
  samples: number;
  gpu_seconds: number;
  units_failed: number;
  units_total: number;
}

/** The document. */
export interface ResultsDocument {
  $schema: string;
  schema_version: number;
  generated_at: string;
  run: { id: string; name: string; state: string; created_at: string; finished_at: string | null; reason: string };
  versions: { clue_orchestrator: string; clue_reference: string };
  config: {
    models: string[];
    tasks: string[];
    preset: string;
    sampling: Record<string, unknown>;
    max_samples: number;
    bertscore: boolean;
    idempotency_key: string;
  };
  models: Record<string, { hf_id: string | null; display_name: string | null; kind: string | null }>;
  datasets: Record<string, { sha256: string }>;
  'n-shot': Record<string, number>;
  higher_is_better: Record<string, Record<string, boolean>>;
  results: Record<string, Record<string, CellDocument>>;
  levels: Record<string, { level1: number | null; level2: number | null; clue_avg: number | null }>;
  'n-samples': Record<string, Record<string, { effective: number }>>;
  failures: { model: string; task: string; units_failed: number; reason: string }[];
  totals: { cells: number; cells_complete: number; samples: number; gpu_seconds: number };
}

let cachedVersion: string | undefined;
/** This package's version (services/cli/package.json). */
function orchestratorVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

const num = (v: number | undefined | null): number | null => (v === undefined || v === null || Number.isNaN(v) ? null : v);

function nShot(task: string): number {
  return SHORT_TASKS.find((t) => t.id === task)?.fewShot ?? 0;
}

function cellDocument(c: CellResultMsg): CellDocument {
  return {
    complete: c.complete,
    score: num(c.score),
    metrics: { ...c.metrics },
    not_computed: { ...c.notComputed },
    missing_reason: c.missingReason ?? '',
    samples: Number(c.samples ?? 0),
    gpu_seconds: Number(c.gpuSeconds ?? 0),
    units_failed: Number(c.unitsFailed ?? 0),
    units_total: Number(c.unitsTotal ?? 0),
  };
}

function modelFacts(model: string): ResultsDocument['models'][string] {
  if (!hasModel(model)) return { hf_id: null, display_name: null, kind: null };
  const m = getModel(model);
  return { hf_id: m.hfId, display_name: m.displayName, kind: m.kind };
}

/** The results document of `run` (GetRun) and `results` (GetResults). */
export function resultsDocument(run: RunReply, results: ResultsMsg, generatedAt: string = new Date().toISOString()): ResultsDocument {
  const spec = run.spec ?? {};
  const models: string[] = [];
  for (const m of [...(spec.models ?? []), ...results.models.map((x) => x.model), ...results.cells.map((c) => c.model)]) if (!models.includes(m)) models.push(m);
  const present = new Set<string>([...(spec.tasks ?? []), ...results.cells.map((c) => c.task)]);
  const tasks = TASK_IDS.filter((t) => present.has(t));
  const doc: ResultsDocument = {
    $schema: RESULTS_SCHEMA_ID,
    schema_version: RESULTS_SCHEMA_VERSION,
    generated_at: generatedAt,
    run: {
      id: run.id,
      name: spec.name ?? '',
      state: run.state.replace(/^RUN_STATE_/, '').toLowerCase(),
      created_at: run.createdAt,
      finished_at: run.finishedAt ? run.finishedAt : null,
      reason: run.reason ?? '',
    },
    versions: { clue_orchestrator: orchestratorVersion(), clue_reference: CLUE_REFERENCE },
    config: {
      models,
      tasks,
      preset: spec.preset ?? '',
      sampling: { ...(spec.sampling ?? {}) },
      max_samples: Number(spec.maxSamples ?? 0),
      bertscore: spec.disableBertscore !== true,
      idempotency_key: spec.idempotencyKey ?? '',
    },
    models: Object.fromEntries(models.map((m) => [m, modelFacts(m)])),
    datasets: Object.fromEntries(tasks.filter((t) => spec.datasets?.[t]).map((t) => [t, { sha256: spec.datasets![t]! }])),
    'n-shot': Object.fromEntries(tasks.map((t) => [t, nShot(t)])),
    higher_is_better: Object.fromEntries(tasks.map((t) => [t, Object.fromEntries(DISPLAYED_METRICS[t as TaskId].map((k) => [k, true]))])),
    results: {},
    levels: {},
    'n-samples': {},
    failures: [],
    totals: { cells: 0, cells_complete: 0, samples: 0, gpu_seconds: 0 },
  };
  for (const m of models) {
    doc.results[m] = {};
    doc['n-samples'][m] = {};
    const s = results.models.find((x) => x.model === m);
    doc.levels[m] = { level1: num(s?.level1), level2: num(s?.level2), clue_avg: num(s?.clueAvg) };
  }
  for (const c of results.cells) {
    const cell = cellDocument(c);
    doc.results[c.model]![c.task] = cell;
    doc['n-samples'][c.model]![c.task] = { effective: cell.samples };
    if (!c.complete || cell.units_failed > 0) doc.failures.push({ model: c.model, task: c.task, units_failed: cell.units_failed, reason: cell.missing_reason });
    doc.totals.cells++;
    if (c.complete) doc.totals.cells_complete++;
    doc.totals.samples += cell.samples;
    doc.totals.gpu_seconds += cell.gpu_seconds;
  }
  return doc;
}
