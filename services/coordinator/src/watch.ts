/**
 * WatchRun: streams the Run whenever it changes, until it is final (succeeded, partial, failed,
 * cancelled), the client goes away or the coordinator shuts down (the abort signal).
 *
 * Loop states: `waiting` (for a KV change of the run, its units or cells, a poll tick, or abort) ->
 * `building` (reads the Run; sent only if it differs from the last one sent; at most every
 * {@link MIN_INTERVAL_MS}) -> `waiting` ... -> `ended` (final run or abort). KV watchers are a
 * latency optimisation: if they die (e.g. NATS restarts) they are re-opened, and the poll tick alone
 * keeps the stream correct meanwhile.
 */
import type { KV } from '@nats-io/kv';
import type { CoordinatorContext } from './context.js';
import { loadRunMessage, requireRun, type RunMessage } from './run-view.js';

/** Fastest update rate of one watch stream. */
export const MIN_INTERVAL_MS = 200;
/** Re-read even without a KV notification this often (progress of running units, dead watchers). */
export const POLL_INTERVAL_MS = 2000;

const FINAL_ENUMS = new Set(['RUN_STATE_SUCCEEDED', 'RUN_STATE_PARTIAL', 'RUN_STATE_FAILED', 'RUN_STATE_CANCELLED']);

/** Opens a KV watch and calls `onChange` for every update; resolves when the watch ends. */
async function follow(kv: KV, key: string, onChange: () => void, signal: AbortSignal): Promise<void> {
  const w = await kv.watch({ key, include: 'updates' });
  const stop = (): void => w.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const entry of w) {
      if (entry) onChange();
      if (signal.aborted) break;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    w.stop();
  }
}

/**
 * Streams the run. `send` receives the first state at once, then every change.
 * @throws CoordinatorError NOT_FOUND before anything is sent, for an unknown run.
 */
export async function watchRun(ctx: CoordinatorContext, runId: string, send: (run: RunMessage) => void, signal: AbortSignal): Promise<void> {
  const first = await requireRun(ctx, runId);
  let wake: (() => void) | undefined;
  let dirty = false;
  const notify = (): void => {
    dirty = true;
    wake?.();
  };
  let watchers: Promise<void>[] | undefined;
  const watchAbort = new AbortController();
  const stopWatchers = (): void => watchAbort.abort();
  signal.addEventListener('abort', stopWatchers, { once: true });
  const openWatchers = (): void => {
    const sig = watchAbort.signal;
    const alive = [
      follow(ctx.jet.runs, first.id, notify, sig),
      follow(ctx.jet.units, `${first.id}.>`, notify, sig),
      follow(ctx.jet.cells, `${first.id}.>`, notify, sig),
    ].map((p) => p.catch(() => undefined));
    watchers = alive;
    void Promise.race(alive).then(() => {
      if (watchers === alive) watchers = undefined;
      notify();
    });
  };
  let last = '';
  try {
    for (;;) {
      if (signal.aborted) return;
      if (!watchers) openWatchers();
      dirty = false;
      let msg: RunMessage | undefined;
      try {
        const run = await requireRun(ctx, first.id);
        msg = await loadRunMessage(ctx, run);
      } catch (e) {
        if ((e as { code?: string }).code === 'NOT_FOUND') throw e;
        ctx.logger.debug({ runId, err: (e as Error).message }, 'watch read failed; retrying');
      }
      if (msg) {
        const text = JSON.stringify(msg);
        if (text !== last) {
          last = text;
          send(msg);
        }
        if (FINAL_ENUMS.has(msg.state)) return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, POLL_INTERVAL_MS);
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        }
        if (dirty || signal.aborted) return done();
        wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      if (!signal.aborted) await new Promise((r) => setTimeout(r, MIN_INTERVAL_MS));
    }
  } finally {
    signal.removeEventListener('abort', stopWatchers);
    watchAbort.abort();
  }
}
