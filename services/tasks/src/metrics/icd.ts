/**
 * MeDiSumCode's per-sample metrics, as CLUE's `eval_MeDiSumCode.compute_metrics` and
 * `utils.compute_icd_f1` / `utils.parse_icd_codes` compute them.
 */
import type { MetricValues } from '../types.js';
import type { Icd10Table } from './icd10-table.js';
import { PY_WORD_END, PY_WORD_START } from './pyregex.js';

/**
 * CLUE's pattern `\b[A-TV-Z][0-9]{2}(?:\.?[0-9A-Z]{1,4})?\b` with Python semantics. Every match starts
 * and ends with a word character, so each `\b` is "no Python word character on the outer side".
 * Backtracking is the same as in Python's engine ("E11.6543X" gives "E11").
 */
const ICD_PATTERN = new RegExp(`${PY_WORD_START}[A-TV-Z][0-9]{2}(?:\\.?[0-9A-Z]{1,4})?${PY_WORD_END}`, 'gu');

/**
 * CLUE's `parse_icd_codes(text)`: `re.findall(r'\b[A-TV-Z][0-9]{2}(?:\.?[0-9A-Z]{1,4})?\b', text)`,
 * the matched strings in order (duplicates kept). `\b` is Unicode-aware as in Python 3 ("éA01" has no
 * match), `U` codes and codes with a letter in position 3 (C4A.0) are not matched, case matters.
 */
export function parseIcdCodes(text: string): string[] {
  return Array.from(text.matchAll(ICD_PATTERN), (m) => m[0]);
}

/** The first three code points of a string (Python `s[:3]`). */
function prefix3(s: string): string {
  // eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL
  return /^[\x00-\x7f]*$/.test(s) ? s.slice(0, 3) : Array.from(s).slice(0, 3).join('');
}

/** P, R, F of `compute_icd_f1`. */
interface Prf {
  readonly p: number;
  readonly r: number;
  readonly f: number;
}

/**
 * `compute_icd_f1(preds, gt, approximate)`: with `approximate`, both sides become sets of their first
 * three characters; otherwise `preds` is a list (duplicates count in P's numerator and denominator).
 * P = #preds in gt / #preds (0.0 if there are none), R = #gt items in preds / #gt, F = 2PR/(P+R) or 0.
 */
function icdF1(preds: readonly string[], gt: readonly string[], approximate: boolean): Prf {
  const p = approximate ? [...new Set(preds.map(prefix3))] : preds;
  const g = approximate ? [...new Set(gt.map(prefix3))] : gt;
  const pSet = new Set(p);
  const gSet = new Set(g);
  const P = p.length === 0 ? 0 : p.filter((x) => gSet.has(x)).length / p.length;
  const R = g.filter((x) => pSet.has(x)).length / g.length;
  const F = P + R === 0 ? 0 : (2 * P * R) / (P + R);
  return { p: P, r: R, f: F };
}

/**
 * CLUE's `compute_metrics(predictions, ground_truth)` for MeDiSumCode, keys in CLUE's order:
 * "ICD EM P", "ICD EM R", "ICD EM F1", "ICD AP P", "ICD AP R", "ICD AP F1", "VALID CODES".
 *
 * `groundTruth` is the record's ", "-joined dotless codes; it is split on ", " (an empty string gives
 * one empty code, so R is 0, never a division by zero). Predicted codes lose every '.'; VALID CODES is
 * the share of them that `table` knows (0.0 without predictions).
 */
export function computeIcdMetrics(predictedCodes: readonly string[], groundTruth: string, table: Icd10Table): MetricValues {
  const gt = groundTruth.split(', ');
  const preds = predictedCodes.map((p) => p.replaceAll('.', ''));
  const valid = preds.filter((p) => table.has(p)).length;
  const validRatio = preds.length > 0 ? valid / preds.length : 0;
  const em = icdF1(preds, gt, false);
  const ap = icdF1(preds, gt, true);
  return {
    'ICD EM P': em.p,
    'ICD EM R': em.r,
    'ICD EM F1': em.f,
    'ICD AP P': ap.p,
    'ICD AP R': ap.r,
    'ICD AP F1': ap.f,
    'VALID CODES': validRatio,
  };
}
