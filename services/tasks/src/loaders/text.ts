/**
 * Reading dataset files as text the way CLUE's Python does: UTF-8 (the locale encoding of CLUE's
 * containers), undecodable bytes are an error naming the file and the byte offset.
 */
import { readFileSync } from 'node:fs';
import { ClueError, DatasetError } from '../errors.js';

/** Reads a whole file as bytes; a missing or unreadable file gives a ClueError naming it. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(e);
    throw new ClueError('DATASET_UNREADABLE', `${path}: cannot read dataset file: ${why}`, { cause: e });
  }
}

/** Decodes UTF-8 strictly. A leading byte-order mark is dropped. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return text;
  } catch (e) {
    // Find the first bad offset for the message (TextDecoder does not report it).
    let offset = 0;
    for (let step = 1 << 20; step >= 1; step >>= 1) {
      while (offset + step <= bytes.length) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, offset + step));
          offset += step;
        } catch {
          break;
        }
      }
    }
    const line = countLines(bytes, offset);
    throw new DatasetError({ file, line }, `not valid UTF-8 (first bad byte at offset ${offset})`, { cause: e });
  }
}

function countLines(bytes: Uint8Array, end: number): number {
  let n = 1;
  for (let i = 0; i < end && i < bytes.length; i++) if (bytes[i] === 10) n++;
  return n;
}

/** Reads a file as UTF-8 text. */
export function readText(path: string): string {
  return decodeUtf8(readBytes(path), path);
}
