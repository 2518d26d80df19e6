/**
 * Which API role may call which gRPC method (docs/security.md): the public API's reads take a reader
 * or operator token, its changes an operator token; the WorkerApi takes the worker token and nothing
 * else, and the worker token works nowhere else.
 */
import type { ApiRole } from '../security/api-tokens.js';

const READ: readonly ApiRole[] = ['reader', 'operator'];
const OPERATE: readonly ApiRole[] = ['operator'];
/** Roles allowed per method of the public API: reads for readers and operators, changes for operators. */
export const COORDINATOR_ROLES: Readonly<Record<string, readonly ApiRole[]>> = {
  SubmitRun: OPERATE,
  CancelRun: OPERATE,
  RegisterDataset: OPERATE,
  RecordGateVerdict: OPERATE,
  GetRun: READ,
  ListRuns: READ,
  WatchRun: READ,
  GetResults: READ,
  GetSamples: READ,
  ListWorkers: READ,
};
/** Every WorkerApi method takes the worker token, and nothing else. */
export const WORKER_API_ROLES: Readonly<Record<string, readonly ApiRole[]>> = {
  Register: ['worker'],
  GetAssignment: ['worker'],
  ReportProgress: ['worker'],
  CompleteUnit: ['worker'],
  FailUnit: ['worker'],
};
