/**
 * Helpers for this package's own tests (not part of the API): a python3 with numpy for the reference
 * checks, and small builders of runs and sample records.
 */
import { spawnSync } from 'node:child_process';
import type { CellResultMessage, ModelSummaryMessage, SampleRecord } from '@clue/common';
import { PyRandom, levelScores, type TaskId } from '@clue/tasks';
import { cellKey, type RunData } from './model.js';
import { scoreSamples } from './cell-diff.js';

/** `python3` on PATH or `/usr/bin/python3` (where Debian's python3-numpy installs), whichever imports numpy; CLUE_NUMPY_PYTHON overrides. */
export function numpyPython(): string | undefined {
  const ok = (exe: string): boolean => spawnSync(exe, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
  const chosen = process.env['CLUE_NUMPY_PYTHON'];
  if (chosen) return ok(chosen) ? chosen : undefined;
  return ['python3', '/usr/bin/python3'].find(ok);
}

/** Runs `exe script.py` with stdin; returns stdout. Throws with stderr when it fails. */
export function runPythonFile(exe: string, file: string, input: string): string {
  const r = spawnSync(exe, [file], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${exe} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A sample record with the given metrics (the other fields are fixed placeholders). */
export function sample(index: number, metrics: Record<string, number>, extra: Partial<SampleRecord> = {}): SampleRecord {
  return { index, promptSha256: `p${index}`, output: '', finishReason: 'stop', promptTokens: 10, completionTokens: 5, metrics, ...extra };
}

/** Deterministic per-sample metrics of a task: `quality` shifts every value (0 = the baseline). */
export function synthSamples(task: TaskId, n: number, seed: number, quality = 0): SampleRecord[] {
  const rng = new PyRandom(seed);
  const u = (): number => Math.min(1, Math.max(0, rng.random() * 0.6 + 0.2 + quality));
  const out: SampleRecord[] = [];
  for (let i = 0; i < n; i++) {
    switch (task) {
      case 'mednli':
        out.push(sample(i, { ACCURACY: rng.random() < 0.6 + quality ? 1 : 0 }));
        break;
      case 'meqsum':
        out.push(sample(i, { ROUGE_L: u(), ROUGE1: u(), ROUGE2: u(), BERT_P: u(), BERT_R: u(), BERT_F1: u() }));
        break;
      case 'problemsummary':
      case 'medisumqa':
        out.push(sample(i, { ROUGE_L: u(), ROUGE1: u(), ROUGE2: u(), BERT_P: u(), BERT_R: u(), BERT_F1: u(), UMLS_P: u(), UMLS_R: u(), UMLS_F1: u() }));
        break;
      case 'medisumcode':
        out.push(sample(i, { 'ICD EM P': u(), 'ICD EM R': u(), 'ICD EM F1': u(), 'ICD AP P': u(), 'ICD AP R': u(), 'ICD AP F1': u(), 'VALID CODES': u() }));
        break;
      case 'longhealth': {
        const subtask = (i % 3) + 1;
        out.push(sample(i, { [`Task${subtask}_Accuracy`]: rng.random() < 0.5 + quality ? 100 : 0 }, { subtask }));
        break;
      }
    }
  }
  return out;
}

/** A cell description for {@link makeRun}: complete with samples, or failed with a reason. */
export type CellSpec = { readonly samples: readonly SampleRecord[] } | { readonly failed: string };

/**
 * A finished run whose results are computed from the given samples (exact mode, as the coordinator's
 * `exact` aggregation would), with cellInfo and levels filled in.
 */
export function makeRun(runId: string, cells: Readonly<Record<string, Readonly<Partial<Record<TaskId, CellSpec>>>>>, extra: Partial<RunData> = {}): RunData {
  const results: CellResultMessage[] = [];
  const models: ModelSummaryMessage[] = [];
  const samples = new Map<string, readonly SampleRecord[]>();
  const cellInfo = new Map<string, { gpuSeconds: number; unitsFailed: number; reason: string }>();
  for (const [model, tasks] of Object.entries(cells)) {
    const scores: Partial<Record<TaskId, number | null>> = {};
    for (const [task, spec] of Object.entries(tasks) as [TaskId, CellSpec][]) {
      if ('failed' in spec) {
        results.push({ model, task, complete: false, metrics: {}, notComputed: {}, missingReason: spec.failed, samples: 0 });
        cellInfo.set(cellKey(model, task), { gpuSeconds: 12.5, unitsFailed: 1, reason: spec.failed });
        scores[task] = null;
        continue;
      }
      const s = scoreSamples(task, spec.samples);
      const cell: CellResultMessage = { model, task, complete: true, metrics: { ...s.metrics }, notComputed: {}, missingReason: '', samples: spec.samples.length };
      if (s.score !== null) cell.score = s.score;
      results.push(cell);
      samples.set(cellKey(model, task), spec.samples);
      cellInfo.set(cellKey(model, task), { gpuSeconds: 100 + spec.samples.length, unitsFailed: 0, reason: '' });
      scores[task] = s.score;
    }
    const l = levelScores(scores);
    const m: ModelSummaryMessage = { model };
    if (l.level1 !== null) m.level1 = l.level1;
    if (l.level2 !== null) m.level2 = l.level2;
    if (l.clueAvg !== null) m.clueAvg = l.clueAvg;
    models.push(m);
  }
  return {
    runId,
    name: 'nightly',
    createdAt: '2026-12-01T02:00:00Z',
    state: 'RUN_STATE_SUCCEEDED',
    spec: { temperature: 0, topP: 1, seed: 0, maxSamples: 0 },
    datasets: Object.fromEntries([...new Set(results.map((c) => c.task))].map((t) => [t, 'ab'.repeat(32)])),
    results: { runId, state: 'RUN_STATE_SUCCEEDED', cells: results, models },
    cellInfo,
    samples,
    ...extra,
  };
}
