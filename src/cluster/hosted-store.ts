// The message store a session of a cluster node runs on for its whole life: the node's local copy (a FileStore) while
// the node does not host the session, the replicated store (local copy + JetStream) while it does. The session keeps
// one store object; the node swaps what is behind it at a takeover and when it gives the session up.
import type { MessageStore } from '../session/store.js';
import type { ReplicatedStore } from './replicated-store.js';

export class HostedStore implements MessageStore {
  private current: MessageStore;
  private replicated: ReplicatedStore | null = null;

  constructor(readonly local: MessageStore) {
    this.current = local;
  }

  /** The replicated store while this node hosts the session. */
  get hosted(): ReplicatedStore | null { return this.replicated; }

  adopt(replicated: ReplicatedStore): void {
    this.replicated = replicated;
    this.current = replicated;
  }

  /** Back to the local copy alone: what is saved from now on is not replicated (and the session is not this node's). */
  retire(): void {
    this.replicated = null;
    this.current = this.local;
  }

  get nextSenderSeq(): number { return this.current.nextSenderSeq; }
  get nextTargetSeq(): number { return this.current.nextTargetSeq; }
  get creationTimeMs(): number { return this.current.creationTimeMs; }
  setNextSenderSeq(seq: number): void { this.current.setNextSenderSeq(seq); }
  setNextTargetSeq(seq: number): void { this.current.setNextTargetSeq(seq); }
  incrNextTargetSeq(): void { this.current.incrNextTargetSeq(); }
  advanceNextTargetSeq(seq: number): void {
    if (this.current.advanceNextTargetSeq !== undefined) this.current.advanceNextTargetSeq(seq);
    else if (seq > this.current.nextTargetSeq) this.current.setNextTargetSeq(seq);
  }
  saveSent(seq: number, bytes: Buffer): void { this.current.saveSent(seq, bytes); }
  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> { return this.current.readRange(begin, end, maxCount); }
  flush(): void { this.current.flush(); }
  whenDurable(): Promise<void> | undefined { return this.current.whenDurable?.(); }
  reset(nowMs: number): void { this.current.reset(nowMs); }
  close(): void { this.local.close(); }
}
