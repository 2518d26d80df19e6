import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status, type Client, type ClientReadableStream, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { loadClueProto } from '@clue/common';
import { rpc, startCluster, type TestCluster } from '../testing/harness.js';
import { REQUEST_LIMITS, SERVER_MAX_RECEIVE_BYTES, camelName, type FieldBound, type MessageBounds } from './limits.js';
import type { MessageDescriptor } from './oversize.js';
import { STATUS_DETAILS_MAX } from '../errors.js';

// --- the table covers the protos -------------------------------------------------------------

type Pkg = Record<string, { type?: MessageDescriptor & { options?: { mapEntry?: boolean } | null } }>;
type Field = MessageDescriptor['field'][number] & { label: string };

const INTEGER_TYPES = new Set(['TYPE_INT32', 'TYPE_INT64', 'TYPE_UINT32', 'TYPE_UINT64', 'TYPE_SINT32', 'TYPE_SINT64', 'TYPE_FIXED32', 'TYPE_FIXED64', 'TYPE_SFIXED32', 'TYPE_SFIXED64']);

function lookup(pkg: Pkg, typeName: string, parent: MessageDescriptor): (MessageDescriptor & { options?: { mapEntry?: boolean } | null }) | undefined {
  return parent.nestedType.find((t) => t.name === typeName) ?? pkg[typeName.replace(/^\./, '')]?.type ?? pkg[`clue.v1.${typeName}`]?.type;
}

/** Problems of `bound` as the bound of a single (non-repeated) value of field `f`. */
function scalarProblems(pkg: Pkg, f: Field, parent: MessageDescriptor, bound: FieldBound, path: string): string[] {
  if (f.type === 'TYPE_STRING') return bound.kind === 'string' ? [] : [`${path}: a string, bounded as ${bound.kind}`];
  if (f.type === 'TYPE_BYTES') return bound.kind === 'bytes' ? [] : [`${path}: bytes, bounded as ${bound.kind}`];
  if (f.type === 'TYPE_BOOL') return bound.kind === 'bool' ? [] : [`${path}: a bool, bounded as ${bound.kind}`];
  if (f.type === 'TYPE_DOUBLE' || f.type === 'TYPE_FLOAT') return bound.kind === 'number' && !bound.integer ? [] : [`${path}: a real number, bounded as ${bound.kind}`];
  if (INTEGER_TYPES.has(f.type)) return bound.kind === 'number' && bound.integer ? [] : [`${path}: a whole number, bounded as ${bound.kind}`];
  if (f.type === 'TYPE_MESSAGE') {
    const desc = lookup(pkg, f.typeName, parent);
    if (!desc) return [`${path}: message type ${f.typeName} not found`];
    if (bound.kind !== 'message') return [`${path}: a message, bounded as ${bound.kind}`];
    return messageProblems(pkg, desc, bound.fields, path);
  }
  return [`${path}: ${f.type} has no bound kind (add one to limits.ts)`];
}

function messageProblems(pkg: Pkg, desc: MessageDescriptor, bounds: MessageBounds, prefix: string): string[] {
  const out: string[] = [];
  const at = (n: string): string => (prefix === '' ? n : `${prefix}.${n}`);
  const names = new Set(desc.field.map((f) => f.name));
  for (const name of Object.keys(bounds)) if (!names.has(camelName(name))) out.push(`${at(name)}: bounded but not in ${desc.name}`);
  for (const f of desc.field as readonly Field[]) {
    const entry = Object.entries(bounds).find(([n]) => camelName(n) === f.name);
    const path = at(f.name);
    if (!entry) {
      out.push(`${path}: no bound in limits.ts`);
      continue;
    }
    const bound = entry[1];
    if (f.label !== 'LABEL_REPEATED') {
      out.push(...scalarProblems(pkg, f, desc, bound, path));
      continue;
    }
    const mapEntry = f.type === 'TYPE_MESSAGE' ? lookup(pkg, f.typeName, desc) : undefined;
    if (mapEntry?.options?.mapEntry) {
      if (bound.kind !== 'map') {
        out.push(`${path}: a map, bounded as ${bound.kind}`);
        continue;
      }
      const [k, v] = mapEntry.field as readonly Field[];
      out.push(...scalarProblems(pkg, k!, mapEntry, bound.key, `${path}.key`), ...scalarProblems(pkg, v!, mapEntry, bound.value, `${path}.value`));
    } else if (bound.kind !== 'list') {
      out.push(`${path}: repeated, bounded as ${bound.kind}`);
    } else {
      out.push(...scalarProblems(pkg, f, desc, bound.element, `${path}[]`));
    }
  }
  return out;
}

test('the bounds table covers every field of every request message of both services, with the right kind', () => {
  const proto = loadClueProto();
  const pkg = proto.definition as unknown as Pkg;
  const problems: string[] = [];
  for (const [service, ctor] of [['Coordinator', proto.Coordinator], ['WorkerApi', proto.WorkerApi]] as const) {
    const table = REQUEST_LIMITS[service];
    const methods = Object.keys(ctor.service);
    assert.deepEqual(Object.keys(table).sort(), [...methods].sort(), `${service}: the table's methods are the service's`);
    for (const m of methods) {
      const req = (ctor.service[m] as unknown as { requestType: { type: MessageDescriptor } }).requestType.type;
      const limits = table[m]!;
      assert.equal(limits.message, req.name, `${service}.${m} takes ${req.name}`);
      problems.push(...messageProblems(pkg, req, limits.fields, '').map((p) => `${service}.${m} ${p}`));
      assert.ok(limits.maxBytes <= SERVER_MAX_RECEIVE_BYTES, `${service}.${m}: its bound fits the server's receive limit`);
    }
  }
  assert.deepEqual(problems, []);
});

// --- every RPC refuses an over-bound field, on a real coordinator ----------------------------

let c: TestCluster;
before(async () => {
  c = await startCluster();
});
after(async () => {
  await c?.stop();
});

function rejects(p: Promise<unknown>, re: RegExp, what: string): Promise<void> {
  return assert.rejects(p, (e: ServiceError) => {
    assert.equal(e.code, status.INVALID_ARGUMENT, `${what}: ${e.details}`);
    assert.match(e.details, re, what);
    return true;
  });
}

function streamError(call: ClientReadableStream<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    call.on('data', () => undefined);
    call.on('error', reject);
    call.on('end', resolve);
  });
}

const FIVE_MIB = 5 * 1024 * 1024;

test('Coordinator: each method refuses an over-bound field with INVALID_ARGUMENT naming the field and the bound', async () => {
  const co = c.clients.coordinator;
  const cases: [string, unknown, RegExp][] = [
    ['SubmitRun', { spec: { models: Array.from({ length: 20_000 }, (_, i) => `model-${i}`), tasks: ['mednli'] } }, /^spec\.models: has 20000 elements; the limit is 256$/m],
    ['SubmitRun', { spec: { models: ['a', 'b', 'c', 'm'.repeat(201)], tasks: ['mednli'] } }, /^spec\.models\[3\]: is 201 characters; the limit is 200$/],
    ['SubmitRun', { spec: { models: ['a'], tasks: ['mednli'], datasets: { ['t'.repeat(65)]: 'x' } } }, /^spec\.datasets\[key 0\]: is 65 characters; the limit is 64$/],
    ['GetRun', { runId: 'r'.repeat(FIVE_MIB) }, /^run_id: is 5242880 characters; the limit is 128$/m],
    ['GetRun', { runId: 'r'.repeat(129) }, /^run_id: is 129 characters; the limit is 128$/],
    ['ListRuns', { limit: 501 }, /^limit: must be a whole number from 0 to 500 \(0 = 20\), got 501$/],
    ['CancelRun', { runId: 'r1', reason: 'x'.repeat(1025) }, /^reason: is 1025 characters; the limit is 1024$/],
    ['GetResults', { runId: 'a.b' }, /^run_id: 'a\.b' may only contain letters, digits, '_' and '-'$/],
    ['RegisterDataset', { task: 'mednli', fileName: 'f'.repeat(256), content: Buffer.from('{}') }, /^file_name: is 256 characters; the limit is 255$/],
  ];
  for (const [method, req, re] of cases) {
    await rejects(rpc(co, method, req), re, method);
  }
  const client = co as unknown as Record<string, (req: unknown) => ClientReadableStream<unknown>>;
  await rejects(streamError(client['WatchRun']!({ runId: 'w'.repeat(200) })), /^run_id: is 200 characters; the limit is 128$/, 'WatchRun');
  await rejects(streamError(client['GetSamples']!({ runId: 'r1', model: 'm', task: 't'.repeat(65) })), /^task: is 65 characters; the limit is 64$/, 'GetSamples');
  // ListWorkers takes an empty message: a request carrying bytes (an unknown field) is refused by size.
  const raw = co as unknown as { makeUnaryRequest: Client['makeUnaryRequest'] };
  const padded = new Promise((resolve, reject) =>
    raw.makeUnaryRequest('/clue.v1.Coordinator/ListWorkers', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63]), (e, r) => (e ? reject(e) : resolve(r))),
  );
  await rejects(padded, /^request: field number 1 is not in ListWorkersRequest \(5 bytes\)$/m, 'ListWorkers');
});

test('WorkerApi: each method refuses an over-bound field with INVALID_ARGUMENT naming the field and the bound', async () => {
  const w = c.clients.workerApi;
  const cases: [string, unknown, RegExp][] = [
    ['Register', { workerId: 'w1', node: 'n', gpus: Array.from({ length: 65 }, (_, i) => ({ index: i, gpuClass: 'H100-80GB', memoryGib: 80 })) }, /^gpus: has 65 elements; the limit is 64$/],
    ['GetAssignment', { workerId: 'w1', groups: [{ id: 'g', gpuIndices: [0], model: 'm', state: 'failed', failureReason: 'x'.repeat(1025) }] }, /^groups\[0\]\.failure_reason: is 1025 characters; the limit is 1024$/],
    ['CompleteUnit', { workerId: 'w1', unitId: 'r1.m.t.0', samples: 2_000_000 }, /^samples: must be a whole number from 0 to 1000000, got 2000000$/],
    ['FailUnit', { workerId: 'w'.repeat(201), unitId: 'r1.m.t.0', kind: 'error' }, /^worker_id: is 201 characters; the limit is 200$/],
  ];
  for (const [method, req, re] of cases) await rejects(rpc(w, method, req), re, method);
  const progress = new Promise((resolve, reject) => {
    const call = (w as unknown as { ReportProgress(cb: (e: ServiceError | null, r: unknown) => void): ClientWritableStream<unknown> }).ReportProgress((e, r) => (e ? reject(e) : resolve(r)));
    call.write({ workerId: 'w1', unitId: 'u'.repeat(257), samplesDone: 1, samplesTotal: 2 });
    call.end();
  });
  await rejects(progress, /^unit_id: is 257 characters; the limit is 256$/, 'ReportProgress');
});

test('an in-bounds request still reaches its handler (bounds do not reject what the handlers accept)', async () => {
  const r = await rpc<{ runs: unknown[] }>(c.clients.coordinator, 'ListRuns', { limit: 500 });
  assert.ok(Array.isArray(r.runs));
  await assert.rejects(rpc(c.clients.coordinator, 'GetRun', { runId: 'r'.repeat(128) }), (e: ServiceError) => e.code === status.NOT_FOUND);
});

test('the worst in-bounds refusal (256 unknown 200-character models, each with its hint) arrives as a bounded INVALID_ARGUMENT, not a timeout', async () => {
  const models = Array.from({ length: 256 }, (_, i) => `unknown-model-${i}-${'q'.repeat(180)}`);
  await assert.rejects(rpc(c.clients.coordinator, 'SubmitRun', { spec: { models, tasks: ['mednli'] } }, 10_000), (e: ServiceError) => {
    assert.equal(e.code, status.INVALID_ARGUMENT, `${status[e.code]}: ${e.details.slice(0, 200)}`);
    assert.match(e.details, /^spec\.models\[0\]: unknown model 'unknown-model-0-q+'/);
    assert.ok(e.details.length <= STATUS_DETAILS_MAX, `${e.details.length} characters`);
    assert.match(e.details, /\n… and \d+ more line\(s\) \(\d+ characters\) not shown; fix the problems above and retry$/);
    return true;
  });
});
