// Publishing to JetStream with many messages in flight on one connection: every message carries a Nats-Msg-Id and a
// reply subject under one inbox subscription, and JetStream's ack comes back there. One subscription and one sweep
// timer for all messages in flight, instead of the client's request() machinery per message (a promise race and a
// timer each), is what lets a node publish at the rate the servers store.
//
// A message with no ack after timeoutMs (a server died, the stream is electing a leader), or answered "no leader"
// (503), may or may not be stored, so it is sent again with the same Nats-Msg-Id, which JetStream stores at most once
// within its duplicate window. Retries end after retryMs (keep it well inside that window): the message is then in
// doubt. An answer that refuses the message (any other JetStream error) ends it at once.
//
// Order: one connection delivers this node's messages to the stream in the order sent. Once a message has failed,
// new messages wait behind it, and each retry sends every message still in flight again in publish order, so a
// message sent after a failed one is not stored before it. What cannot be helped: a message sent before the failure
// was known (within one round trip) may be stored by a new leader before the failed one's retry. docs/cluster.md.
import { createInbox, headers, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** Retries ran out: the message may or may not be in the stream. */
export class PublishInDoubtError extends Error { override name = 'PublishInDoubtError'; }
/** JetStream refused the message (not stored), e.g. the stream is full. */
export class PublishRefusedError extends Error { override name = 'PublishRefusedError'; }

export interface PublishOptions {
  msgID: string;
  /** More headers (Nats-Msg-Id is added). */
  headers?: MsgHdrs;
  /** Wait for one ack this long before sending again. */
  timeoutMs: number;
  /** Send again for this long at most. */
  retryMs: number;
}

export interface PubAck { seq: number; duplicate: boolean }

interface InFlight {
  subject: string; body: Uint8Array; headers: MsgHdrs; opts: PublishOptions;
  /** 0 = not sent yet (waiting behind a failed message). */
  sentAtMs: number; deadlineMs: number; attempts: number;
  /** Timed out or answered "no leader", and not acknowledged since; when to send it again. */
  failed: boolean; retryAtMs: number;
  resolve: (ack: PubAck) => void; reject: (err: Error) => void;
}

const SWEEP_MS = 50;
/** After a "no leader" answer, the pause before the next attempt (an election takes seconds). */
const NO_LEADER_PAUSE_MS = 250;

export class JetStreamPublisher {
  private readonly inbox = createInbox();
  /** In publish order (never re-inserted). */
  private readonly inFlight = new Map<number, InFlight>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private nextToken = 1;
  /** Messages marked failed and not acknowledged since: while any, new messages wait. */
  private failedCount = 0;

  /** `connected`: whether the connection is up now (sending into a dead socket only fills the client's buffer). */
  constructor(private readonly nc: NatsConnection, private readonly connected: () => boolean) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => { if (err === null) this.answer(msg); } });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Messages sent (or waiting) and not yet answered. */
  get pending(): number { return this.inFlight.size; }

  publish(subject: string, body: Uint8Array, opts: PublishOptions): Promise<PubAck> {
    const h = opts.headers ?? headers();
    h.set('Nats-Msg-Id', opts.msgID);
    return new Promise((resolve, reject) => {
      const now = Date.now();
      const entry: InFlight = { subject, body, headers: h, opts, sentAtMs: 0, deadlineMs: now + opts.retryMs, attempts: 0, failed: false, retryAtMs: 0, resolve, reject };
      const token = this.nextToken++;
      this.inFlight.set(token, entry);
      if (this.failedCount === 0) this.send(token, entry, now);
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const e of this.inFlight.values()) e.reject(new PublishInDoubtError(`${e.opts.msgID}: publisher closed before JetStream answered`));
    this.inFlight.clear();
    this.failedCount = 0;
  }

  private send(token: number, entry: InFlight, now: number): void {
    entry.attempts++;
    entry.sentAtMs = now;
    if (this.connected() && !this.nc.isClosed()) this.nc.publish(entry.subject, entry.body, { reply: `${this.inbox}.${token}`, headers: entry.headers });
  }

  private answer(msg: Msg): void {
    const token = Number(msg.subject.slice(this.inbox.length + 1));
    const entry = this.inFlight.get(token);
    if (entry === undefined) return; // answered before (a resend's second ack)
    if (msg.headers?.code === 503) { this.markFailed(entry, Date.now() + NO_LEADER_PAUSE_MS); return; } // no responders: the stream is not up yet
    let ack: { seq?: unknown; duplicate?: unknown; error?: { code?: unknown; description?: unknown } };
    try { ack = msg.json(); } catch { ack = { error: { description: 'unreadable ack' } }; }
    if (ack.error !== undefined && ack.error.code === 503) { this.markFailed(entry, Date.now() + NO_LEADER_PAUSE_MS); return; } // no leader right now
    this.settle(token, entry);
    if (ack.error !== undefined) entry.reject(new PublishRefusedError(`JetStream refused ${entry.opts.msgID}: ${String(ack.error.description)}`));
    else entry.resolve({ seq: Number(ack.seq), duplicate: ack.duplicate === true });
  }

  private markFailed(entry: InFlight, retryAtMs: number): void {
    if (!entry.failed) { entry.failed = true; this.failedCount++; }
    entry.retryAtMs = Math.max(entry.retryAtMs, retryAtMs);
  }

  /** The entry is answered: it leaves; once no failed message remains, the ones waiting behind go out in order. */
  private settle(token: number, entry: InFlight): void {
    this.inFlight.delete(token);
    if (!entry.failed) return;
    entry.failed = false;
    if (--this.failedCount > 0) return;
    const now = Date.now();
    for (const [t, e] of this.inFlight) if (e.sentAtMs === 0) this.send(t, e, now);
  }

  /** Marks what waited past its timeout as failed; once the oldest failed one is due, sends everything in flight
   *  again in publish order, and gives up what ran out of retries. */
  private sweep(): void {
    if (this.inFlight.size === 0) return;
    const now = Date.now();
    for (const entry of this.inFlight.values()) {
      if (entry.sentAtMs === 0) continue;
      if (now - entry.sentAtMs < entry.opts.timeoutMs) { if (this.failedCount === 0) break; continue; } // in order of sending while none failed
      this.markFailed(entry, now);
    }
    if (this.failedCount === 0) return;
    const oldestFailed = [...this.inFlight.values()].find((e) => e.failed)!;
    if (now < oldestFailed.retryAtMs) return;
    for (const [token, entry] of this.inFlight) {
      if (now >= entry.deadlineMs || this.nc.isClosed()) {
        this.settle(token, entry);
        entry.reject(new PublishInDoubtError(`no JetStream ack for ${entry.opts.msgID} after ${entry.attempts} attempts in ${entry.opts.retryMs} ms`));
        continue;
      }
      this.send(token, entry, now);
      if (entry.failed) entry.retryAtMs = now + entry.opts.timeoutMs;
    }
  }
}
