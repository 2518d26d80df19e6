/**
 * The `clue.v1.WorkerApi` service: Register, GetAssignment, ReportProgress (client stream),
 * CompleteUnit, FailUnit. Translation only; the logic is in workers.ts, assignment.ts, completion.ts.
 */
import type { ServerReadableStream, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import { parseUnitId } from '@clue/common';
import type { CoordinatorContext } from '../context.js';
import type { WorkerRegistry, RegisterMessage } from '../workers.js';
import type { AssignmentService, AssignmentMessage } from '../assignment.js';
import type { CompletionService, CompleteUnitMessage, FailUnitMessage } from '../completion.js';
import type { ProgressReport } from '../progress.js';
import { grpcError, logFailure, unary } from './call.js';
import { requestViolation } from './request-bounds.js';

/** What the WorkerApi service needs. */
export interface WorkerServiceDeps {
  readonly ctx: CoordinatorContext;
  readonly registry: WorkerRegistry;
  readonly assignments: AssignmentService;
  readonly completion: CompletionService;
}

/** Handles one progress report: live progress, metrics, `running` on the first report, heartbeat. */
async function onProgress(deps: WorkerServiceDeps, r: ProgressReport): Promise<void> {
  let id: ReturnType<typeof parseUnitId>;
  try {
    id = parseUnitId(r.unitId);
  } catch {
    return;
  }
  const d = deps.ctx.progress.record(id.runId, r);
  deps.ctx.metrics.tokens.inc({ model: id.model, task: id.task, kind: 'prompt' }, d.promptTokens);
  deps.ctx.metrics.tokens.inc({ model: id.model, task: id.task, kind: 'generated' }, d.generatedTokens);
  if (d.firstFromWorker) await deps.completion.markRunning(r.unitId, r.workerId);
  await deps.registry.touch(r.workerId);
}

/** Builds the handlers of `clue.v1.WorkerApi`. */
export function workerService(deps: WorkerServiceDeps): UntypedServiceImplementation {
  const log = deps.ctx.logger;
  return {
    Register: unary(log, 'Register', (req: RegisterMessage) => deps.registry.register(req)),
    GetAssignment: unary(log, 'GetAssignment', (req: AssignmentMessage) => deps.assignments.getAssignment(req)),
    CompleteUnit: unary(log, 'CompleteUnit', async (req: CompleteUnitMessage) => ({ accepted: await deps.completion.completeUnit(req) })),
    FailUnit: unary(log, 'FailUnit', async (req: FailUnitMessage) => ({ deadLettered: await deps.completion.failUnit(req) })),
    ReportProgress: (call: ServerReadableStream<ProgressReport, Record<string, never>>, callback: sendUnaryData<Record<string, never>>) => {
      let chain = Promise.resolve();
      let failed = false;
      let rejected = false;
      call.on('data', (r: ProgressReport) => {
        if (rejected) return;
        // Bounds are checked per streamed message (the server checks unary requests before the handler).
        const v = requestViolation(r);
        if (v) {
          rejected = true;
          logFailure(log, 'ReportProgress', v);
          callback(grpcError(v));
          return;
        }
        chain = chain.then(() =>
          onProgress(deps, r).catch((e: unknown) => {
            // Progress is advisory: a failed write (e.g. NATS briefly away) must not break the worker's stream.
            log.debug({ unitId: r.unitId, err: (e as Error).message }, 'progress report not recorded');
          }),
        );
      });
      call.on('error', (e) => {
        failed = true;
        logFailure(log, 'ReportProgress', e);
      });
      call.on('end', () => {
        if (rejected) return;
        void chain.then(() => (failed ? callback(grpcError(new Error('stream failed'))) : callback(null, {})));
      });
    },
  };
}
