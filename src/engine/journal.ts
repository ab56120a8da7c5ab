// The append-only command journal: one record per sequenced command, framed as
//   [u32 LE payload length][u32 LE crc32(payload)][payload: UTF-8 JSON of the SequencedCommand]
// Many records go out in one write (group commit); fsync per batch or never, by policy.
// Reading detects a torn tail (damage after the last complete record: a record cut short or failing its checksum,
// zeros, garbage) and reports corruption anywhere else as a JournalCorruptError naming the byte offset.
import { open, type FileHandle } from 'node:fs/promises';
import { readFileSync, truncateSync, existsSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { SequencedCommand } from './types.js';

export type FsyncPolicy = 'always' | 'none';

export const RECORD_HEADER_BYTES = 8;
/** Largest payload accepted; a command never needs more. */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024;

export class JournalCorruptError extends Error {
  override name = 'JournalCorruptError';
  constructor(readonly path: string, readonly offset: number, reason: string) {
    super(`${path}: journal corrupt at byte offset ${offset}: ${reason}`);
  }
}

/** The JSON text of one record's payload; throws JournalRecordTooLargeError when it does not fit a record. */
export function encodePayload(sc: SequencedCommand): string {
  const json = JSON.stringify(sc);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only long texts need the exact count
  if (json.length * 3 > RECORD_PAYLOAD_BYTES_MAX) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > RECORD_PAYLOAD_BYTES_MAX) throw new JournalRecordTooLargeError(bytes);
  }
  return json;
}

export class JournalRecordTooLargeError extends Error {
  override name = 'JournalRecordTooLargeError';
  constructor(readonly bytes: number) {
    super(`command of ${bytes} bytes does not fit a journal record (max ${RECORD_PAYLOAD_BYTES_MAX})`);
  }
}

/** Frames payload texts (from encodePayload) as consecutive journal records in one buffer: one allocation, no copies. */
export function framePayloads(payloads: readonly string[]): Buffer {
  let total = 0;
  for (const p of payloads) total += RECORD_HEADER_BYTES + Buffer.byteLength(p, 'utf8');
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of payloads) {
    const start = at + RECORD_HEADER_BYTES;
    const len = buf.write(p, start, 'utf8');
    if (len === 0 || len > RECORD_PAYLOAD_BYTES_MAX) throw new Error(`journal record of ${len} bytes is out of bounds`);
    buf.writeUInt32LE(len, at);
    buf.writeUInt32LE(crc32(buf.subarray(start, start + len)), at + 4);
    at = start + len;
  }
  if (at !== total) throw new Error(`invariant: framed ${at} of ${total} journal bytes`);
  return buf;
}

/** Encodes sequenced commands as consecutive journal records in one buffer. */
export function encodeRecords(commands: readonly SequencedCommand[]): Buffer {
  return framePayloads(commands.map(encodePayload));
}

export interface JournalContents {
  records: SequencedCommand[];
  /** Bytes of valid records from the start of the file. */
  validBytes: number;
  /** Bytes after the valid records that make up a torn tail (0 when the file ends cleanly). */
  tornBytes: number;
}

/** Offset of the first complete record (in-bounds length, matching checksum) starting after `from`, or -1. */
function nextValidRecord(buf: Buffer, from: number): number {
  for (let at = from; at + RECORD_HEADER_BYTES < buf.length; at++) {
    const len = buf.readUInt32LE(at);
    if (len === 0 || len > RECORD_PAYLOAD_BYTES_MAX || at + RECORD_HEADER_BYTES + len > buf.length) continue;
    if (crc32(buf.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + len)) === buf.readUInt32LE(at + 4)) return at;
  }
  return -1;
}

/**
 * Decodes a journal image; throws JournalCorruptError for damage that is not a torn tail.
 * A damaged record (length out of bounds, cut short, checksum mismatch) followed by nothing that parses as a
 * complete record is a torn tail: a crash mid-write leaves exactly that (a prefix of the batch, then a partial
 * record, zeros or stale bytes). A damaged record with a complete record anywhere after it is corruption.
 */
export function decodeJournal(buf: Buffer, path = 'journal'): JournalContents {
  const records: SequencedCommand[] = [];
  let at = 0;
  let prevSeq = -1;
  const damaged = (reason: string): JournalContents => {
    const next = nextValidRecord(buf, at + 1);
    if (next >= 0) throw new JournalCorruptError(path, at, `${reason}; a complete record follows at byte offset ${next}`);
    return { records, validBytes: at, tornBytes: buf.length - at };
  };
  while (at < buf.length) {
    if (buf.length - at < RECORD_HEADER_BYTES) return damaged('record header cut short');
    const len = buf.readUInt32LE(at);
    const crc = buf.readUInt32LE(at + 4);
    const end = at + RECORD_HEADER_BYTES + len;
    if (len === 0 || len > RECORD_PAYLOAD_BYTES_MAX) return damaged(`record length ${len} out of bounds`);
    if (end > buf.length) return damaged(`record of ${len} bytes cut short`);
    const payload = buf.subarray(at + RECORD_HEADER_BYTES, end);
    if (crc32(payload) !== crc) return damaged('checksum mismatch');
    let sc: SequencedCommand;
    try {
      sc = JSON.parse(payload.toString('utf8')) as SequencedCommand;
    } catch {
      throw new JournalCorruptError(path, at, 'payload is not JSON');
    }
    if (typeof sc !== 'object' || sc === null || !Number.isSafeInteger(sc.seq) || !Number.isSafeInteger(sc.timeMs) || typeof sc.cmd !== 'object') {
      throw new JournalCorruptError(path, at, 'payload is not a sequenced command');
    }
    if (prevSeq >= 0 && sc.seq !== prevSeq + 1) throw new JournalCorruptError(path, at, `seq ${sc.seq} follows ${prevSeq}`);
    prevSeq = sc.seq;
    records.push(sc);
    at = end;
  }
  return { records, validBytes: at, tornBytes: 0 };
}

/** Reads a journal file (missing = empty). */
export function readJournal(path: string): JournalContents {
  if (!existsSync(path)) return { records: [], validBytes: 0, tornBytes: 0 };
  return decodeJournal(readFileSync(path), path);
}

/** Reads a journal and cuts off a torn tail so appends continue after the last valid record. */
export function recoverJournal(path: string): JournalContents {
  const contents = readJournal(path);
  if (contents.tornBytes > 0) truncateSync(path, contents.validBytes);
  return contents;
}

/**
 * Appends batches to the journal file; one write and at most one fsync per batch.
 * Under 'none' a batch only has to reach the OS (page cache), so it is written synchronously (appendSync): a
 * write(2) to the page cache costs a few microseconds, while a thread-pool round trip costs a hand-off to a
 * worker, a wake-up and another event-loop phase per batch. Under 'always' the write and the fdatasync go
 * through the thread pool (append), so waiting for the disk never blocks the event loop.
 */
export class JournalWriter {
  private closed = false;
  /** True when batches are written with appendSync (fsync 'none'); false when with append (fsync 'always'). */
  readonly writesSynchronously: boolean;
  bytesWritten = 0;
  batches = 0;
  /** fdatasync calls made (one per batch under 'always'). */
  syncs = 0;

  private constructor(private readonly fh: FileHandle, readonly path: string, readonly fsync: FsyncPolicy) {
    this.writesSynchronously = fsync !== 'always';
  }

  /** Opens (creating) the file for appending; under 'always' the directory entry is made durable too. */
  static async open(path: string, fsync: FsyncPolicy): Promise<JournalWriter> {
    const fh = await open(path, 'a');
    if (fsync === 'always') {
      try {
        const dir = await open(dirname(path), 'r');
        try { await dir.sync(); } finally { await dir.close(); }
      } catch (err) {
        await fh.close();
        throw err;
      }
    }
    return new JournalWriter(fh, path, fsync);
  }

  /** Writes the whole buffer, then fsyncs when the policy says so. Rejects on any I/O error. */
  async append(buf: Buffer): Promise<void> {
    if (this.closed) throw new Error(`${this.path}: journal closed`);
    let at = 0;
    while (at < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, at, buf.length - at);
      if (bytesWritten <= 0) throw new Error(`${this.path}: journal write made no progress`);
      at += bytesWritten;
    }
    if (this.fsync === 'always') {
      await this.fh.datasync();
      this.syncs++;
    }
    this.bytesWritten += buf.length;
    this.batches++;
  }

  /**
   * Writes the whole buffer to the OS before returning (fsync 'none' only: no fdatasync). Throws on any I/O
   * error; after a partial write the file holds a prefix of the batch, which recovery treats as a torn tail.
   */
  appendSync(buf: Buffer): void {
    if (this.closed) throw new Error(`${this.path}: journal closed`);
    if (!this.writesSynchronously) throw new Error(`${this.path}: appendSync with fsync '${this.fsync}' would block the event loop on the disk`);
    let at = 0;
    while (at < buf.length) {
      const bytesWritten = writeSync(this.fh.fd, buf, at, buf.length - at); // O_APPEND: always at the end
      if (bytesWritten <= 0) throw new Error(`${this.path}: journal write made no progress`);
      at += bytesWritten;
    }
    this.bytesWritten += buf.length;
    this.batches++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}
