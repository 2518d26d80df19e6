import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWorkerId, describeConfig, loadConfig } from './config.js';
import { WorkerConfigError } from './runtime/errors.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every worker needs its API token; the tests give one through the environment. */
const TOKEN = 'worker-token-for-tests-0123456789';
const AUTH = { CLUE_TOKEN: TOKEN };

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
    AUTH,
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
  const d = loadConfig([], AUTH);
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
    ...AUTH,
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
    assert.throws(() => loadConfig(argv, AUTH), (e: unknown) => e instanceof WorkerConfigError && re.test(e.message), argv.join(' '));
  }
  assert.throws(() => loadConfig([], { ...AUTH, CLUE_SLOTS: 'many' }), (e: unknown) => e instanceof WorkerConfigError && /^--slots: must be a whole number from 1 to 64, got "many"$/.test(e.message));
});

test('the default worker id is a NATS-token-safe form of the host name', () => {
  assert.equal(defaultWorkerId('GPU-Node_07.cluster.local'), 'worker-gpu-node-07-cluster-local');
  assert.equal(defaultWorkerId('...'), 'worker-node');
});

test('security settings: the API token and NATS password come from files or the environment, are required together, and never reach the description', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clue-wcfg-'));
  try {
    const tokenFile = join(dir, 'worker');
    const pwFile = join(dir, 'nats.password');
    writeFileSync(tokenFile, `# the worker token\n${TOKEN}-from-file\n`);
    writeFileSync(pwFile, 'nats-password-from-file\n');
    const c = loadConfig(['--token-file', tokenFile, '--nats-user', 'worker', '--nats-password-file', pwFile, '--nats-ca', pwFile, '--tls-ca', '/ca.pem'], { CLUE_TOKEN: 'ignored-because-a-file-is-given' });
    assert.equal(c.coordinatorAuth.token, `${TOKEN}-from-file`);
    assert.equal(c.coordinatorAuth.caFile, '/ca.pem');
    assert.deepEqual(c.natsAuth, { user: 'worker', password: 'nats-password-from-file', caFile: pwFile });
    const fromEnv = loadConfig(['--nats-user', 'worker'], { ...AUTH, CLUE_NATS_PASSWORD: 'pw-from-env' });
    assert.equal(fromEnv.natsAuth.password, 'pw-from-env');
    const text = JSON.stringify(describeConfig(c)) + JSON.stringify(describeConfig(fromEnv));
    for (const secret of [TOKEN, 'nats-password-from-file', 'pw-from-env']) assert.ok(!text.includes(secret), `no ${secret} in the description`);
    assert.match(text, /user worker/);

    const fails = (argv: string[], env: Record<string, string>, re: RegExp): void => {
      assert.throws(() => loadConfig(argv, env), (e: unknown) => e instanceof WorkerConfigError && re.test(e.message), argv.join(' '));
    };
    fails([], {}, /^--token-file: the worker needs its API token .*CLUE_TOKEN/);
    fails(['--token-file', join(dir, 'missing')], {}, /^--token-file: --token-file .*missing: cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, 'short'), 'abc\n');
    fails(['--token-file', join(dir, 'short')], {}, /at least 24 characters/);
    fails(['--nats-user', 'worker'], AUTH, /--nats-user worker needs a password: --nats-password-file FILE or CLUE_NATS_PASSWORD/);
    fails([], { ...AUTH, CLUE_NATS_PASSWORD: 'x' }, /a NATS password is set but no --nats-user/);
    fails(['--nats-ca', join(dir, 'no-ca.pem')], AUTH, /--nats-ca .*no-ca.pem: cannot read it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
