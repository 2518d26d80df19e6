/** Small text helpers for the plan and the benchmark: durations, percentages, aligned tables. */

/** Seconds as `h:mm:ss` (rounded to the second). */
export function hms(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** A fraction as a percentage with one decimal, e.g. `93.1 %`. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/** GPU indices as a range when contiguous (`0-3`), else a list (`0,2`). */
export function gpuList(gpus: readonly number[]): string {
  if (gpus.length === 1) return String(gpus[0]);
  const contiguous = gpus.every((g, i) => i === 0 || g === gpus[i - 1]! + 1);
  return contiguous ? `${gpus[0]}-${gpus[gpus.length - 1]}` : gpus.join(',');
}

/** Rows as columns padded to the widest cell; `right` marks right-aligned (numeric) columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

/** `1 model`, `2 models`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
