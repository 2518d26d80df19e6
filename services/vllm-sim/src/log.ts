/**
 * vLLM-style log output. Since about 0.10 every line a vLLM process writes is prefixed with the
 * process name and pid, e.g. `(APIServer pid=4711) INFO 10-07 10:45:15 [api_server.py:1839] ...`;
 * engine-core lines come from `(EngineCore_DP0 pid=...)`. Log records go to stdout (vLLM's default
 * handler), uncaught tracebacks to stderr.
 */

import type { LogLine } from './vllm-compat.js';

/** The two processes a `vllm serve` has. */
export type LogProcess = 'APIServer' | 'EngineCore_DP0';

/** Log levels used. */
export type LogLevel = 'INFO' | 'WARNING' | 'ERROR';

/** Where log text goes (process streams by default; tests pass buffers). */
export interface LogSink {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The default sink: the process's stdout/stderr. */
export const PROCESS_SINK: LogSink = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Formats a timestamp as vLLM does: `MM-DD HH:MM:SS`. */
export function logTimestamp(d: Date): string {
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A logger bound to the API-server pid (the engine core gets pid + 1). */
export class VllmLogger {
  readonly pid: number;
  private readonly sink: LogSink;

  constructor(pid: number, sink: LogSink = PROCESS_SINK) {
    this.pid = pid;
    this.sink = sink;
  }

  /** The `(Proc pid=N) ` prefix. */
  prefix(proc: LogProcess = 'APIServer'): string {
    return `(${proc} pid=${proc === 'APIServer' ? this.pid : this.pid + 1}) `;
  }

  /** One log record (multi-line messages get the prefix on every line). */
  log(level: LogLevel, [source, message]: LogLine, proc: LogProcess = 'APIServer'): void {
    const head = `${this.prefix(proc)}${level} ${logTimestamp(new Date())} [${source}] `;
    this.sink.stdout(message.split('\n').map((l) => head + l).join('\n') + '\n');
  }

  /** INFO record. */
  info(line: LogLine, proc: LogProcess = 'APIServer'): void {
    this.log('INFO', line, proc);
  }

  /** WARNING record. */
  warning(line: LogLine, proc: LogProcess = 'APIServer'): void {
    this.log('WARNING', line, proc);
  }

  /** ERROR record. */
  error(line: LogLine, proc: LogProcess = 'APIServer'): void {
    this.log('ERROR', line, proc);
  }

  /** Uvicorn's own lines (`INFO:     ...`). */
  uvicorn(message: string): void {
    this.sink.stdout(`${this.prefix()}INFO:     ${message}\n`);
  }

  /** Raw lines with the process prefix, to stderr (tracebacks). */
  stderrLines(lines: readonly string[], proc: LogProcess = 'APIServer'): void {
    this.sink.stderr(lines.map((l) => this.prefix(proc) + l).join('\n') + '\n');
  }
}
