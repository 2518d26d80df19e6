#!/usr/bin/env node
/**
 * `clue-worker`: one per GPU node. Wiring only — parse and validate the configuration, create the
 * logger (JSON to stderr), start the worker, install the signal handlers, map the outcome to an exit
 * code:
 *
 * - 0 `EXIT_OK`: drained after SIGTERM/SIGINT (units finished or handed back, vLLM stopped);
 * - 1 `EXIT_FAILURE`: failed at run time (NATS lost for good, an unexpected error);
 * - 2 `EXIT_CONFIG`: bad flags, environment or node setup (the message names the setting);
 * - 3 `EXIT_FORCED`: a second signal forced the exit.
 */
import { pino } from 'pino';
import { createLogger } from '@clue/common';
import { ClueError } from '@clue/tasks';
import { describeConfig, loadConfig, usage, type WorkerConfig } from './config.js';
import { installSignalHandlers } from './runtime/drain.js';
import { createWorker } from './runtime/worker.js';

/** Drained after SIGTERM/SIGINT. */
export const EXIT_OK = 0;
/** Failed at run time. */
export const EXIT_FAILURE = 1;
/** Bad flags, environment or node setup. */
export const EXIT_CONFIG = 2;
/** A second signal forced the exit. */
export const EXIT_FORCED = 3;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return EXIT_OK;
  }
  let config: WorkerConfig;
  try {
    config = loadConfig(argv, process.env);
  } catch (e) {
    process.stderr.write(`clue-worker: ${e instanceof Error ? e.message : String(e)}\nRun 'clue-worker --help' for the options.\n`);
    return EXIT_CONFIG;
  }
  const logger = createLogger('clue-worker', { level: config.logLevel, destination: pino.destination(2) });
  logger.info(describeConfig(config), 'configuration');
  const worker = createWorker(config, { logger });
  const remove = installSignalHandlers(
    (signal) => {
      logger.info({ signal }, 'signal: draining');
      worker.drain();
    },
    (signal) => {
      logger.warn({ signal }, 'second signal: forcing exit');
      void worker.force().finally(() => process.exit(EXIT_FORCED));
    },
  );
  try {
    const outcome = await worker.run();
    return outcome === 'stopped' ? EXIT_OK : EXIT_FAILURE;
  } catch (e) {
    if (e instanceof ClueError) {
      logger.error({ error: e.message }, 'cannot start');
      process.stderr.write(`clue-worker: ${e.message}\n`);
      return EXIT_CONFIG;
    }
    logger.error({ error: e instanceof Error ? e.message : String(e) }, 'worker failed');
    return EXIT_FAILURE;
  } finally {
    remove();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    // Anything still holding the event loop (a stuck socket) must not keep a drained worker alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`clue-worker: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(EXIT_FAILURE);
  },
);
