// What a FIX session must persist to survive a restart (sequence numbers, sent messages for
// resend), as an interface, plus the in-memory implementation used by tests and ephemeral sessions.

/** Persists what a session needs to survive a restart. All methods are synchronous. A store may batch
 *  saveSent (and incrNextTargetSeq) until flush(): after flush() returns, everything saved is in the OS
 *  (write(2) done; fsync too when the store was opened with sync), or, for a store with whenDurable, on its way.
 *  The Session calls flush() (and waits for whenDurable) before any of its bytes can reach the socket, so a
 *  message is always stored before it is written. Only the Session uses its store. */
export interface MessageStore {
  /** Next MsgSeqNum we will send. */
  readonly nextSenderSeq: number;
  /** Next MsgSeqNum we expect. */
  readonly nextTargetSeq: number;
  /** When the session's sequence numbers were last reset (epoch ms). */
  readonly creationTimeMs: number;
  setNextSenderSeq(seq: number): void;
  setNextTargetSeq(seq: number): void;
  incrNextTargetSeq(): void;
  /** Optional: move the expected seq forward to `seq` (no-op when not above it), persisted the way
   *  incrNextTargetSeq is (a store that batches target seqs writes it with the next flush). Callers without
   *  it use setNextTargetSeq, which is written through. */
  advanceNextTargetSeq?(seq: number): void;
  /** Optional: records `seq` as the next sender seq now, without writing the batch of messages in front of it (which
   *  a failing disk may refuse): for the Logout a session sends when its store fails, so its MsgSeqNum is used for
   *  good. Throws when it cannot be recorded either. */
  recordNextSenderSeq?(seq: number): void;
  /** Store an outbound message AND advance nextSenderSeq to seq+1, atomically as far as a crash can tell
   *  (a crash never leaves nextSenderSeq behind a message that was stored). */
  saveSent(seq: number, bytes: Buffer): void;
  /** Optional: a message `seq` was sent without being kept (a ResendRequest gap-fills it: market data, stale by
   *  then): nextSenderSeq becomes seq+1 at once, and is written with the next flush(), so before any byte of the
   *  message can reach the socket. Callers without it use setNextSenderSeq, which is written through. */
  skipSent?(seq: number): void;
  /** Stored messages with begin <= seq <= end, ascending, at most maxCount of them (bounded memory:
   *  callers page through a huge range). Seqs never stored are simply absent. */
  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }>;
  /** Write whatever is batched; a no-op when nothing is. Throws when the write fails. */
  flush(): void;
  /** Only for a store whose durability is asynchronous (e.g. replicated: saveSent and the seq setters return at
   *  once, the copies are acknowledged later). After flush(): undefined when everything saved so far is durable,
   *  else a promise that resolves once it is (rejects when it cannot be). The session writes nothing to its socket
   *  that was saved before such a promise until it resolves, and keeps its bytes in order meanwhile. A store
   *  without it is durable (by its own policy) when flush() returns. */
  whenDurable?(): Promise<void> | undefined;
  /** Seqs back to 1/1, stored messages dropped, creation time = now. */
  reset(nowMs: number): void;
  close(): void;
}

/** Largest sequence number we accept (FIX SeqNum is an int; QuickFIX uses 32-bit unsigned). */
export const MAX_SEQ = 0xffff_ffff;

export function assertSeq(seq: number, what: string): void {
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_SEQ) {
    throw new RangeError(`${what}: sequence number must be an integer in 1..${MAX_SEQ}, got ${seq}`);
  }
}

/** MessageStore in memory: same semantics as FileStore, nothing survives the process. */
export class MemoryStore implements MessageStore {
  #nextSenderSeq = 1;
  #nextTargetSeq = 1;
  #creationTimeMs: number;
  #messages = new Map<number, Buffer>();
  #maxStoredSeq = 0;
  #closed = false;

  constructor(nowMs: number) {
    this.#creationTimeMs = nowMs;
  }

  get nextSenderSeq(): number { return this.#nextSenderSeq; }
  get nextTargetSeq(): number { return this.#nextTargetSeq; }
  get creationTimeMs(): number { return this.#creationTimeMs; }

  setNextSenderSeq(seq: number): void {
    this.#checkOpen();
    assertSeq(seq, 'setNextSenderSeq');
    this.#nextSenderSeq = seq;
  }

  setNextTargetSeq(seq: number): void {
    this.#checkOpen();
    assertSeq(seq, 'setNextTargetSeq');
    this.#nextTargetSeq = seq;
  }

  incrNextTargetSeq(): void {
    this.setNextTargetSeq(this.#nextTargetSeq + 1);
  }

  saveSent(seq: number, bytes: Buffer): void {
    this.#checkOpen();
    assertSeq(seq, 'saveSent');
    // Stored seqs stay strictly ascending (as in FileStore): saving seq again drops seq and later.
    if (seq <= this.#maxStoredSeq) {
      for (const stored of this.#messages.keys()) if (stored >= seq) this.#messages.delete(stored);
    }
    // Copy: the caller may reuse its buffer after we return, as it may with FileStore.
    this.#messages.set(seq, Buffer.from(bytes));
    this.#maxStoredSeq = seq;
    this.#nextSenderSeq = seq + 1;
  }

  skipSent(seq: number): void {
    this.setNextSenderSeq(seq + 1);
  }

  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> {
    this.#checkOpen();
    const out: Array<{ seq: number; bytes: Buffer }> = [];
    if (maxCount <= 0 || end < begin) return out;
    // Walk whichever is smaller: the requested range or the stored set.
    if (end - begin + 1 <= this.#messages.size) {
      for (let seq = Math.max(1, begin); seq <= end && out.length < maxCount; seq++) {
        const bytes = this.#messages.get(seq);
        if (bytes !== undefined) out.push({ seq, bytes: Buffer.from(bytes) });
      }
      return out;
    }
    const seqs: number[] = [];
    for (const seq of this.#messages.keys()) if (seq >= begin && seq <= end) seqs.push(seq);
    seqs.sort((a, b) => a - b);
    for (const seq of seqs.slice(0, maxCount)) out.push({ seq, bytes: Buffer.from(this.#messages.get(seq)!) });
    return out;
  }

  flush(): void {}

  reset(nowMs: number): void {
    this.#checkOpen();
    this.#messages.clear();
    this.#maxStoredSeq = 0;
    this.#nextSenderSeq = 1;
    this.#nextTargetSeq = 1;
    this.#creationTimeMs = nowMs;
  }

  close(): void {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error('MemoryStore: used after close');
  }
}
