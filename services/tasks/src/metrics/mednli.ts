/**
 * MedNLI's per-sample accuracy as CLUE's `eval_mednli.compute_metrics` computes it:
 * `1 if len(re.findall(label.upper(), model_output.upper())) == 1 else 0`.
 *
 * The gold label is used as a Python regex pattern. For MedNLI's labels (entailment, neutral,
 * contradiction) and any other plain text that is literal text, so it is matched as a literal: the
 * output scores 1 iff the upper-cased label occurs exactly once (non-overlapping) in the upper-cased
 * output ("ENTAILMENT ... ENTAILMENT" scores 0, "NOT ENTAILMENT" scores 1). Upper-casing is Python's
 * (full Unicode: 'ß' becomes "SS"). Decision: a label that is regex syntax rather than plain text
 * (`.`, `*`, `(`, `[`, `\D`, ...) is refused with an error instead of being run through a second
 * regex engine whose semantics differ from Python's.
 */
import { ClueError } from '../errors.js';
import { pyCountLiteralMatches, pyLiteralPattern } from './pyregex.js';
import { pyUpper } from './pyunicode.js';

/**
 * CLUE's MedNLI accuracy for one output: 1 iff `label.upper()`, as a Python regex, has exactly one
 * match in `output.upper()`. An empty label matches at every position (1 only for an empty output),
 * as in Python.
 *
 * @throws ClueError `INVALID_ARGUMENT` if the upper-cased label is not a plain (literal) pattern.
 */
export function mednliAccuracy(output: string, label: string): 0 | 1 {
  let literal: string;
  try {
    literal = pyLiteralPattern(pyUpper(label));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ClueError(
      'INVALID_ARGUMENT',
      `MedNLI gold label ${JSON.stringify(label)} cannot be scored: CLUE uses label.upper() as a regex and ${reason}`,
      { cause: e },
    );
  }
  return pyCountLiteralMatches(literal, pyUpper(output), 2) === 1 ? 1 : 0;
}
