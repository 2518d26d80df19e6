/** The text `clue results` and `clue up` print for a run: a table (table, md, csv) or the JSON document. */
import type { CoordinatorClient } from '../grpc-client.js';
import type { RunReply } from '../run-data.js';
import { resultsDocument } from './json-export.js';
import { renderResults, type TableFormat } from './render.js';
import type { ResultsMsg } from './shapes.js';

/** Output formats of `--format`. */
export type ResultsFormat = TableFormat | 'json';
export const RESULTS_FORMATS = ['table', 'md', 'csv', 'json'] as const satisfies readonly ResultsFormat[];

/** The run's results in `format`; `detail` adds each task's metrics to the table and md formats. */
export async function resultsOutput(client: CoordinatorClient, runId: string, format: ResultsFormat, detail: boolean): Promise<string> {
  if (format !== 'json') return renderResults(await client.call<ResultsMsg>('getResults', { runId }), format, { detail });
  const [run, results] = await Promise.all([client.call<RunReply>('getRun', { runId }), client.call<ResultsMsg>('getResults', { runId })]);
  return JSON.stringify(resultsDocument(run, results), null, 2);
}
