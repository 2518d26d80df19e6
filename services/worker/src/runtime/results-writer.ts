/**
 * Writes a unit's per-sample records to the `clue_results` object store: one JSON object per line
 * (`SampleRecord`, in sample order), object name = the unit id (so a repeated write replaces the same
 * object), description = the sha256 of the bytes (hex), which CompleteUnit also carries.
 */
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
   * Writes (or rewrites) `clue_results/<unitId>`.
   * @throws UnitFailure infrastructure when the store cannot be written.
   */
  async write(unitId: string, records: readonly SampleRecord[]): Promise<WrittenResults> {
    const enc = encodeResults(records);
    try {
      await this.os.putBlob({ name: unitId, description: enc.sha256 }, enc.bytes);
    } catch (e) {
      throw infrastructure(`cannot write results object ${unitId}: ${errorLine(e)}`, e);
    }
    return { ...enc, object: unitId };
  }
}
