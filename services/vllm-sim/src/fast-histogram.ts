/**
 * A prom-client histogram with one fixed label set and weighted observations (`add(value, count)`),
 * so the engine can record a step's inter-token latency for a thousand sequences in one call.
 * It registers like any prom-client metric; `get()` returns the usual bucket/sum/count samples.
 */
import { Histogram, type Registry } from 'prom-client';

type HistogramGet = ReturnType<Histogram['get']>;

/** Histogram with fixed labels and weighted adds. */
export class FastHistogram extends Histogram<string> {
  private readonly bounds: number[];
  private readonly counts: number[];
  private sum = 0;
  private total = 0;
  private readonly fixed: Record<string, string>;
  private readonly metricName: string;

  constructor(name: string, help: string, buckets: readonly number[], labels: Record<string, string>, registry: Registry) {
    super({ name, help, buckets: [...buckets], labelNames: Object.keys(labels), registers: [registry] });
    this.metricName = name;
    this.bounds = [...buckets].sort((a, b) => a - b);
    this.counts = new Array<number>(this.bounds.length).fill(0);
    this.fixed = { ...labels };
  }

  /** Records `count` observations of `value`. */
  add(value: number, count = 1): void {
    if (!Number.isFinite(value) || count <= 0) return;
    this.sum += value * count;
    this.total += count;
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (value <= this.bounds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    if (lo < this.bounds.length) this.counts[lo]! += count;
  }

  override async get(): HistogramGet {
    const base = await super.get();
    const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> = [];
    let acc = 0;
    this.bounds.forEach((b, i) => {
      acc += this.counts[i]!;
      values.push({ value: acc, labels: { ...this.fixed, le: b }, metricName: `${this.metricName}_bucket` });
    });
    values.push({ value: this.total, labels: { ...this.fixed, le: '+Inf' }, metricName: `${this.metricName}_bucket` });
    values.push({ value: this.sum, labels: { ...this.fixed }, metricName: `${this.metricName}_sum` });
    values.push({ value: this.total, labels: { ...this.fixed }, metricName: `${this.metricName}_count` });
    return { ...base, values } as Awaited<HistogramGet>;
  }
}
