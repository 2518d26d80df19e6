/**
 * Prometheus metrics with vLLM's names, labels (`model_name` = first served name, `engine` = "0") and
 * bucket boundaries, fed by the engine's observer hooks. Durations are modelled (virtual) seconds,
 * i.e. what a real vLLM on the simulated GPU would report; counters count tokens and requests.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineObserver, SequenceResult } from './engine.js';
import { BUCKETS, FINISHED_REASONS, METRIC, build125Buckets } from './vllm-compat.js';

/** Scheduler state read at scrape time. */
export interface EngineStatsSource {
  stats(): { running: number; waiting: number; kvUsage: number };
}

/** Static values for `vllm:cache_config_info` (label values as Python prints them). */
export type CacheConfigLabels = Readonly<Record<string, string>>;

/** The metric set of one server. */
export interface SimMetrics {
  readonly registry: Registry;
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
  gauge(METRIC.running, 'Number of requests in model execution batches.', (s) => s.running);
  gauge(METRIC.waiting, 'Number of requests waiting to be processed.', (s) => s.waiting);
  gauge(METRIC.kvUsage, 'KV-cache usage. 1 means 100 percent usage.', (s) => s.kvUsage);

  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: LABELS, registers: [registry] }).labels(base);
  const promptTokens = counter(METRIC.promptTokens, 'Number of prefill tokens processed.');
  const generationTokens = counter(METRIC.generationTokens, 'Number of generation tokens processed.');
  const preemptions = counter(METRIC.preemptions, 'Cumulative number of preemption from the engine.');
  const prefixQueries = counter(METRIC.prefixQueries, 'Prefix cache queries, in terms of number of queried tokens.');
  const prefixHits = counter(METRIC.prefixHits, 'Prefix cache hits, in terms of number of cached tokens.');
  const success = new Counter({
    name: METRIC.success,
    help: 'Count of successfully processed requests.',
    labelNames: [...LABELS, 'finished_reason'],
    registers: [registry],
  });
  for (const r of FINISHED_REASONS) success.labels({ ...base, finished_reason: r }).inc(0);

  const hist = (name: string, help: string, buckets: readonly number[]) =>
    new Histogram({ name, help, labelNames: LABELS, buckets: [...buckets], registers: [registry] }).labels(base);
  const ttft = hist(METRIC.ttft, 'Histogram of time to first token in seconds.', BUCKETS.ttft);
  const itl = hist(METRIC.itl, 'Histogram of inter-token latency in seconds.', BUCKETS.tpot);
  const tpotOld = hist(METRIC.tpotDeprecated, 'Histogram of time per output token in seconds.DEPRECATED: Use vllm:inter_token_latency_seconds instead.', BUCKETS.tpot);
  const reqTpot = hist(METRIC.requestTpot, 'Histogram of time_per_output_token_seconds per request.', BUCKETS.tpot);
  const e2e = hist(METRIC.e2e, 'Histogram of e2e request latency in seconds.', BUCKETS.latency);
  const queue = hist(METRIC.queue, 'Histogram of time spent in WAITING phase for request.', BUCKETS.latency);
  const inference = hist(METRIC.inference, 'Histogram of time spent in RUNNING phase for request.', BUCKETS.latency);
  const prefill = hist(METRIC.prefill, 'Histogram of time spent in PREFILL phase for request.', BUCKETS.latency);
  const decode = hist(METRIC.decode, 'Histogram of time spent in DECODE phase for request.', BUCKETS.latency);
  const lenBuckets = build125Buckets(maxModelLen);
  const reqPrompt = hist(METRIC.reqPromptTokens, 'Number of prefill tokens processed.', lenBuckets);
  const reqGen = hist(METRIC.reqGenerationTokens, 'Number of generation tokens processed.', lenBuckets);
  const reqMax = hist(METRIC.reqMaxTokens, 'Histogram of the max_tokens request parameter.', lenBuckets);
  const reqMaxGen = hist(METRIC.reqMaxGeneration, 'Histogram of maximum number of requested generation tokens.', lenBuckets);
  const reqN = hist(METRIC.reqN, 'Histogram of the n request parameter.', BUCKETS.n);
  const iteration = hist(METRIC.iterationTokens, 'Histogram of number of tokens per engine_step.', BUCKETS.iteration);
  new Gauge({
    name: METRIC.cacheConfig,
    help: 'Information of the LLMEngine CacheConfig',
    labelNames: Object.keys(cacheConfig),
    registers: [registry],
  }).set(cacheConfig, 1);

  const observer: EngineObserver = {
    onStep(_load, scheduledTokens) {
      iteration.observe(scheduledTokens);
    },
    onTokens(produced, gaps) {
      generationTokens.inc(produced);
      for (const g of gaps) {
        itl.observe(g);
        tpotOld.observe(g);
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
      ttft.observe(t.firstToken - t.arrival);
      e2e.observe(t.finished - t.arrival);
      queue.observe(t.scheduled - t.arrival);
      inference.observe(t.finished - t.scheduled);
      prefill.observe(t.firstToken - t.scheduled);
      decode.observe(t.finished - t.firstToken);
      if (r.generated > 1) reqTpot.observe((t.finished - t.firstToken) / (r.generated - 1));
      reqPrompt.observe(promptLen);
      reqGen.observe(r.generated);
    },
  };

  return {
    registry,
    observer,
    observeRequestParams(maxTokens, n) {
      reqMax.observe(maxTokens);
      reqMaxGen.observe(maxTokens * n);
      reqN.observe(n);
    },
    bindEngine(s) {
      source = s;
    },
  };
}
