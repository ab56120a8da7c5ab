// A session store that does not persist "next expected inbound MsgSeqNum" past a message whose command is not
// yet journaled (and answered). The session layer advances the expected seq as soon as a message is handed to
// the gateway, but the journal write comes later in the event loop: a crash in between used to lose the order
// silently (the restarted gateway expected the next seq, so the client never resent it). With the hold, the
// restarted gateway asks for the message again and the client resends it (PossDupFlag=Y); a resent order whose
// ClOrdID is already known is answered with its status instead of being entered twice.
import type { MessageStore } from '../session/store.js';

export class HeldTargetSeqStore implements MessageStore {
  readonly #inner: MessageStore;
  /** What the session sees. */
  #target: number;
  /** What the inner store holds. */
  #written: number;
  /** MsgSeqNums of inbound messages whose commands are submitted but not yet journaled and answered. */
  readonly #holds = new Map<number, number>();

  constructor(inner: MessageStore) {
    this.#inner = inner;
    this.#target = inner.nextTargetSeq;
    this.#written = this.#target;
  }

  get nextSenderSeq(): number { return this.#inner.nextSenderSeq; }
  get nextTargetSeq(): number { return this.#target; }
  get creationTimeMs(): number { return this.#inner.creationTimeMs; }
  setNextSenderSeq(seq: number): void { this.#inner.setNextSenderSeq(seq); }
  saveSent(seq: number, bytes: Buffer): void { this.#inner.saveSent(seq, bytes); }
  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> { return this.#inner.readRange(begin, end, maxCount); }
  flush(): void { this.#inner.flush(); }
  close(): void { this.#inner.close(); }

  setNextTargetSeq(seq: number): void {
    this.#target = seq;
    if (this.#holds.size === 0 || seq < this.#written) {
      this.#inner.setNextTargetSeq(seq);
      this.#written = seq;
    } else {
      this.#flush();
    }
  }

  incrNextTargetSeq(): void {
    this.#target++;
    this.#flush();
  }

  reset(nowMs: number): void {
    this.#inner.reset(nowMs);
    this.#holds.clear();
    this.#target = this.#inner.nextTargetSeq;
    this.#written = this.#target;
  }

  /** The command of inbound message `msgSeq` was submitted: do not persist an expected seq beyond it. */
  hold(msgSeq: number): void {
    this.#holds.set(msgSeq, (this.#holds.get(msgSeq) ?? 0) + 1);
  }

  /** Its command is journaled and its replies are stored. */
  release(msgSeq: number): void {
    const n = this.#holds.get(msgSeq);
    if (n === undefined) return;
    if (n > 1) this.#holds.set(msgSeq, n - 1);
    else this.#holds.delete(msgSeq);
    this.#flush();
  }

  #flush(): void {
    let limit = this.#target;
    for (const seq of this.#holds.keys()) if (seq < limit) limit = seq;
    if (limit > this.#written) {
      // Batched when the inner store batches target seqs (written with its next flush, or within a few ms with
      // deferred index writes): the persisted value may lag, never lead, what is released.
      if (this.#inner.advanceNextTargetSeq !== undefined) this.#inner.advanceNextTargetSeq(limit);
      else this.#inner.setNextTargetSeq(limit);
      this.#written = limit;
    }
  }
}
