/**
 * Regression-gate verdicts (RecordGateVerdict, `clue gate --record`): stored on the finished run's
 * record, and carried to Prometheus as `clue_nightly_gate_passed{name}` (1 passed, 0 failed) and
 * `clue_nightly_gate_timestamp_seconds{name}` — per spec name, the verdict of the newest run (by
 * creation) that has one (`unnamed` for runs without a name), so recording an older night's verdict again does not hide tonight's. The
 * gauges are rebuilt from the run records at start-up, so a restarted coordinator still alerts.
 */
import type { GateVerdictRecord } from '@clue/common';
import type { CoordinatorContext } from './context.js';
import { CoordinatorError, invalidArgument } from './errors.js';
import { checkRunId } from './run-view.js';
import { isRunFinal, nowIso, type StoredRunRecord } from './records.js';

/** The `name` label of runs whose spec has no name. */
export const UNNAMED = 'unnamed';

/** The GateVerdict message as a request carries it. */
export interface GateVerdictMessage {
  passed?: boolean;
  againstRunId?: string;
  violations?: number;
  summary?: string;
}

/**
 * Checks what the bounds table cannot (GATE_VERDICT_BOUNDS in grpc/limits.ts, enforced at the gRPC
 * boundary, holds the lengths, the range of violations and the characters of against_run_id).
 * @throws CoordinatorError INVALID_ARGUMENT naming the field.
 */
export function checkVerdict(v: GateVerdictMessage | null | undefined): Omit<GateVerdictRecord, 'recordedAt'> {
  if (!v) throw invalidArgument('verdict', 'is required');
  const violations = Number(v.violations ?? 0);
  const passed = v.passed === true;
  if (passed && violations > 0) throw invalidArgument('verdict.violations', `is ${violations} but verdict.passed is true: a passing verdict has no violations`);
  const summary = v.summary ?? '';
  if (/[\r\n]/.test(summary)) throw invalidArgument('verdict.summary', 'must be one line');
  const against = (v.againstRunId ?? '').trim();
  return { passed, againstRunId: against, violations, summary };
}

/** Keeps the gate gauges and stores verdicts. */
export class GateVerdicts {
  /** Spec name -> the newest run with a verdict (its creation time) and that verdict. */
  private readonly latest = new Map<string, { createdAt: string; verdict: GateVerdictRecord }>();

  constructor(private readonly ctx: CoordinatorContext) {}

  /** Rebuilds the gauges from every run record (start-up). */
  restore(runs: readonly StoredRunRecord[]): void {
    for (const r of runs) if (r.gate) this.show(r, r.gate);
    if (this.latest.size > 0) this.ctx.logger.info({ names: this.latest.size }, 'gate verdicts restored');
  }

  /**
   * Stores `verdict` on the finished run `runId` (replacing an earlier one) and updates the gauges.
   * @throws CoordinatorError INVALID_ARGUMENT (a field), NOT_FOUND, FAILED_PRECONDITION (run not finished).
   */
  async record(runId: string | undefined, verdict: GateVerdictMessage | null | undefined): Promise<StoredRunRecord> {
    const id = checkRunId(runId);
    const checked = checkVerdict(verdict);
    const gate: GateVerdictRecord = { ...checked, recordedAt: nowIso() };
    let notFinal: string | undefined;
    const res = await this.ctx.runs.mutate(id, (r) => {
      if (!isRunFinal(r.state)) {
        notFinal = r.state;
        return undefined;
      }
      notFinal = undefined;
      return { ...r, gate };
    });
    if (!res) throw new CoordinatorError('NOT_FOUND', `run '${id}' does not exist`, { field: 'run_id' });
    if (notFinal !== undefined) throw new CoordinatorError('FAILED_PRECONDITION', `run '${id}' is ${notFinal}: a gate verdict is recorded on a finished run`, { field: 'run_id' });
    this.show(res.value, gate);
    this.ctx.logger.info({ runId: id, passed: gate.passed, violations: gate.violations, against: gate.againstRunId }, 'gate verdict recorded');
    return res.value;
  }

  private show(run: StoredRunRecord, verdict: GateVerdictRecord): void {
    // Prometheus drops an empty label, so runs without a name share the label value "unnamed".
    const name = run.spec.name === '' ? UNNAMED : run.spec.name;
    const cur = this.latest.get(name);
    if (cur && cur.createdAt > run.createdAt) return;
    this.latest.set(name, { createdAt: run.createdAt, verdict });
    this.ctx.metrics.gatePassed.set({ name }, verdict.passed ? 1 : 0);
    this.ctx.metrics.gateTimestamp.set({ name }, Date.parse(verdict.recordedAt) / 1000);
  }
}
