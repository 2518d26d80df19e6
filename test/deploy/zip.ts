/**
 * A minimal ZIP reader: finds one entry through the central directory and returns its bytes (stored or
 * deflated, CRC-checked). Enough for the kubectl/helm layer archive; no ZIP64, no encryption.
 */
import { readFileSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** A ZIP archive that cannot be read, or lacks the wanted entry. */
export class ZipError extends Error {
  /** @param file the archive path; @param reason what is wrong. */
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'ZipError';
  }
}

interface CentralEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function findEndOfCentralDirectory(buf: Buffer, file: string): number {
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) {
    if (buf.readUInt32LE(i) === EOCD_SIGNATURE) return i;
  }
  throw new ZipError(file, 'not a ZIP archive (no end-of-central-directory record)');
}

function centralEntries(buf: Buffer, file: string): CentralEntry[] {
  const eocd = findEndOfCentralDirectory(buf, file);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL_SIGNATURE) {
      throw new ZipError(file, `central directory entry ${i} is damaged`);
    }
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    entries.push({
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Names of the entries of a ZIP archive. */
export function listZipEntries(file: string): string[] {
  return centralEntries(readFileSync(file), file).map((e) => e.name);
}

/**
 * Reads one entry of a ZIP archive.
 * @throws ZipError when the archive is damaged, the entry is missing, uses ZIP64 or an unknown method, or fails its CRC.
 */
export function readZipEntry(file: string, name: string): Buffer {
  const buf = readFileSync(file);
  const entry = centralEntries(buf, file).find((e) => e.name === name);
  if (!entry) throw new ZipError(file, `no entry '${name}'`);
  if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff) {
    throw new ZipError(file, `entry '${name}' is ZIP64, which this reader does not support`);
  }
  const local = entry.localOffset;
  if (buf.readUInt32LE(local) !== LOCAL_SIGNATURE) throw new ZipError(file, `local header of '${name}' is damaged`);
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const raw = buf.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(raw);
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new ZipError(file, `entry '${name}' uses compression method ${entry.method} (only stored and deflate are supported)`);
  if (data.length !== entry.size) throw new ZipError(file, `entry '${name}' has ${data.length} bytes, the directory says ${entry.size}`);
  if (crc32(data) >>> 0 !== entry.crc) throw new ZipError(file, `entry '${name}' fails its CRC check`);
  return data;
}
