// Publishing to JetStream with many messages in flight on one connection: every message carries a Nats-Msg-Id and a
// reply subject under one inbox subscription, and JetStream's ack comes back there. One subscription and one sweep
// timer for all messages in flight, instead of the client's request() machinery per message (a promise race and a
// timer each), is what lets a node publish at the rate the servers store.
//
// A message with no ack after timeoutMs (a server died, the stream is electing a leader) may or may not be stored,
// so it is sent again with the same Nats-Msg-Id, which JetStream stores at most once within its duplicate window.
// Retries end after retryMs (keep it well inside that window): the message is then in doubt. An answer that refuses
// the message (any JetStream error but "no leader right now") ends it at once.
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
  sentAtMs: number; deadlineMs: number; attempts: number;
  resolve: (ack: PubAck) => void; reject: (err: Error) => void;
}

const SWEEP_MS = 50;

export class JetStreamPublisher {
  private readonly inbox = createInbox();
  private readonly inFlight = new Map<number, InFlight>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private nextToken = 1;

  /** `connected`: whether the connection is up now (sending into a dead socket only fills the client's buffer). */
  constructor(private readonly nc: NatsConnection, private readonly connected: () => boolean) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => { if (err === null) this.answer(msg); } });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Messages sent and not yet answered. */
  get pending(): number { return this.inFlight.size; }

  publish(subject: string, body: Uint8Array, opts: PublishOptions): Promise<PubAck> {
    const h = opts.headers ?? headers();
    h.set('Nats-Msg-Id', opts.msgID);
    return new Promise((resolve, reject) => {
      const now = Date.now();
      const entry: InFlight = { subject, body, headers: h, opts, sentAtMs: now, deadlineMs: now + opts.retryMs, attempts: 0, resolve, reject };
      this.send(this.nextToken++, entry);
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const e of this.inFlight.values()) e.reject(new PublishInDoubtError(`${e.opts.msgID}: publisher closed before JetStream answered`));
    this.inFlight.clear();
  }

  private send(token: number, entry: InFlight): void {
    entry.attempts++;
    entry.sentAtMs = Date.now();
    this.inFlight.set(token, entry); // (re)inserted last: the map stays in the order of sending
    if (this.connected() && !this.nc.isClosed()) this.nc.publish(entry.subject, entry.body, { reply: `${this.inbox}.${token}`, headers: entry.headers });
  }

  private answer(msg: Msg): void {
    const token = Number(msg.subject.slice(this.inbox.length + 1));
    const entry = this.inFlight.get(token);
    if (entry === undefined) return; // answered before (a resend's second ack)
    if (msg.headers?.code === 503) return; // no responders (the stream is not up yet): the sweep sends it again
    let ack: { seq?: unknown; duplicate?: unknown; error?: { code?: unknown; description?: unknown } };
    try { ack = msg.json(); } catch { ack = { error: { description: 'unreadable ack' } }; }
    if (ack.error !== undefined) {
      if (ack.error.code === 503) return; // no leader right now: the sweep sends it again
      this.inFlight.delete(token);
      entry.reject(new PublishRefusedError(`JetStream refused ${entry.opts.msgID}: ${String(ack.error.description)}`));
      return;
    }
    this.inFlight.delete(token);
    entry.resolve({ seq: Number(ack.seq), duplicate: ack.duplicate === true });
  }

  /** Sends again what waited past its timeout, and gives up what ran out of retries; oldest first. */
  private sweep(): void {
    const now = Date.now();
    for (const [token, entry] of this.inFlight) {
      if (now - entry.sentAtMs < entry.opts.timeoutMs) break; // the rest were sent later
      this.inFlight.delete(token);
      if (now >= entry.deadlineMs || this.nc.isClosed()) {
        entry.reject(new PublishInDoubtError(`no JetStream ack for ${entry.opts.msgID} after ${entry.attempts} attempts in ${entry.opts.retryMs} ms`));
      } else {
        this.send(token, entry);
      }
    }
  }
}
