/**
 * Prometheus metrics with vLLM's names, labels (`model_name` = first served name, `engine` = "0") and
 * bucket boundaries, fed by the engine's observer hooks. Durations are modelled (virtual) seconds,
 * i.e. what a real vLLM on the simulated GPU would report; counters count tokens and requests.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { FastHistogram } from './fast-histogram.js';
import type { EngineObserver, SequenceResult } from './engine.js';
import { BUCKETS, FINISHED_REASONS, METRIC, METRIC_HELP, build125Buckets } from './vllm-compat.js';

/** Scheduler state read at scrape time. */
export interface EngineStatsSource {
  stats(): { running: number; waiting: number; kvUsage: number };
}

/** Static values for `vllm:cache_config_info` (label values as Python prints them). */
export type CacheConfigLabels = Readonly<Record<string, string>>;

/** The metric set of one server. */
export interface SimMetrics {
  readonly registry: Registry;
  /** Unix time (seconds) the metrics were created, for the `_created` series. */
  readonly createdAt: number;
  /** Hooks to pass to the engine. */
  readonly observer: EngineObserver;
  /** Records the request parameters of an accepted generation request. */
  observeRequestParams(maxTokens: number, n: number): void;
  /** Connects the scheduler gauges. */
  bindEngine(source: EngineStatsSource): void;
}

const LABELS = ['model_name', 'engine'] as const;

/** Creates the registry and every metric. */
export function createMetrics(modelName: string, maxModelLen: number, cacheConfig: CacheConfigLabels): SimMetrics {
  const registry = new Registry();
  const base = { model_name: modelName, engine: '0' };
  let source: EngineStatsSource | null = null;
  const gauge = (name: string, help: string, pick: (s: ReturnType<EngineStatsSource['stats']>) => number) =>
    new Gauge({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.set(base, source ? pick(source.stats()) : 0);
      },
    });
  gauge(METRIC.running, METRIC_HELP.running, (s) => s.running);
  gauge(METRIC.waiting, METRIC_HELP.waiting, (s) => s.waiting);
  gauge(METRIC.kvUsage, METRIC_HELP.kvUsage, (s) => s.kvUsage);

  const counter = (name: string, help: string) => {
    const child = new Counter({ name, help, labelNames: LABELS, registers: [registry] }).labels(base);
    child.inc(0);
    return child;
  };
  const promptTokens = counter(METRIC.promptTokens, METRIC_HELP.promptTokens);
  const generationTokens = counter(METRIC.generationTokens, METRIC_HELP.generationTokens);
  const preemptions = counter(METRIC.preemptions, METRIC_HELP.preemptions);
  const prefixQueries = counter(METRIC.prefixQueries, METRIC_HELP.prefixQueries);
  const prefixHits = counter(METRIC.prefixHits, METRIC_HELP.prefixHits);
  const success = new Counter({
    name: METRIC.success,
    help: METRIC_HELP.success,
    labelNames: [...LABELS, 'finished_reason'],
    registers: [registry],
  });
  for (const r of FINISHED_REASONS) success.labels({ ...base, finished_reason: r }).inc(0);

  const hist = (name: string, help: string, buckets: readonly number[]) => new FastHistogram(name, help, buckets, base, registry);
  const ttft = hist(METRIC.ttft, METRIC_HELP.ttft, BUCKETS.ttft);
  const itl = hist(METRIC.itl, METRIC_HELP.itl, BUCKETS.tpot);
  const tpotOld = hist(METRIC.tpotDeprecated, METRIC_HELP.tpotDeprecated, BUCKETS.tpot);
  const reqTpot = hist(METRIC.requestTpot, METRIC_HELP.requestTpot, BUCKETS.tpot);
  const e2e = hist(METRIC.e2e, METRIC_HELP.e2e, BUCKETS.latency);
  const queue = hist(METRIC.queue, METRIC_HELP.queue, BUCKETS.latency);
  const inference = hist(METRIC.inference, METRIC_HELP.inference, BUCKETS.latency);
  const prefill = hist(METRIC.prefill, METRIC_HELP.prefill, BUCKETS.latency);
  const decode = hist(METRIC.decode, METRIC_HELP.decode, BUCKETS.latency);
  const lenBuckets = build125Buckets(maxModelLen);
  const reqPrompt = hist(METRIC.reqPromptTokens, METRIC_HELP.reqPromptTokens, lenBuckets);
  const reqGen = hist(METRIC.reqGenerationTokens, METRIC_HELP.reqGenerationTokens, lenBuckets);
  const reqMax = hist(METRIC.reqMaxTokens, METRIC_HELP.reqMaxTokens, lenBuckets);
  const reqMaxGen = hist(METRIC.reqMaxGeneration, METRIC_HELP.reqMaxGeneration, lenBuckets);
  const reqN = hist(METRIC.reqN, METRIC_HELP.reqN, BUCKETS.n);
  const iteration = hist(METRIC.iterationTokens, METRIC_HELP.iterationTokens, BUCKETS.iteration);
  new Gauge({
    name: METRIC.cacheConfig,
    help: METRIC_HELP.cacheConfig,
    labelNames: Object.keys(cacheConfig),
    registers: [registry],
  }).set(cacheConfig, 1);

  const observer: EngineObserver = {
    onStep(_load, scheduledTokens) {
      iteration.add(scheduledTokens);
    },
    onTokens(produced, gaps) {
      generationTokens.inc(produced);
      // Sequences decoding back to back share the step's gap: record each distinct value once.
      const byValue = new Map<number, number>();
      for (const g of gaps) byValue.set(g, (byValue.get(g) ?? 0) + 1);
      for (const [g, n] of byValue) {
        itl.add(g, n);
        tpotOld.add(g, n);
      }
    },
    onPromptDone(n) {
      promptTokens.inc(n);
    },
    onPrefixLookup(queries, hits) {
      prefixQueries.inc(queries);
      prefixHits.inc(hits);
    },
    onPreemption() {
      preemptions.inc();
    },
    onFinish(r: SequenceResult, promptLen: number) {
      success.labels({ ...base, finished_reason: r.finishReason }).inc();
      const t = r.times;
      if (r.finishReason === 'abort' && r.generated === 0) return;
      ttft.add(t.firstToken - t.arrival);
      e2e.add(t.finished - t.arrival);
      queue.add(t.scheduled - t.arrival);
      inference.add(t.finished - t.scheduled);
      prefill.add(t.firstToken - t.scheduled);
      decode.add(t.finished - t.firstToken);
      if (r.generated > 1) reqTpot.add((t.finished - t.firstToken) / (r.generated - 1));
      reqPrompt.add(promptLen);
      reqGen.add(r.generated);
    },
  };

  return {
    registry,
    createdAt: Date.now() / 1000,
    observer,
    observeRequestParams(maxTokens, n) {
      reqMax.add(maxTokens);
      reqMaxGen.add(maxTokens * n);
      reqN.add(n);
    },
    bindEngine(s) {
      source = s;
    },
  };
}
