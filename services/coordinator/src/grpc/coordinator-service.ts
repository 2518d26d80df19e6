/**
 * The `clue.v1.Coordinator` service: decodes requests, calls the components, encodes replies.
 * No logic lives here beyond the proto <-> domain translation.
 */
import type { ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CoordinatorContext } from '../context.js';
import type { RunSubmitter } from '../submit.js';
import type { RunCanceller } from '../cancel.js';
import type { GateVerdicts, GateVerdictMessage } from '../gate-verdicts.js';
import type { WorkerRegistry } from '../workers.js';
import type { RunSpecMessage } from '../spec.js';
import { checkRunId, getRun, listRuns, loadRunMessage, type RunMessage } from '../run-view.js';
import { getResults } from '../results.js';
import { streamCellSamples } from '../samples.js';
import type { SampleMessage } from '@clue/common';
import { watchRun } from '../watch.js';
import { grpcError, logFailure, unary } from './call.js';

/** What the Coordinator service needs. */
export interface CoordinatorServiceDeps {
  readonly ctx: CoordinatorContext;
  readonly submitter: RunSubmitter;
  readonly canceller: RunCanceller;
  readonly gates: GateVerdicts;
  readonly registry: WorkerRegistry;
  /** Called after a run was created or cancelled (the scheduler's cache is stale). */
  readonly onRunsChanged: () => void;
  /** Warnings about a new run's models (e.g. none of the live workers can hold one). */
  readonly submitWarnings: (models: readonly string[]) => Promise<string[]>;
  /** Registers a watch stream so shutdown can end it; returns its abort signal and a release function. */
  readonly trackWatch: () => { signal: AbortSignal; release: () => void };
}

/** Builds the handlers of `clue.v1.Coordinator`. */
export function coordinatorService(deps: CoordinatorServiceDeps): UntypedServiceImplementation {
  const { ctx } = deps;
  const log = ctx.logger;
  return {
    SubmitRun: unary(log, 'SubmitRun', async (req: { spec?: RunSpecMessage | null }) => {
      const res = await deps.submitter.submit(req.spec);
      if (res.created) deps.onRunsChanged();
      const warnings = await deps.submitWarnings(res.run.spec.models).catch(() => []);
      for (const w of warnings) log.warn({ runId: res.run.id, warning: w }, 'submitted run');
      return { run: await loadRunMessage(ctx, res.run), created: res.created, warnings };
    }),
    GetRun: unary(log, 'GetRun', (req: { runId?: string }) => getRun(ctx, req.runId ?? '')),
    ListRuns: unary(log, 'ListRuns', async (req: { limit?: number }) => ({ runs: await listRuns(ctx, req.limit ?? 0) })),
    CancelRun: unary(log, 'CancelRun', async (req: { runId?: string; reason?: string }) => {
      const run = await deps.canceller.cancel(checkRunId(req.runId), req.reason ?? '');
      deps.onRunsChanged();
      return loadRunMessage(ctx, run);
    }),
    RecordGateVerdict: unary(log, 'RecordGateVerdict', async (req: { runId?: string; verdict?: GateVerdictMessage | null }) =>
      loadRunMessage(ctx, await deps.gates.record(req.runId, req.verdict)),
    ),
    GetResults: unary(log, 'GetResults', (req: { runId?: string }) => getResults(ctx, req.runId ?? '')),
    ListWorkers: unary(log, 'ListWorkers', async () => ({ workers: await deps.registry.listMessages() })),
    RegisterDataset: unary(log, 'RegisterDataset', async (req: { task?: string; fileName?: string; content?: Buffer }) => {
      const d = await ctx.datasets.register(req.task ?? '', req.fileName ?? '', req.content ?? Buffer.alloc(0));
      ctx.logger.info({ sha256: d.sha256, task: d.task, samples: d.samples }, 'dataset registered');
      return { sha256: d.sha256, task: d.task, fileName: d.fileName, size: d.size, samples: d.samples };
    }),
    GetSamples: (call: ServerWritableStream<{ runId?: string; model?: string; task?: string }, SampleMessage>) => {
      const r = call.request;
      streamCellSamples(ctx, r.runId ?? '', r.model ?? '', r.task ?? '', (s) => void call.write(s)).then(
        () => call.end(),
        (e: unknown) => {
          logFailure(log, 'GetSamples', e);
          call.emit('error', grpcError(e));
        },
      );
    },
    WatchRun: (call: ServerWritableStream<{ runId?: string }, RunMessage>) => {
      const { signal, release } = deps.trackWatch();
      const onCancel = (): void => release();
      call.on('cancelled', onCancel);
      watchRun(ctx, call.request.runId ?? '', (run) => call.write(run), signal)
        .then(
          () => call.end(),
          (e: unknown) => {
            logFailure(log, 'WatchRun', e);
            call.emit('error', grpcError(e));
          },
        )
        .finally(() => {
          call.off('cancelled', onCancel);
          release();
        });
    },
  };
}
