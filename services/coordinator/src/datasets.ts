/**
 * Registered datasets: `RegisterDataset` validates a file by building its CLUE samples with
 * @clue/tasks (a bad file is rejected with the library's message naming file, record and field),
 * then stores it in the object store `clue_datasets` under its sha256 (idempotent). The planner reads
 * a dataset's profile (sample count and prompt sizes) from here; profiles are cached per sha256, which
 * is safe because the content behind a sha256 never changes.
 */
import { createHash } from 'node:crypto';
import type { ObjectStore } from '@nats-io/obj';
import {
  TASK1_ROUNDS,
  TASK23_ROUNDS,
  buildTaskPrompts,
  decodeUtf8,
  getShortTask,
  loadLongHealth,
  parseTaskId,
  type TaskId,
} from '@clue/tasks';
import { CoordinatorError, invalidArgument } from './errors.js';
import type { DatasetDescription } from './records.js';

/** What the planner needs to know about a dataset. */
export interface DatasetProfile {
  readonly task: TaskId;
  /** Scored samples in CLUE's evaluation order (LongHealth: prompts = questions x 15). */
  readonly samples: number;
  /** Characters of each sample's chat (short tasks); null for LongHealth, whose prompts are filled to a token budget. */
  readonly promptChars: readonly number[] | null;
}

/** A registered dataset, as returned by RegisterDataset. */
export interface RegisteredDataset extends DatasetDescription {
  readonly sha256: string;
}

/** LongHealth prompts per question: 5 for task 1, 10 shared by tasks 2 and 3. */
export const LONGHEALTH_PROMPTS_PER_QUESTION = TASK1_ROUNDS + TASK23_ROUNDS;

/**
 * Builds a dataset's samples exactly as a worker will (same library, same order) and profiles them.
 * @throws DatasetError (ClueError DATASET_INVALID) naming the file, record and field.
 */
export function profileDataset(task: TaskId, bytes: Uint8Array, fileName: string): DatasetProfile {
  if (task === 'longhealth') {
    const bench = loadLongHealth(decodeUtf8(bytes, fileName), fileName);
    const questions = bench.patients.reduce((n, p) => n + p.questions.length, 0);
    if (questions === 0) throw invalidArgument('content', `${fileName}: LongHealth file has no questions`);
    return { task, samples: questions * LONGHEALTH_PROMPTS_PER_QUESTION, promptChars: null };
  }
  const built = buildTaskPrompts(getShortTask(task), bytes, fileName);
  const promptChars = built.samples.map((s) => s.messages.reduce((n, m) => n + m.content.length, 0));
  return { task, samples: built.samples.length, promptChars };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parseDescription(text: string | undefined): DatasetDescription | null {
  if (!text) return null;
  try {
    const d = JSON.parse(text) as Partial<DatasetDescription>;
    if (typeof d.task !== 'string' || typeof d.samples !== 'number') return null;
    return { task: parseTaskId(d.task), fileName: String(d.fileName ?? ''), samples: d.samples, size: Number(d.size ?? 0) };
  } catch {
    return null;
  }
}

/** The datasets object store with validation and cached profiles. */
export class DatasetRegistry {
  private readonly profiles = new Map<string, Promise<DatasetProfile>>();

  constructor(private readonly store: ObjectStore) {}

  /**
   * Validates and stores a dataset file; registering the same content again returns the same answer.
   * @throws CoordinatorError INVALID_ARGUMENT for a missing field, or content registered for another task;
   *   DatasetError for a file the task library rejects.
   */
  async register(taskName: string, fileName: string, content: Uint8Array): Promise<RegisteredDataset> {
    if (taskName.trim() === '') throw invalidArgument('task', 'the task the file belongs to is required');
    let task: TaskId;
    try {
      task = parseTaskId(taskName);
    } catch (e) {
      throw invalidArgument('task', (e as Error).message);
    }
    const name = fileName.trim();
    if (name === '') throw invalidArgument('file_name', 'the file name is required (its extension tells some loaders the format)');
    if (content.length === 0) throw invalidArgument('content', `${name}: the file is empty`);
    const sha256 = sha256Hex(content);
    const existing = await this.describe(sha256);
    if (existing) {
      if (existing.task !== task) {
        throw invalidArgument('content', `${name}: this content (sha256 ${sha256}) is already registered for task '${existing.task}'`);
      }
      return { sha256, ...existing };
    }
    const profile = profileDataset(task, content, name);
    const description: DatasetDescription = { task, fileName: name, samples: profile.samples, size: content.length };
    await this.store.putBlob({ name: sha256, description: JSON.stringify(description) }, content);
    this.profiles.set(sha256, Promise.resolve(profile));
    return { sha256, ...description };
  }

  /** The description of a registered dataset, or null. */
  async describe(sha256: string): Promise<DatasetDescription | null> {
    const info = await this.store.info(sha256);
    if (!info || info.deleted) return null;
    return parseDescription(info.description);
  }

  /**
   * The profile of a registered dataset (read and built once per process).
   * @throws CoordinatorError FAILED_PRECONDITION when it is not registered.
   */
  profile(sha256: string): Promise<DatasetProfile> {
    let p = this.profiles.get(sha256);
    if (!p) {
      p = this.loadProfile(sha256);
      this.profiles.set(sha256, p);
      p.catch(() => this.profiles.delete(sha256));
    }
    return p;
  }

  private async loadProfile(sha256: string): Promise<DatasetProfile> {
    const desc = await this.describe(sha256);
    const bytes = desc ? await this.store.getBlob(sha256) : null;
    if (!desc || !bytes) throw new CoordinatorError('FAILED_PRECONDITION', `dataset ${sha256} is not registered`);
    return profileDataset(desc.task, bytes, desc.fileName);
  }
}
