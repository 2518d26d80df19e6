/**
 * Renders a prom-client registry the way Python's prometheus_client (which vLLM uses) writes the
 * text format 0.0.4: label order as declared with `le` last, values through `floatToGoString`
 * (`1.0`, `+Inf`, `1.730123456e+09`), counters and histograms followed by their `_created` gauges,
 * no blank lines.
 */
import type { Registry } from 'prom-client';

/** Python's `repr(float)`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    return /[.e]/.test(s) ? s : `${s}.0`;
  }
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** prometheus_client's `floatToGoString`. */
export function floatToGoString(x: number): string {
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (Number.isNaN(x)) return 'NaN';
  const s = pyFloatRepr(x);
  const dot = s.indexOf('.');
  if (x > 0 && dot > 6) {
    const mantissa = `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`.replace(/[0.]+$/, '');
    return `${mantissa}e+0${dot - 1}`;
  }
  return s;
}

function escapeLabel(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function escapeHelp(v: string): string {
  return v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

type Labels = Record<string, string | number>;

function labelText(labels: Labels, order: readonly string[]): string {
  const keys = [...order.filter((k) => k in labels), ...Object.keys(labels).filter((k) => !order.includes(k))];
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(k === 'le' ? leText(labels[k]!) : String(labels[k]))}"`).join(',')}}`;
}

function leText(v: string | number): string {
  return v === '+Inf' ? '+Inf' : floatToGoString(Number(v));
}

/** Text exposition of every metric in `registry`; `createdAt` (Unix seconds) feeds the `_created` series. */
export async function pythonExposition(registry: Registry, createdAt: number): Promise<string> {
  const out: string[] = [];
  for (const m of await registry.getMetricsAsJSON()) {
    const values = m.values as Array<{ value: number; labels: Labels; metricName?: string }>;
    const type = String(m.type);
    const order = Object.keys(values[0]?.labels ?? {}).filter((k) => k !== 'le');
    out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${type}`);
    const created: string[] = [];
    const base = m.name.replace(/_total$/, '');
    if (type === 'histogram') {
      const groups = new Map<string, { buckets: string[]; sum: string; count: string; labels: Labels }>();
      for (const v of values) {
        const rest = Object.fromEntries(Object.entries(v.labels).filter(([k]) => k !== 'le'));
        const key = JSON.stringify(rest);
        const g = groups.get(key) ?? { buckets: [], sum: '', count: '', labels: rest };
        groups.set(key, g);
        const line = `${v.metricName}${labelText(v.labels, [...order, 'le'])} ${floatToGoString(v.value)}`;
        if (v.metricName?.endsWith('_bucket')) g.buckets.push(line);
        else if (v.metricName?.endsWith('_sum')) g.sum = line;
        else g.count = line;
      }
      for (const g of groups.values()) {
        out.push(...g.buckets, g.count, g.sum);
        created.push(`${base}_created${labelText(g.labels, order)} ${floatToGoString(createdAt)}`);
      }
    } else {
      for (const v of values) {
        out.push(`${m.name}${labelText(v.labels, order)} ${floatToGoString(v.value)}`);
        if (type === 'counter') created.push(`${base}_created${labelText(v.labels, order)} ${floatToGoString(createdAt)}`);
      }
    }
    if (created.length > 0) out.push(`# HELP ${base}_created ${escapeHelp(m.help)}`, `# TYPE ${base}_created gauge`, ...created);
  }
  return out.join('\n') + '\n';
}
