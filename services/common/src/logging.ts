/**
 * pino loggers. Secrets and patient text never reach a log line: known secret and text fields are
 * redacted wherever they appear, and callers log ids (run, unit, worker, model), never content.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';

/** Field paths removed from every log line. */
export const REDACT_PATHS = [
  'token',
  'hfToken',
  'apiKey',
  'password',
  'pass',
  'authorization',
  'headers.authorization',
  'prompt',
  'prompts',
  'messages',
  'content',
  'output',
  'prediction',
  'reference',
  '*.token',
  '*.hfToken',
  '*.apiKey',
  '*.password',
  '*.pass',
  '*.authorization',
  '*.prompt',
  '*.messages',
  '*.content',
  '*.output',
  '*.prediction',
  '*.reference',
];

/** A process's root logger (JSON to stdout, or to the given destination). */
export function createLogger(
  name: string,
  options: { level?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const opts: LoggerOptions = {
    name,
    level: options.level ?? process.env['CLUE_LOG_LEVEL'] ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: name },
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

export type { Logger };
