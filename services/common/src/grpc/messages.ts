/**
 * TypeScript shapes of `clue.v1` messages that both the coordinator (server) and the CLI (client)
 * handle, as @grpc/proto-loader presents them (camelCase; optional fields absent when unset).
 */

/** The CellResult message. */
export interface CellResultMessage {
  model: string;
  task: string;
  complete: boolean;
  metrics: Record<string, number>;
  notComputed: Record<string, string>;
  /** Task score in %; absent when there is none. */
  score?: number;
  missingReason: string;
  samples: number;
  /** GPU-seconds the workers reported for the cell's done units. */
  gpuSeconds?: number;
  unitsFailed?: number;
  unitsTotal?: number;
}

/** The Sample message (a SampleRecord on the wire). */
export interface SampleMessage {
  index: number;
  promptSha256: string;
  output: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  metrics: Record<string, number>;
  /** 0 = none. */
  subtask: number;
  error: string;
  bertscore?: { p?: number; r?: number; pPad?: number; rPad?: number; hypTokens: number; refTokens: number } | null;
}

/** The ModelSummary message (levels absent when not all their tasks have a score). */
export interface ModelSummaryMessage {
  model: string;
  level1?: number;
  level2?: number;
  clueAvg?: number;
}

/** The Results message. */
export interface ResultsMessage {
  runId: string;
  state: string;
  cells: CellResultMessage[];
  models: ModelSummaryMessage[];
}
