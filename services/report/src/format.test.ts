import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceLabel, fmtDelta, fmtInterval, fmtScore, truncate, wrap } from './format.js';
import { groupModels, modelView } from './models.js';
import * as api from './index.js';

test('numbers: 2 decimals, signed differences, – for none', () => {
  assert.deepEqual([fmtScore(12.345), fmtScore(null), fmtScore(Number.NaN)], ['12.35', '–', '–']);
  assert.deepEqual([fmtDelta(1.5), fmtDelta(-0.001), fmtDelta(0), fmtDelta(-0), fmtDelta(null)], ['+1.50', '-0.00', '+0.00', '+0.00', '–']);
  assert.equal(fmtInterval(-1, 2.5), '[-1.00, +2.50]');
  assert.equal(fmtInterval(null, null), '–');
  assert.deepEqual([confidenceLabel(0.95), confidenceLabel(0.9), confidenceLabel(0.999)], ['95 %', '90 %', '99.9 %']);
});

test('wrap keeps lines within the width, indents continuations and cuts overlong words', () => {
  const lines = wrap('aaa bbb ccc ddd eee ' + 'x'.repeat(25), 10, '  ');
  assert.deepEqual(lines, ['aaa bbb', '  ccc ddd', '  eee', '  xxxxxxxx', '  xxxxxxxx', '  xxxxxxxx', '  x']);
  assert.ok(lines.every((l) => l.length <= 10));
  assert.deepEqual(wrap('', 10), ['']);
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
});

test('models are grouped general / biomedical / unknown in catalog order, named as CLUE names them', () => {
  const groups = groupModels(['openbiollm-8b', 'someone/new-model', 'llama-3-70b-instruct', 'meta-llama/Meta-Llama-3-8B-Instruct']);
  assert.deepEqual(groups.map((g) => [g.kind, g.models.map((m) => m.name)]), [
    ['general', ['Meta-Llama-3-8B-Instruct', 'Meta-Llama-3-70B-Instruct']],
    ['biomedical', ['Llama3-OpenBioLLM-8B']],
    ['unknown', ['someone/new-model']],
  ]);
  assert.deepEqual(modelView('openbiollm-8b'), { key: 'openbiollm-8b', name: 'Llama3-OpenBioLLM-8B', kind: 'biomedical', base: 'Meta-Llama-3-8B-Instruct' });
});

test('the package index exports the API', () => {
  for (const name of ['pairedBootstrap', 'diffCellSamples', 'diffRuns', 'renderDiff', 'parseGatePolicy', 'evaluateGate', 'renderGate', 'renderReportHtml', 'cellKey']) {
    assert.equal(typeof (api as Record<string, unknown>)[name], 'function', name);
  }
});
