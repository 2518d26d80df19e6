/**
 * `/metrics/vllm` of a node with several engine groups: the `vllm:` expositions of every group's
 * server in one text, each sample labelled `engine_group="<group id>"` (two replicas of one model on a
 * node would otherwise be duplicate series), each metric family's `# HELP`/`# TYPE` once.
 */

/** One server's exposition. */
export interface GroupExposition {
  readonly group: string;
  readonly text: string;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample line with the label added (first in its label set). */
function relabel(line: string, label: string): string {
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  if (brace >= 0 && (space < 0 || brace < space)) {
    const rest = line.slice(brace + 1);
    return `${line.slice(0, brace)}{${label}${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  if (space < 0) return line;
  return `${line.slice(0, space)}{${label}}${line.slice(space)}`;
}

/** Merges the expositions (families in order of first appearance, samples grouped by family). */
export function mergeExpositions(parts: readonly GroupExposition[]): string {
  const families = new Map<string, { meta: string[]; samples: string[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { meta: [], samples: [] }));
    return f;
  };
  for (const p of parts) {
    const label = `engine_group="${escapeLabel(p.group)}"`;
    let current = '';
    for (const line of p.text.split('\n')) {
      if (line.trim() === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta) {
        current = meta[2]!;
        const f = family(current);
        if (!f.meta.some((m) => m.startsWith(`# ${meta[1]} `))) f.meta.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = /^[^{\s]+/.exec(line)?.[0] ?? '';
      // A sample belongs to the family announced last (histogram _bucket/_sum/_count included).
      family(current !== '' && name.startsWith(current) ? current : name).samples.push(relabel(line, label));
    }
  }
  const out: string[] = [];
  for (const f of families.values()) out.push(...f.meta, ...f.samples);
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
