/**
 * Writes a unit's per-sample records to the `clue_results` object store: one JSON object per line
 * (`SampleRecord`, in sample order), description = the sha256 of the bytes (hex), which CompleteUnit
 * also carries with the object's name. The name is the unit id; when an earlier attempt already left
 * an object of that name, a new name `<unit id>.<random>` is used instead: replacing an object purges
 * its old chunks, and a worker's NATS user may not purge the results store (docs/security.md). The
 * coordinator records the name of the completing attempt and removes the superseded object.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectStore } from '@nats-io/obj';
import type { SampleRecord } from '@clue/common';
import { errorLine, infrastructure } from './errors.js';
import { sha256Hex } from './datasets.js';

/** An encoded results object. */
export interface EncodedResults {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly lines: number;
}

/** A written results object. */
export interface WrittenResults extends EncodedResults {
  readonly object: string;
}

/** JSONL of the records (one line each, `\n`-terminated). */
export function encodeResults(records: readonly SampleRecord[]): EncodedResults {
  const text = records.map((r) => JSON.stringify(r) + '\n').join('');
  const bytes = new TextEncoder().encode(text);
  return { bytes, sha256: sha256Hex(bytes), lines: records.length };
}

/** Parses a results object back into records (tests, tools). */
export function decodeResults(bytes: Uint8Array): SampleRecord[] {
  return new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SampleRecord);
}

/** Stores results objects. */
export class ResultsWriter {
  private readonly os: ObjectStore;

  constructor(os: ObjectStore) {
    this.os = os;
  }

  /**
   * Writes a new object with the records: `clue_results/<unitId>`, or `<unitId>.<random>` when that
   * name is taken by an earlier attempt.
   * @throws UnitFailure infrastructure when the store cannot be written.
   */
  async write(unitId: string, records: readonly SampleRecord[]): Promise<WrittenResults> {
    const enc = encodeResults(records);
    let name = unitId;
    try {
      const existing = await this.os.info(unitId);
      if (existing && !existing.deleted) name = `${unitId}.${randomBytes(6).toString('hex')}`;
      await this.os.putBlob({ name, description: enc.sha256 }, enc.bytes);
    } catch (e) {
      throw infrastructure(`cannot write results object ${name}: ${errorLine(e)}`, e);
    }
    return { ...enc, object: name };
  }
}
