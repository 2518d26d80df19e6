/** The Results message as the CLI receives it (shared with the coordinator through @clue/common). */
export type { CellResultMessage as CellResultMsg, ModelSummaryMessage as ModelSummaryMsg, ResultsMessage as ResultsMsg } from '@clue/common';
