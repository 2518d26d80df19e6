/**
 * The stored form of one pair's BERTScore statistics (`BertScoreRecord`: JSON, so NaN is null) and the
 * @clue/tasks form the matching and batching work on (`BertPairStats`: NaN). One place converts.
 */
import type { BertPairStats } from '@clue/tasks';
import type { BertScoreRecord } from './records.js';

/** The record of `stats` (NaN → null). */
export function bertScoreRecord(stats: BertPairStats): BertScoreRecord {
  const n = (v: number): number | null => (Number.isNaN(v) ? null : v);
  return { p: n(stats.p), r: n(stats.r), pPad: n(stats.pPad), rPad: n(stats.rPad), hypTokens: stats.hypLen, refTokens: stats.refLen };
}

/** The statistics of `record` (null → NaN), for `bertBatchScores`. */
export function bertPairStatsOf(record: BertScoreRecord): BertPairStats {
  const n = (v: number | null): number => (v === null ? Number.NaN : v);
  return { p: n(record.p), r: n(record.r), pPad: n(record.pPad), rPad: n(record.rPad), hypLen: record.hypTokens, refLen: record.refTokens };
}
