// The append-only command journal: a directory of segment files, one record per sequenced command, framed as
//   [u32 LE payload length][u32 LE crc32(payload)][payload: the SequencedCommand, see command-codec.ts]
// The payload's first byte is the record format's version: a record of a version this build does not read is a
// JournalVersionError naming the file, the offset and the version found.
// A segment is named by the seq of its first record, fixed width (journal-00000000000000000001.log), so the lexical
// order of the names is the seq order. The writer rolls to a new segment at a batch boundary once the current one
// holds segmentBytes or more. Many records go out in one write (group commit); fsync per batch or never, by policy.
// Reading streams the segments in fixed-size chunks (memory does not grow with the journal), can start at the
// segment that holds a given seq (restart from a snapshot) and skips records up to it without decoding them.
// A torn tail (damage after the last complete record: a record cut short or failing its checksum, zeros, garbage)
// is only allowed at the end of the LAST segment; damage anywhere else, a segment that ends early or a seq gap
// between segments is a JournalCorruptError naming the file and the byte offset.
import { closeSync, fstatSync, fsyncSync, openSync, readdirSync, readSync, statSync, truncateSync, unlinkSync, writeSync, close as closeCb, fdatasync as fdatasyncCb,
  fsync as fsyncCb, ftruncate as ftruncateCb, open as openCb, write as writeCb } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import CRC32 from 'crc-32';
import { decodePayload, encodePayload, payloadBytes, peekPayloadSeq, RECORD_FORMAT_VERSION } from './command-codec.js';
import type { SequencedCommand } from './types.js';

export type FsyncPolicy = 'always' | 'none';

export const RECORD_HEADER_BYTES = 8;
/** Largest payload accepted; a command never needs more. */
export const RECORD_PAYLOAD_BYTES_MAX = 64 * 1024;
/** A segment is closed at the first batch boundary at or beyond this size, unless configured otherwise. */
export const JOURNAL_SEGMENT_BYTES_DEFAULT = 64 * 1024 * 1024;
/** Bytes read from a segment at a time; memory used by a reader does not depend on the journal's size. */
const READ_CHUNK_BYTES = 1024 * 1024;
const SEGMENT_FILE = /^journal-(\d{20})\.log$/;

/** The file name of the segment whose first record has `firstSeq`. */
export function segmentName(firstSeq: number): string {
  if (!Number.isSafeInteger(firstSeq) || firstSeq < 1) throw new Error(`invariant: segment first seq ${firstSeq}`);
  return `journal-${String(firstSeq).padStart(20, '0')}.log`;
}

export class JournalCorruptError extends Error {
  override name = 'JournalCorruptError';
  constructor(readonly path: string, readonly offset: number, reason: string) {
    super(`${path}: journal corrupt at byte offset ${offset}: ${reason}`);
  }
}

/** The journal no longer holds the records a replay needs: its segments start after them (JournalRetention=snapshot). */
export class JournalTrimmedError extends Error {
  override name = 'JournalTrimmedError';
  constructor(readonly dir: string, readonly firstSeq: number, readonly neededSeq: number) {
    super(`${dir}: the journal starts at seq ${firstSeq} (earlier segments were trimmed or are missing), ` +
      `so a replay that needs seq ${neededSeq} onwards is impossible`);
  }
}

/** A record whose checksum holds, written in a record format this build does not read. */
export class JournalVersionError extends Error {
  override name = 'JournalVersionError';
  constructor(readonly path: string, readonly offset: number, readonly version: number) {
    super(`${path}: the journal record at byte offset ${offset} has format version ${version}; this fixgw reads version ${RECORD_FORMAT_VERSION}`);
  }
}

export class JournalRecordTooLargeError extends Error {
  override name = 'JournalRecordTooLargeError';
  constructor(readonly bytes: number) {
    super(`command of ${bytes} bytes does not fit a journal record (max ${RECORD_PAYLOAD_BYTES_MAX})`);
  }
}

/** Payloads shorter than this are checksummed by crc-32 (plain JS), longer ones by zlib (native). */
const SHORT_PAYLOAD_BYTES = 192;

/**
 * The CRC-32 of bytes [from, to) of `buf`, unsigned: the checksum of a record's payload. Both libraries compute the
 * same CRC-32 (zlib's). Most payloads are short (a new order is under a hundred bytes), and for them the plain-JS
 * crc-32 is faster than a call into zlib; from about SHORT_PAYLOAD_BYTES on, zlib wins.
 */
export function payloadChecksum(buf: Uint8Array, from: number, to: number): number {
  const view = new Uint8Array(buf.buffer, buf.byteOffset + from, to - from);
  return to - from < SHORT_PAYLOAD_BYTES ? CRC32.buf(view) >>> 0 : crc32(view);
}

/** Room kept free for one more record: the largest payload and its header. */
const RECORD_ROOM_BYTES = RECORD_HEADER_BYTES + RECORD_PAYLOAD_BYTES_MAX;

/**
 * Journal records of the commands submitted since the last batch was taken, encoded when submitted, straight into one
 * buffer. take() hands out the first records as one buffer for one write; once that write is done, give the buffer
 * back with recycle() so the next batch is built in it instead of a new allocation.
 */
export class RecordBuffer {
  private buf: Buffer = Buffer.allocUnsafe(2 * RECORD_ROOM_BYTES);
  private used = 0;
  /** End offset of each record in buf. */
  private ends: number[] = [];
  private spare: Buffer | null = null;

  /** Records held. */
  get count(): number { return this.ends.length; }

  /**
   * Encodes `sc` as the next record; throws JournalRecordTooLargeError, with nothing added, when its payload exceeds
   * RECORD_PAYLOAD_BYTES_MAX (and CommandNotEncodableError for a command that is not an object).
   */
  append(sc: SequencedCommand): void {
    if (this.buf.length - this.used < RECORD_ROOM_BYTES) this.grow(RECORD_ROOM_BYTES);
    const start = this.used + RECORD_HEADER_BYTES;
    const len = encodePayload(sc, this.buf, start, RECORD_PAYLOAD_BYTES_MAX);
    if (len < 0) throw new JournalRecordTooLargeError(payloadBytes(sc));
    this.buf.writeUInt32LE(len, this.used);
    this.buf.writeUInt32LE(payloadChecksum(this.buf, start, start + len), this.used + 4);
    this.used = start + len;
    this.ends.push(this.used);
  }

  /** The first `n` records (1 ≤ n ≤ count) as one buffer, valid until it is recycled; they are no longer held. */
  take(n: number): Buffer {
    if (!(n >= 1 && n <= this.ends.length)) throw new Error(`invariant: take ${n} of ${this.ends.length} records`);
    const cut = this.ends[n - 1]!;
    const out = this.buf.subarray(0, cut);
    const next = this.spare !== null && this.spare.length >= this.used - cut + RECORD_ROOM_BYTES
      ? this.spare : Buffer.allocUnsafe(Math.max(this.buf.length, 2 * (this.used - cut + RECORD_ROOM_BYTES)));
    this.spare = null;
    this.buf.copy(next, 0, cut, this.used);
    this.buf = next;
    this.used -= cut;
    this.ends = n === this.ends.length ? [] : this.ends.slice(n).map((e) => e - cut);
    return out;
  }

  /** Gives back a buffer from take() whose write has completed; the next take() may build in it. */
  recycle(taken: Buffer): void {
    if (taken.byteOffset === 0 && taken.buffer.byteLength >= 2 * RECORD_ROOM_BYTES) this.spare = Buffer.from(taken.buffer, 0, taken.buffer.byteLength);
  }

  /** Drops every record held. */
  clear(): void {
    this.used = 0;
    this.ends = [];
  }

  private grow(room: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.used + room));
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }
}

/** Encodes sequenced commands as consecutive journal records in one buffer. */
export function encodeRecords(commands: readonly SequencedCommand[]): Buffer {
  const records = new RecordBuffer();
  for (const sc of commands) records.append(sc);
  return Buffer.from(records.take(commands.length));
}

// ---------------------------------------------------------------------------------------------------------------
// Segments on disk

export interface JournalSegment {
  path: string;
  /** Seq of its first record, from the name. */
  firstSeq: number;
}

/** The journal's segments, in seq order; [] when the directory is missing or empty. */
export function listSegments(journalDir: string): JournalSegment[] {
  let names: string[];
  try { names = readdirSync(journalDir); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const segments: JournalSegment[] = [];
  for (const name of names.sort()) {
    const m = SEGMENT_FILE.exec(name);
    if (m !== null) segments.push({ path: join(journalDir, name), firstSeq: Number(m[1]) });
  }
  return segments;
}

/** A window over a file: bytes [start, end) of the file held in one fixed buffer, refilled by positional reads. */
class FileWindow {
  readonly buf = Buffer.allocUnsafe(READ_CHUNK_BYTES + RECORD_HEADER_BYTES + RECORD_PAYLOAD_BYTES_MAX);
  start = 0;
  end = 0;
  constructor(private readonly fd: number, private readonly path: string, readonly size: number) {}

  /** Makes file bytes [pos, pos + n) readable at buf[pos - start]; pos + n must not pass the end of the file. */
  ensure(pos: number, n: number): void {
    if (pos >= this.start && pos + n <= this.end) return;
    const keep = pos >= this.start && pos < this.end ? this.end - pos : 0;
    if (keep > 0) this.buf.copy(this.buf, 0, pos - this.start, this.end - this.start);
    this.start = pos;
    this.end = pos + keep;
    while (this.end < pos + n) {
      const want = Math.min(this.buf.length - (this.end - this.start), this.size - this.end);
      const read = want > 0 ? readSync(this.fd, this.buf, this.end - this.start, want, this.end) : 0;
      if (read <= 0) throw new Error(`${this.path}: file ended at ${this.end} bytes while reading (it was ${this.size} when opened)`);
      this.end += read;
    }
  }
}

export interface SegmentRead {
  path: string;
  /** Records decoded and handed to the caller (seq > afterSeq). */
  records: number;
  /** Records checked (length, checksum, seq order) but not decoded: seq ≤ afterSeq. */
  skipped: number;
  /** Seq of the first and last record in the segment (null when it holds none). */
  firstSeq: number | null;
  lastSeq: number | null;
  /** Bytes of whole records from the start of the file. */
  validBytes: number;
  /** Bytes after them (a torn tail; only ever non-zero in the last segment). */
  tornBytes: number;
  /** The torn tail is all zero bytes: space a preallocating writer (fsync 'always') has not written records into yet,
   *  or, after a crash, a write whose data never reached the disk. */
  tornZeros: boolean;
}

export interface JournalScan {
  dir: string;
  /** Every segment on disk when the scan began. */
  segments: JournalSegment[];
  /** The segments opened, in order, with what was found in each. */
  read: SegmentRead[];
  /** Seq of the journal's first record (from the first segment's name), or null for an empty journal. */
  firstSeq: number | null;
  /** Seq of the last whole record read (0 when none). */
  lastSeq: number;
  /** Records decoded (seq > afterSeq). */
  records: number;
  /** Torn-tail bytes at the end of the last segment. */
  tornBytes: number;
  /** The torn tail is all zeros (SegmentRead.tornZeros). */
  tornZeros: boolean;
  /** Bytes of all segments on disk. */
  bytes: number;
}

export interface ScanOptions {
  /** Records with seq ≤ afterSeq are checked but not decoded, and segments holding only such records are not opened.
   *  The journal must hold afterSeq + 1 onwards (or end at or before afterSeq): else JournalTrimmedError. Default 0. */
  afterSeq?: number;
  /** Stop after the record with this seq (nothing after it is read). */
  upToSeq?: number;
}

/**
 * Streams the journal's records with seq > afterSeq to `onRecord`, in seq order, segment after segment, a chunk at a
 * time. Throws JournalCorruptError for damage that is not a torn tail of the last segment, and JournalTrimmedError when
 * the segments start after afterSeq + 1. Read-only: a torn tail is reported (tornBytes), not truncated.
 */
export function scanJournal(journalDir: string, options: ScanOptions, onRecord: (sc: SequencedCommand) => void): JournalScan {
  const afterSeq = options.afterSeq ?? 0;
  const upToSeq = options.upToSeq ?? Number.MAX_SAFE_INTEGER;
  const segments = listSegments(journalDir);
  const scan: JournalScan = { dir: journalDir, segments, read: [], firstSeq: segments[0]?.firstSeq ?? null, lastSeq: 0, records: 0, tornBytes: 0,
    tornZeros: false, bytes: 0 };
  for (const s of segments) scan.bytes += statSync(s.path).size;
  if (segments.length === 0) return scan;
  // the last segment that can hold afterSeq + 1: every one before it ends at or before afterSeq
  let from = 0;
  for (let i = 1; i < segments.length; i++) if (segments[i]!.firstSeq <= afterSeq + 1) from = i;
  if (segments[from]!.firstSeq > afterSeq + 1) throw new JournalTrimmedError(journalDir, segments[from]!.firstSeq, afterSeq + 1);
  let prev: { path: string; lastSeq: number } | null = null;
  for (let i = from; i < segments.length; i++) {
    const seg = segments[i]!;
    if (prev !== null && seg.firstSeq !== prev.lastSeq + 1) {
      throw new JournalCorruptError(seg.path, 0, `segment named for seq ${seg.firstSeq} follows ${prev.path}, which ends at seq ${prev.lastSeq}`);
    }
    const isLast = i === segments.length - 1;
    const r = scanSegment(seg, isLast, prev?.lastSeq ?? null, afterSeq, upToSeq, onRecord);
    scan.read.push(r);
    scan.records += r.records;
    if (r.lastSeq !== null) scan.lastSeq = r.lastSeq;
    scan.tornBytes += r.tornBytes;
    if (r.tornBytes > 0) scan.tornZeros = r.tornZeros;
    if (r.lastSeq !== null && r.lastSeq >= upToSeq) break;
    if (!isLast) {
      const next = segments[i + 1]!;
      if (r.lastSeq === null) throw new JournalCorruptError(seg.path, 0, `segment holds no record but is not the last (${next.path} follows)`);
      if (r.lastSeq + 1 !== next.firstSeq) {
        throw new JournalCorruptError(seg.path, r.validBytes, `segment ends at seq ${r.lastSeq} but the next one, ${next.path}, starts at seq ${next.firstSeq}`);
      }
    }
    prev = { path: seg.path, lastSeq: r.lastSeq ?? seg.firstSeq - 1 };
  }
  return scan;
}

/** Reads one segment; see scanJournal. `prevSeq` is the last seq of the segment before (null for the first one read). */
function scanSegment(seg: JournalSegment, isLast: boolean, prevSeq: number | null, afterSeq: number, upToSeq: number,
  onRecord: (sc: SequencedCommand) => void): SegmentRead {
  const fd = openSync(seg.path, 'r');
  try {
    const size = fstatSync(fd).size;
    const w = new FileWindow(fd, seg.path, size);
    const r: SegmentRead = { path: seg.path, records: 0, skipped: 0, firstSeq: null, lastSeq: null, validBytes: 0, tornBytes: 0, tornZeros: false };
    let at = 0;
    const damaged = (reason: string): SegmentRead => {
      if (!isLast) throw new JournalCorruptError(seg.path, at, `${reason}, in a segment that is not the last one`);
      // zeros hold no record (a length of 0 is never one): only a tail with other bytes is searched
      const zeros = allZeros(w, at);
      const next = zeros ? -1 : nextValidRecord(w, at + 1);
      if (next >= 0) throw new JournalCorruptError(seg.path, at, `${reason}; a complete record follows at byte offset ${next}`);
      r.validBytes = at;
      r.tornBytes = size - at;
      r.tornZeros = zeros;
      return r;
    };
    while (at < size) {
      if (size - at < RECORD_HEADER_BYTES) return damaged('record header cut short');
      w.ensure(at, RECORD_HEADER_BYTES);
      const h = at - w.start;
      const len = w.buf.readUInt32LE(h);
      const crc = w.buf.readUInt32LE(h + 4);
      const end = at + RECORD_HEADER_BYTES + len;
      if (len === 0 || len > RECORD_PAYLOAD_BYTES_MAX) return damaged(`record length ${len} out of bounds`);
      if (end > size) return damaged(`record of ${len} bytes cut short`);
      w.ensure(at, RECORD_HEADER_BYTES + len);
      const p = at - w.start + RECORD_HEADER_BYTES;
      if (payloadChecksum(w.buf, p, p + len) !== crc) return damaged('checksum mismatch');
      if (w.buf[p] !== RECORD_FORMAT_VERSION) throw new JournalVersionError(seg.path, at, w.buf[p]!);
      // records the caller does not want are only checked: their seq is read from the payload's first bytes
      let seq = peekPayloadSeq(w.buf, p, p + len);
      let sc: SequencedCommand | null = null;
      if (seq === null || seq > afterSeq) {
        try {
          sc = decodePayload(w.buf, p, p + len);
        } catch (err) {
          throw new JournalCorruptError(seg.path, at, (err as Error).message);
        }
        seq = sc.seq;
      }
      const expected = r.lastSeq !== null ? r.lastSeq + 1 : prevSeq !== null ? prevSeq + 1 : seg.firstSeq;
      if (seq !== expected) {
        throw new JournalCorruptError(seg.path, at, r.lastSeq !== null || prevSeq !== null
          ? `seq ${seq} follows ${r.lastSeq ?? prevSeq}` : `segment named for seq ${seg.firstSeq} starts with seq ${seq}`);
      }
      if (seq > upToSeq) break;
      r.firstSeq ??= seq;
      r.lastSeq = seq;
      if (seq > afterSeq) {
        r.records++;
        onRecord(sc!);
      } else {
        r.skipped++;
      }
      at = end;
      r.validBytes = at;
    }
    return r;
  } finally {
    closeSync(fd);
  }
}

/** True when the file's bytes from `from` to its end are all zero. */
function allZeros(w: FileWindow, from: number): boolean {
  const step = READ_CHUNK_BYTES;
  for (let at = from; at < w.size; at += step) {
    const n = Math.min(step, w.size - at);
    w.ensure(at, n);
    const b = w.buf;
    for (let i = at - w.start, end = i + n; i < end; i++) if (b[i] !== 0) return false;
  }
  return true;
}

/** Offset of the first complete record (in-bounds length, matching checksum) starting at or after `from`, or -1. */
function nextValidRecord(w: FileWindow, from: number): number {
  for (let at = from; at + RECORD_HEADER_BYTES < w.size; at++) {
    w.ensure(at, RECORD_HEADER_BYTES);
    const len = w.buf.readUInt32LE(at - w.start);
    if (len === 0 || len > RECORD_PAYLOAD_BYTES_MAX || at + RECORD_HEADER_BYTES + len > w.size) continue;
    w.ensure(at, RECORD_HEADER_BYTES + len);
    const p = at - w.start + RECORD_HEADER_BYTES;
    if (payloadChecksum(w.buf, p, p + len) === w.buf.readUInt32LE(p - 4)) return at;
  }
  return -1;
}

export interface JournalContents {
  records: SequencedCommand[];
  /** Torn-tail bytes at the end of the last segment (0 when it ends cleanly). */
  tornBytes: number;
  scan: JournalScan;
}

/**
 * Every record of the journal in memory (missing directory = empty). For tests and small tools: replay and recovery
 * stream with scanJournal instead.
 */
export function readJournalDir(journalDir: string, options: ScanOptions = {}): JournalContents {
  const records: SequencedCommand[] = [];
  const scan = scanJournal(journalDir, options, (sc) => records.push(sc));
  return { records, tornBytes: scan.tornBytes, scan };
}

/** Cuts a torn tail off the last segment a scan read, so appends continue after the last whole record. */
export function truncateTornTail(scan: JournalScan): void {
  const last = scan.read.at(-1);
  if (last === undefined || last.tornBytes === 0) return;
  if (last.path !== scan.segments.at(-1)?.path) throw new Error(`invariant: torn tail in ${last.path}, which is not the last segment`);
  truncateSync(last.path, last.validBytes);
}

/**
 * fdatasyncs every segment that can hold a seq ≥ fromSeq, then the directory (new segment names): after it, the
 * journal up to its current end survives a power loss. For fsync 'none', before a snapshot.
 */
export async function syncJournal(journalDir: string, fromSeq: number): Promise<void> {
  const segments = listSegments(journalDir);
  for (let i = 0; i < segments.length; i++) {
    const next = segments[i + 1];
    if (next !== undefined && next.firstSeq <= fromSeq) continue;
    const fh = await open(segments[i]!.path, 'r');
    try { await fh.datasync(); } finally { await fh.close(); }
  }
  const dh = await open(journalDir, 'r');
  try { await dh.sync(); } finally { await dh.close(); }
}

/**
 * Deletes the segments whose every record has seq ≤ coveredSeq (the seq of the OLDEST snapshot kept, once it is
 * durable), never the last segment; then fsyncs the directory. Returns the paths deleted.
 */
export function trimJournal(journalDir: string, coveredSeq: number): string[] {
  const segments = listSegments(journalDir);
  const deleted: string[] = [];
  for (let i = 0; i + 1 < segments.length; i++) {
    const seg = segments[i]!;
    if (segments[i + 1]!.firstSeq - 1 > coveredSeq) break;
    unlinkSync(seg.path);
    deleted.push(seg.path);
  }
  if (deleted.length > 0) {
    const fd = openSync(journalDir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  }
  return deleted;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

const openP = promisify(openCb);
/** write(2) at the file position (`position` null: O_APPEND files) or pwrite(2) at `position`. */
function writeP(fd: number, buf: Buffer, offset: number, length: number, position: number | null): Promise<number> {
  return new Promise((resolve, reject) => writeCb(fd, buf, offset, length, position, (err, n) => (err === null ? resolve(n) : reject(err))));
}
const fdatasyncP = promisify(fdatasyncCb);
const ftruncateP = promisify(ftruncateCb);
const fsyncP = promisify(fsyncCb);
const closeP = promisify(closeCb);

async function fsyncDirAsync(dir: string): Promise<void> {
  const fd = await openP(dir, 'r');
  try { await fsyncP(fd); } finally { await closeP(fd); }
}

export interface JournalWriterOptions {
  /** A new segment is started at the first batch boundary once the current one holds this many bytes. */
  segmentBytes?: number;
  /** fsync 'always' only: bytes of zeros written and synced ahead of the records (0: none). Default PREALLOCATE_BYTES_DEFAULT. */
  preallocateBytes?: number;
  /** Told once when preallocating fails and stops (records go on being appended as without it). */
  onPreallocationError?: (err: Error) => void;
}

/**
 * Under fsync 'always', a segment is zero-filled and synced this far ahead of its last record, in the background.
 * fdatasync after a write that extends a file must also commit the file's new size (on ext4, a journal commit);
 * after a write into space already written and synced it only has to write the data, which makes each batch's
 * fdatasync cheaper; the zero-fill itself runs once per PREALLOCATE_BYTES_DEFAULT of journal.
 */
export const PREALLOCATE_BYTES_DEFAULT = 4 * 1024 * 1024;
/** Zeros written per write(2) while preallocating. */
const ZEROS = Buffer.alloc(1024 * 1024);

/**
 * Appends batches to the journal; one write and at most one fsync per batch.
 * Under 'none' a batch only has to reach the OS (page cache), so it is written synchronously (appendSync): a
 * write(2) to the page cache costs a few microseconds, while a thread-pool round trip costs a hand-off to a
 * worker, a wake-up and another event-loop phase per batch. Under 'always' the write and the fdatasync go
 * through the thread pool (append), so waiting for the disk never blocks the event loop.
 * Opened on a journal directory (openDir), it writes segments and rolls over by size; opened on a single file
 * (open), it only ever appends to that file.
 * Preallocation (directory, fsync 'always'): the records are written at their offsets into zeros that were written
 * and synced ahead of them (PREALLOCATE_BYTES_DEFAULT), so the file can be longer than its records while it is being
 * written. Readers see the zeros after the last record as the end (a torn tail, all zeros); recovery truncates them,
 * and the writer truncates them itself when it rolls to a new segment (before that segment exists: only the last
 * segment ever has zeros after its records) and when it closes.
 */
export class JournalWriter {
  private closed = false;
  /** True when batches are written with appendSync (fsync 'none'); false when with append (fsync 'always'). */
  readonly writesSynchronously: boolean;
  bytesWritten = 0;
  batches = 0;
  /** fdatasync calls made (one per batch under 'always'). */
  syncs = 0;
  /** Segments this writer started. */
  segmentsStarted = 0;
  /** Zero-fills done ahead of the records (each one write of zeros and one fdatasync). */
  preallocations = 0;
  /** Why preallocating stopped (records are then appended as without it), or null. */
  preallocationError: Error | null = null;
  /** Bytes of records in the file being written (its records end here). */
  private fileBytes: number;
  /** The file holds synced zeros from fileBytes up to here (preallocation; = fileBytes when there are none). */
  private preparedBytes: number;
  /** The zero-fill in progress, of file bytes from preparingFrom on. */
  private preparing: Promise<void> | null = null;
  private preparingFrom = 0;
  /** Bytes to keep zero-filled ahead of the records (0: no preallocation). */
  private readonly preallocateBytes: number;

  private constructor(private fd: number | null, private filePath: string | null, readonly dir: string | null,
    readonly fsync: FsyncPolicy, readonly segmentBytes: number, fileBytes: number, preallocateBytes = 0,
    private readonly onPreallocationError?: (err: Error) => void) {
    this.writesSynchronously = fsync !== 'always';
    this.fileBytes = fileBytes;
    this.preparedBytes = fileBytes;
    this.preallocateBytes = fsync === 'always' && dir !== null ? preallocateBytes : 0;
  }

  /** Positional writes (into preallocated space), not O_APPEND. */
  private get positional(): boolean { return this.preallocateBytes > 0; }

  /** The file being appended to (the journal directory before the first segment exists). */
  get path(): string { return this.filePath ?? this.dir!; }

  /** Opens (creating) one file for appending, never rolling over; under 'always' the directory entry is made durable. */
  static async open(path: string, fsync: FsyncPolicy): Promise<JournalWriter> {
    const fd = await openP(path, 'a');
    try {
      if (fsync === 'always') await fsyncDirAsync(dirname(path));
      return new JournalWriter(fd, path, null, fsync, Number.POSITIVE_INFINITY, fstatSync(fd).size);
    } catch (err) {
      await closeP(fd);
      throw err;
    }
  }

  /**
   * Opens a journal directory (recovered: no torn tail) for appending to its last segment;
   * the first segment of an empty journal is created by the first batch, named by that batch's first seq.
   */
  static async openDir(dir: string, fsync: FsyncPolicy, options: JournalWriterOptions = {}): Promise<JournalWriter> {
    const segmentBytes = options.segmentBytes ?? JOURNAL_SEGMENT_BYTES_DEFAULT;
    if (!(segmentBytes >= 1)) throw new Error(`journal segment size ${segmentBytes} must be at least 1 byte`);
    const preallocateBytes = options.preallocateBytes ?? PREALLOCATE_BYTES_DEFAULT;
    if (!(Number.isSafeInteger(preallocateBytes) && preallocateBytes >= 0)) throw new Error(`journal preallocation ${preallocateBytes} must be a whole number of bytes`);
    const last = listSegments(dir).at(-1);
    if (last === undefined) return new JournalWriter(null, null, dir, fsync, segmentBytes, 0, preallocateBytes, options.onPreallocationError);
    // the last segment ends with its last record (recovered): positional writes continue there
    const positional = fsync === 'always' && preallocateBytes > 0;
    const fd = await openP(last.path, positional ? 'r+' : 'a');
    return new JournalWriter(fd, last.path, dir, fsync, segmentBytes, fstatSync(fd).size, preallocateBytes, options.onPreallocationError);
  }

  /** Writes the whole batch (whose first record has seq firstSeq), then fsyncs when the policy says so. */
  async append(buf: Buffer, firstSeq: number): Promise<void> {
    if (this.closed) throw new Error(`${this.path}: journal closed`);
    if (this.mustRoll()) {
      if (this.fd !== null) await this.endSegment();
      const next = join(this.dir!, segmentName(firstSeq));
      const fd = await openP(next, this.positional ? 'wx' : 'ax');
      this.switchTo(fd, next);
      if (this.fsync === 'always') await fsyncDirAsync(this.dir!);
    }
    // never write into zeros still being written
    if (this.preparing !== null && this.fileBytes + buf.length > this.preparingFrom) await this.preparing;
    const fd = this.fd!;
    let at = 0;
    while (at < buf.length) {
      const bytesWritten = await writeP(fd, buf, at, buf.length - at, this.positional ? this.fileBytes : null);
      if (bytesWritten <= 0) throw new Error(`${this.path}: journal write made no progress`);
      at += bytesWritten;
      this.fileBytes += bytesWritten;
    }
    if (this.fsync === 'always') {
      await fdatasyncP(fd);
      this.syncs++;
    }
    this.bytesWritten += buf.length;
    this.batches++;
    this.prepareAhead();
  }

  /** Starts zero-filling the next preallocateBytes when less than half of that is left ahead of the records. */
  private prepareAhead(): void {
    if (this.preallocateBytes === 0 || this.preparing !== null || this.preallocationError !== null || this.fd === null) return;
    const from = Math.max(this.preparedBytes, this.fileBytes);
    if (from - this.fileBytes >= this.preallocateBytes / 2 || from >= this.segmentBytes) return;
    const to = Math.min(from + this.preallocateBytes, this.segmentBytes);
    const fd = this.fd;
    this.preparingFrom = from;
    this.preparing = (async () => {
      try {
        for (let pos = from; pos < to;) {
          const n = await writeP(fd, ZEROS, 0, Math.min(ZEROS.length, to - pos), pos);
          if (n <= 0) throw new Error(`${this.path}: preallocation write made no progress`);
          pos += n;
        }
        await fdatasyncP(fd);
        this.preallocations++;
        if (this.fd === fd) this.preparedBytes = to;
      } catch (err) {
        // only an optimisation: records are appended as without it (and a failing disk fails their writes too)
        this.preallocationError = err instanceof Error ? err : new Error(String(err));
        this.onPreallocationError?.(this.preallocationError);
      } finally {
        this.preparing = null;
      }
    })();
  }

  /** Cuts the zeros after the records off the current segment and syncs that, so only the last segment ever has any. */
  private async endSegment(): Promise<void> {
    if (this.preparing !== null) await this.preparing;
    if (!this.positional || this.fd === null) return;
    await ftruncateP(this.fd, this.fileBytes);
    await fdatasyncP(this.fd);
    this.preparedBytes = this.fileBytes;
  }

  /**
   * Writes the whole batch to the OS before returning (fsync 'none' only: no fdatasync). Throws on any I/O
   * error; after a partial write the file holds a prefix of the batch, which recovery treats as a torn tail.
   */
  appendSync(buf: Buffer, firstSeq: number): void {
    if (this.closed) throw new Error(`${this.path}: journal closed`);
    if (!this.writesSynchronously) throw new Error(`${this.path}: appendSync with fsync '${this.fsync}' would block the event loop on the disk`);
    if (this.mustRoll()) {
      const next = join(this.dir!, segmentName(firstSeq));
      this.switchTo(openSync(next, 'ax'), next);
    }
    const fd = this.fd!;
    let at = 0;
    while (at < buf.length) {
      const bytesWritten = writeSync(fd, buf, at, buf.length - at); // O_APPEND: always at the end
      if (bytesWritten <= 0) throw new Error(`${this.path}: journal write made no progress`);
      at += bytesWritten;
      this.fileBytes += bytesWritten;
    }
    this.bytesWritten += buf.length;
    this.batches++;
  }

  /** A new segment is due: none yet, or the current one is full (only at a batch boundary: callers are batches). */
  private mustRoll(): boolean {
    return this.dir !== null && (this.fd === null || this.fileBytes >= this.segmentBytes);
  }

  /** Continues in a new segment. The old one was synced batch by batch under 'always'; under 'none' the OS has it. */
  private switchTo(fd: number, path: string): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = fd;
    this.filePath = path;
    this.fileBytes = 0;
    this.preparedBytes = 0;
    this.segmentsStarted++;
  }

  /** Closes the file; under preallocation, first cuts the zeros after the last record off (the file ends with it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === null) return;
    try {
      await this.endSegment();
    } finally {
      await closeP(this.fd);
      this.fd = null;
    }
  }
}
