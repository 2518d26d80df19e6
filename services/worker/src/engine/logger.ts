/**
 * The minimal logger the engine driver writes to: pino-compatible (`logger.info(obj, msg)`), so the
 * worker can pass its pino instance. The driver never logs prompts, outputs or the API key.
 */

/** A structured log method: a context object and a message. */
export type LogMethod = (obj: Record<string, unknown>, msg: string) => void;

/** A pino-compatible logger. */
export interface EngineLogger {
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** Optional; used for per-request noise (retries). */
  debug?: LogMethod;
}

/** A logger that drops everything (the default). */
export const SILENT_LOGGER: EngineLogger = Object.freeze({
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
});
