// The next inbound MsgSeqNum a session expects: as the session sees it, and as its store persists it. The two differ
// while messages are held. The session advances the expected seq as soon as a message is handed to the application,
// but the application's work for it (the gateway: journaling its command, storing its replies) finishes later: the
// application holds the message's MsgSeqNum meanwhile, and the persisted value never passes a held message. A crash in
// between then makes the restarted session ask for the message again (the peer resends it with PossDupFlag=Y) instead
// of losing it. The session holds a message too while its own answer to it waits behind an earlier hold.
import type { MessageStore } from './store.js';

export class InboundSeq {
  readonly #store: MessageStore;
  /** What the session expects next. */
  #next: number;
  /** What the store was last given (it may write it later, never beyond it). */
  #written: number;
  /** Held MsgSeqNums, with how many holds each has. */
  readonly #holds = new Map<number, number>();
  /** Bumped by reset(): a hold taken before it releases nothing after it. */
  #epoch = 0;

  constructor(store: MessageStore) {
    this.#store = store;
    this.#next = store.nextTargetSeq;
    this.#written = this.#next;
  }

  get next(): number { return this.#next; }
  get epoch(): number { return this.#epoch; }
  get holdCount(): number { return this.#holds.size; }

  /** True when a message below `seq` is held. */
  heldBelow(seq: number): boolean {
    if (this.#holds.size === 0) return false;
    for (const held of this.#holds.keys()) if (held < seq) return true;
    return false;
  }

  /** One more message consumed. With nothing held the store advances as the session does. */
  advance(): void {
    this.#next++;
    if (this.#holds.size === 0 && this.#written === this.#next - 1) {
      this.#store.incrNextTargetSeq();
      this.#written = this.#next;
    } else {
      this.#persist();
    }
  }

  /** An explicit new expected seq (SequenceReset): written through unless that would pass a held message. */
  set(seq: number): void {
    this.#next = seq;
    if (this.#holds.size === 0 || seq < this.#written) {
      this.#store.setNextTargetSeq(seq);
      this.#written = seq;
    } else {
      this.#persist();
    }
  }

  /** The store was reset to 1/1: holds taken before are void. */
  reset(): void {
    this.#holds.clear();
    this.#epoch++;
    this.#next = this.#store.nextTargetSeq;
    this.#written = this.#next;
  }

  hold(seq: number): void {
    this.#holds.set(seq, (this.#holds.get(seq) ?? 0) + 1);
  }

  release(seq: number): void {
    const n = this.#holds.get(seq);
    if (n === undefined) return;
    if (n > 1) this.#holds.set(seq, n - 1);
    else this.#holds.delete(seq);
    this.#persist();
  }

  /** Writes the expected seq through now, as far as no hold is below it: for an answer that consumes a message,
   *  so the answer is never sent while a crash could still make the message be processed again. */
  persistNow(): void {
    const limit = this.#limit();
    this.#store.setNextTargetSeq(limit);
    this.#written = limit;
  }

  #limit(): number {
    let limit = this.#next;
    for (const seq of this.#holds.keys()) if (seq < limit) limit = seq;
    return limit;
  }

  #persist(): void {
    const limit = this.#limit();
    if (limit <= this.#written) return;
    // Batched when the store batches target seqs (written with its next flush, or soon after with deferred index
    // writes): the persisted value may lag, never lead, what is released.
    if (this.#store.advanceNextTargetSeq !== undefined) this.#store.advanceNextTargetSeq(limit);
    else this.#store.setNextTargetSeq(limit);
    this.#written = limit;
  }
}
