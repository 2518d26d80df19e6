import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATE_POLICY_DEFAULTS, evaluateGate, gateSummary, parseGatePolicy, renderGate } from './gate.js';
import { GatePolicyError } from './errors.js';
import { diffRuns } from './run-diff.js';
import { makeRun, synthSamples } from './test-support.js';
import type { RunData } from './model.js';

const M = 'mistral-7b-instruct-v0-2';

function run(id: string, qaQuality: number, qaSeed: number, extra: Partial<Parameters<typeof makeRun>[1][string]> = {}): RunData {
  return makeRun(id, {
    [M]: {
      mednli: { samples: synthSamples('mednli', 400, 1) },
      meqsum: { samples: synthSamples('meqsum', 200, 2) },
      problemsummary: { samples: synthSamples('problemsummary', 100, 3) },
      medisumqa: { samples: synthSamples('medisumqa', 300, qaSeed, qaQuality) },
      medisumcode: { samples: synthSamples('medisumcode', 200, 5) },
      longhealth: { samples: synthSamples('longhealth', 600, 6) },
      ...extra,
    },
  });
}

test('the policy from the brief parses; an empty policy is the defaults', () => {
  const text = 'maxCellDrop: 2.0        # points\nfailOnFailedCell: true\nmaxClueAvgDrop: 0.5\n';
  assert.deepEqual(parseGatePolicy(text, 'gate.yaml'), { maxCellDrop: 2, failOnFailedCell: true, maxClueAvgDrop: 0.5, failOnUntestedCell: false });
  assert.deepEqual(parseGatePolicy('', 'gate.yaml'), GATE_POLICY_DEFAULTS);
  assert.deepEqual(parseGatePolicy('{"maxCellDrop": null, "failOnUntestedCell": true}', 'gate.json'), { ...GATE_POLICY_DEFAULTS, maxCellDrop: null, failOnUntestedCell: true });
});

test('a malformed policy gives an error naming the field and what is allowed', () => {
  const cases: [string, string, RegExp][] = [
    ['maxCellDrop: lots', 'maxCellDrop', /^gate\.yaml: maxCellDrop: must be a number of points >= 0 \(or null to switch the check off\), got "lots"$/],
    ['maxCellDrop: -1', 'maxCellDrop', /must be a number of points >= 0.*got -1/],
    ['maxClueAvgDrop: .inf', 'maxClueAvgDrop', /must be a number of points >= 0/],
    ['failOnFailedCell: "yes"', 'failOnFailedCell', /^gate\.yaml: failOnFailedCell: must be true or false, got "yes"$/],
    ['max_cell_drop: 1', 'max_cell_drop', /unknown field \(did you mean maxCellDrop\?\); allowed: maxCellDrop, failOnFailedCell, maxClueAvgDrop, failOnUntestedCell/],
    ['- 1\n- 2', '', /^gate\.yaml: must be a mapping of fields .*got a list$/],
    ['maxCellDrop: [1', '', /^gate\.yaml: not valid YAML or JSON: .*line 1, column/],
    ['maxCellDrop: 1\nmaxCellDrop: 2', '', /Map keys must be unique/],
  ];
  for (const [text, field, re] of cases) {
    assert.throws(
      () => parseGatePolicy(text, 'gate.yaml'),
      (e: unknown) => e instanceof GatePolicyError && e.code === 'GATE_POLICY_INVALID' && e.field === field && re.test(e.message),
      text,
    );
  }
});

test('an identical rerun (same samples) passes', () => {
  const verdict = evaluateGate(diffRuns(run('a', 0, 4), run('b', 0, 4)), GATE_POLICY_DEFAULTS);
  assert.deepEqual([verdict.passed, verdict.violations, verdict.unchecked], [true, [], []]);
  assert.match(renderGate(verdict), /^Gate passed \(policy: maxCellDrop 2 points, failOnFailedCell true, maxClueAvgDrop 0\.5 points, failOnUntestedCell false\)$/);
});

test('a constructed regression fails: a significant cell drop, a failed cell and the CLUE AVG', () => {
  const a = run('a', 0, 4);
  const b = run('b', -0.1, 14, { longhealth: { failed: 'engine crashed' } });
  const verdict = evaluateGate(diffRuns(a, b), GATE_POLICY_DEFAULTS);
  assert.equal(verdict.passed, false);
  assert.deepEqual(verdict.violations.map((v) => [v.kind, v.task ?? null]), [['cell-drop', 'medisumqa'], ['cell-failed', 'longhealth'], ['clue-avg-missing', null]]);
  assert.match(verdict.violations[0]!.message, /^mistral-7b-instruct-v0-2 × MeDiSumQA: \d+\.\d\d → \d+\.\d\d \(Δ -\d+\.\d\d, 95 % CI \[-\d+\.\d\d, -\d+\.\d\d\]\) drops by more than 2 points$/);
  assert.match(verdict.violations[1]!.message, /failed in B \(B: engine crashed\)/);
  const text = renderGate(verdict);
  assert.match(text, /^Gate FAILED: 3 violations/);
  assert.ok(text.split('\n').every((l) => l.length <= 120));
  // The one line `clue gate --record` stores: every violation while it fits, then how many more.
  const line = gateSummary(verdict);
  assert.match(line, /^FAILED: 3 violations: mistral-7b-instruct-v0-2 × MeDiSumQA: .*; .*failed in B .*; .*CLUE AVG/);
  assert.doesNotMatch(line, /\n/);
  const short = gateSummary(verdict, 150);
  assert.ok(short.length <= 150 + 20, short);
  assert.match(short, /^FAILED: 3 violations: .* … \(\+\d more\)$/);
  assert.match(gateSummary(evaluateGate(diffRuns(a, a), GATE_POLICY_DEFAULTS)), /^passed \(policy: maxCellDrop 2 points/);

  // The CLUE AVG drop itself (no failed cell): the medisumqa drop lowers Level 2 and so CLUE AVG.
  const onlyDrop = evaluateGate(diffRuns(a, run('b', -0.1, 14)), { ...GATE_POLICY_DEFAULTS, maxCellDrop: null });
  assert.deepEqual(onlyDrop.violations.map((v) => v.kind), ['clue-avg-drop']);
  assert.match(onlyDrop.violations[0]!.message, /CLUE AVG \d+\.\d\d → \d+\.\d\d \(Δ -\d\.\d\d\) drops by more than 0\.5 points/);
});

test('a drop within the allowance, or without a significant interval, passes', () => {
  const a = run('a', 0, 4);
  const small = run('b', -0.01, 4); // every sample 1 point lower: significant but below 2 points
  const v = evaluateGate(diffRuns(a, small), { ...GATE_POLICY_DEFAULTS, maxClueAvgDrop: null });
  assert.equal(v.passed, true, JSON.stringify(v.violations));
  const noisy = run('b', 0, 99); // another draw of the same quality: not significant
  assert.equal(evaluateGate(diffRuns(a, noisy), { ...GATE_POLICY_DEFAULTS, maxCellDrop: 0, maxClueAvgDrop: null }).passed, true);
});

test('cells without an interval are listed as not checked, or violate with failOnUntestedCell', () => {
  const a = run('a', 0, 4);
  const b: RunData = { ...run('b', -0.1, 14), samples: new Map() };
  const lenient = evaluateGate(diffRuns(a, b), { ...GATE_POLICY_DEFAULTS, maxClueAvgDrop: null });
  assert.equal(lenient.passed, true);
  assert.equal(lenient.unchecked.length, 6);
  assert.match(renderGate(lenient), /Not checked \(6\):\n- mistral-7b-instruct-v0-2 × MedNLI: no interval \(the per-sample records of run B are not loaded/);
  const strict = evaluateGate(diffRuns(a, b), { ...GATE_POLICY_DEFAULTS, failOnUntestedCell: true, maxClueAvgDrop: null });
  assert.deepEqual(strict.violations.map((x) => x.kind), Array(6).fill('cell-untested'));
});
