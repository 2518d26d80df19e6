import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerConfigError } from './errors.js';
import { classifyGpu, describeInventory, detectGpus, parseGpuFlag, parseNvidiaSmi } from './gpu-inventory.js';

const H100_NODE = [
  '0, NVIDIA H100 80GB HBM3, 81559, GPU-5d2a9b8e-1c1f-4d5e-9b1a-000000000000',
  '1, NVIDIA H100 80GB HBM3, 81559, GPU-5d2a9b8e-1c1f-4d5e-9b1a-000000000001',
  '2, NVIDIA H100 80GB HBM3, 81559, GPU-5d2a9b8e-1c1f-4d5e-9b1a-000000000002',
  '3, NVIDIA H100 80GB HBM3, 81559, GPU-5d2a9b8e-1c1f-4d5e-9b1a-000000000003',
].join('\n');

test('nvidia-smi output of an H100 node: four H100-80GB with memory in GiB, uuids, indices → CUDA devices', () => {
  const inv = parseNvidiaSmi(`${H100_NODE}\n`);
  assert.equal(inv.source, 'nvidia-smi');
  assert.equal(inv.gpus.length, 4);
  assert.deepEqual(inv.gpus[2], { index: 2, gpuClass: 'H100-80GB', memoryGib: 79.65, uuid: 'GPU-5d2a9b8e-1c1f-4d5e-9b1a-000000000002' });
  assert.equal(describeInventory(inv), '4× H100-80GB (nvidia-smi)');
});

test('A100 40 and 80 GB, L40S are told apart by name and memory; a mixed node keeps the class of each GPU', () => {
  assert.equal(classifyGpu('NVIDIA A100-SXM4-40GB', 40960), 'A100-40GB');
  assert.equal(classifyGpu('NVIDIA A100-SXM4-80GB', 81920), 'A100-80GB');
  assert.equal(classifyGpu('NVIDIA A100 80GB PCIe', 81920), 'A100-80GB');
  assert.equal(classifyGpu('NVIDIA L40S', 46068), 'L40S-48GB');
  assert.equal(classifyGpu('NVIDIA H100 PCIe', 81559), 'H100-80GB');
  assert.equal(classifyGpu('Tesla T4', 15360), null);
  const inv = parseNvidiaSmi(
    ['0, NVIDIA L40S, 46068, GPU-a', '1, NVIDIA A100-SXM4-80GB, 81920, GPU-b', '2, NVIDIA A100-SXM4-80GB, 81920, GPU-c', '3, NVIDIA L40S, 46068, GPU-d', '5, NVIDIA A100-SXM4-80GB, 81920, GPU-e'].join('\r\n'),
  );
  assert.equal(describeInventory(inv), '2× L40S-48GB + 3× A100-80GB (nvidia-smi)');
});

test('unusable nvidia-smi output is a config error naming the line and the fix', () => {
  assert.throws(() => parseNvidiaSmi('0, Tesla T4, 15360, GPU-x'), (e: unknown) => e instanceof WorkerConfigError && /line 1: GPU 'Tesla T4'.*--gpus CLASS:COUNT/.test(e.message));
  assert.throws(() => parseNvidiaSmi('0, NVIDIA L40S, 46068'), /line 1: expected 4 columns/);
  assert.throws(() => parseNvidiaSmi('x, NVIDIA L40S, 46068, GPU-a'), /index 'x'/);
  assert.throws(() => parseNvidiaSmi('0, NVIDIA L40S, [N/A], GPU-a'), /memory.total/);
  assert.throws(() => parseNvidiaSmi('\n'), /listed no GPUs/);
});

test('--gpus: CLASS:COUNT (case-insensitive, several groups), simulated uuids, no device ids', () => {
  const inv = parseGpuFlag('h100-80gb:8');
  assert.equal(inv.source, 'simulated');
  assert.equal(inv.gpus.length, 8);
  assert.deepEqual(inv.gpus[7], { index: 7, gpuClass: 'H100-80GB', memoryGib: 79.1, uuid: 'sim-7' });
  const mixed = parseGpuFlag('A100-40GB:2, L40S-48GB');
  assert.deepEqual(
    mixed.gpus.map((g) => [g.index, g.gpuClass]),
    [[0, 'A100-40GB'], [1, 'A100-40GB'], [2, 'L40S-48GB']],
  );
  for (const [flag, msg] of [
    ['', /is empty/],
    ['B200:8', /unknown GPU class 'B200'/],
    ['H100-80GB:0', /from 1 to 64/],
    ['H100-80GB:x', /not CLASS:COUNT/],
  ] as const) {
    assert.throws(() => parseGpuFlag(flag), (e: unknown) => e instanceof WorkerConfigError && e.message.startsWith('--gpus: ') && msg.test(e.message), flag);
  }
});

test('detectGpus runs nvidia-smi with the documented query, and explains a missing binary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clue-smi-'));
  const fake = join(dir, 'nvidia-smi');
  writeFileSync(fake, `#!/bin/sh\n[ "$1" = "--query-gpu=index,name,memory.total,uuid" ] && [ "$2" = "--format=csv,noheader,nounits" ] || exit 9\nprintf '0, NVIDIA A100-SXM4-40GB, 40960, GPU-q\\n'\n`);
  chmodSync(fake, 0o755);
  const inv = await detectGpus(fake);
  assert.deepEqual(inv.gpus, [{ index: 0, gpuClass: 'A100-40GB', memoryGib: 40, uuid: 'GPU-q' }]);
  await assert.rejects(detectGpus(join(dir, 'missing')), (e: unknown) => e instanceof WorkerConfigError && /nvidia-smi is not installed.*--gpus/.test(e.message));
});
