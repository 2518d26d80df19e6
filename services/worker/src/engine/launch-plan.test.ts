import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel } from '@clue/tasks';
import { EngineError } from './errors.js';
import { effectiveMaxNumSeqs, launchArgv, launchCommand, planLaunch, redactArgv, saferProfile } from './launch-plan.js';

const llama8 = getModel('llama-3-8b-instruct');
const llama70 = getModel('llama-3-70b-instruct');

test('argv is exactly the DESIGN.md command line, in order', () => {
  const plan = planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }, { seed: 7, maxNumSeqs: 256, chatTemplateFile: '/t.jinja', extraArgs: ['--enforce-eager'] });
  assert.deepEqual(launchArgv(plan, 41000), [
    'serve', 'meta-llama/Meta-Llama-3-8B-Instruct',
    '--port', '41000',
    '--host', '127.0.0.1',
    '--served-model-name', 'llama-3-8b-instruct',
    '--tensor-parallel-size', '1',
    '--max-model-len', '8192',
    '--gpu-memory-utilization', '0.9',
    '--generation-config', 'vllm',
    '--seed', '7',
    '--max-num-seqs', '256',
    '--chat-template', '/t.jinja',
    '--enforce-eager',
  ]);
});

test('optional flags are left out when unset; defaults are seed 0, utilization 0.9, length min(context, 8192)', () => {
  const plan = planLaunch(getModel('llama-3-1-8b-instruct'), { gpuClass: 'a100-80gb', count: 2 });
  const argv = launchArgv(plan, 1234);
  assert.ok(!argv.includes('--max-num-seqs') && !argv.includes('--chat-template') && !argv.includes('--api-key'));
  assert.equal(argv[argv.indexOf('--max-model-len') + 1], '8192');
  assert.equal(argv[argv.indexOf('--seed') + 1], '0');
  assert.equal(argv[argv.indexOf('--gpu-memory-utilization') + 1], '0.9');
});

test('TP comes from the catalog: a 70B model needs 2 H100s and 4 A100-40GBs', () => {
  assert.equal(planLaunch(llama70, { gpuClass: 'H100-80GB', count: 8 }).tensorParallelSize, 2);
  assert.equal(planLaunch(llama70, { gpuClass: 'A100-40GB', count: 4 }).tensorParallelSize, 4);
});

test('a model that cannot fit the node is MODEL_DOES_NOT_FIT, classified needsBiggerWorker', () => {
  assert.throws(
    () => planLaunch(llama70, { gpuClass: 'H100-80GB', count: 1 }),
    (e: unknown) => e instanceof EngineError && e.code === 'MODEL_DOES_NOT_FIT' && e.needsBiggerWorker && /tensor-parallel size 2/.test(e.message),
  );
  assert.throws(
    () => planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }, { tensorParallelSize: 2 }),
    (e: unknown) => e instanceof EngineError && e.code === 'MODEL_DOES_NOT_FIT',
  );
});

test('bad options are INVALID_CONFIG naming the problem', () => {
  const invalid = (re: RegExp) => (e: unknown) => e instanceof EngineError && e.code === 'INVALID_CONFIG' && e.permanent && re.test(e.message);
  assert.throws(() => planLaunch(llama8, { gpuClass: 'B200', count: 1 }), invalid(/unknown GPU class 'B200'/));
  assert.throws(() => planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }, { gpuMemoryUtilization: 1.5 }), invalid(/gpuMemoryUtilization/));
  assert.throws(() => planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }, { maxModelLen: 9000 }), invalid(/exceeds the context length/));
  assert.throws(() => planLaunch(llama8, { gpuClass: 'H100-80GB', count: 0 }), invalid(/GPU count/));
  assert.throws(() => planLaunch(llama8, { gpuClass: 'H100-80GB', count: 4 }, { tensorParallelSize: 3 }), invalid(/does not split/));
});

test('a .js executable runs under this Node; the API key goes into the environment, never argv', () => {
  const plan = planLaunch(llama8, { gpuClass: 'H100-80GB', count: 2, deviceIds: [3, 5] }, {
    executable: '/x/vllm-sim/dist/main.js',
    apiKey: 'sekret',
    env: { HF_TOKEN: 'hf' },
  });
  const cmd = launchCommand(plan, 9);
  assert.equal(cmd.command, process.execPath);
  assert.equal(cmd.args[0], '/x/vllm-sim/dist/main.js');
  assert.equal(cmd.args[1], 'serve');
  assert.ok(!cmd.args.join(' ').includes('sekret'));
  assert.deepEqual(cmd.env, { HF_TOKEN: 'hf', VLLM_API_KEY: 'sekret', CUDA_VISIBLE_DEVICES: '3' });
  assert.equal(launchCommand(planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }), 9).command, 'vllm');
  assert.deepEqual(redactArgv(['--api-key', 'k1', 'x', 'sekret'], 'sekret'), ['--api-key', '***', 'x', '***']);
});

test('a model without a chat template and no template file gets a warning', () => {
  assert.equal(planLaunch(getModel('llama-2-7b'), { gpuClass: 'H100-80GB', count: 1 }).warnings.length, 1);
  assert.equal(planLaunch(getModel('llama-2-7b'), { gpuClass: 'H100-80GB', count: 1 }, { chatTemplateFile: '/t' }).warnings.length, 0);
});

test("vLLM's default max-num-seqs: 1024 on H100, 256 on A100 and L40S", () => {
  assert.equal(effectiveMaxNumSeqs(planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 })), 1024);
  assert.equal(effectiveMaxNumSeqs(planLaunch(llama8, { gpuClass: 'A100-80GB', count: 1 })), 256);
  assert.equal(effectiveMaxNumSeqs(planLaunch(llama8, { gpuClass: 'L40S-48GB', count: 1 })), 256);
});

test('safer profile after a KV-cache failure: the estimated length, higher utilization, half the sequences', () => {
  const plan = planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }, { maxNumSeqs: 256 });
  const err = new EngineError('START_FAILED_KV_CACHE', 'kv', { estimatedMaxModelLen: 6144 });
  const safer = saferProfile(plan, err)!;
  assert.equal(safer.maxModelLen, 6144);
  assert.equal(safer.gpuMemoryUtilization, 0.95);
  assert.equal(safer.maxNumSeqs, 128);
  // Again from there: utilization is capped, sequences still shrink to the floor of 32, then nothing is left.
  let p = safer;
  for (let i = 0; i < 5; i++) p = saferProfile(p, err) ?? p;
  assert.equal(p.maxNumSeqs, 32);
  assert.equal(saferProfile(p, err), null);
});

test('safer profile after an OOM: a larger TP when the node has the GPUs; none for other failures', () => {
  const plan = planLaunch(llama8, { gpuClass: 'H100-80GB', count: 4 }, { maxNumSeqs: 64 });
  const safer = saferProfile(plan, new EngineError('START_FAILED_OOM', 'oom'))!;
  assert.equal(safer.tensorParallelSize, 2);
  assert.equal(safer.maxNumSeqs, 32);
  assert.equal(saferProfile(plan, new EngineError('MODEL_INVALID_OR_GATED', 'x')), null);
  assert.equal(saferProfile(plan, new EngineError('START_TIMEOUT', 'x')), null);
  const noKv = saferProfile(planLaunch(llama8, { gpuClass: 'H100-80GB', count: 1 }), new EngineError('START_FAILED_NO_KV_MEMORY', 'x'))!;
  assert.equal(noKv.gpuMemoryUtilization, 0.95);
  assert.equal(noKv.maxNumSeqs, 512);
});
