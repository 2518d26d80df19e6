import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getModel, TASK_IDS } from '@clue/tasks';
import { buildMatrix } from './matrix.js';
import { CLUE_SAMPLE_COUNTS, syntheticProfiles } from './profiles.js';
import { profile, smallMatrix } from './test-support.js';
import { CapacityError } from './errors.js';

test('the matrix is planned by the real planner: units cover every sample once, model-major', () => {
  const cells = smallMatrix(['llama-2-7b', 'llama-3-70b-instruct'], { mednli: 500, longhealth: 300 }, { targetGpuSeconds: 10 });
  assert.deepEqual(cells.map((c) => `${c.model.key}/${c.task}`), ['llama-2-7b/mednli', 'llama-2-7b/longhealth', 'llama-3-70b-instruct/mednli', 'llama-3-70b-instruct/longhealth']);
  for (const c of cells) {
    assert.equal(c.units.reduce((s, u) => s + u.samples, 0), c.samples);
    assert.ok(c.units.length > 1, `${c.model.key}/${c.task} has several units`);
    assert.ok(Math.abs(c.units.reduce((s, u) => s + u.gpuSeconds, 0) - c.plannedGpuSeconds) < 1e-9);
  }
  // LongHealth prompts are filled to 8140 tokens or the model's length; short prompts are chars / 4.
  assert.equal(cells[1]!.promptTokens, 4096);
  assert.equal(cells[3]!.promptTokens, 8140);
  assert.equal(cells[0]!.outputTokens, 5);
  assert.ok(cells[0]!.promptTokens > 500 && cells[0]!.promptTokens < 700);
  assert.throws(() => buildMatrix([getModel('llama-2-7b')], ['meqsum'], { mednli: profile('mednli', 3) }), (e: unknown) => e instanceof CapacityError && /no dataset profile for task 'meqsum'/.test(e.message));
});

test('synthetic profiles have CLUE\'s real scored-sample counts', async () => {
  const p = await syntheticProfiles();
  for (const t of TASK_IDS) assert.equal(p[t].samples, CLUE_SAMPLE_COUNTS[t], t);
  assert.equal(p.longhealth.samples, 6000);
  assert.equal(p.mednli.promptChars!.length, 1419);
  const small = await syntheticProfiles({ samples: 10 });
  assert.equal(small.meqsum.samples, 10);
  assert.equal(small.longhealth.samples, 2 * 15);
});
