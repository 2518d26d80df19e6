import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { coordinatorSecurityArgs, startNatsServer, type LocalSecurity } from '@clue/common';
import { clientAs, registerSynthetic, rpc, startCoordinator } from '../testing/harness.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/** The health service needs TLS but no token (kubelet probes have none). */
function healthStatus(address: string, security: LocalSecurity): Promise<string> {
  const Client = grpc.makeGenericClientConstructor(healthService as unknown as grpc.ServiceDefinition, 'Health');
  const client = clientAs(Client, address, security, null);
  return rpc<{ status: string }>(client, 'check', { service: 'clue.v1.Coordinator' })
    .then((r) => r.status)
    .finally(() => client.close());
}

test('clue-coordinator prints one "listening" JSON line, serves health, and exits 0 on SIGTERM', async () => {
  const nats = await startNatsServer();
  const child = spawn(process.execPath, [MAIN, '--nats', nats.url, ...coordinatorSecurityArgs(nats.security), '--grpc-host', '127.0.0.1', '--grpc-port', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const msg = JSON.parse(line) as { event: string; grpc: string };
    assert.equal(msg.event, 'listening');
    assert.match(msg.grpc, /^127\.0\.0\.1:\d+$/);
    assert.equal(await healthStatus(msg.grpc, nats.security), 'SERVING');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await nats.stop();
  }
});

test('invalid flags or environment: exit 2 listing every problem, before connecting anywhere', async () => {
  const child = spawn(process.execPath, [MAIN, '--grpc-port', '70000', '--aggregation', 'mean'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLUE_MAX_ATTEMPTS: 'three' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 2);
  assert.match(stderr, /--grpc-port \(CLUE_GRPC_PORT\): must be from 0 to 65535, got 70000/);
  assert.match(stderr, /--aggregation \(CLUE_AGGREGATION\): must be one of exact, clue, got 'mean'/);
  assert.match(stderr, /--max-attempts \(CLUE_MAX_ATTEMPTS\): must be a number, got 'three'/);
});

test('stopping the coordinator ends open WatchRun streams', async () => {
  const nats = await startNatsServer();
  const c = await startCoordinator(nats);
  try {
    const datasets = await registerSynthetic(c.clients.coordinator, ['mednli'], 4);
    const sub = await rpc<{ run: { id: string } }>(c.clients.coordinator, 'SubmitRun', {
      spec: { name: 'w', models: ['llama-3-8b-instruct'], tasks: ['mednli'], datasets, idempotencyKey: 'watch-stop' },
    });
    const stream = (c.clients.coordinator as unknown as { WatchRun(req: unknown): grpc.ClientReadableStream<{ state: string }> }).WatchRun({ runId: sub.run.id });
    const states: string[] = [];
    const closed = new Promise<string>((resolve) => {
      stream.on('data', (r: { state: string }) => states.push(r.state));
      stream.on('end', () => resolve('end'));
      stream.on('error', (e: grpc.ServiceError) => resolve(`error ${e.code}`));
    });
    while (states.length === 0) await new Promise((r) => setTimeout(r, 20));
    assert.equal(states[0], 'RUN_STATE_RUNNING');
    await c.coordinator.stop();
    assert.equal(await closed, 'end');
    assert.equal(c.coordinator.state, 'stopped');
  } finally {
    await c.stop();
    await nats.stop();
  }
});
