/**
 * An idempotency key means one spec. The run id is a function of the key (`runIdFor`), so the `create`
 * of clue_runs/<runId> in submit.ts decides which submission of a key wins. Every other submission of
 * that key, concurrent or later, is checked here against the spec the winner stored: the same spec
 * gets the existing run back, a different one is refused with ALREADY_EXISTS naming the run.
 *
 * The spec a key stands for is the `specDigest` of its clue_idempotency record. Where the record has
 * none (written before keys were bound to one spec) or is not there (the winner writes it only after
 * creating the run, so a racing loser may not see it yet), the digest of the run's stored spec stands
 * in for it; the run record always holds its spec.
 */
import { createHash } from 'node:crypto';
import type { RunSpecRecord } from '@clue/common';
import type { CoordinatorContext, IdempotencyRecord } from './context.js';
import { CoordinatorError } from './errors.js';
import { canonicalSpec, specDigest, type CanonicalSpecField } from './spec.js';
import type { StoredRunRecord } from './records.js';

/** The key of an idempotency key in clue_idempotency: its sha256 (hex). */
export function idempotencyKeyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex');
}

/** The clue_idempotency record of the submission that created run `runId` from `spec`. */
export function idempotencyRecord(spec: RunSpecRecord, runId: string, createdAt: string): IdempotencyRecord {
  return { idempotencyKey: spec.idempotencyKey, runId, createdAt, specDigest: specDigest(spec) };
}

/** The RunSpec field names (as in the proto) of the canonical spec's fields. */
const FIELD_NAMES: Readonly<Record<CanonicalSpecField, string>> = {
  name: 'name',
  models: 'models',
  tasks: 'tasks',
  datasets: 'datasets',
  sampling: 'sampling',
  maxSamples: 'max_samples',
  disableBertscore: 'disable_bertscore',
};

/** The RunSpec fields in which two normalised specs differ (their values are not compared beyond that). */
export function differingFields(a: RunSpecRecord, b: RunSpecRecord): string[] {
  const ca = canonicalSpec(a);
  const cb = canonicalSpec(b);
  return (Object.keys(FIELD_NAMES) as CanonicalSpecField[]).filter((f) => JSON.stringify(ca[f]) !== JSON.stringify(cb[f])).map((f) => FIELD_NAMES[f]);
}

/** The refusal of a key already bound to run `runId` with another spec: what differs and what to do. */
export function idempotencyConflict(runId: string, idempotencyKey: string, fields: readonly string[]): CoordinatorError {
  const differs = fields.length > 0 ? ` (it differs in: ${fields.join(', ')})` : '';
  return new CoordinatorError(
    'ALREADY_EXISTS',
    `spec.idempotency_key: run ${runId} already exists for idempotency key '${idempotencyKey}' with a different spec${differs}; ` +
      `to start a new run, submit under a new idempotency key; to get run ${runId} back, resubmit the spec it was submitted with`,
    { field: 'spec.idempotency_key' },
  );
}

/** The digest of the spec run `run`'s key stands for: its record's, else that of the run's stored spec. */
async function boundDigest(ctx: CoordinatorContext, run: StoredRunRecord): Promise<string> {
  const record = await ctx.idempotency.get(idempotencyKeyHash(run.spec.idempotencyKey));
  const recorded = record?.value.runId === run.id ? record.value.specDigest : undefined;
  return recorded ?? specDigest(run.spec);
}

/**
 * `run` (the run `spec`'s key already names) when it was submitted with the same spec.
 * @throws CoordinatorError ALREADY_EXISTS naming the run when the key stands for another spec.
 */
export async function sameSpecRun(ctx: CoordinatorContext, run: StoredRunRecord, spec: RunSpecRecord): Promise<StoredRunRecord> {
  if ((await boundDigest(ctx, run)) === specDigest(spec)) return run;
  const fields = differingFields(run.spec, spec);
  ctx.logger.info({ runId: run.id, differs: fields }, 'submit refused: the idempotency key names a run with another spec');
  throw idempotencyConflict(run.id, spec.idempotencyKey, fields);
}
