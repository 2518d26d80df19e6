/**
 * Rebuilds a task's evaluation samples exactly as the coordinator counted them, so a unit's
 * `[start, end)` names the same prompts on every worker:
 *
 * - the five short tasks: `buildTaskPrompts` (CLUE's shuffle with seed 1 and its few-shot count) —
 *   independent of the model, cached per dataset;
 * - LongHealth: `planLongHealth` with the served model's tokenizer (vLLM's `/tokenize`), the run's
 *   seed and the model's max_model_len — task 1's prompts, then task 2's, then task 3's; cached per
 *   (dataset, model, seed, max_model_len), since planning tokenizes every document.
 *
 * Concurrent requests for the same key share one build; a failed build is not cached.
 */
import {
  ClueError,
  buildTaskPrompts,
  getShortTask,
  loadLongHealth,
  planLongHealth,
  decodeUtf8,
  type ChatMessage,
  type TaskId,
  type Tokenizer,
} from '@clue/tasks';
import { deterministic, errorLine, infrastructure, UnitFailure } from './errors.js';
import type { DatasetFile } from './datasets.js';

/** One sample of a task, in CLUE's evaluation order. */
export interface UnitSample {
  /** Position in the task's full sample list (what `[start, end)` counts). */
  readonly index: number;
  /** CLUE's chat, before any adaptation to the model. */
  readonly messages: readonly ChatMessage[];
  /** Gold answer: the reference text, or LongHealth's letter ("" when CLUE's gold is None). */
  readonly reference: string;
  /** LongHealth: 1, 2 or 3. */
  readonly subtask?: 1 | 2 | 3;
}

/** What a sample list depends on. */
export interface SampleSetKey {
  readonly dataset: DatasetFile;
  readonly task: TaskId;
  /** Catalog key of the served model (LongHealth only). */
  readonly model: string;
  /** The run's seed (LongHealth's random source). */
  readonly seed: number;
  /** The served max_model_len (LongHealth's task 2/3 budget). */
  readonly maxModelLen: number;
  /** The served model's tokenizer (LongHealth; not part of the cache key: one model, one tokenizer). */
  readonly tokenizer: () => Tokenizer;
}

/** Options of the builder. */
export interface SampleBuilderOptions {
  /** Sample lists kept. @default 8 */
  readonly cacheEntries?: number;
}

/** The file name a dataset is parsed under (used in error messages, and by loaders that look at it). */
function fileNameOf(dataset: DatasetFile, task: TaskId): string {
  if (dataset.fileName) return dataset.fileName;
  return task === 'longhealth' ? 'benchmark_v5.json' : getShortTask(task).fileName;
}

/** Builds and caches sample lists. */
export class SampleBuilder {
  private readonly o: SampleBuilderOptions;
  private readonly cache = new Map<string, Promise<readonly UnitSample[]>>();

  constructor(options: SampleBuilderOptions = {}) {
    this.o = options;
  }

  /** Every sample of the task, in CLUE's order. */
  all(key: SampleSetKey): Promise<readonly UnitSample[]> {
    const id =
      key.task === 'longhealth'
        ? `${key.dataset.sha256}|longhealth|${key.model}|${key.seed}|${key.maxModelLen}`
        : `${key.dataset.sha256}|${key.task}`;
    const hit = this.cache.get(id);
    if (hit) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit;
    }
    const p = this.build(key);
    this.cache.set(id, p);
    p.catch(() => {
      if (this.cache.get(id) === p) this.cache.delete(id);
    });
    const max = this.o.cacheEntries ?? 8;
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
    return p;
  }

  /**
   * Samples `[start, end)`.
   * @throws UnitFailure deterministic for a range outside the task's samples or an unreadable dataset.
   */
  async slice(key: SampleSetKey, start: number, end: number): Promise<UnitSample[]> {
    const all = await this.all(key);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > all.length) {
      throw deterministic(`unit range [${start}, ${end}) does not fit the ${all.length} samples of ${key.task} in dataset ${key.dataset.sha256.slice(0, 12)}`);
    }
    return all.slice(start, end);
  }

  private async build(key: SampleSetKey): Promise<readonly UnitSample[]> {
    if (key.dataset.task !== null && key.dataset.task !== key.task) {
      throw deterministic(`dataset ${key.dataset.sha256.slice(0, 12)} was registered for task '${key.dataset.task}', not '${key.task}'`);
    }
    const file = fileNameOf(key.dataset, key.task);
    try {
      if (key.task !== 'longhealth') {
        const { samples } = buildTaskPrompts(getShortTask(key.task), key.dataset.bytes, file);
        return Object.freeze(samples.map((s): UnitSample => ({ index: s.index, messages: s.messages, reference: s.reference })));
      }
      const bench = loadLongHealth(decodeUtf8(key.dataset.bytes, file), file);
      const prompts = await planLongHealth(bench, { tokenizer: key.tokenizer(), seed: key.seed, maxModelLen: key.maxModelLen });
      return Object.freeze(
        prompts.map((p, index): UnitSample => ({ index, messages: p.messages, reference: p.goldFound ? p.reference : '', subtask: p.task })),
      );
    } catch (e) {
      if (e instanceof UnitFailure) throw e;
      // Bad data fails the same way everywhere; anything else (the tokenizer's server) is this worker's trouble.
      if (e instanceof ClueError) throw deterministic(`${key.task}: ${errorLine(e)}`, e);
      throw infrastructure(`${key.task}: building the samples failed: ${errorLine(e)}`, e);
    }
  }
}
