/**
 * A SampleRecord on the wire (the Sample message of GetSamples) and back. NaN BERTScore statistics
 * are stored as null and travel as absent optional fields.
 */
import type { SampleRecord } from '../records.js';
import type { SampleMessage } from './messages.js';

/** The Sample message of a record. */
export function sampleMessage(r: SampleRecord): SampleMessage {
  const b = r.bertscore;
  return {
    index: r.index,
    promptSha256: r.promptSha256,
    output: r.output,
    finishReason: r.finishReason,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    metrics: { ...r.metrics },
    subtask: r.subtask ?? 0,
    error: r.error ?? '',
    bertscore: b
      ? {
          ...(b.p !== null ? { p: b.p } : {}),
          ...(b.r !== null ? { r: b.r } : {}),
          ...(b.pPad !== null ? { pPad: b.pPad } : {}),
          ...(b.rPad !== null ? { rPad: b.rPad } : {}),
          hypTokens: b.hypTokens,
          refTokens: b.refTokens,
        }
      : null,
  };
}

/** The record of a Sample message. */
export function sampleRecordOf(m: SampleMessage): SampleRecord {
  const b = m.bertscore;
  return {
    index: m.index,
    promptSha256: m.promptSha256,
    output: m.output,
    finishReason: m.finishReason,
    promptTokens: m.promptTokens,
    completionTokens: m.completionTokens,
    metrics: m.metrics ?? {},
    ...(m.subtask ? { subtask: m.subtask } : {}),
    ...(m.error ? { error: m.error } : {}),
    ...(b ? { bertscore: { p: b.p ?? null, r: b.r ?? null, pPad: b.pPad ?? null, rPad: b.rPad ?? null, hypTokens: b.hypTokens, refTokens: b.refTokens } } : {}),
  };
}
