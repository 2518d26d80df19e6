/**
 * A minimal Prometheus registry of the coordinator (full observability comes later): counters of
 * submitted runs, completed and failed units, completed samples and tokens, and gauges of active runs
 * and live workers. Labels are ids and kinds only, never text. Optionally served on `/metrics`.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The coordinator's metrics, all in one registry. */
export class CoordinatorMetrics {
  readonly registry = new Registry();
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
  readonly unitsDeadLettered = new Counter({ name: 'clue_coordinator_units_dead_lettered_total', help: 'Units sent to the dead-letter stream', registers: [this.registry] });
  readonly samplesCompleted = new Counter({
    name: 'clue_coordinator_samples_completed_total',
    help: 'Samples of DONE units',
    labelNames: ['model'],
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'clue_coordinator_tokens_total',
    help: 'Tokens reported by workers (prompt, generated)',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly runsActive = new Gauge({ name: 'clue_coordinator_runs_active', help: 'Runs pending or running', registers: [this.registry] });
  readonly workersLive = new Gauge({ name: 'clue_coordinator_workers_live', help: 'Workers seen within 3 heartbeats', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'clue_coordinator_' });
  }

  /** Serves `GET /metrics` on `host:port`; resolves with the bound port. */
  async serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
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
