/** Number and text formatting shared by the terminal renderers and the HTML report. */

/** A score in % with 2 decimals, or '–' when there is none. */
export function fmtScore(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2);
}

/** A difference with its sign (`+1.25`, `-0.50`, `+0.00`), or '–'. */
export function fmtDelta(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const s = v.toFixed(2);
  return s.startsWith('-') ? s : `+${s}`;
}

/** An interval `[-0.50, +1.25]`, or '–'. */
export function fmtInterval(low: number | null, high: number | null): string {
  return low === null || high === null ? '–' : `[${fmtDelta(low)}, ${fmtDelta(high)}]`;
}

/** `s` cut to `width` characters, with '…' when cut. */
export function truncate(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

/** Wraps `text` at spaces into lines of at most `width` characters; continuation lines start with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  const prefix = (): string => (out.length === 0 ? '' : indent);
  const room = (): number => Math.max(1, width - prefix().length);
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word !== '') {
      if (line === '') {
        const r = room();
        if (word.length <= r) [line, word] = [word, ''];
        else {
          out.push(prefix() + word.slice(0, r)); // a word longer than a line is cut
          word = word.slice(r);
        }
      } else if (line.length + 1 + word.length <= room()) [line, word] = [`${line} ${word}`, ''];
      else {
        out.push(prefix() + line);
        line = '';
      }
    }
  }
  if (line !== '' || out.length === 0) out.push(prefix() + line);
  return out;
}

/** A confidence level as a label: 0.95 → "95 %". */
export function confidenceLabel(confidence: number): string {
  return `${Number((confidence * 100).toFixed(4))} %`;
}
