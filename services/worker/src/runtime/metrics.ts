/**
 * The worker's Prometheus metrics (prom-client, one registry per worker, default label `worker`), and
 * an optional `/metrics` HTTP endpoint. Labels are ids only (model key, task id, outcome, state, engine
 * group id — at most one per GPU of the node) —
 * never prompt or output text.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkerState } from './state.js';
import { WORKER_STATES } from './state.js';
import type { EngineState } from '../engine/engine-types.js';

/** Every engine state, so the `clue_worker_engine_state` gauge always has all its series. */
export const ENGINE_STATES: readonly EngineState[] = ['idle', 'starting', 'ready', 'draining', 'stopping', 'stopped', 'failed', 'crashed'];

/** The worker's metric handles. */
export class WorkerMetrics {
  readonly registry: Registry;
  readonly units: Counter<'model' | 'task' | 'outcome'>;
  readonly samples: Counter<'model' | 'task' | 'result'>;
  readonly tokens: Counter<'model' | 'task' | 'kind'>;
  readonly unitSeconds: Histogram<'model' | 'task'>;
  readonly unitsRunning: Gauge;
  readonly slots: Gauge;
  readonly state: Gauge<'state'>;
  readonly engineLoads: Counter<'model' | 'outcome'>;
  readonly engineLoadSeconds: Histogram<'model'>;
  readonly engineRestarts: Counter<'model' | 'reason'>;
  readonly engineState: Gauge<'group' | 'state'>;
  readonly gpus: Gauge;
  readonly gpusBusy: Gauge<'group'>;
  readonly gpusInGroups: Gauge;
  readonly groups: Gauge;
  readonly gpuBusySeconds: Counter<'model'>;
  readonly engineOoms: Counter<'model'>;
  readonly engineHangKills: Counter<'model'>;
  readonly requestsInFlight: Gauge<'model'>;
  readonly requestRetries: Counter<'model' | 'task'>;
  readonly bertscoreSeconds: Histogram<'task'>;
  readonly scorerRequests: Counter<'outcome'>;

  constructor(workerId: string, registry: Registry = new Registry()) {
    this.registry = registry;
    registry.setDefaultLabels({ worker: workerId });
    const r = [registry];
    this.units = new Counter({ name: 'clue_worker_units_total', help: 'Units settled by this worker, by outcome', labelNames: ['model', 'task', 'outcome'], registers: r });
    this.samples = new Counter({ name: 'clue_worker_samples_total', help: 'Samples run (ok) or rejected by vLLM (rejected)', labelNames: ['model', 'task', 'result'], registers: r });
    this.tokens = new Counter({ name: 'clue_worker_tokens_total', help: 'Prompt and generated tokens of completed units (kind: prompt, generated)', labelNames: ['model', 'task', 'kind'], registers: r });
    this.unitSeconds = new Histogram({
      name: 'clue_worker_unit_duration_seconds',
      help: 'Wall-clock time of a completed unit',
      labelNames: ['model', 'task'],
      buckets: [5, 15, 30, 60, 120, 180, 300, 600, 1200],
      registers: r,
    });
    this.unitsRunning = new Gauge({ name: 'clue_worker_units_running', help: 'Units held (pulled and not yet settled), all engine groups', registers: r });
    this.slots = new Gauge({ name: 'clue_worker_slots', help: 'Units this worker runs at once: slots per group × its groups', registers: r });
    this.gpus = new Gauge({ name: 'clue_worker_gpus', help: 'GPUs of the node', registers: r });
    this.gpusBusy = new Gauge({ name: 'clue_worker_gpus_busy', help: 'GPUs of an engine group that is running a unit (label group: the group id)', labelNames: ['group'], registers: r });
    this.gpusInGroups = new Gauge({ name: 'clue_worker_gpus_allocated', help: 'GPUs held by engine groups (loading, serving or releasing)', registers: r });
    this.groups = new Gauge({ name: 'clue_worker_engine_groups', help: 'Engine groups on the node', registers: r });
    this.gpuBusySeconds = new Counter({
      name: 'clue_worker_gpu_busy_seconds_total',
      help: 'GPU-seconds of completed and handed-back units (wall time x the group\'s GPUs / units sharing them)',
      labelNames: ['model'],
      registers: r,
    });
    this.state = new Gauge({ name: 'clue_worker_state', help: 'Current worker state (1 for the current one)', labelNames: ['state'], registers: r });
    this.engineLoads = new Counter({ name: 'clue_worker_engine_loads_total', help: 'Model loads by outcome', labelNames: ['model', 'outcome'], registers: r });
    this.engineLoadSeconds = new Histogram({
      name: 'clue_worker_engine_load_seconds',
      help: 'vLLM spawn-to-ready time',
      labelNames: ['model'],
      buckets: [10, 30, 60, 120, 300, 600, 1200],
      registers: r,
    });
    this.engineRestarts = new Counter({ name: 'clue_worker_engine_restarts_total', help: 'vLLM restarts after crashes or hangs', labelNames: ['model', 'reason'], registers: r });
    this.engineState = new Gauge({ name: 'clue_worker_engine_state', help: 'Current state of each engine group\'s vLLM (1 for the current one)', labelNames: ['group', 'state'], registers: r });
    this.engineOoms = new Counter({ name: 'clue_worker_engine_ooms_total', help: 'vLLM start-ups or crashes caused by CUDA out of memory', labelNames: ['model'], registers: r });
    this.engineHangKills = new Counter({ name: 'clue_worker_engine_hang_kills_total', help: 'vLLM servers killed because they hung', labelNames: ['model'], registers: r });
    this.requestsInFlight = new Gauge({ name: 'clue_worker_requests_in_flight', help: 'Chat requests sent to vLLM and not yet answered', labelNames: ['model'], registers: r });
    this.requestRetries = new Counter({
      name: 'clue_worker_request_retries_total',
      help: 'Chat requests re-sent (context overflow: re-sent with the room left)',
      labelNames: ['model', 'task'],
      registers: r,
    });
    this.bertscoreSeconds = new Histogram({
      name: 'clue_worker_bertscore_wait_seconds',
      help: "Time a unit's BERTScore took (scorer requests, waiting for a scorer included)",
      labelNames: ['task'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 600],
      registers: r,
    });
    this.scorerRequests = new Counter({
      name: 'clue_worker_scorer_requests_total',
      help: 'BERTScore requests answered by this worker\'s scorer groups (outcome: ok, unavailable, bad_request)',
      labelNames: ['outcome'],
      registers: r,
    });
  }

  /** Marks `s` as the current state. */
  setState(s: WorkerState): void {
    for (const name of WORKER_STATES) this.state.set({ state: name }, name === s ? 1 : 0);
  }

  /** Marks `s` as the current state of the group's engine. */
  setEngineState(group: string, s: EngineState): void {
    for (const name of ENGINE_STATES) this.engineState.set({ group, state: name }, name === s ? 1 : 0);
  }

  /** The group's busy GPUs (its GPUs while it runs a unit, else 0). */
  setGroupBusy(group: string, gpus: number): void {
    this.gpusBusy.set({ group }, gpus);
  }

  /** The node's groups changed: their sizes in GPUs. */
  setGroups(sizes: readonly number[], slotsPerGroup?: number): void {
    this.groups.set(sizes.length);
    this.gpusInGroups.set(sizes.reduce((a, b) => a + b, 0));
    if (slotsPerGroup !== undefined) this.slots.set(sizes.length * slotsPerGroup);
  }

  /** A group is gone: its series go too. */
  forgetGroup(group: string): void {
    for (const name of ENGINE_STATES) this.engineState.remove({ group, state: name });
    this.gpusBusy.remove({ group });
  }
}

/**
 * Serves `registry` on `http://host:port/metrics`, and the local vLLM server's own `vllm:` metrics on
 * `/metrics/vllm` (vLLM listens on loopback only, so Prometheus scrapes them through the worker);
 * resolves with the bound port.
 */
export function serveMetrics(
  registry: Registry,
  port: number,
  host: string,
  vllmMetrics?: () => Promise<string | null>,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && vllmMetrics && (req.url === '/metrics/vllm' || req.url?.startsWith('/metrics/vllm?'))) {
      vllmMetrics().then(
        (text) => {
          // No engine serving right now: an empty exposition keeps the scrape healthy.
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
          res.end(text ?? '');
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
      return;
    }
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    res.writeHead(req.url === '/healthz' ? 200 : 404);
    res.end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
    });
  });
}
