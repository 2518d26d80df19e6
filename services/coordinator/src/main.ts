#!/usr/bin/env node
/**
 * `clue-coordinator`: parses and validates the configuration, starts a {@link Coordinator}, prints one
 * JSON line `{"event":"listening","grpc":"HOST:PORT"}` to stdout (the local-cluster launcher reads it;
 * logs go to stderr), and stops gracefully on SIGTERM/SIGINT (a second signal forces the exit).
 */
import { pino } from 'pino';
import { createLogger } from '@clue/common';
import { ConfigError, loadConfig } from './config.js';
import { Coordinator } from './coordinator.js';

const EXIT_CONFIG = 2;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`clue-coordinator: ${e.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw e;
  }
  const logger = createLogger('clue-coordinator', { level: config.logLevel, destination: pino.destination(2) });
  const coordinator = new Coordinator(config, { logger });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal: sig }, 'second signal: exiting now');
      process.exit(1);
    }
    logger.info({ signal: sig }, 'shutting down');
    const hard = setTimeout(() => process.exit(1), (config.shutdownGraceSeconds + 10) * 1000);
    hard.unref();
    coordinator.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const endpoints = await coordinator.start();
  process.stdout.write(`${JSON.stringify({ event: 'listening', grpc: endpoints.grpc, ...(endpoints.metricsPort !== undefined ? { metrics: endpoints.metricsPort } : {}) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`clue-coordinator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
