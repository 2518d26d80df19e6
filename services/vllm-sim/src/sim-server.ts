/**
 * Lifecycle of one simulated `vllm serve` process.
 *
 * States: `loading` (port bound at once, as vLLM's setup_server does, but every connection is reset
 * without an HTTP response until the engine is up) → `ready` (serving) → `stopping` (SIGTERM/SIGINT:
 * stop accepting, abort in-flight requests, exit 0). A start-up failure prints vLLM's log tail and
 * exits with code 1; a second signal exits at once.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tokenizerSpecFor } from './chat-template.js';
import type { ServeArgs } from './cli-args.js';
import type { ServerContext } from './context.js';
import { Engine, type EngineObserver } from './engine.js';
import { FaultRuntime } from './fault-runtime.js';
import { route } from './http/router.js';
import type { VllmLogger } from './log.js';
import { createMetrics } from './metrics.js';
import { type SimSettings, resolveSkill } from './sim-env.js';
import { runStartup, type EngineSetup } from './startup.js';
import { createPerfModel } from './timing.js';
import { SimTokenizer } from './tokenizer.js';
import { BertWordPieceTokenizer } from './bert/wordpiece.js';
import { HiddenStateModel } from './pooling/hidden-states.js';
import { LOG, ROUTES, UVICORN } from './vllm-compat.js';

/** Process hooks (injectable for tests). */
export interface SimServerHooks {
  exit(code: number): void;
}

/** One simulated server. */
export class SimServer {
  private state: 'loading' | 'ready' | 'stopping' = 'loading';
  private readonly http: Server;
  private ctx: ServerContext | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private statsTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly args: ServeArgs,
    private readonly sim: SimSettings,
    private readonly log: VllmLogger,
    private readonly hooks: SimServerHooks,
  ) {
    this.http = createServer((req, res) => {
      if (this.ctx && this.state === 'ready') void route(this.ctx, req, res);
      else res.socket?.destroy();
    });
    this.http.prependListener('connection', (sock: Socket) => {
      if (this.state !== 'ready') sock.resetAndDestroy();
    });
  }

  /** Binds the port, runs the start-up sequence and starts serving. */
  async start(): Promise<void> {
    const host = this.args.host ?? '0.0.0.0';
    await new Promise<void>((resolve) => {
      this.http.once('error', (e: NodeJS.ErrnoException) => {
        const msg = e.code === 'EADDRINUSE' ? 'address already in use' : e.message;
        this.log.stderrLines([UVICORN.bindError(host, this.args.port, msg)]);
        this.hooks.exit(1);
      });
      this.http.listen(this.args.port, host, () => resolve());
    });
    const result = await runStartup(this.args, this.sim, this.log, (ms) => this.sleep(ms));
    if (this.state === 'stopping') return;
    if (!result.ok) {
      this.http.close();
      this.hooks.exit(1);
      return;
    }
    this.ctx = this.buildContext(result.setup);
    const port = (this.http.address() as { port: number }).port;
    this.log.info(LOG.serverStart(host, port));
    this.log.info(LOG.routesHeader());
    for (const [path, methods] of ROUTES) this.log.info(LOG.route(path, methods));
    this.log.uvicorn(UVICORN.started(this.log.pid));
    this.log.uvicorn(UVICORN.waitingStartup);
    this.log.uvicorn(UVICORN.startupComplete);
    this.state = 'ready';
  }

  /** Graceful stop: abort in-flight work, close connections, exit 0. A second call exits at once. */
  stop(): void {
    if (this.state === 'stopping') {
      this.hooks.exit(0);
      return;
    }
    const wasReady = this.state === 'ready';
    this.state = 'stopping';
    for (const t of this.timers) clearTimeout(t);
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.ctx) {
      for (const abort of [...this.ctx.inflight]) abort();
      this.ctx.engine.abortAll();
    }
    if (wasReady) {
      this.log.info(LOG.shutdown());
      this.log.uvicorn(UVICORN.shuttingDown);
      this.log.uvicorn(UVICORN.waitingShutdown);
      this.log.uvicorn(UVICORN.shutdownComplete);
      this.log.uvicorn(UVICORN.finished(this.log.pid));
    }
    this.http.close();
    this.http.closeAllConnections();
    setImmediate(() => this.hooks.exit(0));
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private buildContext(setup: EngineSetup): ServerContext {
    const args = this.args;
    const servedNames = args.servedModelNames ?? [args.model];
    const metrics = createMetrics(servedNames[0]!, setup.maxModelLen, {
      block_size: '16',
      cache_dtype: 'auto',
      enable_prefix_caching: setup.prefixCaching ? 'True' : 'False',
      gpu_memory_utilization: String(args.gpuMemoryUtilization),
      num_gpu_blocks: String(setup.plan.numBlocks),
      num_cpu_blocks: 'None',
    });
    const stats = { prompt: 0, generation: 0, queries: 0, hits: 0 };
    const m = metrics.observer;
    const observer: EngineObserver = {
      onStep: (l, n) => m.onStep?.(l, n),
      onTokens: (p, g) => {
        stats.generation += p;
        m.onTokens?.(p, g);
      },
      onPromptDone: (n) => {
        stats.prompt += n;
        m.onPromptDone?.(n);
      },
      onPrefixLookup: (q, h) => {
        stats.queries += q;
        stats.hits += h;
        m.onPrefixLookup?.(q, h);
      },
      onPreemption: () => m.onPreemption?.(),
      onFinish: (r, p) => m.onFinish?.(r, p),
    };
    const tp = args.tensorParallelSize * args.pipelineParallelSize;
    const engine = new Engine({
      perf: createPerfModel({ model: setup.model, gpu: this.sim.gpu, tensorParallelSize: tp, dtypeBytes: setup.dtypeBytes, enforceEager: args.enforceEager }),
      maxNumSeqs: setup.maxNumSeqs,
      maxNumBatchedTokens: setup.maxNumBatchedTokens,
      numBlocks: setup.plan.numBlocks,
      prefixCaching: setup.prefixCaching,
      timeScale: this.sim.timeScale,
      observer,
    });
    metrics.bindEngine(engine);
    if (!args.disableLogStats) this.startStatsLog(engine, stats);
    const spec = tokenizerSpecFor(setup.model);
    const envKey = process.env['VLLM_API_KEY'];
    return {
      args,
      sim: this.sim,
      setup,
      servedNames,
      tokenizer: setup.model.encoderOnly ? new BertWordPieceTokenizer(setup.model.vocabSize ?? 30522) : new SimTokenizer(spec),
      tokenizerSpec: spec,
      engine,
      metrics,
      skill: resolveSkill(this.sim.skill, servedNames, setup.model),
      apiKeys: args.apiKeys.length > 0 ? args.apiKeys : envKey ? [envKey] : [],
      log: this.log,
      faults: new FaultRuntime(this.sim.faults, engine, this.log, this.sim.timeScale, (c) => this.hooks.exit(c)),
      hiddenStates: setup.runner === 'pooling' ? new HiddenStateModel(setup.model.hidden, setup.model.layers) : null,
      inflight: new Set(),
    };
  }

  /** vLLM's periodic "Engine 000: Avg prompt throughput..." line (every 5 s while there is activity). */
  private startStatsLog(engine: Engine, stats: { prompt: number; generation: number; queries: number; hits: number }): void {
    let last = { ...stats, t: engine.virtualNow() };
    this.statsTimer = setInterval(() => {
      const s = engine.stats();
      const dt = Math.max(1e-9, engine.virtualNow() - last.t);
      const prompt = stats.prompt - last.prompt;
      const gen = stats.generation - last.generation;
      if (prompt === 0 && gen === 0 && s.running === 0 && s.waiting === 0) return;
      const q = stats.queries - last.queries;
      const hit = q > 0 ? ((stats.hits - last.hits) / q) * 100 : 0;
      this.log.info(LOG.stats(prompt / dt, gen / dt, s.running, s.waiting, s.kvUsage * 100, hit));
      last = { ...stats, t: engine.virtualNow() };
    }, 5000);
    this.statsTimer.unref();
  }
}
