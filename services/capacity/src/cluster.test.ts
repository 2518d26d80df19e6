import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesOf, parseCluster } from './cluster.js';
import { CapacityError } from './errors.js';

test('a cluster description: nodes in order, canonical class names, case and spacing free', () => {
  const c = parseCluster('4x8xH100-80GB,2x4xL40S-48GB');
  assert.equal(c.nodes.length, 6);
  assert.equal(c.totalGpus, 40);
  assert.deepEqual(c.nodes[0], { id: 'node-0', gpuClass: 'H100-80GB', gpus: 8 });
  assert.deepEqual(c.nodes[5], { id: 'node-5', gpuClass: 'L40S-48GB', gpus: 4 });
  assert.equal(c.description, '4x8xH100-80GB,2x4xL40S-48GB');
  const d = parseCluster(' 1 X 2 x a100-40gb , 3×1×l40s-48gb ');
  assert.equal(d.description, '1x2xA100-40GB,3x1xL40S-48GB');
  assert.deepEqual([...classesOf(d)], [['A100-40GB', 2], ['L40S-48GB', 1]]);
});

test('a bad cluster description names the bad part and lists the known classes', () => {
  const cases: [string, RegExp][] = [
    ['4x8xTPU-v5', /cluster part '4x8xTPU-v5': unknown GPU class 'TPU-v5'/],
    ['4x8', /cluster part '4x8': not of the form NODESxGPUSxCLASS/],
    ['0x8xH100-80GB', /'0x8xH100-80GB': the node count must be a whole number from 1 to 1024, got 0/],
    ['1x65xH100-80GB', /the GPUs per node must be a whole number from 1 to 64, got 65/],
    ['4x8xH100-80GB,', /empty part \(a stray comma\?\)/],
    ['', /empty cluster description/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCluster(text), (e: unknown) => {
      assert.ok(e instanceof CapacityError, text);
      assert.equal(e.code, 'INVALID_CLUSTER');
      assert.match(e.message, message, text);
      assert.match(e.message, /known classes: H100-80GB, A100-80GB, A100-40GB, L40S-48GB/, text);
      return true;
    });
  }
});
