/** `clue watch RUN`: live progress until the run is final (Ctrl-C stops watching, not the run). */
import type { Argv } from 'yargs';
import type { CoordinatorClient } from '../grpc-client.js';
import { connectionOptions, openClient } from '../connection.js';
import { renderProgress, runState, type RunMsg } from '../progress.js';
import { info } from '../output.js';

export function registerWatch(y: Argv): Argv {
  return y.command(
    'watch <run>',
    'Follow a run: progress per cell and in total, samples/s, ETA',
    (c) =>
      connectionOptions(c).positional('run', { type: 'string', demandOption: true }),
    async (argv) => {
      const client = openClient(argv);
      try {
        await watchRun(client, argv.run as string);
      } finally {
        client.close();
      }
    },
  );
}

const FINAL = new Set(['succeeded', 'partial', 'failed', 'cancelled']);

/** Streams progress to stderr (redrawn on a terminal, a line every 5 s otherwise); returns the final run. */
export async function watchRun(client: CoordinatorClient, runId: string, signal?: AbortSignal): Promise<RunMsg | undefined> {
  const tty = process.stderr.isTTY === true;
  let last: RunMsg | undefined;
  let drawn = 0;
  let lastPrint = 0;
  const waitingSeen = new Set<string>();
  const draw = (run: RunMsg, force = false): void => {
    const lines = renderProgress(run);
    if (tty) {
      if (drawn) process.stderr.write(`\x1b[${drawn}A\x1b[J`);
      process.stderr.write(lines.join('\n') + '\n');
      drawn = lines.length;
      return;
    }
    if (force || Date.now() - lastPrint > 5000) {
      info(lines[0]!);
      lastPrint = Date.now();
    }
    // Line mode: say once why a model waits (and again when the reason changes).
    for (const w of run.waiting ?? []) {
      const key = `${w.model}|${w.reason}`;
      if (!waitingSeen.has(key)) info(`waiting  ${w.model}: ${w.reason}`);
      waitingSeen.add(key);
    }
  };
  await client.watch<RunMsg>(
    runId,
    (run) => {
      last = run;
      draw(run, FINAL.has(runState(run.state)));
    },
    signal,
  );
  if (last && !tty) info(renderProgress(last).slice(1).join('\n'));
  if (last && last.reason) info(`run ${runId} ${runState(last.state)}: ${last.reason}`);
  return last;
}
