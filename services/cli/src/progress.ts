/** Rendering a run's progress: a total bar with samples/s and ETA, one line per model, then the models waiting for capacity. */
import { TASK_IDS, TASK_NAMES } from '@clue/tasks';

/** The Run message fields the progress view reads. */
export interface RunMsg {
  id: string;
  state: string;
  samplesTotal: number;
  samplesDone: number;
  samplesPerSecond: number;
  etaSeconds: number;
  reason: string;
  cells: { model: string; task: string; state: string; samplesTotal: number; samplesDone: number; unitsFailed: number; reason: string }[];
  /** Models with queued work that no engine serves yet, and why. */
  waiting?: { model: string; reason: string; seconds: number }[];
}

/** One line per waiting model: `waiting  llama-2-70b  3m05s: no live worker can hold it: …`. */
export function renderWaiting(run: RunMsg): string[] {
  return (run.waiting ?? []).map((w) => `waiting  ${w.model}  ${duration(w.seconds)}: ${w.reason}`);
}

/** A text bar of `width` characters. */
export function bar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** `1h02m`, `3m05s`, `12s`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function runState(state: string): string {
  return state.replace('RUN_STATE_', '').toLowerCase();
}

/** The progress view as lines. */
export function renderProgress(run: RunMsg): string[] {
  const frac = run.samplesTotal ? run.samplesDone / run.samplesTotal : 0;
  const lines = [
    `run ${run.id} ${runState(run.state)}  ${bar(frac)} ${(frac * 100).toFixed(1).padStart(5)}%  ${run.samplesDone}/${run.samplesTotal} samples  ${run.samplesPerSecond.toFixed(1)} samples/s  ETA ${duration(run.etaSeconds)}`,
  ];
  const tasks = TASK_IDS.filter((t) => run.cells.some((c) => c.task === t));
  const models = [...new Set(run.cells.map((c) => c.model))];
  const width = Math.max(5, ...models.map((m) => m.length));
  lines.push(`${''.padEnd(width)}  ${tasks.map((t) => TASK_NAMES[t].slice(0, 11).padStart(11)).join(' ')}`);
  for (const m of models) {
    const cells = tasks.map((t) => {
      const c = run.cells.find((x) => x.model === m && x.task === t);
      if (!c) return ''.padStart(11);
      if (c.state === 'failed') return 'FAILED'.padStart(11);
      if (c.state === 'done') return 'done'.padStart(11);
      const p = c.samplesTotal ? c.samplesDone / c.samplesTotal : 0;
      return `${bar(p, 5)}${(p * 100).toFixed(0).padStart(4)}%`.padStart(11);
    });
    lines.push(`${m.padEnd(width)}  ${cells.join(' ')}`);
  }
  lines.push(...renderWaiting(run));
  return lines;
}
