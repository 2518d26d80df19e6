/** @clue/report — the HTML report, paired-bootstrap run differences and the regression gate. */
export * from './model.js';
export { ReportError, GatePolicyError, type ReportErrorCode } from './errors.js';
export { pairedBootstrap, numpyPercentiles, bootstrapSettings, BOOTSTRAP_DEFAULTS, type BootstrapOptions, type BootstrapResult } from './bootstrap.js';
export {
  diffCellSamples,
  scoreSamples,
  unavailableCellDiff,
  changeDirection,
  changeMark,
  type CellDiff,
  type CellDiffStatus,
  type CellSideState,
  type SamplesScore,
} from './cell-diff.js';
export { diffRuns, findCellDiff, type RunDiff, type RunDiffOptions, type RunRef, type LevelDiff, type ModelDiff } from './run-diff.js';
export { renderDiff, DIFF_TABLE_WIDTH, type DiffFormat } from './render-diff.js';
export {
  parseGatePolicy,
  evaluateGate,
  renderGate,
  gateSummary,
  GATE_POLICY_DEFAULTS,
  type GatePolicy,
  type GateVerdict,
  type GateViolation,
  type GateViolationKind,
} from './gate.js';
export { renderReportHtml, type ReportInput } from './html.js';
export { modelView, groupModels, type ModelView, type ModelGroup } from './models.js';
export { esc as escapeHtml } from './html-util.js';
