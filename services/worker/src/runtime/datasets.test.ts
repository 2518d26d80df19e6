import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers } from '@nats-io/transport-node';
import { Objm } from '@nats-io/obj';
import { StorageType } from '@nats-io/jetstream';
import { startNatsServer } from '@clue/common';
import { DATASET_FILE_HEADER, DATASET_TASK_HEADER, DatasetStore, datasetMeta, sha256Hex } from './datasets.js';
import { UnitFailure } from './errors.js';

test('dataset metadata: the coordinator\'s JSON description, or headers; free text carries nothing', () => {
  assert.deepEqual(datasetMeta({ description: JSON.stringify({ task: 'mednli', fileName: 'mli_test_v1.jsonl', samples: 3, size: 10 }) }), {
    task: 'mednli',
    fileName: 'mli_test_v1.jsonl',
  });
  const h = headers();
  h.set(DATASET_TASK_HEADER, 'meqsum');
  h.set(DATASET_FILE_HEADER, 'x.xlsx');
  assert.deepEqual(datasetMeta({ headers: h }), { task: 'meqsum', fileName: 'x.xlsx' });
  assert.deepEqual(datasetMeta({ description: 'uploaded by hand' }), { task: null, fileName: null });
});

test('datasets are fetched by sha256, verified, cached on disk (a corrupt cache is fetched again); missing or mislabelled objects fail deterministically', async (t) => {
  const nats = await startNatsServer();
  // The coordinator registers datasets; the worker reads them with its own (read-only) user.
  const nc = await connect(nats.connectOptions('coordinator'));
  const wnc = await connect(nats.connectOptions('worker'));
  const dir = mkdtempSync(join(tmpdir(), 'clue-ds-'));
  t.after(async () => {
    await wnc.close();
    await nc.close();
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const os = await new Objm(nc).create('clue_datasets', { storage: StorageType.File });
  const bytes = new TextEncoder().encode('{"sentence1": "a", "sentence2": "b", "gold_label": "neutral"}\n');
  const sha = sha256Hex(bytes);
  await os.putBlob({ name: sha, description: JSON.stringify({ task: 'mednli', fileName: 'mli_test_v1.jsonl' }) }, bytes);
  const wrong = sha256Hex('something else');
  await os.putBlob({ name: wrong }, bytes);
  const workerOs = await new Objm(wnc).open('clue_datasets');

  const store = new DatasetStore(workerOs, { cacheDir: dir });
  const [a, b] = await Promise.all([store.get(sha), store.get(sha.toUpperCase())]);
  assert.deepEqual([...a.bytes], [...bytes]);
  assert.equal(a.task, 'mednli');
  assert.equal(a.fileName, 'mli_test_v1.jsonl');
  assert.equal(a, b, 'concurrent requests share one fetch');
  assert.deepEqual([...readFileSync(join(dir, sha))], [...bytes], 'cached on disk');

  writeFileSync(join(dir, sha), 'corrupted');
  const fresh = new DatasetStore(workerOs, { cacheDir: dir });
  const again = await fresh.get(sha);
  assert.deepEqual([...again.bytes], [...bytes], 'a corrupt cache file is not used');
  assert.equal(again.fileName, 'mli_test_v1.jsonl');

  const fromDisk = await new DatasetStore(workerOs, { cacheDir: dir }).get(sha);
  assert.equal(fromDisk.task, 'mednli', 'metadata cached too');

  const det = (re: RegExp) => (e: unknown) => e instanceof UnitFailure && e.kind === 'deterministic' && re.test(e.message);
  await assert.rejects(store.get(sha256Hex('never registered')), det(/is not in the object store/));
  await assert.rejects(store.get(wrong), det(/holds content with sha256 /));
  await assert.rejects(store.get('not-a-sha'), det(/is not a sha256/));
});
