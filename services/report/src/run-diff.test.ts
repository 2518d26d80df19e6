import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRuns, findCellDiff, type RunDiff } from './run-diff.js';
import { renderDiff, DIFF_TABLE_WIDTH } from './render-diff.js';
import { makeRun, synthSamples } from './test-support.js';
import type { RunData } from './model.js';

const MODEL = 'meta-llama-3-8b-instruct';
const LONG = 'an-uncatalogued-model-with-a-rather-long-name-indeed';

function baseline(): RunData {
  return makeRun('run-a', {
    [MODEL]: {
      mednli: { samples: synthSamples('mednli', 300, 1) },
      meqsum: { samples: synthSamples('meqsum', 200, 2) },
      problemsummary: { samples: synthSamples('problemsummary', 100, 3) },
      medisumqa: { samples: synthSamples('medisumqa', 200, 4) },
      medisumcode: { samples: synthSamples('medisumcode', 200, 5) },
      longhealth: { samples: synthSamples('longhealth', 600, 6) },
    },
    [LONG]: { mednli: { samples: synthSamples('mednli', 300, 7) }, meqsum: { samples: synthSamples('meqsum', 200, 8) } },
  });
}

function regressed(): RunData {
  return makeRun('run-b', {
    [MODEL]: {
      mednli: { samples: synthSamples('mednli', 300, 1) },
      meqsum: { samples: synthSamples('meqsum', 200, 2) },
      problemsummary: { samples: synthSamples('problemsummary', 100, 3) },
      medisumqa: { samples: synthSamples('medisumqa', 200, 14, -0.15) },
      medisumcode: { failed: 'unit u7 failed: CUDA out of memory' },
      longhealth: { samples: synthSamples('longhealth', 600, 6) },
    },
    [LONG]: { meqsum: { samples: synthSamples('meqsum', 200, 8) }, problemsummary: { samples: synthSamples('problemsummary', 50, 9) } },
  });
}

test('an identical rerun: every cell Δ 0, nothing significant, level differences 0', () => {
  const diff = diffRuns(baseline(), baseline());
  assert.equal(diff.cells.length, 8);
  for (const c of diff.cells) {
    assert.equal(c.status, 'ok', `${c.model} ${c.task}`);
    assert.deepEqual([c.delta, c.low, c.high, c.significant], [0, 0, 0, false]);
  }
  assert.deepEqual(diff.models.find((m) => m.model === MODEL)!.clueAvg.delta, 0);
  assert.deepEqual(diff.bootstrap, { iterations: 1000, seed: 0, confidence: 0.95 });
});

test('a regression, a failed cell and cells on one side only', () => {
  const diff = diffRuns(baseline(), regressed(), { iterations: 500 });
  const qa = findCellDiff(diff, MODEL, 'medisumqa')!;
  assert.equal(qa.status, 'ok');
  assert.ok(qa.delta! < -5 && qa.high! < 0 && qa.significant, JSON.stringify(qa));
  const code = findCellDiff(diff, MODEL, 'medisumcode')!;
  assert.deepEqual([code.status, code.stateA, code.stateB, code.reason], ['failed', 'complete', 'failed', 'B: unit u7 failed: CUDA out of memory']);
  assert.equal(code.scoreB, null);
  const onlyA = findCellDiff(diff, LONG, 'mednli')!;
  assert.deepEqual([onlyA.status, onlyA.stateA, onlyA.stateB], ['missing', 'complete', 'absent']);
  assert.equal(onlyA.reason, 'not in run B (run-b)');
  assert.equal(findCellDiff(diff, LONG, 'problemsummary')!.reason, 'not in run A (run-a)');
  const onlyB = findCellDiff(diff, LONG, 'problemsummary')!;
  assert.deepEqual([onlyB.status, onlyB.stateA, onlyB.stateB], ['missing', 'absent', 'complete']);
  assert.deepEqual(diff.cells.map((c) => `${c.model === MODEL ? 'M' : 'L'}.${c.task}`), [
    'M.mednli', 'M.meqsum', 'M.problemsummary', 'M.medisumqa', 'M.medisumcode', 'M.longhealth', 'L.mednli', 'L.meqsum', 'L.problemsummary',
  ]);
  const m = diff.models.find((x) => x.model === MODEL)!;
  assert.equal(m.level2.b, null, 'a failed Level 2 cell leaves B without Level 2');
  assert.equal(m.level1.delta, 0);
  assert.equal(m.clueAvg.delta, null);
});

test('without per-sample records a cell gets a point difference and no interval', () => {
  const a = baseline();
  const b: RunData = { ...regressed() };
  delete (b as { samples?: unknown }).samples;
  const qa = findCellDiff(diffRuns(a, b), MODEL, 'medisumqa')!;
  assert.equal(qa.status, 'no-samples');
  assert.match(qa.reason, /per-sample records of run B are not loaded/);
  assert.equal(qa.delta, qa.scoreB! - qa.scoreA!);
  assert.deepEqual([qa.low, qa.high, qa.significant], [null, null, false]);
});

function lines(diff: RunDiff): string[] {
  return renderDiff(diff, 'table').split('\n');
}

test('the table fits 120 columns and marks the significant drop', () => {
  const diff = diffRuns(baseline(), regressed(), { iterations: 300 });
  const out = lines(diff);
  for (const l of out) assert.ok(l.length <= DIFF_TABLE_WIDTH, `${l.length}: ${l}`);
  const row = out.find((l) => l.includes('MeDiSumQA') && l.startsWith(MODEL))!;
  assert.ok(row.includes('▼'), row);
  assert.equal(out.filter((l) => l.includes('▼') || l.includes('▲')).length, diff.cells.filter((c) => c.significant).length + 1, 'one mark per significant cell (+ the legend)');
  assert.ok(out.some((l) => l.startsWith('an-uncatalogued-model-with-a-…')), 'long names are cut');
  assert.ok(out.some((l) => /^\[\d+\] meta-llama-3-8b-instruct × MeDiSumCode: B: unit u7 failed: CUDA out of memory$/.test(l)));
  assert.ok(out.includes('Levels (point differences):'));
});

test('json is the RunDiff itself', () => {
  const diff = diffRuns(baseline(), regressed(), { iterations: 100, seed: 3, confidence: 0.9 });
  const back = JSON.parse(renderDiff(diff, 'json')) as RunDiff;
  assert.deepEqual(back, JSON.parse(JSON.stringify(diff)));
  assert.equal(back.version, 1);
  assert.deepEqual(back.bootstrap, { iterations: 100, seed: 3, confidence: 0.9 });
  assert.deepEqual(Object.keys(back.cells[0]!), [
    'model', 'task', 'status', 'reason', 'stateA', 'stateB', 'scoreA', 'scoreB', 'delta', 'low', 'high', 'significant', 'paired', 'unpairedA', 'unpairedB', 'metrics', 'notes',
  ]);
  for (const c of back.cells) assert.deepEqual(Object.keys(c), Object.keys(back.cells[0]!), 'every cell has the same fields in the same order');
});
