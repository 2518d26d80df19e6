import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { getModel } from '@clue/tasks';
import { EngineError } from './errors.js';
import { findFreePort } from './free-port.js';
import { planLaunch, type LaunchOptions } from './launch-plan.js';
import { pidAlive, simLaunch, waitPidGone, writeStubbornServer } from './test-support.js';
import { VllmProcess, engineBaseEnv } from './vllm-process.js';

const llama8 = getModel('llama-3-8b-instruct');
const H100 = { gpuClass: 'H100-80GB', count: 1 } as const;

async function spawnSim(launch: LaunchOptions, extra: { startupTimeoutMs?: number; stopGraceMs?: number } = {}): Promise<VllmProcess> {
  return VllmProcess.spawn({ plan: planLaunch(llama8, H100, launch), port: await findFreePort(), healthPollMs: 25, ...extra });
}

async function startFailure(env: Record<string, string>): Promise<EngineError> {
  const p = await spawnSim(simLaunch(env));
  const e = await p.waitReady().then(
    () => null,
    (err: unknown) => err,
  );
  await p.stop();
  assert.ok(e instanceof EngineError, `expected a start-up failure, got ${String(e)}`);
  assert.equal(p.state, 'exited');
  return e;
}

test('starts, becomes ready with max_model_len from /v1/models, stops with no process left', async () => {
  const p = await spawnSim(simLaunch({}, { maxModelLen: 4096 }));
  const ready = await p.waitReady();
  assert.equal(p.state, 'ready');
  assert.equal(ready.maxModelLen, 4096);
  assert.ok(ready.loadMs > 0 && ready.loadMs < 10_000);
  const pid = p.pid!;
  assert.ok(pidAlive(pid));
  const [a, b] = [p.stop(), p.stop()];
  assert.equal(a, b, 'stop() returns the same promise');
  const exit = await a;
  assert.equal(exit.signal === 'SIGTERM' || exit.exitCode === 0, true, `graceful exit, got ${JSON.stringify(exit)}`);
  assert.ok(await waitPidGone(pid), 'no orphan after stop');
  assert.ok(p.logTail().some((l) => l.includes('Application startup complete')));
});

test('a slow start within the budget succeeds; beyond it START_TIMEOUT and the process is stopped', async () => {
  const ok = await spawnSim(simLaunch({ VLLM_SIM_FAULTS: 'slow_start_s=0.6' }), { startupTimeoutMs: 5000 });
  const t0 = performance.now();
  await ok.waitReady();
  assert.ok(performance.now() - t0 >= 500, 'readiness waited for the slow start');
  await ok.stop();

  const slow = await spawnSim(simLaunch({ VLLM_SIM_FAULTS: 'slow_start_s=30' }), { startupTimeoutMs: 800 });
  await assert.rejects(slow.waitReady(), (e: unknown) => e instanceof EngineError && e.code === 'START_TIMEOUT' && e.retryable);
  assert.equal(slow.state, 'exited');
  assert.ok(await waitPidGone(slow.pid!));
});

test('fail_start=kv_cache: START_FAILED_KV_CACHE with the estimated max length parsed from the log', async () => {
  const e = await startFailure({ VLLM_SIM_FAULTS: 'fail_start=kv_cache' });
  assert.equal(e.code, 'START_FAILED_KV_CACHE');
  assert.ok(Number.isInteger(e.details.estimatedMaxModelLen) && e.details.estimatedMaxModelLen! > 0 && e.details.estimatedMaxModelLen! < 8192);
  assert.equal(e.details.exitCode, 1);
});

test('fail_start=oom / no_cache_memory / invalid_repo / gated are classified', async () => {
  const [oom, noMem, invalid, gated] = await Promise.all([
    startFailure({ VLLM_SIM_FAULTS: 'fail_start=oom' }),
    startFailure({ VLLM_SIM_FAULTS: 'fail_start=no_cache_memory' }),
    startFailure({ VLLM_SIM_FAULTS: 'fail_start=invalid_repo' }),
    startFailure({ VLLM_SIM_FAULTS: 'fail_start=gated' }),
  ]);
  assert.equal(oom.code, 'START_FAILED_OOM');
  assert.ok(oom.needsBiggerWorker);
  assert.equal(noMem.code, 'START_FAILED_NO_KV_MEMORY');
  assert.equal(invalid.code, 'MODEL_INVALID_OR_GATED');
  assert.equal(invalid.details.gated, false);
  assert.ok(invalid.permanent);
  assert.equal(gated.code, 'MODEL_INVALID_OR_GATED');
  assert.equal(gated.details.gated, true);
});

test('a port already taken is recognised as START_FAILED_PORT_IN_USE', async () => {
  const holder = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const port = await findFreePort();
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  try {
    const clash = VllmProcess.spawn({ plan: planLaunch(llama8, H100, simLaunch()), port, healthPollMs: 25 });
    await assert.rejects(clash.waitReady(), (e: unknown) => e instanceof EngineError && e.code === 'START_FAILED_PORT_IN_USE' && e.retryable);
  } finally {
    holder.close();
  }
});

test('a missing executable is START_FAILED naming it', async () => {
  const p = await spawnSim({ executable: '/nonexistent/vllm' });
  await assert.rejects(p.waitReady(), (e: unknown) => e instanceof EngineError && e.code === 'START_FAILED' && /\/nonexistent\/vllm/.test(e.message));
});

test('a server that ignores SIGTERM gets SIGKILL after the grace period, its whole process group too', async () => {
  const p = await spawnSim({ executable: writeStubbornServer({ grandchild: true }) }, { stopGraceMs: 300 });
  await p.waitReady();
  const grandchild = Number(/grandchild (\d+)/.exec(p.logTail().join('\n'))?.[1]);
  assert.ok(grandchild > 0 && pidAlive(grandchild));
  const t0 = performance.now();
  const exit = await p.stop();
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(performance.now() - t0 >= 280, 'waited for the grace period first');
  assert.ok(p.logTail().includes('ignoring SIGTERM'), 'SIGTERM was sent first');
  assert.ok(await waitPidGone(grandchild), 'the grandchild in the process group is gone too');
});

test("a crash after ready is reported to onExit listeners (not as a stop)", async () => {
  const p = await spawnSim(simLaunch());
  await p.waitReady();
  const seen = new Promise<{ wasReady: boolean; stopping: boolean; signal: string | null }>((resolve) =>
    p.onExit((exit, info) => resolve({ ...info, signal: exit.signal })),
  );
  process.kill(p.pid!, 'SIGKILL');
  assert.deepEqual(await seen, { wasReady: true, stopping: false, signal: 'SIGKILL' });
});

for (const how of ['process.exit(0)', "process.kill(process.pid, 'SIGTERM')"]) {
test(`no orphan when the owning process ends (${how}): the exit hook kills the server group`, async () => {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const mod = (name: string) => new URL(`./${name}${ext}`, import.meta.url).href;
  const code = `
    import { VllmProcess } from ${JSON.stringify(mod('vllm-process'))};
    import { planLaunch } from ${JSON.stringify(mod('launch-plan'))};
    import { simLaunch } from ${JSON.stringify(mod('test-support'))};
    import { getModel } from '@clue/tasks';
    const p = VllmProcess.spawn({ plan: planLaunch(getModel('llama-3-8b-instruct'), { gpuClass: 'H100-80GB', count: 1 }, simLaunch()), port: ${await findFreePort()}, healthPollMs: 25 });
    await p.waitReady();
    console.log('PID ' + p.pid);
    ${how};
  `;
  const child = spawn(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], {
    cwd: new URL('../../', import.meta.url),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const status = await new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
  assert.equal(status, how.includes('SIGTERM') ? 'SIGTERM' : '0', 'the owner ended the way it would without the engine');
  const pid = Number(/PID (\d+)/.exec(out)?.[1]);
  assert.ok(pid > 0, `child printed: ${out}`);
  assert.ok(await waitPidGone(pid), 'the server died with its owner');
});
}

test("the engine's environment has none of the worker's CLUE_* settings (its API token, NATS password)", () => {
  const env = engineBaseEnv({ PATH: '/bin', HF_TOKEN: 'hf_x', CLUE_TOKEN: 'secret-token', CLUE_NATS_PASSWORD: 'pw', CLUE_WORKER_ID: 'w1' });
  assert.deepEqual(env, { PATH: '/bin', HF_TOKEN: 'hf_x' });
});
