/**
 * @clue/cli public entry (the command itself is `main.ts`): exit codes, and what the system tests
 * under test/ drive — the local cluster of `clue up`, the coordinator client, spec submission and the
 * message shapes of runs and results.
 */
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_CONFLICT } from './exit-codes.js';
export { startLocalCluster, type LocalCluster, type LocalClusterChaos, type LocalClusterOptions } from './local-cluster.js';
export { MEMBER_ENV } from './cluster-members.js';
export { CoordinatorClient } from './grpc-client.js';
export { submitSpec } from './commands/submit.js';
export { defaultSpec } from './spec-file.js';
export type { ResultsMsg } from './results/shapes.js';
export { RESULTS_SCHEMA_FILE, type ResultsDocument } from './results/json-export.js';
export type { RunMsg } from './progress.js';
export { watchRun } from './commands/watch.js';
