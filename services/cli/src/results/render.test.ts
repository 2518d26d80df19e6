import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderResults } from './render.js';
import type { ResultsMsg } from './shapes.js';

const results: ResultsMsg = {
  runId: 'r0123456789ab',
  state: 'RUN_STATE_PARTIAL',
  cells: [
    { model: 'llama-3-70b-instruct', task: 'mednli', complete: true, metrics: { ACCURACY: 0.7937 }, notComputed: {}, score: 79.37, missingReason: '', samples: 1419 },
    {
      model: 'llama-3-70b-instruct',
      task: 'meqsum',
      complete: true,
      metrics: { ROUGE_L: 0.3657, ROUGE1: 0.402, ROUGE2: 0.193 },
      notComputed: { BERT_F1: 'not computed: no BERTScore scorer is configured' },
      score: 32.02,
      missingReason: '',
      samples: 997,
    },
    { model: 'mistral-7b-v0-1', task: 'mednli', complete: false, metrics: {}, notComputed: {}, missingReason: 'unit r0.mistral-7b-v0-1.mednli.0 dead-lettered: bad data', samples: 0 },
    { model: 'mistral-7b-v0-1', task: 'meqsum', complete: true, metrics: { ROUGE_L: 0.0628, ROUGE1: 0.0786, ROUGE2: 0.0249 }, notComputed: {}, score: 5.54, missingReason: '', samples: 997 },
  ],
  models: [{ model: 'llama-3-70b-instruct' }, { model: 'mistral-7b-v0-1' }],
};

test('table --detail: metrics in %, task scores, missing cells with numbered reasons, not-computed metrics listed once', () => {
  const t = renderResults(results, 'table', { detail: true });
  assert.match(t, /Run r0123456789ab \(partial\)/);
  assert.match(t, /79\.37/);
  assert.match(t, /36\.57 \/ 40\.20 \/ 19\.30 \/ –/);
  assert.match(t, /missing \[1\]/);
  assert.match(t, /\[1\] mistral-7b-v0-1 × MedNLI: unit r0\.mistral-7b-v0-1\.mednli\.0 dead-lettered: bad data/);
  assert.equal(t.match(/BERT_F1: not computed/g)?.length, 1);
});

test('md and csv formats', () => {
  const md = renderResults(results, 'md', { detail: true });
  assert.match(md, /^\| Model \| MedNLI Acc \| MedNLI score \|/m);
  const csv = renderResults(results, 'csv').split('\n');
  assert.equal(csv[0], 'model,task,metric,value,note');
  assert.ok(csv.some((l) => /^llama-3-70b-instruct,mednli,ACCURACY,79\.3(7|69+\d*),$/.test(l)), csv.join('\n'));
  assert.ok(csv.some((l) => l.startsWith('llama-3-70b-instruct,meqsum,BERT_F1,,not computed')));
});

test('the default table shows task scores and levels like the paper, and fits 120 columns for the 25 CLUE v3 models', async () => {
  const compact = renderResults(results, 'table');
  assert.match(compact, /^Model +MedNLI +MeQSum +L1 +L2 +AVG$/m);
  assert.match(compact, /^llama-3-70b-instruct +79\.37 +32\.02 +– +– +–$/m);
  assert.match(compact, /^mistral-7b-v0-1 +–\[1\] +5\.54/m);
  assert.doesNotMatch(compact, /36\.57/, 'no metric breakdown without --detail');
  const { PRESETS, TASK_IDS } = await import('@clue/tasks');
  const models = PRESETS['clue-v3'];
  const full: ResultsMsg = {
    runId: 'r0123456789ab',
    state: 'RUN_STATE_SUCCEEDED',
    cells: models.flatMap((model) => TASK_IDS.map((task) => ({ model, task, complete: true, metrics: {}, notComputed: {}, score: 100, missingReason: '', samples: 1 }))),
    models: models.map((model) => ({ model, level1: 100, level2: 100, clueAvg: 100 })),
  };
  const lines = renderResults(full, 'table').split('\n');
  const widest = Math.max(...lines.slice(0, lines.indexOf('') + 2 + models.length + 2).map((l) => l.length));
  assert.equal(models.length, 25);
  assert.ok(widest <= 120, `the table is ${widest} columns wide`);
});
