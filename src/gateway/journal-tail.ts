// Follows a journal that another thread is appending to, read-only: hands out the records after a given seq, in seq
// order, across segment files, and stops at the first record that is not (yet) complete. Nothing is truncated or
// repaired here: an incomplete or checksum-failing record at the end is "not yet written", and the caller bounds how
// far it reads by the seq the writer has made durable, so it never waits for a record that cannot come.
import { closeSync, openSync, readSync } from 'node:fs';
import {
  JournalCorruptError, JournalTrimmedError, JournalVersionError, listSegments, payloadChecksum, RECORD_HEADER_BYTES, RECORD_PAYLOAD_BYTES_MAX,
  type JournalSegment,
} from '../engine/journal.js';
import { decodePayload, peekPayloadSeq, RECORD_FORMAT_VERSION } from '../engine/command-codec.js';
import type { SequencedCommand } from '../engine/types.js';

/** Bytes read from a segment at a time (plus room for one whole record). */
const READ_CHUNK_BYTES = 1024 * 1024;

export class JournalTail {
  /** Seq of the last record handed out (or the starting point). */
  lastSeq: number;
  private segment: JournalSegment | null = null;
  private fd: number | null = null;
  /** File offset of the next record in the open segment. */
  private offset = 0;
  private readonly buf = Buffer.allocUnsafe(READ_CHUNK_BYTES + RECORD_HEADER_BYTES + RECORD_PAYLOAD_BYTES_MAX);
  /** The buffer holds file bytes [bufStart, bufEnd) of the open segment. */
  private bufStart = 0;
  private bufEnd = 0;

  constructor(readonly journalDir: string, afterSeq: number) {
    this.lastSeq = afterSeq;
  }

  /**
   * Hands the complete records with lastSeq < seq ≤ upToSeq (at most `recordsMax` of them) to `onRecord`, in order;
   * returns how many. Fewer than asked means the journal does not hold the next one completely yet.
   * Throws JournalTrimmedError when the journal starts after lastSeq + 1, JournalCorruptError on a seq gap or a
   * record whose checksum holds but whose payload is not a sequenced command.
   */
  read(upToSeq: number, recordsMax: number, onRecord: (sc: SequencedCommand) => void): number {
    let n = 0;
    while (this.lastSeq < upToSeq && n < recordsMax) {
      if (this.fd === null && !this.openNext()) return n;
      if (!this.ensure(this.offset, RECORD_HEADER_BYTES)) {
        if (this.switchIfRolled()) continue;
        return this.notYet(n);
      }
      const h = this.offset - this.bufStart;
      const len = this.buf.readUInt32LE(h);
      const crc = this.buf.readUInt32LE(h + 4);
      if (len === 0 || len > RECORD_PAYLOAD_BYTES_MAX) return this.notYet(n); // being written (or damaged: recovery will say)
      if (!this.ensure(this.offset, RECORD_HEADER_BYTES + len)) return this.notYet(n);
      const p = this.offset - this.bufStart + RECORD_HEADER_BYTES;
      if (payloadChecksum(this.buf, p, p + len) !== crc) return this.notYet(n);
      if (this.buf[p] !== RECORD_FORMAT_VERSION) throw new JournalVersionError(this.segment!.path, this.offset, this.buf[p]!);
      let seq = peekPayloadSeq(this.buf, p, p + len);
      let sc: SequencedCommand | null = null;
      if (seq === null || seq > this.lastSeq) {
        try {
          sc = decodePayload(this.buf, p, p + len);
        } catch (err) {
          throw new JournalCorruptError(this.segment!.path, this.offset, (err as Error).message);
        }
        seq = sc.seq;
      }
      if (seq <= this.lastSeq) {
        this.offset += RECORD_HEADER_BYTES + len; // before the starting point: skipped undecoded
        continue;
      }
      if (seq !== this.lastSeq + 1) throw new JournalCorruptError(this.segment!.path, this.offset, `seq ${seq} follows ${this.lastSeq}`);
      if (seq > upToSeq) return n;
      onRecord(sc!);
      this.lastSeq = seq;
      this.offset += RECORD_HEADER_BYTES + len;
      n++;
    }
    return n;
  }

  /**
   * The next record is not (completely) there yet: forgets the bytes read from its offset on, so that the next read
   * reads them again. They can change: a writer that preallocates writes its records over zeros read here before.
   */
  private notYet(n: number): number {
    if (this.bufEnd > this.offset) this.bufEnd = this.offset; // bufStart ≤ offset: ensure() starts there or before
    return n;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.segment = null;
  }

  /** Opens the segment that holds lastSeq + 1; false when there is none yet. */
  private openNext(): boolean {
    const segments = listSegments(this.journalDir);
    if (segments.length === 0) return false;
    let at = -1;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.firstSeq <= this.lastSeq + 1) at = i;
    if (at < 0) throw new JournalTrimmedError(this.journalDir, segments[0]!.firstSeq, this.lastSeq + 1);
    this.openSegment(segments[at]!);
    return true;
  }

  /** At the end of the open segment's bytes: continues in the next segment if the writer has started one. */
  private switchIfRolled(): boolean {
    const segments = listSegments(this.journalDir);
    const next = segments.find((s) => s.firstSeq > this.segment!.firstSeq);
    if (next === undefined) return false;
    // The writer rolls at a batch boundary, after the last write to this segment: read what may have come meanwhile.
    if (this.ensure(this.offset, RECORD_HEADER_BYTES)) return true;
    if (next.firstSeq !== this.lastSeq + 1) {
      throw new JournalCorruptError(this.segment!.path, this.offset, `segment ends at seq ${this.lastSeq} but the next one, ${next.path}, starts at seq ${next.firstSeq}`);
    }
    this.openSegment(next);
    return true;
  }

  private openSegment(segment: JournalSegment): void {
    this.close();
    this.fd = openSync(segment.path, 'r');
    this.segment = segment;
    this.offset = 0;
    this.bufStart = 0;
    this.bufEnd = 0;
  }

  /** Makes file bytes [pos, pos + n) of the open segment readable in buf; false when the file does not hold them yet. */
  private ensure(pos: number, n: number): boolean {
    if (pos >= this.bufStart && pos + n <= this.bufEnd) return true;
    const keep = pos >= this.bufStart && pos < this.bufEnd ? this.bufEnd - pos : 0;
    if (keep > 0) this.buf.copy(this.buf, 0, pos - this.bufStart, this.bufEnd - this.bufStart);
    this.bufStart = pos;
    this.bufEnd = pos + keep;
    while (this.bufEnd < pos + n) {
      const room = this.buf.length - (this.bufEnd - this.bufStart);
      const read = readSync(this.fd!, this.buf, this.bufEnd - this.bufStart, room, this.bufEnd);
      if (read <= 0) return false;
      this.bufEnd += read;
    }
    return true;
  }
}
