import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIST_WIDTH, renderRunList, runAverage, type ListedRun, type RunAverage } from './run-list.js';
import type { ResultsMsg } from './results/shapes.js';

const results = (avgs: Record<string, number | undefined>): ResultsMsg => ({
  runId: 'x',
  state: 'RUN_STATE_SUCCEEDED',
  cells: [],
  models: Object.entries(avgs).map(([model, clueAvg]) => (clueAvg === undefined ? { model, level1: 50 } : { model, level1: 50, level2: 40, clueAvg })),
});

const run = (id: string, state: string, createdAt: string, extra: Partial<ListedRun> = {}): ListedRun => ({
  id,
  state: `RUN_STATE_${state}`,
  createdAt,
  samplesDone: 10,
  samplesTotal: 10,
  spec: { name: 'nightly' },
  ...extra,
});

test('the CLUE AVG of a run is the mean over its models, and none at all when a model lacks it', () => {
  assert.deepEqual(runAverage(results({ a: 40, b: 50 })), { value: 45, models: ['a', 'b'] });
  assert.deepEqual(runAverage(results({ a: 40, b: 50 }), 'b'), { value: 50, models: ['b'] });
  assert.deepEqual(runAverage(results({ a: 40, b: undefined })), { value: null, why: 'incomplete: no CLUE AVG for b' });
  assert.match((runAverage(results({ a: 40 }), 'zz') as { why: string }).why, /zz is not in the run/);
});

test('clue list: newest first, the average and its change against the previous run of the same name, the gate, incomplete averages as –', () => {
  const runs = [
    run('r4', 'RUNNING', '2026-12-04T01:00:00.000Z', { samplesDone: 5 }),
    run('r3', 'PARTIAL', '2026-12-03T01:00:00.000Z', { gate: { passed: false, againstRunId: 'r2', violations: 2, summary: 'FAILED: 2 violations' } }),
    run('r2', 'SUCCEEDED', '2026-12-02T01:00:00.000Z', { gate: { passed: true, againstRunId: 'r1', violations: 0, summary: 'passed' } }),
    run('other', 'SUCCEEDED', '2026-12-01T12:00:00.000Z', { spec: { name: 'ad hoc' } }),
    run('r1', 'SUCCEEDED', '2026-12-01T01:00:00.000Z'),
  ];
  const averages = new Map<string, RunAverage>([
    ['r3', runAverage(results({ a: 40, b: undefined }))],
    ['r2', runAverage(results({ a: 41, b: 50.5 }))],
    ['other', runAverage(results({ a: 10 }))],
    ['r1', runAverage(results({ a: 40, b: 50 }))],
  ]);
  const lines = renderRunList(runs, averages);
  assert.match(lines[0]!, /^RUN +STATE +DONE +CREATED \(UTC\) +CLUE AVG +Δ PREV +GATE +NAME$/);
  assert.match(lines[1]!, /^r4 +running +50\.0% +2026-12-04 01:00 +nightly$/, 'a running run has no average yet');
  assert.match(lines[2]!, /^r3 +partial +100\.0% +2026-12-03 01:00 +–\[1\] +FAILED\(2\) +nightly$/);
  assert.match(lines[3]!, /^r2 +succeeded +100\.0% +2026-12-02 01:00 +45\.75 +\+0\.75 +passed +nightly$/, 'against r1, not the ad-hoc run between them');
  assert.match(lines[4]!, /^other +succeeded .* 10\.00 +ad hoc$/, 'no earlier run of its name: no change');
  assert.match(lines[5]!, /^r1 +succeeded .* 45\.00 +nightly$/);
  assert.deepEqual(lines.slice(6), ['', '[1] r3: incomplete: no CLUE AVG for b']);
  assert.doesNotMatch(lines.join('\n'), /NaN|undefined/);
});

test('clue list fits 120 columns, and a change over other models is not a number', () => {
  const long = 'x'.repeat(300);
  const runs = [run('r2', 'SUCCEEDED', '2026-12-02T01:00:00.000Z', { spec: { name: long } }), run('r1', 'SUCCEEDED', '2026-12-01T01:00:00.000Z', { spec: { name: long } })];
  const averages = new Map<string, RunAverage>([
    ['r2', runAverage(results({ a: 40, b: 50 }))],
    ['r1', runAverage(results({ a: 40 }))],
  ]);
  const lines = renderRunList(runs, averages);
  assert.ok(lines.every((l) => l.length <= LIST_WIDTH), lines.map((l) => l.length).join(','));
  assert.match(lines[1]!, / 45\.00 +models≠ +x+…$/);
});
