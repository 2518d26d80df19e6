/** The Results message as the CLI receives it (proto-loader: camelCase, optional fields absent when unset). */
export interface CellResultMsg {
  model: string;
  task: string;
  complete: boolean;
  metrics: Record<string, number>;
  notComputed: Record<string, string>;
  score?: number;
  missingReason: string;
  samples: number;
}

export interface ModelSummaryMsg {
  model: string;
  level1?: number;
  level2?: number;
  clueAvg?: number;
}

export interface ResultsMsg {
  runId: string;
  state: string;
  cells: CellResultMsg[];
  models: ModelSummaryMsg[];
}
