// A session's store with its failures marked: what the file system refuses it (a write past a full disk or a file-size
// limit, a read that fails: a Node system error, with an errno code, but for running out of file descriptors) comes
// out as a MessageStoreError, so the session can tell its store failing from a bug or a bad value, and answer it as a
// store failure (the peer is told, the operator too: storage-health.ts) instead of as an internal error. Anything else
// is thrown as it is.
import { isOutOfDescriptors } from './descriptors.js';
import type { MessageStore } from './store.js';

export class MessageStoreError extends Error {
  constructor(readonly failure: Error) {
    super(failure.message);
    this.name = 'MessageStoreError';
  }
}

/** Running out of file descriptors (EMFILE, ENFILE) is the process's, not the store's: it passes as it is, and the
 *  acceptor refuses the connection and logs it once per burst (descriptors.ts). */
function storeError(err: unknown): unknown {
  const isSystemError = err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
  return isSystemError && !isOutOfDescriptors(err) ? new MessageStoreError(err) : err;
}

/** `inner` with its file-system errors turned into MessageStoreErrors. Optional methods are there when `inner` has
 *  them (the session and the outbox look for them: whenDurable gates the socket, advanceNextTargetSeq batches target
 *  seqs, skipSent writes the seq of a message not kept with the next flush instead of at once). */
export class GuardedStore implements MessageStore {
  readonly advanceNextTargetSeq?: (seq: number) => void;
  readonly skipSent?: (seq: number) => void;
  readonly whenDurable?: () => Promise<void> | undefined;
  readonly recordNextSenderSeq?: (seq: number) => void;

  constructor(readonly inner: MessageStore) {
    const skip = inner.skipSent?.bind(inner);
    if (skip !== undefined) {
      this.skipSent = (seq) => { try { skip(seq); } catch (err) { throw storeError(err); } };
    }
    const advance = inner.advanceNextTargetSeq?.bind(inner);
    if (advance !== undefined) {
      this.advanceNextTargetSeq = (seq) => { try { advance(seq); } catch (err) { throw storeError(err); } };
    }
    const record = inner.recordNextSenderSeq?.bind(inner);
    if (record !== undefined) {
      this.recordNextSenderSeq = (seq) => { try { record(seq); } catch (err) { throw storeError(err); } };
    }
    // a durability that fails rejects its promise: the outbox's gate takes it as a store failure
    if (inner.whenDurable !== undefined) this.whenDurable = inner.whenDurable.bind(inner);
  }

  get nextSenderSeq(): number { return this.inner.nextSenderSeq; }
  get nextTargetSeq(): number { return this.inner.nextTargetSeq; }
  get creationTimeMs(): number { return this.inner.creationTimeMs; }

  setNextSenderSeq(seq: number): void {
    try { this.inner.setNextSenderSeq(seq); } catch (err) { throw storeError(err); }
  }

  setNextTargetSeq(seq: number): void {
    try { this.inner.setNextTargetSeq(seq); } catch (err) { throw storeError(err); }
  }

  incrNextTargetSeq(): void {
    try { this.inner.incrNextTargetSeq(); } catch (err) { throw storeError(err); }
  }

  saveSent(seq: number, bytes: Buffer): void {
    try { this.inner.saveSent(seq, bytes); } catch (err) { throw storeError(err); }
  }

  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> {
    try { return this.inner.readRange(begin, end, maxCount); } catch (err) { throw storeError(err); }
  }

  flush(): void {
    try { this.inner.flush(); } catch (err) { throw storeError(err); }
  }

  reset(nowMs: number): void {
    try { this.inner.reset(nowMs); } catch (err) { throw storeError(err); }
  }

  close(): void {
    try { this.inner.close(); } catch (err) { throw storeError(err); }
  }
}
