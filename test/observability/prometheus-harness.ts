/**
 * Test support: a real Prometheus (Debian's `prometheus` binary from PATH) on 127.0.0.1 with a temporary
 * config and TSDB, scraping given targets every second, and a small client of its HTTP query API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClueError } from '@clue/tasks';

/** One scrape job: its name (the `job` label), its metrics path and its `host:port` targets. */
export interface ScrapeJob {
  readonly job: string;
  readonly path: string;
  readonly targets: readonly string[];
}

/** The answer of `/api/v1/query`. */
export interface PromQueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: readonly { readonly metric: Record<string, string>; readonly value?: [number, string] }[] };
}

/** A running Prometheus. */
export interface PrometheusServer {
  readonly url: string;
  /** Instant query at `time` (epoch seconds; default now). */
  query(expr: string, time?: number): Promise<PromQueryResult>;
  /** Every value of every label Prometheus holds. */
  labelValues(): Promise<Map<string, string[]>>;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The config file: global 1 s scrape and evaluation interval, one static job per entry. */
function configText(jobs: readonly ScrapeJob[]): string {
  const lines = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs:'];
  for (const j of jobs) {
    lines.push(`  - job_name: ${JSON.stringify(j.job)}`, `    metrics_path: ${JSON.stringify(j.path)}`, '    static_configs:', `      - targets: ${JSON.stringify(j.targets)}`);
  }
  return lines.join('\n') + '\n';
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
  return (await res.json()) as T;
}

/** Starts Prometheus in `dir` (config, TSDB and log go there) and waits until it is ready. */
export async function startPrometheus(dir: string, jobs: readonly ScrapeJob[]): Promise<PrometheusServer> {
  mkdirSync(join(dir, 'tsdb'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, configText(jobs));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  const p: ChildProcess = spawn('prometheus', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.pipe(createWriteStream(join(dir, 'prometheus.log')));
  const spawned = new Promise<void>((_, reject) => {
    p.once('error', () => reject(new ClueError('INVALID_ARGUMENT', 'prometheus is not installed (apt-get install prometheus, or bash scripts/install-system-deps.sh)')));
    p.once('exit', (code) => reject(new ClueError('INVALID_ARGUMENT', `prometheus exited (${code}) during start-up; see ${join(dir, 'prometheus.log')}`)));
  });
  const ready = (async () => {
    for (let i = 0; i < 300; i++) {
      try {
        if ((await fetch(`${url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new ClueError('INVALID_ARGUMENT', 'prometheus did not become ready within 30 s');
  })();
  await Promise.race([ready, spawned]);
  spawned.catch(() => undefined);
  return {
    url,
    query: (expr, time) => getJson<PromQueryResult>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}${time !== undefined ? `&time=${time}` : ''}`),
    async labelValues() {
      const names = await getJson<{ data: string[] }>(`${url}/api/v1/labels`);
      const out = new Map<string, string[]>();
      for (const n of names.data) out.set(n, (await getJson<{ data: string[] }>(`${url}/api/v1/label/${encodeURIComponent(n)}/values`)).data);
      return out;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (p.exitCode !== null || p.signalCode !== null) return resolve();
        const t = setTimeout(() => p.kill('SIGKILL'), 5000);
        p.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        p.kill('SIGTERM');
      }),
  };
}
