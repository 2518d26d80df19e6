/**
 * The coordinator's Prometheus registry (one per process), optionally served on `/metrics`.
 * Event counters (submitted runs, completed/failed/dead-lettered units, samples, tokens, GPU-seconds)
 * are bumped where the event happens; the state gauges (runs by state, units by state per cell, run
 * progress and ETA, queue depth, workers up) are recomputed from KV on every reconcile tick
 * (see metrics-snapshot.ts); the gate gauges follow recorded verdicts (gate-verdicts.ts). Labels are bounded ids only — model key, task id, state, kind and run
 * id (a handful of runs per night; a run's series are dropped once it is final) — never text.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The coordinator's metrics, all in one registry. */
export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly authDenied = new Counter({
    name: 'clue_coordinator_auth_denied_total',
    help: 'gRPC calls refused for a missing, unknown or insufficient bearer token (reason: no_token, malformed, unknown_token, wrong_role)',
    labelNames: ['method', 'reason'],
    registers: [this.registry],
  });
  readonly runsSubmitted = new Counter({ name: 'clue_coordinator_runs_submitted_total', help: 'Runs created by SubmitRun', registers: [this.registry] });
  readonly unitsCompleted = new Counter({
    name: 'clue_coordinator_units_completed_total',
    help: 'Units marked DONE (each counted once)',
    labelNames: ['model', 'task'],
    registers: [this.registry],
  });
  readonly unitsFailed = new Counter({
    name: 'clue_coordinator_unit_failures_total',
    help: 'FailUnit calls and stalls, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly unitsDeadLettered = new Counter({
    name: 'clue_units_dead_lettered_total',
    help: 'Units sent to the dead-letter stream',
    labelNames: ['model', 'task'],
    registers: [this.registry],
  });
  readonly gpuSeconds = new Counter({
    name: 'clue_cell_gpu_seconds_total',
    help: 'GPU-seconds reported by CompleteUnit, per cell (model x task)',
    labelNames: ['model', 'task'],
    registers: [this.registry],
  });
  readonly modelLoadFailures = new Counter({
    name: 'clue_model_load_failures_total',
    help: 'Engine groups that failed to load a model, by the engine error code',
    labelNames: ['model', 'code'],
    registers: [this.registry],
  });
  readonly modelWaiting = new Gauge({
    name: 'clue_model_waiting_seconds',
    help: 'How long a model with queued units has had no engine serving it (series only while it waits)',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly runs = new Gauge({ name: 'clue_runs', help: 'Runs by state (from KV, every reconcile tick)', labelNames: ['state'], registers: [this.registry] });
  readonly units = new Gauge({
    name: 'clue_units',
    help: 'Units of active runs by model, task and state (from KV, every reconcile tick)',
    labelNames: ['model', 'task', 'state'],
    registers: [this.registry],
  });
  readonly runSamplesDone = new Counter({
    name: 'clue_run_samples_done_total',
    help: 'Samples done of an active run (done units plus reported progress of running ones); label run = run id',
    labelNames: ['run'],
    registers: [this.registry],
  });
  readonly runSamples = new Gauge({ name: 'clue_run_samples', help: 'Samples planned for an active run', labelNames: ['run'], registers: [this.registry] });
  readonly runEta = new Gauge({
    name: 'clue_run_eta_seconds',
    help: 'Estimated seconds until an active run finishes (remaining work over the live GPUs\' observed throughput; before any unit finished, from the last minute of samples; 0 while unknown)',
    labelNames: ['run'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'clue_queue_pending_units',
    help: 'Units waiting in a model\'s JetStream consumer (num_pending), per model',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly samplesCompleted = new Counter({
    name: 'clue_coordinator_samples_completed_total',
    help: 'Samples of DONE units',
    labelNames: ['model', 'task'],
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'clue_coordinator_tokens_total',
    help: 'Tokens reported by workers (kind: prompt, generated), per model and task',
    labelNames: ['model', 'task', 'kind'],
    registers: [this.registry],
  });
  readonly runsActive = new Gauge({ name: 'clue_coordinator_runs_active', help: 'Runs pending or running', registers: [this.registry] });
  readonly gatePassed = new Gauge({
    name: 'clue_nightly_gate_passed',
    help: "The regression gate's last recorded verdict per spec name (clue gate --record): 1 passed, 0 failed; restored from the run records at start-up",
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly gateTimestamp = new Gauge({
    name: 'clue_nightly_gate_timestamp_seconds',
    help: 'When the verdict in clue_nightly_gate_passed was recorded (Unix seconds)',
    labelNames: ['name'],
    registers: [this.registry],
  });
  readonly workersLive = new Gauge({ name: 'clue_workers_up', help: 'Workers seen within 3 heartbeats', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'clue_coordinator_' });
  }

  /**
   * Serves `GET /metrics` and `GET /healthz` (200 while `serving()`, else 503: the kubelet's probe,
   * since its native gRPC probe cannot speak TLS) on `host:port`; resolves with the bound port.
   */
  async serve(host: string, port: number, serving: () => boolean = () => true): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      const path = req.url?.split('?')[0];
      if (req.method === 'GET' && path === '/healthz') {
        const ok = serving();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(ok ? 'serving\n' : 'not serving\n');
        return;
      }
      if (req.method === 'GET' && path === '/metrics') {
        this.registry
          .metrics()
          .then((body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          })
          .catch(() => {
            res.writeHead(500);
            res.end();
          });
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    return { server, port: typeof addr === 'object' && addr ? addr.port : port };
  }
}
