import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COORDINATOR_LIMITS, SERVER_MAX_RECEIVE_BYTES, SERVER_MAX_SEND_BYTES, WORKER_API_LIMITS } from '@clue/coordinator';
import { WORKER_MAX_MESSAGE_BYTES } from '@clue/worker';
import { CLI_MAX_RECEIVE_BYTES, CLI_MAX_SEND_BYTES } from './grpc-client.js';

test("the CLI's and the worker's gRPC message limits fit the coordinator's bounds table (docs/limits.md)", () => {
  assert.equal(CLI_MAX_RECEIVE_BYTES, SERVER_MAX_SEND_BYTES, 'the CLI takes every reply the coordinator may send');
  assert.ok(CLI_MAX_SEND_BYTES >= COORDINATOR_LIMITS['RegisterDataset']!.maxBytes, 'the CLI can send the largest dataset the coordinator accepts');
  assert.ok(CLI_MAX_SEND_BYTES - SERVER_MAX_RECEIVE_BYTES < 64 * 1024, 'and not much more (the coordinator would refuse it)');
  for (const [m, l] of Object.entries(WORKER_API_LIMITS)) assert.ok(l.maxBytes * 10 <= WORKER_MAX_MESSAGE_BYTES, `the worker sends any in-bounds ${m} with room`);
});
