// A FIX session store whose every write is also replicated to JetStream, so another node can take the session over.
// The local store (a FileStore: the node's own copy) answers reads and resends synchronously; each outbound message is
// published to the session's subject, and the sequence numbers to the session's KV key, in the order they were saved.
// whenDurable() (MessageStore) says when JetStream holds everything saved so far: the session writes nothing to its
// socket before that, so a client never sees a message that a takeover could not resend.
//
// Outbound messages are pipelined, the messages of one flush (a batch of replies) as one JetStream message, each with
// its own Nats-Msg-Id and retried while JetStream is silent; sequence numbers
// go as one compare-and-set KV update at a time, the newest state each time, so a slow update never lets an older
// state overwrite a newer one, and a node that lost the session finds its update refused.
import type { MessageStore } from '../session/store.js';
import type { LeaseState } from './session-leases.js';
import { KvSeqnums } from './session-seqnums.js';
import type { SessionChannel } from './session-channel.js';

/** Publishes of session messages not yet acknowledged, at most: beyond, JetStream is not keeping up with the session
 *  and the store fails (the session is disconnected, as for a slow consumer). */
const UNACKED_PUBLISHES_MAX = 10_000;
/** Bytes of session messages in one JetStream message at most (NATS' default max payload is 1 MiB). */
const CHUNK_BYTES_MAX = 256 * 1024;

export class SessionReplicationError extends Error { override name = 'SessionReplicationError'; }

interface Waiter { published: number; seqnumsVersion: number; resolve: () => void; reject: (err: Error) => void }

export class ReplicatedStore implements MessageStore {
  private unsent: Array<{ seq: number; bytes: Buffer }> = [];
  private published = 0;
  private readonly acked = new Set<number>();
  private ackedThrough = 0;
  private waiters: Waiter[] = [];
  private failure: Error | null = null;
  private flushScheduled = false;

  /** `lease`: this node's hold on the session; while suspended nothing becomes durable (the session sends nothing),
   *  once lost nothing ever does. */
  constructor(private readonly local: MessageStore, private readonly channel: SessionChannel, private readonly seqnums: KvSeqnums,
    private readonly lease: () => LeaseState = () => 'held') {
    seqnums.onSettled(() => this.releaseWaiters());
    seqnums.onFailed((err) => this.fail(err));
  }

  get nextSenderSeq(): number { return this.local.nextSenderSeq; }
  get nextTargetSeq(): number { return this.local.nextTargetSeq; }
  get creationTimeMs(): number { return this.local.creationTimeMs; }
  /** Why replication stopped (nothing saved since can become durable), or null. */
  get error(): Error | null { return this.failure; }

  setNextSenderSeq(seq: number): void { this.local.setNextSenderSeq(seq); this.seqnumsChanged(); }
  setNextTargetSeq(seq: number): void { this.local.setNextTargetSeq(seq); this.seqnumsChanged(); }
  incrNextTargetSeq(): void { this.local.incrNextTargetSeq(); this.seqnumsChanged(); }
  advanceNextTargetSeq(seq: number): void {
    if (this.local.advanceNextTargetSeq) this.local.advanceNextTargetSeq(seq);
    else if (seq > this.local.nextTargetSeq) this.local.setNextTargetSeq(seq);
    this.seqnumsChanged();
  }

  saveSent(seq: number, bytes: Buffer): void {
    this.local.saveSent(seq, bytes);
    if (this.failure === null) this.unsent.push({ seq, bytes: Buffer.from(bytes) }); // after a failure nothing more is sent
    this.seqnumsChanged();
  }

  readRange(begin: number, end: number, maxCount: number): Array<{ seq: number; bytes: Buffer }> {
    return this.local.readRange(begin, end, maxCount);
  }

  /** Writes the local copy, then sends what is not yet on its way to JetStream. */
  flush(): void {
    this.local.flush();
    this.sendUnsent();
  }

  whenDurable(): Promise<void> | undefined {
    this.flush();
    this.checkLease();
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ackedThrough >= this.published && this.seqnums.settled() && this.lease() === 'held') return undefined;
    return new Promise((resolve, reject) => {
      this.waiters.push({ published: this.published, seqnumsVersion: this.seqnums.version, resolve, reject });
    });
  }

  reset(nowMs: number): void {
    this.flush();
    this.local.reset(nowMs);
    this.seqnumsChanged();
  }

  close(): void {
    this.local.close();
  }

  private seqnumsChanged(): void {
    this.seqnums.changed({ sender: this.local.nextSenderSeq, target: this.local.nextTargetSeq, creationTimeMs: this.local.creationTimeMs });
    if (!this.flushScheduled) {
      // a save nobody flushes still leaves this turn: the session flushes before its socket writes, this is the rest
      this.flushScheduled = true;
      setImmediate(() => { this.flushScheduled = false; if (this.failure === null) this.sendUnsent(); });
    }
  }

  private sendUnsent(): void {
    if (this.failure !== null) return;
    if (this.unsent.length === 0) {
      this.seqnums.send(); // an admin message or a target seq moves only the sequence numbers
      return;
    }
    if (this.published - this.ackedThrough >= UNACKED_PUBLISHES_MAX) {
      this.fail(new Error(`more than ${UNACKED_PUBLISHES_MAX} publishes of session messages unacknowledged by JetStream`));
      return;
    }
    const epochMs = this.local.creationTimeMs;
    // one JetStream message for what the session saved since the last flush (a batch of replies), in chunks
    for (const chunk of chunksOf(this.unsent)) {
      const index = ++this.published;
      this.channel.publishMessages(chunk, epochMs, `m:${index}`).then(() => this.ack(index), (err: Error) => this.fail(err));
    }
    this.unsent = [];
    this.seqnums.send();
  }

  private ack(index: number): void {
    this.acked.add(index);
    while (this.acked.delete(this.ackedThrough + 1)) this.ackedThrough++;
    this.releaseWaiters();
  }

  private checkLease(): void {
    if (this.failure === null && this.lease() === 'none') this.fail(new Error('this node no longer holds the session\'s lease'));
  }

  /** The lease came back after a suspension: what waited for it may go out. */
  leaseResumed(): void { this.releaseWaiters(); }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    this.checkLease();
    if (this.lease() === 'suspended') return; // leaseResumed, or a failure, ends the wait
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.published <= this.ackedThrough && this.seqnums.settledThrough(w.seqnumsVersion)) w.resolve(); else still.push(w);
    }
    this.waiters = still;
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = new SessionReplicationError(`session state not replicated: ${err.message}`, { cause: err });
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
  }
}

/** The messages in order, in runs of at most CHUNK_BYTES_MAX (a message larger than that alone in its run). */
export function chunksOf(messages: Array<{ seq: number; bytes: Buffer }>): Array<Array<{ seq: number; bytes: Buffer }>> {
  const chunks: Array<Array<{ seq: number; bytes: Buffer }>> = [];
  let chunk: Array<{ seq: number; bytes: Buffer }> = [];
  let bytes = 0;
  for (const m of messages) {
    if (chunk.length > 0 && bytes + m.bytes.length > CHUNK_BYTES_MAX) { chunks.push(chunk); chunk = []; bytes = 0; }
    chunk.push(m);
    bytes += m.bytes.length;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
