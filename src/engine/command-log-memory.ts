// An in-memory command log, for tests and benches: a stream of records shared by any number of appenders
// (MemoryLogStream.open(), one per simulated node), with seqs assigned by the stream, deduplication by dedupeId,
// durability acknowledged synchronously or in a later turn (as a replicated log acknowledges), and injectable append
// failures. Commands are encoded at stage() with the journal's record codec and the stored record is the decoded one,
// so a command that would not survive the journal does not survive here either.
import type { CommandLog, LogFollower } from './command-log.js';
import { decodePayload } from './command-codec.js';
import { JournalTrimmedError, RECORD_HEADER_BYTES, RecordBuffer } from './journal.js';
import type { Command, SequencedCommand } from './types.js';

export interface MemoryLogOptions {
  /** 'sync': append() stores and delivers before it returns (as the journal under fsync 'none'); 'async': it
   *  stores, delivers and resolves in a later event-loop turn (as a replicated log's acknowledgement). Default 'sync'. */
  ack?: 'sync' | 'async';
}

interface Staged { entry: number; timeMs: number; cmd: Command; dedupeId: string | undefined }

/** The records every MemoryCommandLog opened on it shares. */
export class MemoryLogStream {
  private readonly records: SequencedCommand[] = [];
  /** Per record: the log that appended it and its entry number there. */
  private readonly origins: Array<{ log: MemoryCommandLog; entry: number }> = [];
  /** Seq of records[0]; records before it were trimmed. */
  private firstSeq = 1;
  private readonly dedupe = new Map<string, number>();
  private readonly logs = new Set<MemoryCommandLog>();
  private failure: Error | null = null;
  private acksLost = 0;

  constructor(readonly options: MemoryLogOptions = {}) {}

  /** A new appender on this stream (a node). */
  open(): MemoryCommandLog {
    return new MemoryCommandLog(this);
  }

  /** Seq of the last record stored. */
  get lastSeq(): number { return this.firstSeq - 1 + this.records.length; }

  /** Every append from now on fails with `err` (null: they succeed again), as a full disk or a lost quorum. */
  failAppends(err: Error | null): void { this.failure = err; }

  /** The next `n` appends are stored, but their acknowledgement is lost and the appender's retry finds them in the
   *  duplicate window: it is told each entry is a duplicate of the record its own first attempt stored. */
  loseAcks(n: number): void { this.acksLost = n; }

  /** Stores a batch (skipping entries whose dedupeId is known) and delivers the new records to every follower. */
  store(batch: Staged[], from: MemoryCommandLog): void {
    if (this.failure !== null) throw this.failure;
    const duplicates: Array<[entry: number, seq: number]> = [];
    const ackLost = this.acksLost > 0;
    if (ackLost) this.acksLost--;
    for (const s of batch) {
      const known = s.dedupeId === undefined ? undefined : this.dedupe.get(s.dedupeId);
      if (known !== undefined) { duplicates.push([s.entry, known]); continue; }
      const seq = this.lastSeq + 1;
      this.records.push({ seq, timeMs: s.timeMs, cmd: s.cmd });
      this.origins.push({ log: from, entry: s.entry });
      if (s.dedupeId !== undefined) this.dedupe.set(s.dedupeId, seq);
      if (ackLost) duplicates.push([s.entry, seq]);
    }
    for (const [entry, seq] of duplicates) from.duplicate(entry, seq);
    for (const log of this.logs) log.catchUp();
  }

  /** Calls `each` for the records with afterSeq < seq ≤ upToSeq; returns the last seq passed. */
  forEach(afterSeq: number, upToSeq: number, each: (sc: SequencedCommand) => void): number {
    let seq = afterSeq;
    while (seq < Math.min(upToSeq, this.lastSeq)) each(this.recordAt(++seq).sc);
    return seq;
  }

  /** The record with `seq` and who appended it; JournalTrimmedError when it was trimmed. */
  recordAt(seq: number): { sc: SequencedCommand; from: MemoryCommandLog; entry: number } {
    if (seq < this.firstSeq) throw new JournalTrimmedError('memory log', this.firstSeq, seq);
    const i = seq - this.firstSeq;
    const origin = this.origins[i]!;
    return { sc: this.records[i]!, from: origin.log, entry: origin.entry };
  }

  /** Drops the records with seq ≤ coveredSeq. */
  trim(coveredSeq: number): void {
    const n = Math.min(this.records.length, Math.max(0, coveredSeq + 1 - this.firstSeq));
    this.records.splice(0, n);
    this.origins.splice(0, n);
    this.firstSeq += n;
  }

  attach(log: MemoryCommandLog): void { this.logs.add(log); }
  detach(log: MemoryCommandLog): void { this.logs.delete(log); }
}

export class MemoryCommandLog implements CommandLog {
  private staged: Staged[] = [];
  private follower: LogFollower | null = null;
  /** Seq of the last record delivered to the follower. */
  private delivered = 0;
  private readonly encoder = new RecordBuffer();
  private closed = false;

  /** A log on a new stream of its own; `stream.open()` for one that shares a stream. */
  constructor(readonly stream: MemoryLogStream = new MemoryLogStream()) {
    stream.attach(this);
  }

  stage(entry: number, timeMs: number, cmd: Command, dedupeId?: string): number {
    if (this.closed) throw new Error('memory log closed');
    // encoded and decoded again: the record is what the journal's codec keeps of the command
    this.encoder.append({ seq: 0, timeMs, cmd });
    const buf = this.encoder.take(1);
    const sc = decodePayload(buf, RECORD_HEADER_BYTES, buf.length);
    this.encoder.recycle(buf);
    this.staged.push({ entry, timeMs, cmd: sc.cmd, dedupeId });
    return 0;
  }

  append(count: number): void | Promise<void> {
    if (!(count >= 1 && count <= this.staged.length)) throw new Error(`invariant: append ${count} of ${this.staged.length} staged`);
    const batch = this.staged.slice(0, count);
    this.staged = this.staged.slice(count);
    if (this.stream.options.ack !== 'async') return this.stream.store(batch, this);
    return new Promise((resolve, reject) => setImmediate(() => {
      try {
        this.stream.store(batch, this);
        resolve();
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    }));
  }

  /** The records already stored come in a later microtask, as a consumer's first messages do: the follower's owner
   *  can register its listeners first. JournalTrimmedError when the stream no longer holds afterSeq + 1. */
  follow(afterSeq: number, follower: LogFollower): void {
    if (this.follower !== null) throw new Error('invariant: the memory log has a follower already');
    if (afterSeq < this.stream.lastSeq) this.stream.recordAt(afterSeq + 1); // throws when trimmed
    this.follower = follower;
    this.delivered = afterSeq;
    queueMicrotask(() => this.catchUp());
  }

  read(afterSeq: number, onRecord: (sc: SequencedCommand) => void, upToSeq = Number.MAX_SAFE_INTEGER): Promise<number> {
    try {
      return Promise.resolve(this.stream.forEach(afterSeq, upToSeq, onRecord));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  trim(coveredSeq: number): Promise<void> {
    this.stream.trim(coveredSeq);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.follower = null;
    this.staged = [];
    this.stream.detach(this);
    return Promise.resolve();
  }

  /** Delivers the records stored since the last delivery (the stream calls it after each store). Re-entrant: a
   *  follower that makes the stream store more (a synchronous ack) gets those next, each record once. */
  catchUp(): void {
    const follower = this.follower;
    if (follower === null || this.delivered >= this.stream.lastSeq) return;
    while (this.follower === follower && this.delivered < this.stream.lastSeq) {
      const seq = ++this.delivered;
      const { sc, from, entry } = this.stream.recordAt(seq);
      follower.record(sc, from === this ? entry : 0);
    }
    follower.batchEnd();
  }

  duplicate(entry: number, seq: number): void { this.follower?.duplicate(entry, seq); }
}
