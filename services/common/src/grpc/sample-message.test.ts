import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SampleRecord } from '../records.js';
import { sampleMessage, sampleRecordOf } from './sample-message.js';

test('a SampleRecord survives the Sample message: NaN BERTScore statistics (null) travel as absent fields', () => {
  const records: SampleRecord[] = [
    { index: 3, promptSha256: 'a'.repeat(64), output: 'x', finishReason: 'stop', promptTokens: 10, completionTokens: 2, metrics: { ROUGE_L: 0.5 } },
    {
      index: 4, promptSha256: 'b'.repeat(64), output: '', finishReason: 'length', promptTokens: 9, completionTokens: 0, metrics: {}, subtask: 2, error: 'context overflow',
      bertscore: { p: null, r: 0.7, pPad: 0.6, rPad: null, hypTokens: 2, refTokens: 12 },
    },
  ];
  for (const r of records) assert.deepEqual(sampleRecordOf(sampleMessage(r)), r);
  const m = sampleMessage(records[1]!);
  assert.equal('p' in m.bertscore!, false);
  assert.equal(m.bertscore!.r, 0.7);
});
