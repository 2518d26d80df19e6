/**
 * Runs one unit from its message to its settlement:
 *
 * 1. `working()` at once and then every `workingIntervalMs` until the message is settled, so the
 *    ack deadline never passes while the unit is alive (fetching, planning, generating, completing).
 * 2. A UnitRecord already `done` (a redelivery) or `failed` (dead-lettered, or its run cancelled),
 *    or a run that is over → ack without running.
 * 3. Dataset (verified by sha256) → the task's samples `[start, end)` → each chat adapted to the
 *    model → the engine with explicit sampling (temperature, top_p, seed, max_tokens = the spec's
 *    or the task's CLUE value), in-flight ≈ the server's batch.
 * 4. Per sample: generation stops at the end of the context as in CLUE's offline vLLM (a request
 *    whose prompt + max_tokens exceeds max_model_len is re-sent with the room left); a 4xx from vLLM
 *    (e.g. a prompt longer than the context) is recorded in that SampleRecord (`error`, output "") and
 *    scored as an empty answer; any other request failure (crash, hang, stop) fails
 *    the unit as infrastructure and cancels the rest. If EVERY request of the unit was rejected for
 *    something other than the context length (e.g. a chat template the model lacks), the unit fails
 *    as deterministic instead of scoring a cell of empty answers.
 * 5. Scores, progress reports (one when the unit starts, one per finished sample at most every
 *    second, and a keep-alive every `workingIntervalMs` for the coordinator's stall detection), then
 *    completion (`completion.ts`). A drain abort hands the unit back. An unexpected error fails the
 *    unit as `error` (an attempt is counted).
 */
import type { KV } from '@nats-io/kv';
import type { JsMsg } from '@nats-io/jetstream';
import { FAMILY_KEYS, bertBatchScores, getModel, ClueError, type Icd10Table, type ModelSpec } from '@clue/tasks';
import { bertPairStatsOf, type Logger, type RunRecord, type SampleRecord, type UnitMessage, type UnitRecord } from '@clue/common';
import type { VllmEngine } from '../engine/engine.js';
import { isEngineError, type EngineError } from '../engine/errors.js';
import { mapPool } from '../engine/request-pool.js';
import type { ChatRequest, ChatResult } from '../engine/vllm-client.js';
import type { BertScoreClient } from './bertscore-client.js';
import type { Completion, Settlement } from './completion.js';
import type { DatasetStore } from './datasets.js';
import { deterministic, errorLine, infrastructure, unexpected, UnitFailure } from './errors.js';
import type { WorkerMetrics } from './metrics.js';
import type { ProgressReporter } from './progress-reporter.js';
import { adaptMessages, maxTokensFor, promptSha256, samplingProblem, scoreOutput } from './sample-scoring.js';
import type { SampleBuilder, UnitSample } from './samples.js';
import { parseUnitMessage } from './unit-message.js';

/** What the runner needs (shared by all units and engine groups of a worker). */
export interface UnitRunnerDeps {
  readonly datasets: DatasetStore;
  readonly samples: SampleBuilder;
  /** KV `clue_units`. */
  readonly units: KV;
  /** KV `clue_runs`. */
  readonly runs: KV;
  readonly completion: Completion;
  readonly progress: ProgressReporter;
  /** The ICD-10 table, or null when none is configured (MeDiSumCode units are then handed back). */
  readonly icd10: () => Icd10Table | null;
  readonly logger: Logger;
  readonly metrics?: WorkerMetrics;
  /** Sends BERTScore units' pairs to the cluster's scorers; without one such units are handed back. */
  readonly bertscore?: BertScoreClient;
}

/** Per-unit settings. */
export interface UnitRunOptions {
  /** The engine of the group that runs the unit. */
  readonly engine: VllmEngine;
  /** The group's GPU class and size (sent with the completion, the coordinator learns throughput from them). */
  readonly gpuClass: string;
  readonly tensorParallelSize: number;
  /** Starts the unit's GPU-time meter; the returned function stops it and gives the GPU-seconds. */
  readonly meter: () => () => number;
  /** `working()` interval (≤ a third of the consumer's ack_wait). */
  readonly workingIntervalMs: number;
  /** In-flight requests for this unit. */
  readonly concurrency: number;
  /** The served max_model_len (LongHealth's budget). */
  readonly maxModelLen: number;
  /** Fires when the worker drains: the unit is handed back. */
  readonly signal: AbortSignal;
  /** Called once generation is over (the engine is free for another unit while the outputs are scored). */
  readonly onGenerated?: () => void;
}

/** Thrown inside a run when the drain signal stopped it. */
class HandBack extends Error {}

/** The live progress of one unit (what ReportProgress carries). */
interface LiveProgress {
  unitId: string;
  samplesDone: number;
  samplesTotal: number;
  promptTokens: number;
  generatedTokens: number;
  /** Set once the unit really runs (not for skipped units). */
  active: boolean;
}

/** Runs units. */
export class UnitRunner {
  private readonly d: UnitRunnerDeps;

  constructor(deps: UnitRunnerDeps) {
    this.d = deps;
  }

  /** Runs the unit of `msg` and settles the message; never throws. */
  async run(msg: JsMsg, opts: UnitRunOptions): Promise<Settlement> {
    let unit: UnitMessage;
    try {
      unit = parseUnitMessage(msg.data);
    } catch (e) {
      this.d.logger.error({ seq: msg.seq, subject: msg.subject, error: errorLine(e) }, 'dropping a malformed unit message');
      msg.term();
      return 'dropped';
    }
    const live: LiveProgress = { unitId: unit.unitId, samplesDone: 0, samplesTotal: Math.max(0, unit.end - unit.start), promptTokens: 0, generatedTokens: 0, active: false };
    msg.working();
    // Keeps the message (working) and the coordinator's view of the unit (a progress report, which its
    // stall detection watches) alive while fetching, planning, prefilling and completing.
    const timer = setInterval(() => {
      msg.working();
      if (live.active) this.report(live, false);
    }, Math.max(100, opts.workingIntervalMs));
    const started = performance.now();
    const meter = opts.meter();
    try {
      const settled = await this.settle(msg, unit, opts, meter, live);
      this.d.metrics?.units.inc({ model: unit.model, task: unit.task, outcome: settled });
      if (settled === 'completed') this.d.metrics?.unitSeconds.observe({ model: unit.model, task: unit.task }, (performance.now() - started) / 1000);
      return settled;
    } finally {
      clearInterval(timer);
      this.d.progress.forget(unit.unitId);
    }
  }

  private report(live: LiveProgress, final: boolean): void {
    const { unitId, samplesDone, samplesTotal, promptTokens, generatedTokens } = live;
    this.d.progress.report({ unitId, samplesDone, samplesTotal, promptTokens, generatedTokens }, final);
  }

  private async settle(msg: JsMsg, unit: UnitMessage, opts: UnitRunOptions, meter: () => number, live: LiveProgress): Promise<Settlement> {
    try {
      const skip = await this.skipReason(unit);
      if (skip !== null) return await this.d.completion.skip(msg, unit, skip);
      this.d.logger.info({ unitId: unit.unitId, model: unit.model, task: unit.task, samples: unit.end - unit.start, delivery: msg.info.deliveryCount }, 'unit started');
      live.active = true;
      this.report(live, true);
      const { records, samples } = await this.execute(unit, opts, live);
      if (opts.signal.aborted) throw new HandBack();
      // The generating group's GPU time ends here; BERTScore's is the scorer's (it reports it).
      let gpuSeconds = meter();
      let scored = records;
      if (unit.bertscore === true) {
        // The engine is free for the next unit while the scorers work.
        opts.onGenerated?.();
        const bert = await this.scoreBert(unit, records, samples, opts.signal);
        if (opts.signal.aborted) throw new HandBack();
        scored = bert.records;
        gpuSeconds += bert.gpuSeconds;
      }
      return await this.d.completion.complete(msg, unit, scored, {
        gpuSeconds: Math.round(gpuSeconds * 1000) / 1000,
        gpuClass: opts.gpuClass,
        tensorParallelSize: opts.tensorParallelSize,
      });
    } catch (e) {
      if (e instanceof HandBack || (opts.signal.aborted && !(e instanceof UnitFailure && e.kind === 'deterministic'))) {
        return this.d.completion.handBack(msg, unit, 'worker draining');
      }
      const failure = e instanceof UnitFailure ? e : unexpected(`unexpected error: ${errorLine(e)}`, e);
      return this.d.completion.fail(msg, unit, failure);
    }
  }

  /** Why the unit is not run ('already done', 'already failed', 'run cancelled'), or null to run it. */
  private async skipReason(unit: UnitMessage): Promise<string | null> {
    let rec: UnitRecord | null;
    let run: RunRecord | null;
    try {
      const [u, r] = await Promise.all([this.d.units.get(unit.unitId), this.d.runs.get(unit.runId)]);
      rec = u && u.operation === 'PUT' ? u.json<UnitRecord>() : null;
      run = r && r.operation === 'PUT' ? r.json<RunRecord>() : null;
    } catch (e) {
      throw infrastructure(`cannot read the unit's state from KV: ${errorLine(e)}`, e);
    }
    if (rec?.state === 'done') return 'already done';
    if (rec?.state === 'failed') return 'already failed';
    if (run?.state === 'cancelled' || run?.state === 'failed') return `run ${run.state}`;
    return null;
  }

  /**
   * BERTScore of the unit's outputs against their references: the scorers' statistics go into each
   * record (`bertscore`, from which the cell reproduces bert_score's batches) with the pair's own
   * P/R/F1 as metrics (for per-sample exports; the cell recomputes them in CLUE's batches).
   */
  private async scoreBert(unit: UnitMessage, records: SampleRecord[], samples: readonly UnitSample[], signal: AbortSignal): Promise<{ records: SampleRecord[]; gpuSeconds: number }> {
    const client = this.d.bertscore;
    if (!client) throw infrastructure('this worker has no BERTScore client (no NATS connection for the scorers)');
    const pairs = records.map((r, i) => ({ hyp: r.output, ref: samples[i]!.reference }));
    const t0 = performance.now();
    const res = await client.score(pairs, {
      signal,
      onWaiting: (why) => this.d.logger.info({ unitId: unit.unitId }, why),
    });
    this.d.metrics?.bertscoreSeconds.observe({ task: unit.task }, (performance.now() - t0) / 1000);
    const out = records.map((r, i): SampleRecord => {
      const stats = res.stats[i]!;
      const solo = bertBatchScores([bertPairStatsOf(stats)]);
      const metrics: Record<string, number> = { ...r.metrics };
      const [kp, kr, kf] = FAMILY_KEYS.bertscore;
      for (const [k, v] of [[kp, solo.p[0]!], [kr, solo.r[0]!], [kf, solo.f[0]!]] as const) if (Number.isFinite(v)) metrics[k] = v;
      return { ...r, metrics, bertscore: stats };
    });
    return { records: out, gpuSeconds: res.gpuSeconds };
  }

  private async execute(unit: UnitMessage, opts: UnitRunOptions, live: LiveProgress): Promise<{ records: SampleRecord[]; samples: UnitSample[] }> {
    const model = this.modelFor(unit, opts.engine);
    const problem = samplingProblem(unit.sampling);
    if (problem !== null) throw deterministic(problem);
    const icd10 = this.d.icd10();
    if (unit.task === 'medisumcode' && icd10 === null) {
      throw infrastructure('this worker has no ICD-10 table (--icd10-table) to score MeDiSumCode');
    }
    const dataset = await this.d.datasets.get(unit.dataset);
    const key = { dataset, task: unit.task, model: model.key, seed: unit.sampling.seed, maxModelLen: opts.maxModelLen, tokenizer: () => opts.engine.tokenizer() };
    const samples = await this.d.samples.slice(key, unit.start, unit.end);
    if (opts.signal.aborted) throw new HandBack();
    const maxTokens = maxTokensFor(unit.task, unit.sampling);
    const requests: ChatRequest[] = samples.map((s) => ({
      messages: adaptMessages(model, s.messages),
      maxTokens,
      temperature: unit.sampling.temperature,
      topP: unit.sampling.topP,
      seed: unit.sampling.seed,
    }));
    return { records: await this.generate(unit, samples, requests, icd10, opts, live), samples };
  }

  private modelFor(unit: UnitMessage, engine: VllmEngine): ModelSpec {
    let model: ModelSpec;
    try {
      model = getModel(unit.model);
    } catch (e) {
      throw deterministic(e instanceof ClueError ? e.message : `unknown model '${unit.model}'`, e);
    }
    const served = engine.info().model?.key;
    if (served !== model.key) throw infrastructure(`the engine serves ${served ?? 'no model'}, the unit needs ${model.key}`);
    return model;
  }

  private async generate(
    unit: UnitMessage,
    samples: UnitSample[],
    requests: ChatRequest[],
    icd10: Icd10Table | null,
    opts: UnitRunOptions,
    live: LiveProgress,
  ): Promise<SampleRecord[]> {
    const records: SampleRecord[] = new Array<SampleRecord>(samples.length);
    const abort = new AbortController();
    const signal = AbortSignal.any([opts.signal, abort.signal]);
    let failure: UnitFailure | null = null;
    let rejected = 0;
    let firstRejection: EngineError | null = null;
    try {
      for await (const o of mapPool(requests, (req, _i, sig) => this.chat(opts.engine, unit, req, sig), { signal, concurrency: opts.concurrency })) {
        const sample = samples[o.index]!;
        const sha = promptSha256(requests[o.index]!.messages);
        if (o.ok) {
          const v = o.value;
          records[o.index] = this.record(unit, sample, sha, v.content, v.finishReason, v.promptTokens, v.completionTokens, icd10);
          live.promptTokens += v.promptTokens;
          live.generatedTokens += v.completionTokens;
          this.d.metrics?.samples.inc({ model: unit.model, task: unit.task, result: 'ok' });
        } else if (o.error.code === 'REQUEST_REJECTED') {
          rejected++;
          if (!o.error.details.contextOverflow) firstRejection ??= o.error;
          records[o.index] = { ...this.record(unit, sample, sha, '', 'error', 0, 0, icd10), error: rejectionText(o.error) };
          this.d.metrics?.samples.inc({ model: unit.model, task: unit.task, result: 'rejected' });
        } else if (failure === null && !signal.aborted) {
          failure = infrastructure(`sample ${sample.index}: ${o.error.code}: ${errorLine(o.error)}`, o.error);
          abort.abort(failure);
        }
        if (o.ok || o.error.code === 'REQUEST_REJECTED') live.samplesDone++;
        this.report(live, false);
      }
    } catch (e) {
      if (failure !== null) throw failure;
      if (opts.signal.aborted) throw new HandBack();
      throw e instanceof UnitFailure ? e : infrastructure(`generation failed: ${errorLine(e)}`, e);
    }
    if (failure !== null) throw failure;
    if (opts.signal.aborted) throw new HandBack();
    this.report(live, true);
    this.d.metrics?.tokens.inc({ model: unit.model, task: unit.task, kind: 'prompt' }, live.promptTokens);
    this.d.metrics?.tokens.inc({ model: unit.model, task: unit.task, kind: 'generated' }, live.generatedTokens);
    const systematic = firstRejection as EngineError | null;
    if (rejected === samples.length && systematic !== null) {
      throw deterministic(`vLLM rejected every request of the unit: ${rejectionText(systematic)}`);
    }
    return records;
  }

  /**
   * One chat completion with CLUE's (offline vLLM's) length semantics: generation stops at the end of
   * the context. The OpenAI server instead rejects prompt + max_tokens > max_model_len with a 400, so
   * such a request is re-sent with max_tokens = max_model_len − prompt tokens. A prompt that alone
   * exceeds the context stays rejected.
   */
  private async chat(engine: VllmEngine, unit: UnitMessage, req: ChatRequest, signal: AbortSignal): Promise<ChatResult> {
    const inFlight = this.d.metrics?.requestsInFlight;
    inFlight?.inc({ model: unit.model });
    try {
      return await engine.chat(req, { signal });
    } catch (e) {
      if (!isEngineError(e, 'REQUEST_REJECTED') || e.details.contextOverflow !== true) throw e;
      const { count, maxModelLen } = await engine.tokenize({ messages: req.messages }, false, { signal });
      const room = maxModelLen - count;
      if (room <= 0 || room >= req.maxTokens) throw e;
      this.d.metrics?.requestRetries.inc({ model: unit.model, task: unit.task });
      return await engine.chat({ ...req, maxTokens: room }, { signal });
    } finally {
      inFlight?.dec({ model: unit.model });
    }
  }

  private record(
    unit: UnitMessage,
    sample: UnitSample,
    promptSha: string,
    output: string,
    finishReason: string,
    promptTokens: number,
    completionTokens: number,
    icd10: Icd10Table | null,
  ): SampleRecord {
    let metrics: Record<string, number>;
    try {
      metrics = scoreOutput(unit.task, sample, output, icd10);
    } catch (e) {
      throw infrastructure(`scoring sample ${sample.index} failed: ${errorLine(e)}`, e);
    }
    return {
      index: sample.index,
      promptSha256: promptSha,
      output,
      finishReason,
      promptTokens,
      completionTokens,
      metrics,
      ...(sample.subtask !== undefined ? { subtask: sample.subtask } : {}),
    };
  }
}

/** A short, content-free description of a 4xx (vLLM's message, cut; no request text is echoed back). */
function rejectionText(e: EngineError): string {
  const status = e.details.status ?? 400;
  if (e.details.contextOverflow) return `HTTP ${status}: the prompt does not fit the model's context (${firstSentence(e.details.serverMessage ?? e.message)})`;
  const msg = (e.details.serverMessage ?? e.message).replace(/\s+/g, ' ');
  const cut = msg.indexOf('input_value');
  const text = cut >= 0 ? msg.slice(0, cut) : msg;
  return `HTTP ${status}: ${text.length > 200 ? `${text.slice(0, 199)}…` : text}`;
}

function firstSentence(s: string): string {
  const m = /^[^.]*\.[^.]*\./.exec(s);
  return (m ? m[0] : s).slice(0, 200);
}
