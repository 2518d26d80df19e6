/**
 * The rendered command lines are accepted by the real programs: the coordinator's and the worker's own
 * configuration parsers read the manifests' args and literal env, and the worker's shell wrapper (worker id from
 * the node name) is run by a real /bin/sh.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { loadConfig as loadCoordinatorConfig } from '@clue/coordinator';
import { variants, find } from './fixtures.js';
import { packageDir } from '../support/repo.js';
import { at, rec, recs, type Json } from './objects.js';

function firstContainer(o: unknown): Json {
  const c = recs(at(o, 'spec.template.spec.containers'))[0];
  if (!c) throw new Error('no container');
  return c;
}

/** The container's literal env values (valueFrom entries are left out). */
function literalEnv(c: Json): Record<string, string> {
  return Object.fromEntries(recs(c['env']).filter((e) => typeof e['value'] === 'string').map((e) => [String(e['name']), String(e['value'])]));
}

const WORKER_MAIN = 'exec node /app/services/worker/dist/main.js';
const PROBE = 'import { loadConfig } from "@clue/worker"; process.stdout.write(JSON.stringify(loadConfig(process.argv.slice(1), process.env)));';

describe('rendered command lines', () => {
  test('the coordinator parses its args and env: NATS service, ports, stream replicas = NATS replicas', () => {
    for (const v of variants()) {
      const c = firstContainer(find(v.kustomized, 'Deployment'));
      const args = (c['args'] as unknown[]).map(String);
      const cfg = loadCoordinatorConfig(args, literalEnv(c));
      assert.equal(cfg.natsUrl, 'nats://clue-nats:4222');
      assert.equal(cfg.grpcHost, '0.0.0.0');
      assert.equal(cfg.grpcPort, 50051);
      assert.equal(cfg.metricsPort, 9464);
      assert.equal(cfg.replicas, at(find(v.kustomized, 'StatefulSet'), 'spec.replicas'));
      const ports = recs(c['ports']).map((p) => p['containerPort']);
      assert.deepEqual(ports, [cfg.grpcPort, cfg.metricsPort]);
    }
  });

  test('the worker command runs under /bin/sh and its parser accepts it; the worker id comes from the node name', () => {
    for (const v of variants()) {
      const c = firstContainer(find(v.kustomized, 'DaemonSet'));
      const line = String((c['args'] as unknown[])[0]);
      assert.ok(line.startsWith(WORKER_MAIN), line);
      const probeLine = `exec node --input-type=module -e "$CLUE_PROBE" --${line.slice(WORKER_MAIN.length)}`;
      const r = spawnSync('/bin/sh', ['-c', probeLine], {
        cwd: packageDir(),
        encoding: 'utf8',
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_NAME: 'gpu-node-7.cluster.example', CLUE_PROBE: PROBE, ...literalEnv(c) },
      });
      assert.equal(r.status, 0, r.stderr);
      const cfg = rec(JSON.parse(r.stdout));
      assert.equal(cfg['workerId'], 'worker-gpu-node-7-cluster-example');
      assert.deepEqual(cfg['nats'], ['nats://clue-nats:4222']);
      assert.equal(cfg['coordinator'], 'clue-coordinator:50051');
      assert.equal(cfg['engineExecutable'], 'vllm');
      assert.equal(cfg['drainTimeoutMs'], 300_000);
      const grace = Number(at(find(v.kustomized, 'DaemonSet'), 'spec.template.spec.terminationGracePeriodSeconds'));
      assert.ok(grace * 1000 > Number(cfg['drainTimeoutMs']), 'grace period longer than the drain');
      assert.equal(cfg['engineStartupTimeoutMs'], 3_600_000);
      assert.equal(cfg['metricsPort'], recs(c['ports'])[0]?.['containerPort']);
      assert.equal(cfg['icd10Table'], '/models/clue/icd10cm-order.txt');
    }
  });
});
