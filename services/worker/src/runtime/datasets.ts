/**
 * Dataset files from the `clue_datasets` object store, content-addressed: the object name is the
 * file's sha256, and every copy the worker uses (fetched, or read back from its disk cache) is
 * re-hashed before use. Files are kept in memory (bounded, least recently used first out) and
 * optionally on disk, so a restarted worker does not fetch them again. Concurrent requests for the
 * same file share one fetch.
 *
 * The object's task and original file name are read from its JSON description `{"task", "fileName", …}`
 * (what the coordinator's RegisterDataset writes) or from headers `Clue-Task` / `Clue-File-Name`;
 * both are optional.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '@nats-io/obj';
import type { Logger } from '@clue/common';
import { deterministic, errorLine, infrastructure } from './errors.js';

/** Header carrying a dataset object's task id (alternative to the JSON description). */
export const DATASET_TASK_HEADER = 'Clue-Task';
/** Header carrying a dataset object's original file name (alternative to the JSON description). */
export const DATASET_FILE_HEADER = 'Clue-File-Name';

/** A verified dataset file. */
export interface DatasetFile {
  readonly sha256: string;
  /** The task id recorded with the object, if any. */
  readonly task: string | null;
  /** The original file name recorded with the object, if any. */
  readonly fileName: string | null;
  readonly bytes: Uint8Array;
}

/** Options of the store. */
export interface DatasetStoreOptions {
  /** Disk cache directory; null = memory only. */
  readonly cacheDir?: string | null;
  /** Bytes kept in memory. @default 1 GiB */
  readonly maxMemoryBytes?: number;
  readonly logger?: Logger;
}

/** sha256 of bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Task and file name from an object's headers or JSON description. */
export function datasetMeta(info: Pick<ObjectInfo, 'headers' | 'description'>): { task: string | null; fileName: string | null } {
  let task = info.headers?.get(DATASET_TASK_HEADER) || null;
  let fileName = info.headers?.get(DATASET_FILE_HEADER) || null;
  if ((task === null || fileName === null) && info.description) {
    try {
      const d = JSON.parse(info.description) as Record<string, unknown>;
      const pick = (...keys: string[]): string | null => {
        for (const k of keys) if (typeof d[k] === 'string' && d[k] !== '') return d[k];
        return null;
      };
      task ??= pick('task');
      fileName ??= pick('fileName', 'file_name', 'file');
    } catch {
      // a free-text description carries nothing we need
    }
  }
  return { task, fileName };
}

/** Fetches, verifies and caches dataset files. */
export class DatasetStore {
  private readonly os: ObjectStore;
  private readonly cacheDir: string | null;
  private readonly maxMemoryBytes: number;
  private readonly log: Logger | undefined;
  private readonly memory = new Map<string, DatasetFile>();
  private memoryBytes = 0;
  private readonly pending = new Map<string, Promise<DatasetFile>>();

  constructor(os: ObjectStore, options: DatasetStoreOptions = {}) {
    this.os = os;
    this.cacheDir = options.cacheDir ?? null;
    this.maxMemoryBytes = options.maxMemoryBytes ?? 2 ** 30;
    this.log = options.logger;
  }

  /**
   * The file with this sha256.
   * @throws UnitFailure deterministic when no such object exists or its content does not hash to its
   *   name; infrastructure when the object store cannot be read.
   */
  get(sha256: string): Promise<DatasetFile> {
    const key = sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(key)) return Promise.reject(deterministic(`dataset '${sha256}' is not a sha256 (64 hex digits)`));
    const hit = this.memory.get(key);
    if (hit) {
      this.memory.delete(key);
      this.memory.set(key, hit);
      return Promise.resolve(hit);
    }
    let p = this.pending.get(key);
    if (!p) {
      p = this.load(key).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  private async load(key: string): Promise<DatasetFile> {
    const fromDisk = await this.readDisk(key);
    if (fromDisk) return this.remember(fromDisk);
    let info: ObjectInfo | null;
    let bytes: Uint8Array | null;
    try {
      info = await this.os.info(key);
      bytes = info === null || info.deleted ? null : await this.os.getBlob(key);
    } catch (e) {
      throw infrastructure(`cannot read dataset ${key} from the object store: ${errorLine(e)}`, e);
    }
    if (info === null || bytes === null) throw deterministic(`dataset ${key} is not in the object store (was it registered?)`);
    const actual = sha256Hex(bytes);
    if (actual !== key) throw deterministic(`dataset object ${key} holds content with sha256 ${actual}; re-register the dataset`);
    const file: DatasetFile = { sha256: key, ...datasetMeta(info), bytes };
    await this.writeDisk(file);
    this.log?.info({ dataset: key, bytes: bytes.length, task: file.task }, 'dataset fetched');
    return this.remember(file);
  }

  private remember(file: DatasetFile): DatasetFile {
    if (!this.memory.has(file.sha256)) {
      this.memory.set(file.sha256, file);
      this.memoryBytes += file.bytes.length;
    }
    for (const [k, f] of this.memory) {
      if (this.memoryBytes <= this.maxMemoryBytes || this.memory.size <= 1) break;
      this.memory.delete(k);
      this.memoryBytes -= f.bytes.length;
    }
    return file;
  }

  private async readDisk(key: string): Promise<DatasetFile | null> {
    if (this.cacheDir === null) return null;
    try {
      const bytes = new Uint8Array(await readFile(join(this.cacheDir, key)));
      if (sha256Hex(bytes) !== key) {
        this.log?.warn({ dataset: key }, 'cached dataset is corrupt; fetching it again');
        return null;
      }
      let meta: { task: string | null; fileName: string | null } = { task: null, fileName: null };
      try {
        meta = JSON.parse(await readFile(join(this.cacheDir, `${key}.meta.json`), 'utf8')) as typeof meta;
      } catch {
        // no metadata cached
      }
      return { sha256: key, task: meta.task ?? null, fileName: meta.fileName ?? null, bytes };
    } catch {
      return null;
    }
  }

  private async writeDisk(file: DatasetFile): Promise<void> {
    if (this.cacheDir === null) return;
    try {
      await mkdir(this.cacheDir, { recursive: true });
      const tmp = join(this.cacheDir, `.${file.sha256}.${process.pid}.tmp`);
      await writeFile(join(this.cacheDir, `${file.sha256}.meta.json`), JSON.stringify({ task: file.task, fileName: file.fileName }));
      await writeFile(tmp, file.bytes);
      await rename(tmp, join(this.cacheDir, file.sha256));
    } catch (e) {
      this.log?.warn({ dataset: file.sha256, error: errorLine(e) }, 'cannot write the dataset cache; continuing without it');
    }
  }
}
