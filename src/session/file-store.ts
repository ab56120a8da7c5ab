// MessageStore on disk, QuickFIX-like: four files per session under one directory, written with
// positional write(2) on fds kept open, recoverable after a kill at any instant.
//
//   <name>.session  "epoch creationTimeMs YYYYMMDD-HH:MM:SS.sss\n", replaced atomically (tmp + rename).
//                   A reset bumps the epoch; writing this file is the reset's commit point.
//   <name>.body     raw outbound messages, appended back to back.
//   <name>.header   the index: one 28-byte record per stored message, ascending by seq:
//                   seq u32 | length u32 | offset lo u32 | offset hi u32 | crc32(body) u32 | epoch u32 |
//                   check u32 (hash of the previous 24 bytes). Little-endian.
//   <name>.seqnums  two 96-byte text slots written alternately, each
//                   "gen sender target covered epoch check\n"; the valid slot with the highest gen wins,
//                   so a torn slot write falls back to the previous state instead of to garbage.
//                   `covered` = number of index records when the slot was written.
//
// Batching. saveSent only copies the message and its index record into two bounded in-memory batches;
// flush() writes each batch with ONE positional write per file (body, then index, then fdatasync both
// when sync) and then the seqnums slot if it changed. flush() runs: before the session writes to its
// socket (Session calls it before every uncorked socket write, on uncork(), and before end()), when a
// batch is full, before readRange/close/any explicit set, and once per event-loop turn (setImmediate).
// So "stored before written" holds exactly: no byte reaches a socket before the messages saved ahead of
// it are in the files; a crash between turns loses only messages that never reached a socket, and the
// open-time recovery below sees exactly the state of one of those flushes (or a torn one, cut off).
// Across sessions the Session cannot know: a caller that sends to several sessions and wants none of
// them to see its message before all are stored flushes all their stores first (the gateway does, for
// each journal batch of replies, before it uncorks any socket).
// saveSent does not touch seqnums.
//
// Deferred index writes (option indexWrites: 'deferred', the gateway's): flush() writes only the body batch, so
// the one write(2) in front of a socket write is the messages themselves; the index records and a changed seqnums
// slot follow within INDEX_DEFER_MS (a timer), or sooner when the index batch fills, before readRange/close/any
// explicit set, or on flushIndex(). A message is still in the files before its bytes reach a socket: open-time
// recovery (below) indexes the messages it finds in the body past the last index record. A crash may leave the
// persisted target seq that much further behind (never ahead): the peer is asked to resend what was processed.
// On open the next sender seq is the seqnums value when no index record was added since it was written
// (count == covered), else max(seqnums sender, last indexed seq + 1): a crash never leaves it behind a
// stored message, and an explicit setNextSenderSeq (lower, after a SequenceReset) still holds.
// A torn or stale tail of index/body (partial record, bad check, wrong epoch, body not there or with
// a wrong crc) is cut off on open and reported in `recoveryNotes`; it is never fatal.
// Body past the index: when the index ends cleanly (no bad record) and the seqnums slot is of the session's
// epoch, the whole FIX messages in the body after the last indexed one (BodyLength and CheckSum right, MsgSeqNum
// ascending) are indexed on open (so are those of a store written before deferred index writes existed: any
// body beyond its index was a message saved in the batch a crash cut); the first one that is not is where the
// body is cut. A reset truncates the body before the index, so old-epoch bodies are never taken for new ones.
// Memory: one Uint32Array of stored seqs (4 bytes per message, grown by doubling); readRange binary
// searches it, then reads the page's index records and bodies with one pread each.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileSafeName, type SessionId } from './session-id.js';
import { adoptLegacyFiles, createIfAbsent } from './session-files.js';
import { assertSeq, MAX_SEQ, type MessageStore } from './store.js';

const RECORD_BYTES = 28;
const SLOT_BYTES = 96;
const INITIAL_INDEX_CAPACITY = 1024;
/** Index records validated per read while opening. */
const OPEN_SCAN_RECORDS = 32 * 1024;
/** A stored message larger than this is a bug upstream (FIX messages are kilobytes). */
export const MAX_STORED_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Body bytes batched before an early flush (one turn of a busy session is ~tens of KB). */
const BATCH_BODY_BYTES = 64 * 1024;
/** Index records batched before an early flush. */
const BATCH_RECORDS = 1024;
const BATCH_START_BYTES = 4096;
const BATCH_START_RECORDS = 64;
/** indexWrites 'deferred': longest time index records and a changed seqnums slot wait after their body is written. */
export const INDEX_DEFER_MS = 2;

export interface FileStoreOptions {
  nowMs: number;
  /** fdatasync every write (QuickFIX FileStoreSync=Y). Default false: write(2) only, which survives
   *  a process kill but not a power cut. */
  sync?: boolean;
  /** How incrNextTargetSeq reaches the seqnums file. 'each' (default, QuickFIX): one slot write per call,
   *  so the persisted target seq is never behind a processed inbound message. 'batched': written with
   *  the next flush (before any socket write of the session, at the latest at the end of the event-loop
   *  turn). After a crash the persisted target may then be up to one turn behind: the peer is asked to
   *  resend messages already processed, which arrive as PossDup and meet the application's duplicate
   *  checks (the gateway: duplicate ClOrdID per session, kept in the engine journal). It is never ahead,
   *  and never behind a message whose reply reached the peer (with indexWrites 'deferred' it may be: by what was
   *  processed in the last INDEX_DEFER_MS). */
  targetSeqWrites?: 'each' | 'batched';
  /** 'with-body' (default): flush() writes the body batch, its index records and a changed seqnums slot.
   *  'deferred': flush() writes the body batch only; the index records and the slot follow within INDEX_DEFER_MS
   *  (see the header comment: open-time recovery indexes body messages past the index). */
  indexWrites?: 'with-body' | 'deferred';
}

export class FileStore implements MessageStore {
  /** What open() had to repair (torn tails, unreadable files); empty after a clean shutdown. */
  readonly recoveryNotes: string[];
  /** Stored messages whose body failed its crc when read back; they are left out of readRange. */
  corruptReads = 0;

  readonly #paths: StorePaths;
  readonly #sync: boolean;
  readonly #batchTargetSeq: boolean;
  readonly #deferIndex: boolean;
  #bodyFd: number;
  #indexFd: number;
  #seqnumsFd: number;
  #epoch: number;
  #creationTimeMs: number;
  #nextSenderSeq: number;
  #nextTargetSeq: number;
  #slotGen: number;
  #seqs: Uint32Array;
  #count: number;
  #bodyEndBytes: number;
  #closed = false;
  readonly #slot = Buffer.alloc(SLOT_BYTES);
  // The batch not yet written: body bytes from #bodyEndBytes - #batchBodyBytes, index records from
  // record (#count - #batchRecords) (with deferred index writes, bodies may be written ahead of their records).
  // Both start small and double up to BATCH_BODY_BYTES / BATCH_RECORDS: thousands of quiet sessions hold little.
  #batchBody: Buffer = Buffer.allocUnsafe(BATCH_START_BYTES);
  #batchIndex: Buffer = Buffer.allocUnsafe(BATCH_START_RECORDS * RECORD_BYTES);
  #batchBodyBytes = 0;
  #batchRecords = 0;
  #slotDirty = false;
  /** skipSent moved the sender seq: the next flush() writes the slot, deferred index writes or not. */
  #senderSkipped = false;
  #flushScheduled = false;
  #indexTimer: NodeJS.Timeout | null = null;
  readonly #indexTimerBound = (): void => this.#writeIndexFromTimer();
  readonly #flushBound = (): void => this.#flushFromLoop();
  /** The last error of a flush run from the event loop; the batch was kept and the next flush retries. */
  lastFlushError: Error | undefined;

  private constructor(state: OpenState, sync: boolean, batchTargetSeq: boolean, deferIndex: boolean) {
    this.#paths = state.paths;
    this.#sync = sync;
    this.#batchTargetSeq = batchTargetSeq;
    this.#deferIndex = deferIndex;
    this.#bodyFd = state.bodyFd;
    this.#indexFd = state.indexFd;
    this.#seqnumsFd = state.seqnumsFd;
    this.#epoch = state.epoch;
    this.#creationTimeMs = state.creationTimeMs;
    this.#nextSenderSeq = state.nextSenderSeq;
    this.#nextTargetSeq = state.nextTargetSeq;
    this.#slotGen = state.slotGen;
    this.#seqs = state.seqs;
    this.#count = state.count;
    this.#bodyEndBytes = state.bodyEndBytes;
    this.recoveryNotes = state.notes;
  }

  static open(dir: string, id: SessionId, opts: FileStoreOptions): FileStore {
    const paths = storePaths(dir, id);
    fs.mkdirSync(dir, { recursive: true });
    adoptLegacyFiles(dir, id, STORE_SUFFIXES);
    const sync = opts.sync ?? false;
    const state = recover(paths, opts.nowMs, sync);
    const store = new FileStore(state, sync, opts.targetSeqWrites === 'batched', opts.indexWrites === 'deferred');
    // Persist the repaired state so the next open starts clean.
    if (state.notes.length > 0 || state.slotGen === 0) store.#writeSeqnums();
    return store;
  }

  /** Makes the files of a store that is not on disk yet, off the event loop (creating a file can take milliseconds),
   *  so the open() that follows only opens them: empty body, index and seqnums, and the session file's tmp (open()
   *  writes the session file through it). Never truncates or changes a file that exists. */
  static async prepare(dir: string, id: SessionId): Promise<void> {
    const paths = storePaths(dir, id);
    fs.mkdirSync(dir, { recursive: true });
    adoptLegacyFiles(dir, id, STORE_SUFFIXES);
    const tmp = `${paths.session}.tmp`;
    const data = [paths.body, paths.index, paths.seqnums];
    for (const file of [...data, tmp]) await createIfAbsent(file);
    // A new store (nothing in it yet): its session file as open() would write it, and the tmp again for a first reset.
    if (fs.existsSync(paths.session) || !data.every((f) => fs.statSync(f).size === 0)) return;
    await fs.promises.writeFile(tmp, sessionFileText(1, Date.now()), 'latin1');
    await fs.promises.rename(tmp, paths.session);
    await createIfAbsent(tmp);
  }

  get nextSenderSeq(): number { return this.#nextSenderSeq; }
  get nextTargetSeq(): number { return this.#nextTargetSeq; }
  get creationTimeMs(): number { return this.#creationTimeMs; }
  /** Number of messages currently stored. */
  get storedCount(): number { return this.#count; }
  /** Bytes held by the in-memory index (for tests and metrics). */
  get indexMemoryBytes(): number { return this.#seqs.byteLength; }

  /** Bytes (body + index) saved but not yet written to the files. */
  get pendingBytes(): number { return this.#batchBodyBytes + this.#batchRecords * RECORD_BYTES; }
  /** Bytes of saved messages not yet written to the body file (what flush() writes in every mode). */
  get pendingBodyBytes(): number { return this.#batchBodyBytes; }

  /** Explicit sets are written through: the batch, then the slot, before returning. */
  setNextSenderSeq(seq: number): void {
    this.#checkOpen();
    assertSeq(seq, 'setNextSenderSeq');
    this.#nextSenderSeq = seq;
    this.#slotDirty = true;
    this.flushIndex();
  }

  /** The next sender seq into the seqnums slot alone, even when the batch in front of it cannot be written: the slot
   *  is rewritten in place and never grows, so a full disk or a file-size limit still takes it. Open reads a slot
   *  ahead of the index as it reads one after a crash (the higher of the two wins). */
  recordNextSenderSeq(seq: number): void {
    this.#checkOpen();
    assertSeq(seq, 'recordNextSenderSeq');
    this.#nextSenderSeq = seq;
    this.#writeSeqnums();
  }

  /** A message sent and not kept: the next sender seq moves past it now, and the slot is written with the next
   *  flush() (also with deferred index writes), before the message can reach the socket; one write per flush,
   *  however many such messages it covers. */
  skipSent(seq: number): void {
    this.#checkOpen();
    assertSeq(seq + 1, 'skipSent');
    this.#nextSenderSeq = seq + 1;
    this.#slotDirty = true;
    this.#senderSkipped = true;
  }

  setNextTargetSeq(seq: number): void {
    this.#checkOpen();
    assertSeq(seq, 'setNextTargetSeq');
    this.#nextTargetSeq = seq;
    this.#slotDirty = true;
    this.flushIndex();
  }

  incrNextTargetSeq(): void {
    this.#checkOpen();
    if (this.#nextTargetSeq + 1 > MAX_SEQ) assertSeq(this.#nextTargetSeq + 1, 'incrNextTargetSeq');
    this.#nextTargetSeq += 1;
    this.#targetSeqChanged();
  }

  /** Moves the expected seq forward to `seq` (never back), written like incrNextTargetSeq: now under
   *  'each', with the next flush under 'batched'. For a caller that persists the expected seq later than
   *  the session advances it (the gateway's HeldTargetSeqStore); an explicit set is setNextTargetSeq. */
  advanceNextTargetSeq(seq: number): void {
    this.#checkOpen();
    assertSeq(seq, 'advanceNextTargetSeq');
    if (seq <= this.#nextTargetSeq) return;
    this.#nextTargetSeq = seq;
    this.#targetSeqChanged();
  }

  #targetSeqChanged(): void {
    this.#slotDirty = true;
    // 'each': written now, with the batch before it, so the files always hold a state the session had.
    if (!this.#batchTargetSeq) this.flushIndex();
    else if (this.#deferIndex) this.#armIndexTimer();
    else this.#scheduleFlush();
  }

  /** Write the pending batch (body, index, fdatasync when sync) and a changed seqnums slot; with deferred index
   *  writes only the body (the rest follows within INDEX_DEFER_MS). Cheap when nothing is pending. On failure the
   *  batch is kept (writes are positional: a retry is exact). */
  flush(): void {
    if (!this.#deferIndex || this.#senderSkipped) {
      this.flushIndex();
      this.#senderSkipped = false;
      return;
    }
    this.#writeBody();
    if (this.#batchRecords > 0 || this.#slotDirty) this.#armIndexTimer();
  }

  /** Write everything pending: body, index records (fdatasync both when sync), then a changed seqnums slot. */
  flushIndex(): void {
    this.#writeBody();
    if (this.#batchRecords > 0) {
      this.#checkOpen();
      const firstRecord = this.#count - this.#batchRecords;
      writeAllAt(this.#indexFd, this.#batchIndex.subarray(0, this.#batchRecords * RECORD_BYTES), firstRecord * RECORD_BYTES);
      if (this.#sync) fs.fdatasyncSync(this.#indexFd);
      this.#batchRecords = 0;
    }
    if (this.#slotDirty) {
      this.#checkOpen();
      this.#writeSeqnums();
      this.#slotDirty = false;
    }
  }

  /** The body batch to the body file (fdatasync when sync): from then on open-time recovery finds its messages. */
  #writeBody(): void {
    if (this.#batchBodyBytes === 0) return;
    this.#checkOpen();
    writeAllAt(this.#bodyFd, this.#batchBody.subarray(0, this.#batchBodyBytes), this.#bodyEndBytes - this.#batchBodyBytes);
    if (this.#sync) fs.fdatasyncSync(this.#bodyFd);
    this.#batchBodyBytes = 0;
  }

  #armIndexTimer(): void {
    if (this.#indexTimer !== null || this.#closed) return;
    this.#indexTimer = setTimeout(this.#indexTimerBound, INDEX_DEFER_MS);
    this.#indexTimer.unref();
  }

  #writeIndexFromTimer(): void {
    this.#indexTimer = null;
    if (this.#closed) return;
    try {
      this.flushIndex();
    } catch (err) {
      // kept and retried like a failed flush from the loop (the next flushIndex throws to its caller)
      this.lastFlushError = err instanceof Error ? err : new Error(String(err));
    }
  }

  saveSent(seq: number, bytes: Buffer): void {
    this.#checkOpen();
    assertSeq(seq, 'saveSent');
    if (bytes.length === 0 || bytes.length > MAX_STORED_MESSAGE_BYTES) {
      throw new RangeError(`saveSent: message of ${bytes.length} bytes (allowed 1..${MAX_STORED_MESSAGE_BYTES})`);
    }
    // Overwriting: stored seqs stay strictly ascending, so saving seq again drops seq and later.
    if (this.#count > 0 && seq <= this.#seqs[this.#count - 1]!) {
      this.flushIndex();
      this.#truncateFrom(lowerBound(this.#seqs, this.#count, seq));
    }
    if (this.#batchRecords === BATCH_RECORDS) this.flushIndex();
    else if (this.#batchBodyBytes + bytes.length > BATCH_BODY_BYTES) this.flush();

    const offset = this.#bodyEndBytes;
    if (bytes.length > BATCH_BODY_BYTES) {
      // Too big to batch (the body batch is empty now): the body goes out directly, its record is batched.
      writeAllAt(this.#bodyFd, bytes, offset);
    } else {
      if (this.#batchBodyBytes + bytes.length > this.#batchBody.length) this.#batchBody = grown(this.#batchBody, this.#batchBodyBytes + bytes.length, BATCH_BODY_BYTES);
      bytes.copy(this.#batchBody, this.#batchBodyBytes);
      this.#batchBodyBytes += bytes.length;
    }
    if ((this.#batchRecords + 1) * RECORD_BYTES > this.#batchIndex.length) {
      this.#batchIndex = grown(this.#batchIndex, (this.#batchRecords + 1) * RECORD_BYTES, BATCH_RECORDS * RECORD_BYTES);
    }
    encodeRecord(this.#batchIndex, this.#batchRecords * RECORD_BYTES, seq, bytes.length, offset, zlib.crc32(bytes), this.#epoch);
    this.#batchRecords += 1;
    this.#appendSeq(seq);
    this.#bodyEndBytes = offset + bytes.length;
    this.#nextSenderSeq = seq + 1;
    this.#scheduleFlush();
  }

  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> {
    this.#checkOpen();
    this.flushIndex();
    const out: Array<{ seq: number; bytes: Buffer }> = [];
    if (maxCount <= 0 || end < begin || this.#count === 0) return out;
    const first = lowerBound(this.#seqs, this.#count, begin);
    let last = first; // exclusive
    while (last < this.#count && last - first < maxCount && this.#seqs[last]! <= end) last++;
    if (last === first) return out;

    const records = readExactlyAt(this.#indexFd, (last - first) * RECORD_BYTES, first * RECORD_BYTES);
    const decoded: IndexRecord[] = [];
    for (let i = first; i < last; i++) {
      const rec = decodeRecord(records, (i - first) * RECORD_BYTES);
      // What memory says and what disk says must agree; anything else is a bug in this file.
      if (rec === undefined || rec.seq !== this.#seqs[i] || rec.epoch !== this.#epoch) {
        throw new Error(`${this.#paths.index}: index record ${i} does not match memory (seq ${this.#seqs[i]})`);
      }
      decoded.push(rec);
    }
    const startBytes = decoded[0]!.offset;
    const lastRec = decoded[decoded.length - 1]!;
    const bodies = readExactlyAt(this.#bodyFd, lastRec.offset + lastRec.length - startBytes, startBytes);
    for (const rec of decoded) {
      const bytes = bodies.subarray(rec.offset - startBytes, rec.offset - startBytes + rec.length);
      if (zlib.crc32(bytes) !== rec.bodyCrc) {
        this.corruptReads += 1;
        continue;
      }
      out.push({ seq: rec.seq, bytes });
    }
    return out;
  }

  reset(nowMs: number): void {
    this.#checkOpen();
    // The batch belongs to the epoch being dropped: it is discarded, not written.
    this.#batchBodyBytes = 0;
    this.#batchRecords = 0;
    const epoch = this.#epoch + 1;
    writeSessionFile(this.#paths, epoch, nowMs, this.#sync); // commit point
    this.#epoch = epoch;
    this.#creationTimeMs = nowMs;
    // Body first: a crash in between leaves old-epoch index records (cut on open), never an empty index in front
    // of an old body (which open would index as this epoch's messages; the slot's old epoch also prevents that).
    fs.ftruncateSync(this.#bodyFd, 0);
    fs.ftruncateSync(this.#indexFd, 0);
    this.#count = 0;
    this.#bodyEndBytes = 0;
    this.#nextSenderSeq = 1;
    this.#nextTargetSeq = 1;
    this.#writeSeqnums();
    this.#slotDirty = false;
  }

  close(): void {
    if (this.#closed) return;
    this.flushIndex();
    if (this.#indexTimer !== null) { clearTimeout(this.#indexTimer); this.#indexTimer = null; }
    this.#closed = true;
    fs.closeSync(this.#bodyFd);
    fs.closeSync(this.#indexFd);
    fs.closeSync(this.#seqnumsFd);
  }

  /** Drop stored records [k, count): index first, so a crash in between leaves a body tail that open cuts. */
  #truncateFrom(k: number): void {
    const rec = decodeRecord(readExactlyAt(this.#indexFd, RECORD_BYTES, k * RECORD_BYTES), 0);
    if (rec === undefined) throw new Error(`${this.#paths.index}: index record ${k} unreadable`);
    // Body first: a crash in between leaves index records pointing past the body (cut on open), never a body
    // tail behind a cut index (which open would index again).
    fs.ftruncateSync(this.#bodyFd, rec.offset);
    fs.ftruncateSync(this.#indexFd, k * RECORD_BYTES);
    this.#count = k;
    this.#bodyEndBytes = rec.offset;
    this.#writeSeqnums();
  }

  #appendSeq(seq: number): void {
    if (this.#count === this.#seqs.length) {
      const grown = new Uint32Array(this.#seqs.length * 2);
      grown.set(this.#seqs);
      this.#seqs = grown;
    }
    this.#seqs[this.#count++] = seq;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushBound);
  }

  #flushFromLoop(): void {
    this.#flushScheduled = false;
    if (this.#closed) return;
    try {
      this.flush();
    } catch (err) {
      // Not thrown from inside setImmediate: the batch is kept, and the next flush (before a socket
      // write, or close) retries and throws to its caller.
      this.lastFlushError = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Callers write the batch first: the slot describes the files as they are. */
  #writeSeqnums(): void {
    this.#slotGen += 1;
    encodeSlot(this.#slot, this.#slotGen, this.#nextSenderSeq, this.#nextTargetSeq, this.#count, this.#epoch);
    writeAllAt(this.#seqnumsFd, this.#slot, (this.#slotGen % 2) * SLOT_BYTES);
    if (this.#sync) fs.fdatasyncSync(this.#seqnumsFd);
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`FileStore ${this.#paths.body}: used after close`);
  }
}

// ---------------------------------------------------------------------------------------------
// Opening and recovery

interface StorePaths { session: string; body: string; index: string; seqnums: string }
const STORE_SUFFIXES = ['.session', '.body', '.header', '.seqnums'] as const;

function storePaths(dir: string, id: SessionId): StorePaths {
  const stem = path.join(dir, fileSafeName(id));
  return { session: `${stem}.session`, body: `${stem}.body`, index: `${stem}.header`, seqnums: `${stem}.seqnums` };
}

interface OpenState {
  paths: StorePaths;
  bodyFd: number;
  indexFd: number;
  seqnumsFd: number;
  epoch: number;
  creationTimeMs: number;
  nextSenderSeq: number;
  nextTargetSeq: number;
  slotGen: number;
  seqs: Uint32Array;
  count: number;
  bodyEndBytes: number;
  notes: string[];
}

function recover(paths: StorePaths, nowMs: number, sync: boolean): OpenState {
  const notes: string[] = [];
  const bodyFd = fs.openSync(paths.body, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  const indexFd = fs.openSync(paths.index, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  const seqnumsFd = fs.openSync(paths.seqnums, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  try {
    const slot = readBestSlot(seqnumsFd);
    let session = readSessionFile(paths.session);
    if (session === undefined) {
      if (fs.existsSync(paths.session)) notes.push(`${paths.session}: unreadable, creation time set to now`);
      // Keep any epoch the other files already use, so their contents stay valid.
      session = { epoch: Math.max(1, slot?.epoch ?? 0, firstRecordEpoch(indexFd)), creationTimeMs: nowMs };
      writeSessionFile(paths, session.epoch, session.creationTimeMs, sync);
    }
    // Body messages past the index are indexed only when the slot is of this epoch: a reset that a crash cut
    // short leaves the old epoch's slot (and bodies).
    const bodyTail = slot !== undefined && slot.epoch === session.epoch;
    const { seqs, count, bodyEndBytes } = scanIndex(paths, indexFd, bodyFd, session.epoch, bodyTail, notes);

    let nextSenderSeq = 1;
    let nextTargetSeq = 1;
    const lastSeq = count > 0 ? seqs[count - 1]! : 0;
    if (slot !== undefined && slot.epoch === session.epoch) {
      nextTargetSeq = slot.target;
      nextSenderSeq = count === slot.covered ? slot.sender : Math.max(slot.sender, lastSeq + 1);
    } else {
      if (fs.fstatSync(seqnumsFd).size > 0 && slot === undefined) notes.push(`${paths.seqnums}: no valid slot, seqnums from index`);
      nextSenderSeq = lastSeq + 1;
    }
    if (nextSenderSeq > MAX_SEQ) throw new Error(`${paths.seqnums}: next sender seq ${nextSenderSeq} out of range`);
    return {
      paths, bodyFd, indexFd, seqnumsFd, notes, seqs, count, bodyEndBytes,
      epoch: session.epoch,
      creationTimeMs: session.creationTimeMs,
      nextSenderSeq,
      nextTargetSeq,
      slotGen: slot?.gen ?? 0,
    };
  } catch (err) {
    fs.closeSync(bodyFd);
    fs.closeSync(indexFd);
    fs.closeSync(seqnumsFd);
    throw err;
  }
}

/** Load the index, cutting it at the first record that is torn, stale or points past the body. */
function scanIndex(
  paths: StorePaths, indexFd: number, bodyFd: number, epoch: number, bodyTail: boolean, notes: string[],
): { seqs: Uint32Array; count: number; bodyEndBytes: number } {
  const indexBytes = fs.fstatSync(indexFd).size;
  const bodyBytes = fs.fstatSync(bodyFd).size;
  const wholeRecords = Math.floor(indexBytes / RECORD_BYTES);
  let seqs = new Uint32Array(Math.max(INITIAL_INDEX_CAPACITY, nextPowerOfTwo(wholeRecords)));
  let count = 0;
  let expectedOffset = 0;
  let prevSeq = 0;
  let bad: string | undefined;
  const chunk = Buffer.allocUnsafe(OPEN_SCAN_RECORDS * RECORD_BYTES);
  scan: for (let at = 0; at < wholeRecords; at += OPEN_SCAN_RECORDS) {
    const n = Math.min(OPEN_SCAN_RECORDS, wholeRecords - at);
    readIntoAt(indexFd, chunk, n * RECORD_BYTES, at * RECORD_BYTES);
    for (let i = 0; i < n; i++) {
      const rec = decodeRecord(chunk, i * RECORD_BYTES);
      if (rec === undefined) { bad = 'bad check'; break scan; }
      if (rec.epoch !== epoch) { bad = `epoch ${rec.epoch}, session epoch ${epoch}`; break scan; }
      if (rec.seq <= prevSeq) { bad = `seq ${rec.seq} not above ${prevSeq}`; break scan; }
      if (rec.offset !== expectedOffset || rec.offset + rec.length > bodyBytes) { bad = 'body missing'; break scan; }
      seqs[count++] = rec.seq;
      prevSeq = rec.seq;
      expectedOffset = rec.offset + rec.length;
    }
  }
  // The body of the last record may be torn when write(2) order was not preserved (power cut).
  while (count > 0) {
    const rec = decodeRecord(readExactlyAt(indexFd, RECORD_BYTES, (count - 1) * RECORD_BYTES), 0)!;
    if (zlib.crc32(readExactlyAt(bodyFd, rec.length, rec.offset)) === rec.bodyCrc) break;
    bad = `seq ${rec.seq} body crc mismatch`;
    count -= 1;
    expectedOffset = rec.offset;
  }
  if (count * RECORD_BYTES !== indexBytes) {
    notes.push(`${paths.index}: cut at record ${count} of ${indexBytes / RECORD_BYTES} (${bad ?? 'partial record'})`);
    fs.ftruncateSync(indexFd, count * RECORD_BYTES);
  }
  if (bad === undefined && bodyTail && expectedOffset < bodyBytes) {
    // Messages written to the body whose index records were not (deferred index writes, or a crash between the
    // two writes of a batch): indexed now, in order, up to the first one that is not whole.
    const recovered: Array<{ seq: number; offset: number; length: number; crc: number }> = [];
    expectedOffset = scanBodyTail(bodyFd, expectedOffset, bodyBytes, prevSeq, (seq, offset, length, crc) => {
      recovered.push({ seq, offset, length, crc });
    });
    if (recovered.length > 0) {
      const records = Buffer.alloc(recovered.length * RECORD_BYTES);
      recovered.forEach((r, i) => encodeRecord(records, i * RECORD_BYTES, r.seq, r.length, r.offset, r.crc, epoch));
      writeAllAt(indexFd, records, count * RECORD_BYTES);
      if (count + recovered.length > seqs.length) {
        const grown = new Uint32Array(nextPowerOfTwo(count + recovered.length));
        grown.set(seqs.subarray(0, count));
        seqs = grown;
      }
      for (const r of recovered) seqs[count++] = r.seq;
      notes.push(`${paths.index}: ${recovered.length} messages found in the body past the index were indexed (seq ${recovered[0]!.seq}..${recovered[recovered.length - 1]!.seq})`);
    }
  }
  if (expectedOffset !== bodyBytes) {
    notes.push(`${paths.body}: cut from ${bodyBytes} to ${expectedOffset} bytes`);
    fs.ftruncateSync(bodyFd, expectedOffset);
  }
  if (seqs.length < INITIAL_INDEX_CAPACITY) seqs = new Uint32Array(INITIAL_INDEX_CAPACITY);
  return { seqs, count, bodyEndBytes: expectedOffset };
}

/** Bytes of the body read at a time when indexing its tail. */
const TAIL_SCAN_CHUNK_BYTES = 1024 * 1024;

/**
 * Walks the whole FIX messages stored back to back in the body from `from`: each must start right where the one
 * before ended, with 8=, a BodyLength whose CheckSum trailer is where it says and right, and a MsgSeqNum(34) above
 * the previous one. Calls onMessage for each; returns the offset where the first one that is not ends the walk.
 */
function scanBodyTail(
  bodyFd: number, from: number, bodyBytes: number, prevSeq: number,
  onMessage: (seq: number, offset: number, length: number, crc: number) => void,
): number {
  let at = from;
  let buf = Buffer.allocUnsafe(Math.min(TAIL_SCAN_CHUNK_BYTES, bodyBytes - from));
  while (at < bodyBytes) {
    const n = Math.min(buf.length, bodyBytes - at);
    readIntoAt(bodyFd, buf, n, at);
    let p = 0;
    for (;;) {
      const m = storedMessageAt(buf, p, n);
      if (m === 'incomplete') break;
      if (m === null || m.seq <= prevSeq) return at + p;
      onMessage(m.seq, at + p, m.length, zlib.crc32(buf.subarray(p, p + m.length)));
      prevSeq = m.seq;
      p += m.length;
    }
    if (at + n === bodyBytes) return at + p; // the last message is cut short
    if (p === 0) {
      // one message longer than the buffer: read it whole (stored messages are bounded)
      if (buf.length >= MAX_STORED_MESSAGE_BYTES) return at;
      buf = Buffer.allocUnsafe(Math.min(buf.length * 2, MAX_STORED_MESSAGE_BYTES));
    }
    at += p;
  }
  return at;
}

const SOH_BYTE = 0x01;
const EQ_BYTE = 0x3d;

/** Decimal digits buf[from, to) as a number; NaN when empty, too long or not all digits. */
function digitsAt(buf: Buffer, from: number, to: number): number {
  if (to <= from || to - from > 10) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** The FIX message starting at buf[at] (within buf[0, end)): its length and MsgSeqNum; 'incomplete' when it runs past
 *  `end`; null when the bytes there are not one whole message. */
function storedMessageAt(buf: Buffer, at: number, end: number): { length: number; seq: number } | 'incomplete' | null {
  if (at >= end) return 'incomplete';
  if (buf[at] !== 0x38 || (at + 1 < end && buf[at + 1] !== EQ_BYTE)) return null; // 8=
  const beginEnd = buf.indexOf(SOH_BYTE, at + 2);
  if (beginEnd < 0 || beginEnd >= end) return end - at > 64 ? null : 'incomplete';
  if (beginEnd + 3 > end) return 'incomplete';
  if (buf[beginEnd + 1] !== 0x39 || buf[beginEnd + 2] !== EQ_BYTE) return null; // 9=
  const lengthEnd = buf.indexOf(SOH_BYTE, beginEnd + 3);
  if (lengthEnd < 0 || lengthEnd >= end) return end - beginEnd > 16 ? null : 'incomplete';
  const bodyLength = digitsAt(buf, beginEnd + 3, lengthEnd);
  if (!(bodyLength >= 0)) return null;
  const trailerAt = lengthEnd + 1 + bodyLength;
  const length = trailerAt + 7 - at; // 10=ddd<SOH>
  if (length > MAX_STORED_MESSAGE_BYTES) return null;
  if (at + length > end) return 'incomplete';
  if (buf[trailerAt] !== 0x31 || buf[trailerAt + 1] !== 0x30 || buf[trailerAt + 2] !== EQ_BYTE || buf[trailerAt + 6] !== SOH_BYTE) return null;
  let sum = 0;
  for (let i = at; i < trailerAt; i++) sum += buf[i]!;
  if ((sum & 0xff) !== digitsAt(buf, trailerAt + 3, trailerAt + 6)) return null;
  // MsgSeqNum: the first 34= field of the message
  for (let i = lengthEnd; i + 4 < trailerAt; i = buf.indexOf(SOH_BYTE, i + 1)) {
    if (i < 0) break;
    if (buf[i + 1] === 0x33 && buf[i + 2] === 0x34 && buf[i + 3] === EQ_BYTE) {
      const seqEnd = buf.indexOf(SOH_BYTE, i + 4);
      const seq = seqEnd < 0 || seqEnd > trailerAt ? NaN : digitsAt(buf, i + 4, seqEnd);
      return seq >= 1 && seq <= MAX_SEQ ? { length, seq } : null;
    }
  }
  return null;
}

function firstRecordEpoch(indexFd: number): number {
  if (fs.fstatSync(indexFd).size < RECORD_BYTES) return 0;
  return decodeRecord(readExactlyAt(indexFd, RECORD_BYTES, 0), 0)?.epoch ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Index records

interface IndexRecord { seq: number; length: number; offset: number; bodyCrc: number; epoch: number }

const TWO_POW_32 = 0x1_0000_0000;

function encodeRecord(buf: Buffer, at: number, seq: number, length: number, offset: number, bodyCrc: number, epoch: number): void {
  buf.writeUInt32LE(seq, at);
  buf.writeUInt32LE(length, at + 4);
  buf.writeUInt32LE(offset % TWO_POW_32, at + 8);
  buf.writeUInt32LE(Math.floor(offset / TWO_POW_32), at + 12);
  buf.writeUInt32LE(bodyCrc, at + 16);
  buf.writeUInt32LE(epoch, at + 20);
  buf.writeUInt32LE(recordCheck(buf, at), at + 24);
}

/** The record at buf[at], or undefined when its check does not match (torn or garbage). */
function decodeRecord(buf: Buffer, at: number): IndexRecord | undefined {
  if (buf.readUInt32LE(at + 24) !== recordCheck(buf, at)) return undefined;
  const seq = buf.readUInt32LE(at);
  if (seq === 0) return undefined;
  return {
    seq,
    length: buf.readUInt32LE(at + 4),
    offset: buf.readUInt32LE(at + 8) + buf.readUInt32LE(at + 12) * TWO_POW_32,
    bodyCrc: buf.readUInt32LE(at + 16),
    epoch: buf.readUInt32LE(at + 20),
  };
}

/** FNV-1a over the six words, never 0 so an all-zero tail (from a power cut) never validates. */
function recordCheck(buf: Buffer, at: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 24; i += 4) {
    h = Math.imul(h ^ buf.readUInt32LE(at + i), 0x01000193);
    h ^= h >>> 15;
  }
  return (h >>> 0) || 1;
}

// ---------------------------------------------------------------------------------------------
// Seqnums slots

interface Slot { gen: number; sender: number; target: number; covered: number; epoch: number }

/** Bytes of the slot text before its check: "gen(12) sender(10) target(10) covered(12) epoch(10)", then " " and 8 hex digits of its check. */
const SLOT_TEXT_BYTES = 12 + 1 + 10 + 1 + 10 + 1 + 12 + 1 + 10;
const HEX = '0123456789abcdef';

/** The slot line written byte by byte (it is written on every flush that moves a seq, on the order path);
 *  the same bytes as encodeSlotText, which takes over when a value does not fit its width. */
export function encodeSlot(buf: Buffer, gen: number, sender: number, target: number, covered: number, epoch: number): void {
  if (gen >= 1e12 || sender >= 1e10 || target >= 1e10 || covered >= 1e12 || epoch >= 1e10) {
    encodeSlotText(buf, gen, sender, target, covered, epoch);
    return;
  }
  let at = writePadded(buf, 0, gen, 12);
  buf[at++] = 0x20;
  at = writePadded(buf, at, sender, 10);
  buf[at++] = 0x20;
  at = writePadded(buf, at, target, 10);
  buf[at++] = 0x20;
  at = writePadded(buf, at, covered, 12);
  buf[at++] = 0x20;
  at = writePadded(buf, at, epoch, 10);
  let h = 0x811c9dc5; // textCheck over the bytes written so far (ASCII: one char per byte)
  for (let i = 0; i < SLOT_TEXT_BYTES; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  h >>>= 0;
  buf[at++] = 0x20;
  for (let shift = 28; shift >= 0; shift -= 4) buf[at++] = HEX.charCodeAt((h >>> shift) & 0xf);
  buf.fill(0x20, at, SLOT_BYTES - 1);
  buf[SLOT_BYTES - 1] = 0x0a;
}

/** n (0 <= n < 10^width) as `width` decimal digits at buf[at]; returns the offset after them. */
function writePadded(buf: Buffer, at: number, n: number, width: number): number {
  for (let i = at + width - 1; i >= at; i--) {
    const next = Math.floor(n / 10);
    buf[i] = 0x30 + (n - next * 10);
    n = next;
  }
  return at + width;
}

export function encodeSlotText(buf: Buffer, gen: number, sender: number, target: number, covered: number, epoch: number): void {
  const body = `${pad(gen, 12)} ${pad(sender, 10)} ${pad(target, 10)} ${pad(covered, 12)} ${pad(epoch, 10)}`;
  const line = `${body} ${textCheck(body).toString(16).padStart(8, '0')}`;
  if (line.length >= SLOT_BYTES) throw new Error(`seqnums slot overflow: ${line}`);
  buf.fill(0x20);
  buf.write(line, 0, 'latin1');
  buf[SLOT_BYTES - 1] = 0x0a;
}

const SLOT_RE = /^(\d{12}) (\d{10}) (\d{10}) (\d{12}) (\d{10}) ([0-9a-f]{8}) *\n$/;

function decodeSlot(buf: Buffer): Slot | undefined {
  const m = SLOT_RE.exec(buf.toString('latin1'));
  if (m === null) return undefined;
  const body = buf.toString('latin1', 0, 12 + 10 + 10 + 12 + 10 + 4);
  if (parseInt(m[6]!, 16) !== textCheck(body)) return undefined;
  const slot = { gen: Number(m[1]), sender: Number(m[2]), target: Number(m[3]), covered: Number(m[4]), epoch: Number(m[5]) };
  if (slot.sender < 1 || slot.sender > MAX_SEQ || slot.target < 1 || slot.target > MAX_SEQ) return undefined;
  return slot;
}

function readBestSlot(fd: number): Slot | undefined {
  const size = fs.fstatSync(fd).size;
  let best: Slot | undefined;
  for (let i = 0; i < 2; i++) {
    if (size < (i + 1) * SLOT_BYTES) break;
    const slot = decodeSlot(readExactlyAt(fd, SLOT_BYTES, i * SLOT_BYTES));
    if (slot !== undefined && (best === undefined || slot.gen > best.gen)) best = slot;
  }
  return best;
}

function textCheck(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

// ---------------------------------------------------------------------------------------------
// Session file (epoch and creation time)

function sessionFileText(epoch: number, creationTimeMs: number): string {
  return `${epoch} ${creationTimeMs} ${formatCreationTime(creationTimeMs)}\n`;
}

function writeSessionFile(paths: StorePaths, epoch: number, creationTimeMs: number, sync: boolean): void {
  const tmp = `${paths.session}.tmp`;
  const text = sessionFileText(epoch, creationTimeMs);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    writeAllAt(fd, Buffer.from(text, 'latin1'), 0);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, paths.session);
  if (sync) {
    const dirFd = fs.openSync(path.dirname(paths.session), 'r');
    try { fs.fsyncSync(dirFd); } finally { fs.closeSync(dirFd); }
  }
}

function readSessionFile(file: string): { epoch: number; creationTimeMs: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const m = /^(\d{1,10}) (\d{1,16}) \S+\n$/.exec(text);
  if (m === null) return undefined;
  const epoch = Number(m[1]);
  if (epoch < 1 || epoch > 0xffff_ffff) return undefined;
  return { epoch, creationTimeMs: Number(m[2]) };
}

function formatCreationTime(ms: number): string {
  return new Date(ms).toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');
}

// ---------------------------------------------------------------------------------------------
// Small I/O helpers

function writeAllAt(fd: number, bytes: Buffer, position: number): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readIntoAt(fd: number, buf: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Error(`short read: wanted ${length} bytes at ${position}, got ${done}`);
    done += n;
  }
}

function readExactlyAt(fd: number, length: number, position: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  readIntoAt(fd, buf, length, position);
  return buf;
}

/** First index i in seqs[0, count) with seqs[i] >= seq (count when none). */
function lowerBound(seqs: Uint32Array, count: number, seq: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqs[mid]! < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A copy of `buf` at least `needed` bytes long (doubling, at most `max`), its first bytes kept. */
function grown(buf: Buffer, needed: number, max: number): Buffer {
  let size = buf.length;
  while (size < needed) size *= 2;
  const out = Buffer.allocUnsafe(Math.min(size, max));
  buf.copy(out);
  return out;
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
