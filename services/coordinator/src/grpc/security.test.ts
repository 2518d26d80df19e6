/**
 * Trying to get in (docs/security.md): against a real nats-server and the real coordinator on
 * loopback, every connection without the right credential is refused with an error that says which
 * credential is missing or insufficient, while the legitimate paths keep working.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { pino } from 'pino';
import {
  KV_RUNS,
  KV_UNITS,
  OBJ_RESULTS,
  REDACT_PATHS,
  UNITS_STREAM,
  clientCredentials,
  createLocalSecurity,
  loadClueProto,
  type LocalSecurity,
} from '@clue/common';
import { clientAs, registerSynthetic, rpc, startCluster, startCoordinator, type TestCluster } from '../testing/harness.js';

let c: TestCluster;
let datasets: Record<string, string>;
let otherCa: LocalSecurity;
let otherDir: string;
const logLines: string[] = [];

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  c = await startCluster({ tokensReloadSeconds: 0.2 }, pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink));
  datasets = await registerSynthetic(c.clients.coordinator, ['mednli'], 4);
  otherDir = mkdtempSync(join(tmpdir(), 'clue-other-ca-'));
  otherCa = await createLocalSecurity(otherDir, 'an unrelated CA');
});
after(async () => {
  await c?.stop();
  rmSync(otherDir, { recursive: true, force: true });
});

const spec = (key: string) => ({
  name: key,
  models: ['llama-3-8b-instruct'],
  tasks: ['mednli'],
  datasets: { mednli: datasets['mednli'] },
  sampling: { temperature: 0, topP: 1, maxTokens: 0, seed: 0 },
  idempotencyKey: key,
});

/** Asserts a gRPC call fails with `code` and details matching `re`. */
async function refused(p: Promise<unknown>, code: grpc.status, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: grpc.ServiceError) => {
    assert.equal(grpc.status[e.code], grpc.status[code], e.details);
    assert.match(e.details, re);
    return true;
  });
}

const proto = loadClueProto();

// ---- NATS ----------------------------------------------------------------------------------------

test('NATS: a connection without credentials, or with a wrong password, is refused', async () => {
  const base = { servers: [c.nats.url], tls: { caFile: c.nats.security.caFile }, reconnect: false };
  await assert.rejects(connect(base), (e: Error) => /Authorization Violation/i.test(e.message));
  await assert.rejects(connect({ ...base, user: 'worker', pass: 'not-the-password' }), (e: Error) => /Authorization Violation/i.test(e.message));
  await assert.rejects(connect({ ...base, user: 'coordinator', pass: c.nats.security.natsPasswords.worker }), (e: Error) => /Authorization Violation/i.test(e.message), "one role's password does not open another's user");
});

test('NATS: a client that trusts another CA, or skips TLS, does not connect', async () => {
  const pw = c.nats.security.natsPasswords.worker;
  await assert.rejects(
    connect({ servers: [c.nats.url], user: 'worker', pass: pw, tls: { caFile: otherCa.caFile }, reconnect: false }),
    (e: Error) => /certificate|self.signed|unable to verify/i.test(`${e.message} ${String((e as { cause?: unknown }).cause ?? '')}`),
  );
  // No TLS options: the server requires TLS and the client (trusting only the system's roots) fails the handshake.
  await assert.rejects(connect({ servers: [c.nats.url], user: 'worker', pass: pw, reconnect: false }), (e: Error) => e instanceof Error);
});

test('NATS: a coordinator with a wrong password or the wrong CA stops at start-up, naming the setting to check', async () => {
  const s = c.nats.security;
  await assert.rejects(
    startCoordinator(c.nats, { natsAuth: { user: 'coordinator', password: s.natsPasswords.worker, caFile: s.caFile } }),
    /^NatsAuthConfigError: NATS refused the connection \(Authorization Violation\): check --nats-user \(coordinator\) and its password/,
  );
  await assert.rejects(
    startCoordinator(c.nats, { natsAuth: { user: 'coordinator', password: s.natsPasswords.coordinator, caFile: otherCa.caFile } }),
    /the TLS handshake with NATS failed \(.*\): does --nats-ca \(CLUE_NATS_CA\) name the CA/,
  );
});

async function asWorker(): Promise<NatsConnection> {
  return connect({ ...c.nats.connectOptions('worker'), reconnect: false });
}

test('NATS: the worker user cannot delete the work stream, purge the results store, or write the runs and units buckets', async () => {
  const sub = await rpc<{ run: { id: string } }>(c.clients.coordinator, 'SubmitRun', { spec: spec('nats-perms') });
  const nc = await asWorker();
  try {
    const violation = (subject: RegExp) => (e: Error) => /Permissions Violation for Publish/.test(e.message) && subject.test(e.message);
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    await assert.rejects(jsm.streams.delete(UNITS_STREAM), violation(/\$JS\.API\.STREAM\.DELETE\.CLUE_UNITS/));
    await assert.rejects(jsm.streams.purge(`OBJ_${OBJ_RESULTS}`), violation(/\$JS\.API\.STREAM\.PURGE\.OBJ_clue_results/));
    await assert.rejects(jsm.streams.purge(UNITS_STREAM), violation(/STREAM\.PURGE\.CLUE_UNITS/));
    const js = jetstream(nc);
    const runs = await new Kvm(js).open(KV_RUNS);
    // Reading is allowed: the worker reads the run's spec.
    const entry = await runs.get(sub.run.id);
    assert.ok(entry && entry.operation === 'PUT', 'the worker can read the run record');
    await assert.rejects(runs.put(sub.run.id, '{"state":"succeeded"}'), violation(/\$KV\.clue_runs\./));
    await assert.rejects(runs.delete(sub.run.id), violation(/\$KV\.clue_runs\./));
    const units = await new Kvm(js).open(KV_UNITS);
    await assert.rejects(units.put(`${sub.run.id}.llama-3-8b-instruct.mednli.0`, '{"state":"done"}'), violation(/\$KV\.clue_units\./));
    const results = await new Objm(js).open(OBJ_RESULTS);
    // Writing a new results object is the worker's job; deleting one purges, which it may not.
    await results.putBlob({ name: 'security-test-object' }, new TextEncoder().encode('x'));
    await assert.rejects(results.delete('security-test-object'), violation(/STREAM\.PURGE\.OBJ_clue_results/));
  } finally {
    await nc.close();
  }
  // Nothing was harmed: the stream, the run and the object are there.
  const admin = await connect(c.nats.connectOptions('coordinator'));
  try {
    const jsm = await jetstreamManager(admin);
    assert.ok((await jsm.streams.info(UNITS_STREAM)).state.messages > 0, 'the work stream keeps its units');
    const run = await (await new Kvm(admin).open(KV_RUNS)).get(sub.run.id);
    assert.notEqual(run?.json<{ state: string }>().state, 'succeeded');
    assert.ok(await (await new Objm(admin).open(OBJ_RESULTS)).info('security-test-object'));
  } finally {
    await admin.close();
  }
});

test("NATS: the worker user cannot listen on the coordinator's inbox or on unit subjects", async () => {
  const nc = await asWorker();
  try {
    for (const subject of ['_INBOX_clue_coordinator.>', '_INBOX.>', 'clue.units.>', '$KV.clue_runs.>']) {
      const sub = nc.subscribe(subject);
      const err = await sub.closed; // nats.js resolves `closed` with the server's error
      assert.ok(err instanceof Error && /Permissions Violation for Subscription/.test(err.message), `${subject}: ${String(err)}`);
    }
  } finally {
    await nc.close();
  }
});

// ---- gRPC ----------------------------------------------------------------------------------------

test('gRPC: a call without a token is UNAUTHENTICATED and says which token it needs; so is an unknown token', async () => {
  const anon = clientAs(proto.Coordinator, c.address, c.nats.security, null);
  const forged = new proto.Coordinator(c.address, clientCredentials({ caFile: c.nats.security.caFile, token: 'x'.repeat(43), serverName: 'localhost' }).credentials, {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const anonWorker = clientAs(proto.WorkerApi, c.address, c.nats.security, null);
  try {
    await refused(rpc(anon, 'ListRuns', {}), grpc.status.UNAUTHENTICATED, /^no bearer token: ListRuns needs a reader or an operator token \(clue reads it from CLUE_TOKEN or --token-file\)/);
    await refused(rpc(anon, 'SubmitRun', { spec: spec('anon') }), grpc.status.UNAUTHENTICATED, /^no bearer token: SubmitRun needs an operator token/);
    await refused(rpc(forged, 'GetRun', { runId: 'x' }), grpc.status.UNAUTHENTICATED, /^the bearer token is not one this coordinator accepts/);
    await refused(rpc(anonWorker, 'Register', { workerId: 'intruder', gpus: [] }), grpc.status.UNAUTHENTICATED, /^no bearer token: Register needs a worker token/);
  } finally {
    anon.close();
    forged.close();
    anonWorker.close();
  }
});

test('gRPC: a read-only token reads but cannot submit, cancel or register datasets; an operator can', async () => {
  const reader = clientAs(proto.Coordinator, c.address, c.nats.security, 'reader');
  try {
    const created = await rpc<{ run: { id: string } }>(c.clients.coordinator, 'SubmitRun', { spec: spec('operator-submits') });
    const listed = await rpc<{ runs: { id: string }[] }>(reader, 'ListRuns', {});
    assert.ok(listed.runs.some((r) => r.id === created.run.id), 'a reader lists runs');
    await rpc(reader, 'GetRun', { runId: created.run.id });
    await rpc(reader, 'ListWorkers', {});
    await refused(rpc(reader, 'SubmitRun', { spec: spec('reader-submits') }), grpc.status.PERMISSION_DENIED, /^a reader token cannot call SubmitRun: it needs an operator token$/);
    await refused(rpc(reader, 'CancelRun', { runId: created.run.id }), grpc.status.PERMISSION_DENIED, /^a reader token cannot call CancelRun: it needs an operator token$/);
    await refused(rpc(reader, 'RegisterDataset', { task: 'mednli', fileName: 'x.jsonl', content: Buffer.from('{}') }), grpc.status.PERMISSION_DENIED, /cannot call RegisterDataset/);
    const cancelled = await rpc<{ state: string }>(c.clients.coordinator, 'CancelRun', { runId: created.run.id });
    assert.equal(cancelled.state, 'RUN_STATE_CANCELLED', 'the operator cancels');
  } finally {
    reader.close();
  }
});

test('gRPC: the worker token does not work on the public API, nor public tokens on the worker API', async () => {
  const workerOnPublic = clientAs(proto.Coordinator, c.address, c.nats.security, 'worker');
  const operatorOnWorker = clientAs(proto.WorkerApi, c.address, c.nats.security, 'operator');
  const readerOnWorker = clientAs(proto.WorkerApi, c.address, c.nats.security, 'reader');
  try {
    await refused(rpc(workerOnPublic, 'ListRuns', {}), grpc.status.PERMISSION_DENIED, /^a worker token cannot call ListRuns: it needs a reader or an operator token$/);
    await refused(rpc(workerOnPublic, 'SubmitRun', { spec: spec('worker-submits') }), grpc.status.PERMISSION_DENIED, /^a worker token cannot call SubmitRun/);
    const gpus = [{ index: 0, gpuClass: 'H100-80GB', memoryGib: 79.1, uuid: 'G0' }];
    await refused(rpc(operatorOnWorker, 'Register', { workerId: 'fake', gpus }), grpc.status.PERMISSION_DENIED, /^an operator token cannot call Register: it needs a worker token$/);
    await refused(rpc(readerOnWorker, 'CompleteUnit', { workerId: 'fake', unitId: 'a.b.c.0' }), grpc.status.PERMISSION_DENIED, /^a reader token cannot call CompleteUnit/);
    // The streaming method is guarded as well.
    await new Promise<void>((resolve, reject) => {
      const s = (operatorOnWorker as unknown as { ReportProgress(cb: (e: grpc.ServiceError | null) => void): grpc.ClientWritableStream<unknown> }).ReportProgress((e) => {
        if (e && e.code === grpc.status.PERMISSION_DENIED && /cannot call ReportProgress/.test(e.details)) resolve();
        else reject(new Error(`expected PERMISSION_DENIED, got ${e ? e.details : 'success'}`));
      });
      s.end();
    });
    // The worker token does what it is for.
    const r = await rpc<{ heartbeatSeconds: number }>(c.clients.workerApi, 'Register', { workerId: 'legit', gpus });
    assert.ok(r.heartbeatSeconds > 0);
  } finally {
    workerOnPublic.close();
    operatorOnWorker.close();
    readerOnWorker.close();
  }
});

test('gRPC: a client that trusts the wrong CA, or speaks plaintext, gets no answer from the coordinator', async () => {
  const wrongCa = new proto.Coordinator(c.address, clientCredentials({ caFile: otherCa.caFile, token: c.nats.security.tokens.operator, serverName: 'localhost' }).credentials, {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const plain = new proto.Coordinator(c.address, grpc.credentials.createInsecure());
  try {
    const withDeadline = (client: grpc.Client) =>
      new Promise((resolve, reject) => {
        (client as unknown as Record<string, (r: unknown, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: unknown) => void) => void>)['ListRuns']!.call(
          client, {}, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e, v) => (e ? reject(e) : resolve(v)),
        );
      });
    await assert.rejects(withDeadline(wrongCa), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE && /certificate|self.signed|unable to verify/i.test(e.details));
    await assert.rejects(withDeadline(plain), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED || e.code === grpc.status.INTERNAL);
  } finally {
    wrongCa.close();
    plain.close();
  }
});

test('tokens are added and revoked by editing the token files, without a restart; a broken edit keeps the old tokens', async () => {
  const s = c.nats.security;
  const file = s.tokenFiles.reader;
  const original = readFileSync(file, 'utf8');
  const fresh = 'a-new-reader-token-0123456789abcdef';
  const withFresh = new proto.Coordinator(c.address, clientCredentials({ caFile: s.caFile, token: fresh, serverName: 'localhost' }).credentials, {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const old = clientAs(proto.Coordinator, c.address, s, 'reader');
  const until = async (what: string, ok: () => Promise<boolean>): Promise<void> => {
    for (const end = Date.now() + 10000; Date.now() < end; ) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  };
  const works = (client: grpc.Client) => rpc(client, 'ListRuns', {}).then(() => true, () => false);
  try {
    assert.equal(await works(withFresh), false);
    writeFileSync(file, `${original}${fresh}\n`);
    await until('the added token to work', () => works(withFresh));
    assert.ok(await works(old), 'the old token works during the overlap');
    writeFileSync(file, `${fresh}\n`);
    await until('the old token to be revoked', async () => !(await works(old)));
    writeFileSync(file, 'short\n');
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(await works(withFresh), 'an invalid edit leaves the tokens in force');
    assert.ok(logLines.some((l) => l.includes('API token files changed but cannot be used')));
  } finally {
    writeFileSync(file, original);
    withFresh.close();
    old.close();
  }
});

test('refusals are counted by reason and logged without the token; no secret reaches a log line', async () => {
  const text = await c.coordinator.context!.metrics.registry.metrics();
  assert.match(text, /clue_coordinator_auth_denied_total\{method="SubmitRun",reason="wrong_role"\} [1-9]/);
  assert.match(text, /clue_coordinator_auth_denied_total\{method="ListRuns",reason="no_token"\} [1-9]/);
  assert.match(text, /clue_coordinator_auth_denied_total\{method="GetRun",reason="unknown_token"\} [1-9]/);
  const logs = logLines.join('');
  assert.match(logs, /"msg":"call refused"/);
  const s = c.nats.security;
  for (const secret of [...Object.values(s.tokens), ...Object.values(s.natsPasswords), 'x'.repeat(43)]) {
    assert.ok(!logs.includes(secret), 'a token or password in the coordinator log');
    assert.ok(!text.includes(secret), 'a token or password in /metrics');
  }
});
