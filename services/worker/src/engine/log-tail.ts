/**
 * A bounded ring buffer of a child process's most recent log lines (stdout and stderr interleaved),
 * kept for classifying start-up failures and crashes. Lines are cut at `maxLineLength`; lines that
 * could carry request content (vLLM's `--enable-log-requests` output) are dropped, and a secret given
 * to `redact` is masked, so the tail is safe to put into errors and logs.
 */

/** Options of a `LogTail`. */
export interface LogTailOptions {
  /** Lines kept. @default 200 */
  readonly maxLines?: number;
  /** Characters kept per line. @default 2000 */
  readonly maxLineLength?: number;
  /** Strings replaced by `***` (the API key). */
  readonly redact?: readonly string[];
}

/** vLLM request logs (`Received request ...: prompt: '...'`, `Generated response ...: output: ...`) carry patient text. */
const REQUEST_CONTENT = /Received request|Generated response|\bprompt: ['"]|prompt_token_ids: \[/;

/** The ring buffer. Feed it chunks with `push`; read with `lines()`. */
export class LogTail {
  private readonly buf: string[] = [];
  private start = 0;
  private partial = '';
  private readonly maxLines: number;
  private readonly maxLineLength: number;
  private readonly redact: readonly string[];
  private readonly listeners: Array<(line: string) => void> = [];

  constructor(options: LogTailOptions = {}) {
    this.maxLines = Math.max(1, options.maxLines ?? 200);
    this.maxLineLength = Math.max(16, options.maxLineLength ?? 2000);
    this.redact = (options.redact ?? []).filter((s) => s !== '');
  }

  /** Calls `fn` for every complete line (after filtering and redaction). */
  onLine(fn: (line: string) => void): void {
    this.listeners.push(fn);
  }

  /** Adds a chunk of output; complete lines go into the buffer, the rest waits for its newline. */
  push(chunk: string | Buffer): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    const parts = text.split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    if (this.partial.length > this.maxLineLength * 4) {
      parts.push(this.partial);
      this.partial = '';
    }
    for (const p of parts) this.add(p);
  }

  /** Flushes a final line without newline (call when the stream ends). */
  end(): void {
    if (this.partial !== '') this.add(this.partial);
    this.partial = '';
  }

  private add(raw: string): void {
    if (raw.trim() === '' || REQUEST_CONTENT.test(raw)) return;
    let line = raw.length > this.maxLineLength ? `${raw.slice(0, this.maxLineLength)}…` : raw;
    for (const s of this.redact) line = line.split(s).join('***');
    if (this.buf.length < this.maxLines) this.buf.push(line);
    else {
      this.buf[this.start] = line;
      this.start = (this.start + 1) % this.maxLines;
    }
    for (const fn of this.listeners) fn(line);
  }

  /** The buffered lines, oldest first. */
  lines(): string[] {
    return [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
  }

  /** The last `n` lines. */
  last(n: number): string[] {
    const all = this.lines();
    return all.slice(Math.max(0, all.length - n));
  }
}
