/**
 * Semantic checks specific to this system: NATS (JetStream, 3 replicas, file storage, a current image), the
 * coordinator (one replica, Recreate, stream replicas = NATS replicas), monitoring (selection labels, the vLLM
 * scrape, alert rules over known metric names, the Grafana dashboard) and the nightly run spec.
 */
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { hasModel, PRESET_NAMES, SHORT_TASKS, TASK_IDS } from '@clue/tasks';
import type { K8sObject } from './render.js';
import type { Problem } from './checks-workloads.js';
import { at, commandLine, containers, flagNumber, podTemplates, rec, recs } from './objects.js';

/** Metric names the alerts and the dashboard may use (the system's, vLLM's, Prometheus' and kube-state-metrics'). */
export const KNOWN_METRICS: ReadonlySet<string> = new Set([
  // coordinator (services/coordinator/src/metrics.ts)
  'clue_runs', 'clue_units', 'clue_run_samples_done_total', 'clue_run_samples', 'clue_run_eta_seconds', 'clue_workers_up', 'clue_units_dead_lettered_total',
  'clue_cell_gpu_seconds_total', 'clue_queue_pending_units', 'clue_coordinator_unit_failures_total', 'clue_coordinator_units_completed_total',
  'clue_coordinator_samples_completed_total', 'clue_coordinator_tokens_total', 'clue_coordinator_runs_submitted_total', 'clue_coordinator_runs_active',
  'clue_model_waiting_seconds', 'clue_model_load_failures_total', 'clue_nightly_gate_passed', 'clue_nightly_gate_timestamp_seconds',
  // workers (services/worker/src/runtime/metrics.ts)
  'clue_worker_units_total', 'clue_worker_samples_total', 'clue_worker_tokens_total', 'clue_worker_unit_duration_seconds_bucket', 'clue_worker_units_running',
  'clue_worker_slots', 'clue_worker_state', 'clue_worker_engine_state', 'clue_worker_engine_loads_total', 'clue_worker_engine_load_seconds_bucket',
  'clue_worker_engine_load_seconds_sum', 'clue_worker_engine_load_seconds_count', 'clue_worker_engine_restarts_total', 'clue_worker_engine_ooms_total',
  'clue_worker_engine_hang_kills_total', 'clue_worker_requests_in_flight', 'clue_worker_request_retries_total',
  'clue_worker_gpus', 'clue_worker_gpus_busy', 'clue_worker_gpus_allocated', 'clue_worker_engine_groups', 'clue_worker_gpu_busy_seconds_total',
  'up', 'kube_daemonset_status_desired_number_scheduled', 'kube_job_status_failed',
  'vllm:generation_tokens_total', 'vllm:prompt_tokens_total', 'vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc',
]);

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'topk', 'bottomk', 'quantile', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'and', 'or', 'unless', 'bool', 'offset', 'rate', 'irate', 'increase', 'delta', 'deriv', 'absent', 'absent_over_time', 'time', 'hour', 'minute',
  'day_of_week', 'scalar', 'vector', 'histogram_quantile', 'label_replace', 'clamp_min', 'clamp_max', 'changes', 'resets', 'avg_over_time',
  'max_over_time', 'min_over_time', 'sum_over_time', 'e', 'inf', 'nan',
]);

/** Metric names in a PromQL expression: identifiers that are not PromQL words, label matchers, strings or durations. */
export function promqlMetrics(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1()')
    .replace(/\$__\w+/g, '');
  const names = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n.toLowerCase())))];
}

/** The alert topics the rules must cover, by a word in the alert name. */
export const REQUIRED_ALERTS: readonly RegExp[] = [/Stalled/, /WorkerDown/, /DeadLettered/, /RestartLoop/, /Nightly.*(Deadline|NotFinished)/, /GateFailed/];

/** ServiceMonitor/PodMonitor/PrometheusRule selection labels, the vLLM scrape, alert rules and the dashboard. */
export function checkMonitoring(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const add = (where: string, problem: string): void => void problems.push({ where, problem });
  for (const o of objects.filter((x) => ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(x.kind))) {
    if (!rec(o.metadata.labels)['release']) add(`${o.kind}/${o.metadata.name}`, 'no release label (kube-prometheus-stack selects by release: <its release name>)');
  }
  const paths = objects.filter((o) => o.kind === 'PodMonitor').flatMap((o) => recs(at(o, 'spec.podMetricsEndpoints')).map((e) => e['path']));
  if (!paths.includes('/metrics/vllm')) add('rendering', 'no PodMonitor scrapes the workers\' /metrics/vllm (vLLM\'s own metrics)');
  if (!objects.some((o) => o.kind === 'ServiceMonitor')) add('rendering', 'no ServiceMonitor (coordinator metrics)');
  const rules = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => recs(at(o, 'spec.groups')).flatMap((g) => recs(g['rules'])));
  for (const r of rules) {
    const name = String(r['alert'] ?? r['record'] ?? '?');
    const expr = String(r['expr'] ?? '');
    for (const m of promqlMetrics(expr)) if (!KNOWN_METRICS.has(m)) add(`alert ${name}`, `unknown metric '${m}' in: ${expr}`);
    if (r['alert'] !== undefined && !at(r, 'labels.severity')) add(`alert ${name}`, 'no severity label');
    if (r['alert'] !== undefined && !at(r, 'annotations.summary')) add(`alert ${name}`, 'no summary annotation');
  }
  for (const want of REQUIRED_ALERTS) if (!rules.some((r) => want.test(String(r['alert'] ?? '')))) add('PrometheusRule', `no alert matching ${String(want)}`);
  const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && rec(o.metadata.labels)['grafana_dashboard'] === '1');
  if (dashboards.length === 0) add('rendering', 'no dashboard ConfigMap labelled grafana_dashboard: "1"');
  for (const d of dashboards) {
    for (const [key, text] of Object.entries(rec(d['data']))) {
      let dash: unknown;
      try {
        dash = JSON.parse(String(text));
      } catch (e) {
        add(`ConfigMap/${d.metadata.name} ${key}`, `not JSON: ${(e as Error).message}`);
        continue;
      }
      const panels = recs(rec(dash)['panels']);
      if (!rec(dash)['title'] || panels.length === 0) add(`ConfigMap/${d.metadata.name} ${key}`, 'a dashboard needs a title and panels');
      for (const p of panels) {
        for (const t of recs(p['targets'])) {
          for (const m of promqlMetrics(String(t['expr'] ?? ''))) if (!KNOWN_METRICS.has(m)) add(`dashboard panel ${String(p['title'])}`, `unknown metric '${m}'`);
        }
      }
    }
  }
  return problems;
}

/** NATS: a StatefulSet of 3 with file storage, JetStream on the volume, routes to every replica, image >= 2.10. */
export function checkNats(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const nats = podTemplates(objects).find((p) => p.owner.kind === 'StatefulSet' && containers([p]).some((c) => /(^|\/)nats:/.test(String(c.container['image']))));
  if (!nats) return [{ where: 'rendering', problem: 'no NATS StatefulSet' }];
  const w = `StatefulSet/${nats.owner.metadata.name}`;
  const add = (problem: string): void => void problems.push({ where: w, problem });
  const replicas = at(nats.owner, 'spec.replicas');
  if (replicas !== 3) add(`replicas is ${String(replicas)}, not 3`);
  const claim = recs(at(nats.owner, 'spec.volumeClaimTemplates'))[0];
  if (!claim || !at(claim, 'spec.resources.requests.storage')) add('no volumeClaimTemplate with a storage request (file storage)');
  const server = containers([nats]).find((c) => /(^|\/)nats:/.test(String(c.container['image'])));
  const version = /nats:(\d+)\.(\d+)/.exec(String(server?.container['image']));
  if (!version || Number(version[1]) < 2 || (Number(version[1]) === 2 && Number(version[2]) < 10)) add(`image ${String(server?.container['image'])} is older than 2.10`);
  const conf = objects.filter((o) => o.kind === 'ConfigMap').map((o) => String(rec(o['data'])['nats.conf'] ?? '')).find((t) => t !== '');
  if (!conf) return [...problems, { where: w, problem: 'no nats.conf ConfigMap' }];
  const storeDir = /store_dir:\s*"?([^"\s]+)"?/.exec(conf)?.[1];
  const dataMount = recs(server?.container['volumeMounts']).find((m) => m['name'] === at(claim, 'metadata.name'))?.['mountPath'];
  if (!/jetstream\s*\{/.test(conf)) add('nats.conf does not enable JetStream');
  if (!storeDir || !dataMount || !storeDir.startsWith(String(dataMount))) add(`JetStream store_dir ${String(storeDir)} is not on the PersistentVolume (${String(dataMount)})`);
  const routes = conf.match(/nats:\/\/[^"\s]+:6222/g) ?? [];
  if (typeof replicas === 'number' && replicas > 1 && routes.length !== replicas) add(`nats.conf lists ${routes.length} routes for ${replicas} replicas`);
  const coordinator = containers(podTemplates(objects)).find((c) => /coordinator\/dist\/main\.js/.test(commandLine(c.container)));
  const streamReplicas = coordinator ? flagNumber(commandLine(coordinator.container), 'replicas') : undefined;
  if (streamReplicas !== replicas) problems.push({ where: 'coordinator', problem: `--replicas ${String(streamReplicas)} (JetStream stream replicas) differs from the NATS replicas ${String(replicas)}` });
  return problems;
}

/**
 * The coordinator: exactly one replica, replaced with Recreate (never two side by side), probes on `/healthz` of its
 * metrics port (its gRPC port speaks only TLS, which the kubelet's native gRPC probes cannot).
 */
export function checkCoordinator(objects: readonly K8sObject[]): Problem[] {
  const d = objects.find((o) => o.kind === 'Deployment' && containers(podTemplates([o])).some((c) => /coordinator\/dist\/main\.js/.test(commandLine(c.container))));
  if (!d) return [{ where: 'rendering', problem: 'no coordinator Deployment' }];
  const problems: Problem[] = [];
  const w = `Deployment/${d.metadata.name}`;
  if (at(d, 'spec.replicas') !== 1) problems.push({ where: w, problem: 'the coordinator is leader-less: it must have exactly 1 replica' });
  if (at(d, 'spec.strategy.type') !== 'Recreate') problems.push({ where: w, problem: 'strategy must be Recreate (a rolling update would run two coordinators)' });
  for (const c of containers(podTemplates([d]))) {
    const metricsPort = flagNumber(commandLine(c.container), 'metrics-port');
    const named = new Map(recs(c.container['ports']).map((p) => [String(p['name']), p['containerPort']]));
    for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const get = rec(at(c.container, `${p}.httpGet`));
      const port = typeof get['port'] === 'string' ? named.get(get['port']) : get['port'];
      if (at(c.container, `${p}.grpc`) !== undefined) problems.push({ where: w, problem: `${p} is a native grpc probe, which cannot speak TLS` });
      else if (get['path'] !== '/healthz' || port === undefined || port !== metricsPort) {
        problems.push({ where: w, problem: `${p} is not httpGet /healthz on the metrics port (--metrics-port ${String(metricsPort)})` });
      }
    }
  }
  return problems;
}

/** CLUE's file name of each task's dataset. */
function clueFileName(task: string): string | undefined {
  return task === 'longhealth' ? 'benchmark_v5.json' : SHORT_TASKS.find((t) => t.id === task)?.fileName;
}

/** The nightly run spec in its ConfigMap: known fields, tasks, models/preset, one CLUE-named file per task on a mounted path. */
export function checkNightlySpec(objects: readonly K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const cms = objects.filter((o) => o.kind === 'ConfigMap' && typeof rec(o['data'])['nightly.yaml'] === 'string');
  if (cms.length === 0) return [{ where: 'rendering', problem: 'no ConfigMap with nightly.yaml' }];
  const mountPaths = containers(podTemplates(objects.filter((o) => o.kind === 'CronJob'))).flatMap((c) => recs(c.container['volumeMounts']).map((m) => String(m['mountPath'])));
  for (const cm of cms) {
    const w = `ConfigMap/${cm.metadata.name}`;
    const add = (problem: string): void => void problems.push({ where: w, problem });
    const spec = rec(parseYaml(String(rec(cm['data'])['nightly.yaml'])));
    const known = new Set(['name', 'models', 'preset', 'tasks', 'data', 'sampling', 'max_samples']);
    for (const k of Object.keys(spec)) if (!known.has(k)) add(`unknown spec field '${k}'`);
    const tasks = Array.isArray(spec['tasks']) ? spec['tasks'].map(String) : [];
    if (tasks.length === 0) add('no tasks');
    const models = Array.isArray(spec['models']) ? spec['models'].map(String) : [];
    const preset = String(spec['preset'] ?? '');
    if (preset && !(PRESET_NAMES as readonly string[]).includes(preset)) add(`unknown preset '${preset}'`);
    if (!preset && models.length === 0) add('neither models nor a preset');
    for (const m of models) if (!hasModel(m)) add(`model '${m}' is not in the catalog`);
    const data = rec(spec['data']);
    for (const t of tasks) {
      if (!(TASK_IDS as readonly string[]).includes(t)) add(`unknown task '${t}'`);
      const file = data[t];
      if (typeof file !== 'string') add(`no dataset file for task ${t}`);
      else {
        if (basename(file) !== clueFileName(t)) add(`task ${t}: file ${file} is not CLUE's name ${String(clueFileName(t))}`);
        if (!mountPaths.some((p) => file.startsWith(`${p}/`))) add(`task ${t}: ${file} is not under a volume mounted in the CronJob`);
      }
    }
  }
  return problems;
}
