/** Writing to stdout/stderr without losing data and without crashing on a closed pipe. */

let pipeClosed = false;
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') pipeClosed = true;
  else throw e;
});

/** Writes text to stdout, waiting for the buffer to drain when needed. */
export async function writeOut(text: string): Promise<void> {
  if (pipeClosed) return;
  if (!process.stdout.write(text)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.once('drain', done);
      process.stdout.once('error', done);
    });
  }
}

/** Writes lines to stdout in chunks. */
export async function writeLines(lines: Iterable<string>): Promise<void> {
  let buf = '';
  for (const l of lines) {
    buf += l + '\n';
    if (buf.length > 1 << 16) {
      await writeOut(buf);
      buf = '';
    }
  }
  if (buf) await writeOut(buf);
}

/** A line to stderr (summaries, progress, warnings). */
export function info(text: string): void {
  process.stderr.write(text + '\n');
}
