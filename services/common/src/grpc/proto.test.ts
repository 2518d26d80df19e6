import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadClueProto } from './proto.js';

test('the clue.v1 contracts load with both services and their methods', () => {
  const p = loadClueProto();
  const coord = Object.keys(p.Coordinator.service);
  for (const m of ['SubmitRun', 'GetRun', 'ListRuns', 'CancelRun', 'WatchRun', 'GetResults', 'ListWorkers', 'RegisterDataset']) {
    assert.ok(coord.includes(m), `Coordinator.${m}`);
  }
  assert.equal(p.Coordinator.service['WatchRun']!.responseStream, true);
  const worker = Object.keys(p.WorkerApi.service);
  for (const m of ['Register', 'GetAssignment', 'ReportProgress', 'CompleteUnit', 'FailUnit']) assert.ok(worker.includes(m), `WorkerApi.${m}`);
  assert.equal(p.WorkerApi.service['ReportProgress']!.requestStream, true);
});
