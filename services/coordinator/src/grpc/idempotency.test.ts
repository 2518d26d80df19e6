/**
 * An idempotency key means one spec, on a real coordinator (nats-server): the same key with the same
 * spec returns the run, with another spec it is ALREADY_EXISTS naming the run; of two concurrent
 * submissions of a key with different specs exactly one wins, through one coordinator and through two
 * sharing the store; a record written before records held a digest is judged by the run's spec.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { KV_IDEMPOTENCY, KV_RUNS, UNITS_STREAM } from '@clue/common';
import { registerSynthetic, rpc, startCluster, startCoordinator, type TestCluster, type TestCoordinator } from '../testing/harness.js';
import { idempotencyKeyHash } from '../idempotency.js';
import { runIdFor, specDigest } from '../spec.js';
import type { IdempotencyRecord } from '../context.js';
import type { StoredRunRecord } from '../records.js';

let c: TestCluster;
let second: TestCoordinator;
let datasets: Record<string, string>;
let nc: NatsConnection;
let idempotency: KV;
let runs: KV;

before(async () => {
  c = await startCluster();
  // A second coordinator on the same store: its submissions meet the first one's only in JetStream.
  second = await startCoordinator(c.nats);
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli', 'meqsum'], 12);
  nc = await connect(c.nats.connectOptions('coordinator'));
  const kvm = new Kvm(jetstream(nc));
  idempotency = await kvm.open(KV_IDEMPOTENCY);
  runs = await kvm.open(KV_RUNS);
});
after(async () => {
  await nc?.close();
  await second?.stop();
  await c?.stop();
});

interface RunReply {
  id: string;
  spec: { maxSamples: number; idempotencyKey: string };
}
interface SubmitReply {
  run: RunReply;
  created: boolean;
}

const specFor = (key: string, maxSamples = 0) => ({
  name: 'nightly',
  models: ['llama-3-8b-instruct'],
  tasks: ['mednli', 'meqsum'],
  datasets: { mednli: datasets['mednli'], meqsum: datasets['meqsum'] },
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 1 },
  maxSamples,
  idempotencyKey: key,
  preset: '',
});

const submit = (spec: ReturnType<typeof specFor>, via: TestCoordinator = c) => rpc<SubmitReply>(via.clients.coordinator, 'SubmitRun', { spec });

/** Asserts `e` is the ALREADY_EXISTS refusal naming `runId` and `key`, and returns its details. */
function isConflict(e: unknown, runId: string, key: string): string {
  const err = e as ServiceError;
  assert.equal(err.code, status.ALREADY_EXISTS, err.details);
  assert.match(err.details, new RegExp(`^spec\\.idempotency_key: run ${runId} already exists for idempotency key '${key}' with a different spec`));
  assert.match(err.details, /submit under a new idempotency key/);
  assert.match(err.details, new RegExp(`to get run ${runId} back, resubmit the spec it was submitted with`));
  return err.details;
}

test('the same key with the same spec returns the run; with another spec it is ALREADY_EXISTS naming the run and what differs', async () => {
  const jsm = await jetstreamManager(nc);
  const key = 'nightly-2026-12-01';
  const first = await submit(specFor(key));
  assert.equal(first.created, true);
  assert.equal(first.run.id, runIdFor(key));
  const published = (await jsm.streams.info(UNITS_STREAM)).state.messages;

  const again = await submit(specFor(key));
  assert.deepEqual([again.created, again.run.id], [false, first.run.id]);
  // Normalised before it is compared: a Hugging Face id for the catalog key is the same spec.
  const hf = await submit({ ...specFor(key), models: ['meta-llama/Meta-Llama-3-8B-Instruct'] });
  assert.deepEqual([hf.created, hf.run.id], [false, first.run.id]);
  // The second coordinator, sharing the store, answers the same.
  assert.equal((await submit(specFor(key), second)).run.id, first.run.id);

  const refused = await submit(specFor(key, 5)).then(
    () => assert.fail('a different spec under the same key was accepted'),
    (e: unknown) => isConflict(e, first.run.id, key),
  );
  assert.match(refused, /\(it differs in: max_samples\)/);
  await assert.rejects(submit({ ...specFor(key), sampling: { temperature: 0.7, topP: 1, maxTokens: 0, seed: 1 }, tasks: ['mednli'] }), (e) =>
    /\(it differs in: tasks, datasets, sampling\)/.test(isConflict(e, first.run.id, key)),
  );
  await assert.rejects(submit(specFor(key, 5), second), (e) => isConflict(e, first.run.id, key) !== '');

  // The run is as it was: its spec, and no unit published twice.
  const run = await rpc<RunReply>(c.clients.coordinator, 'GetRun', { runId: first.run.id });
  assert.equal(run.spec.maxSamples, 0);
  assert.equal((await jsm.streams.info(UNITS_STREAM)).state.messages, published);

  // The record binds the key to the digest of the spec the run was created with.
  const record = (await idempotency.get(idempotencyKeyHash(key)))!.json<IdempotencyRecord>();
  const stored = (await runs.get(first.run.id))!.json<StoredRunRecord>();
  assert.deepEqual([record.runId, record.idempotencyKey], [first.run.id, key]);
  assert.match(record.specDigest ?? '', /^[0-9a-f]{64}$/);
  assert.equal(record.specDigest, specDigest(stored.spec));
});

test('a record without a digest (written before keys were bound to a spec), or none, is judged by the run\'s stored spec', async () => {
  const key = 'legacy-night';
  const first = await submit(specFor(key));
  assert.equal(first.created, true);
  const hash = idempotencyKeyHash(key);
  const legacy: IdempotencyRecord = { idempotencyKey: key, runId: first.run.id, createdAt: new Date().toISOString() };
  await idempotency.put(hash, JSON.stringify(legacy));
  assert.equal((await submit(specFor(key))).run.id, first.run.id);
  await assert.rejects(submit(specFor(key, 3)), (e) => isConflict(e, first.run.id, key) !== '');
  await idempotency.delete(hash);
  assert.equal((await submit(specFor(key))).run.id, first.run.id);
  await assert.rejects(submit(specFor(key, 3)), (e) => isConflict(e, first.run.id, key) !== '');
});

/** Submits two specs under `key` at once, through `a` and `b`: exactly one is accepted, the other refused. */
async function race(key: string, a: TestCoordinator, b: TestCoordinator): Promise<void> {
  const outcomes = await Promise.allSettled([submit(specFor(key, 0), a), submit(specFor(key, 4), b)]);
  const won = outcomes.filter((o): o is PromiseFulfilledResult<SubmitReply> => o.status === 'fulfilled');
  const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.equal(won.length, 1, `${key}: ${won.length} of 2 differing submissions were accepted`);
  assert.equal(lost.length, 1);
  assert.equal(won[0]!.value.created, true, key);
  isConflict(lost[0]!.reason, won[0]!.value.run.id, key);
  // The winner's spec is the run's, and the key keeps meaning it.
  const winnerMaxSamples = outcomes[0]!.status === 'fulfilled' ? 0 : 4;
  assert.equal((await rpc<RunReply>(c.clients.coordinator, 'GetRun', { runId: runIdFor(key) })).spec.maxSamples, winnerMaxSamples, key);
  assert.equal((await submit(specFor(key, winnerMaxSamples), b)).run.id, runIdFor(key));
}

test('two concurrent submissions of one key with different specs through one coordinator: one run, one ALREADY_EXISTS', async () => {
  for (let i = 0; i < 4; i++) await race(`race-one-${i}`, c, c);
});

test('two concurrent submissions of one key with different specs through two coordinators: the KV create decides, the loser is ALREADY_EXISTS', async () => {
  for (let i = 0; i < 4; i++) await race(`race-two-${i}`, c, second);
});
