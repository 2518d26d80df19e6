/**
 * The regression gate: a policy (YAML or JSON) says which differences between a baseline run A and a
 * candidate run B fail the candidate. Fields and defaults:
 *
 *     maxCellDrop: 2.0          # points; a cell whose score drops by more than this, with its interval
 *                               # excluding 0, violates (null: no cell check)
 *     failOnFailedCell: true    # a cell of B that failed, or is missing while A has it, violates
 *     maxClueAvgDrop: 0.5       # points, per model, on the point difference of CLUE AVG; a model whose
 *                               # CLUE AVG A has and B has not violates too (null: no check)
 *     failOnUntestedCell: false # a cell both runs completed but without an interval (per-sample records
 *                               # not loaded, no common metric) violates; otherwise it is listed as not checked
 *
 * An empty document is the defaults. Every error names the field and what is allowed.
 */
import { parseDocument } from 'yaml';
import { TASK_NAMES, type TaskId } from '@clue/tasks';
import { changeDirection } from './cell-diff.js';
import { GatePolicyError } from './errors.js';
import { confidenceLabel, fmtDelta, fmtInterval, fmtScore, wrap } from './format.js';
import type { RunDiff } from './run-diff.js';

/** A validated gate policy. */
export interface GatePolicy {
  /** Points; null switches the cell check off. */
  readonly maxCellDrop: number | null;
  readonly failOnFailedCell: boolean;
  /** Points; null switches the CLUE AVG check off. */
  readonly maxClueAvgDrop: number | null;
  readonly failOnUntestedCell: boolean;
}

/** The policy an empty document gives. */
export const GATE_POLICY_DEFAULTS: GatePolicy = Object.freeze({ maxCellDrop: 2.0, failOnFailedCell: true, maxClueAvgDrop: 0.5, failOnUntestedCell: false });

const FIELDS = Object.keys(GATE_POLICY_DEFAULTS) as (keyof GatePolicy)[];

/** Why the gate failed. */
export type GateViolationKind = 'cell-drop' | 'cell-failed' | 'cell-missing' | 'cell-untested' | 'clue-avg-drop' | 'clue-avg-missing';

/** One reason the gate failed. */
export interface GateViolation {
  readonly kind: GateViolationKind;
  readonly model: string;
  /** The cell's task (cell violations only). */
  readonly task?: string;
  readonly message: string;
}

/** The gate's verdict. */
export interface GateVerdict {
  readonly passed: boolean;
  readonly policy: GatePolicy;
  readonly violations: readonly GateViolation[];
  /** Cells the policy could not check (no interval) and did not count as violations. */
  readonly unchecked: readonly { readonly model: string; readonly task: string; readonly message: string }[];
}

const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function points(doc: Record<string, unknown>, field: 'maxCellDrop' | 'maxClueAvgDrop', source: string): number | null {
  if (!(field in doc)) return GATE_POLICY_DEFAULTS[field];
  const v = doc[field];
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new GatePolicyError(source, field, `must be a number of points >= 0 (or null to switch the check off), got ${JSON.stringify(v) ?? String(v)}`);
  }
  return v;
}

function flag(doc: Record<string, unknown>, field: 'failOnFailedCell' | 'failOnUntestedCell', source: string): boolean {
  if (!(field in doc)) return GATE_POLICY_DEFAULTS[field];
  const v = doc[field];
  if (typeof v !== 'boolean') throw new GatePolicyError(source, field, `must be true or false, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

/**
 * Parses and checks a gate policy; `source` names it in errors (a file name).
 * @throws GatePolicyError (code GATE_POLICY_INVALID) naming the field and what is allowed.
 */
export function parseGatePolicy(text: string, source: string): GatePolicy {
  const parsed = parseDocument(text);
  if (parsed.errors.length > 0) {
    const first = parsed.errors[0]!;
    throw new GatePolicyError(source, '', `not valid YAML or JSON: ${first.message.split('\n')[0]}`, { cause: first });
  }
  const doc: unknown = parsed.toJS();
  if (doc === null || doc === undefined) return GATE_POLICY_DEFAULTS;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new GatePolicyError(source, '', `must be a mapping of fields (${FIELDS.join(', ')}), got ${Array.isArray(doc) ? 'a list' : JSON.stringify(doc)}`);
  }
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if ((FIELDS as string[]).includes(k)) continue;
    const hint = (FIELDS as string[]).includes(camel(k)) ? ` (did you mean ${camel(k)}?)` : '';
    throw new GatePolicyError(source, k, `unknown field${hint}; allowed: ${FIELDS.join(', ')}`);
  }
  return {
    maxCellDrop: points(o, 'maxCellDrop', source),
    failOnFailedCell: flag(o, 'failOnFailedCell', source),
    maxClueAvgDrop: points(o, 'maxClueAvgDrop', source),
    failOnUntestedCell: flag(o, 'failOnUntestedCell', source),
  };
}

const taskName = (task: string): string => TASK_NAMES[task as TaskId] ?? task;

/** Applies a policy to a run difference (A = baseline, B = candidate). */
export function evaluateGate(diff: RunDiff, policy: GatePolicy = GATE_POLICY_DEFAULTS): GateVerdict {
  const violations: GateViolation[] = [];
  const unchecked: { model: string; task: string; message: string }[] = [];
  const ci = `${confidenceLabel(diff.bootstrap.confidence)} CI`;
  for (const c of diff.cells) {
    const where = `${c.model} × ${taskName(c.task)}`;
    const cell = { model: c.model, task: c.task };
    if (c.stateB === 'failed' || (c.stateB === 'absent' && c.stateA !== 'absent')) {
      const failed = c.stateB === 'failed';
      if (policy.failOnFailedCell) violations.push({ kind: failed ? 'cell-failed' : 'cell-missing', ...cell, message: `${where}: ${failed ? 'failed in B' : 'missing in B'} (${c.reason})` });
      else unchecked.push({ ...cell, message: `${where}: ${c.reason}` });
      continue;
    }
    if (c.status === 'ok') {
      const drop = -(c.delta ?? 0);
      if (policy.maxCellDrop !== null && changeDirection(c) === 'down' && drop > policy.maxCellDrop) {
        violations.push({
          kind: 'cell-drop',
          ...cell,
          message: `${where}: ${fmtScore(c.scoreA)} → ${fmtScore(c.scoreB)} (Δ ${fmtDelta(c.delta)}, ${ci} ${fmtInterval(c.low, c.high)}) drops by more than ${policy.maxCellDrop} points`,
        });
      }
      continue;
    }
    if (c.stateA === 'complete' && c.stateB === 'complete') {
      const message = `${where}: no interval (${c.reason})`;
      if (policy.failOnUntestedCell) violations.push({ kind: 'cell-untested', ...cell, message });
      else if (policy.maxCellDrop !== null) unchecked.push({ ...cell, message });
    }
  }
  if (policy.maxClueAvgDrop !== null) {
    for (const m of diff.models) {
      const { a, b, delta } = m.clueAvg;
      if (a === null) continue;
      if (b === null) violations.push({ kind: 'clue-avg-missing', model: m.model, message: `${m.model}: CLUE AVG ${fmtScore(a)} in A, none in B (a task score is missing)` });
      else if (delta !== null && -delta > policy.maxClueAvgDrop) {
        violations.push({ kind: 'clue-avg-drop', model: m.model, message: `${m.model}: CLUE AVG ${fmtScore(a)} → ${fmtScore(b)} (Δ ${fmtDelta(delta)}) drops by more than ${policy.maxClueAvgDrop} points` });
      }
    }
  }
  return { passed: violations.length === 0, policy, violations, unchecked };
}

function describePolicy(p: GatePolicy): string {
  const pts = (v: number | null): string => (v === null ? 'off' : `${v} points`);
  return `maxCellDrop ${pts(p.maxCellDrop)}, failOnFailedCell ${p.failOnFailedCell}, maxClueAvgDrop ${pts(p.maxClueAvgDrop)}, failOnUntestedCell ${p.failOnUntestedCell}`;
}

/** The verdict on one line of at most `maxChars` (what `clue gate --record` stores on the run). */
export function gateSummary(verdict: GateVerdict, maxChars = 1000): string {
  const n = verdict.violations.length;
  if (verdict.passed) return `passed (policy: ${describePolicy(verdict.policy)})`;
  let out = `FAILED: ${n} violation${n === 1 ? '' : 's'}`;
  for (let i = 0; i < n; i++) {
    const more = n - i - 1;
    const next = `${i === 0 ? ': ' : '; '}${verdict.violations[i]!.message.replace(/\s+/g, ' ')}`;
    const tail = more > 0 ? ` … (+${more} more)` : '';
    if (out.length + next.length + tail.length > maxChars) return `${out} … (+${n - i} more)`;
    out += next;
  }
  return out;
}

/** The verdict for the terminal (lines of at most 120 characters). */
export function renderGate(verdict: GateVerdict): string {
  const n = verdict.violations.length;
  const out = wrap(`Gate ${verdict.passed ? 'passed' : `FAILED: ${n} violation${n === 1 ? '' : 's'}`} (policy: ${describePolicy(verdict.policy)})`, 120, '  ');
  for (const v of verdict.violations) out.push(...wrap(`✗ [${v.kind}] ${v.message}`, 120, '    '));
  if (verdict.unchecked.length > 0) {
    out.push(`Not checked (${verdict.unchecked.length}):`);
    for (const u of verdict.unchecked) out.push(...wrap(`- ${u.message}`, 120, '    '));
  }
  return out.join('\n');
}
