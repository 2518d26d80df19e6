import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkerId, describeConfig, loadConfig } from './config.js';
import { WorkerConfigError } from './runtime/errors.js';

test('flags as clue up passes them; defaults for the rest', () => {
  const c = loadConfig(
    [
      '--nats', 'nats://127.0.0.1:4222',
      '--coordinator', '127.0.0.1:50051',
      '--worker-id', 'local-1',
      '--gpus', 'H100-80GB:8',
      '--engine-executable', '/x/vllm-sim/dist/main.js',
      '--engine-env', 'VLLM_SIM_TIME_SCALE=2000',
      '--engine-env', 'VLLM_SIM_GPU=H100-80GB',
      '--icd10-table', '/data/icd10.json.gz',
    ],
    {},
  );
  assert.deepEqual(c.nats, ['nats://127.0.0.1:4222']);
  assert.equal(c.workerId, 'local-1');
  assert.equal(c.gpus?.gpus.length, 8);
  assert.deepEqual(c.engineEnv, { VLLM_SIM_TIME_SCALE: '2000', VLLM_SIM_GPU: 'H100-80GB' });
  assert.equal(c.icd10Table, '/data/icd10.json.gz');
  assert.equal(c.slots, 1);
  assert.equal(c.hangTimeoutMs, 180_000);
  assert.equal(c.drainTimeoutMs, 10_000);
  assert.equal(c.metricsPort, null);
  assert.ok(Object.isFrozen(c));
  const d = loadConfig([], {});
  assert.equal(d.engineExecutable, 'vllm');
  assert.equal(d.gpus, null, 'no --gpus: detect with nvidia-smi');
  assert.equal(d.coordinator, '127.0.0.1:50051');
  assert.equal(d.workerId, defaultWorkerId());
});

test('CLUE_* environment variables fill what the flags leave out; flags win; secrets only from the environment', () => {
  const env = {
    CLUE_NATS: 'nats://a:4222,nats://b:4222',
    CLUE_SLOTS: '2',
    CLUE_WORKER_ID: 'from-env',
    CLUE_ENGINE_ENV: 'A=1, B=x=y',
    CLUE_NATS_TOKEN: 's3cret',
    CLUE_PROTO_DIR: '/elsewhere',
    CLUE_HANG_SECONDS: '30',
  };
  const c = loadConfig(['--worker-id', 'from-flag'], env);
  assert.deepEqual(c.nats, ['nats://a:4222', 'nats://b:4222']);
  assert.equal(c.slots, 2);
  assert.equal(c.workerId, 'from-flag');
  assert.deepEqual(c.engineEnv, { A: '1', B: 'x=y' });
  assert.equal(c.hangTimeoutMs, 30_000);
  assert.equal(c.natsToken, 's3cret');
  assert.ok(!JSON.stringify(describeConfig(c)).includes('s3cret'), 'the description of the config carries no secret');
  assert.ok(!JSON.stringify(describeConfig(c)).includes('x=y'), 'nor engine environment values');
});

test('bad values are rejected naming the flag', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--slots', '0'], /^--slots: must be a whole number from 1 to 64, got 0/],
    [['--slots', '1.5'], /^--slots:/],
    [['--coordinator', 'localhost'], /^--coordinator: 'localhost' is not host:port/],
    [['--nats', 'http://x'], /^--nats: 'http:\/\/x' is not a NATS URL/],
    [['--engine-env', 'NOEQUALS'], /^--engine-env: 'NOEQUALS' is not KEY=VALUE/],
    [['--engine-env', '1A=b'], /^--engine-env:/],
    [['--worker-id', 'a.b'], /^--worker-id: 'a.b' may only contain/],
    [['--gpus', 'V100:2'], /^--gpus: unknown GPU class 'V100'/],
    [['--working-seconds', '30'], /^--working-seconds: must be a number from 0.1 to 15/],
    [['--hang-seconds', 'abc'], /^--hang-seconds: must be a number >= 1, got NaN$/],
    [['--slots', '1', '--slots', '2'], /^--slots: given more than once/],
    [['--no-such-flag', '1'], /Unknown argument/],
    [['stray'], /^command line: Unknown argument: stray/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(() => loadConfig(argv, {}), (e: unknown) => e instanceof WorkerConfigError && re.test(e.message), argv.join(' '));
  }
  assert.throws(() => loadConfig([], { CLUE_SLOTS: 'many' }), (e: unknown) => e instanceof WorkerConfigError && /^--slots: must be a whole number from 1 to 64, got "many"$/.test(e.message));
});

test('the default worker id is a NATS-token-safe form of the host name', () => {
  assert.equal(defaultWorkerId('GPU-Node_07.cluster.local'), 'worker-gpu-node-07-cluster-local');
  assert.equal(defaultWorkerId('...'), 'worker-node');
});
