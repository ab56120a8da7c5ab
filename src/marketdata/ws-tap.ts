// The WebSocket tap: subscriptions per connection, fan-out of book deltas / trades / BBO / status, and the
// bounds that keep one client from costing the others anything (send buffer, subscriptions, frames, idle).
//
// Book fan-out: subscribers of one symbol at one depth share a "group" holding the view they all see (top
// `depth` levels per side). md events are applied to the feed at once; once per event-loop turn each touched
// group recomputes its view only if a change reached it, diffs old and new view into absolute level changes,
// and sends ONE delta to every member (serialized once per distinct prevSeq). Several md events of one turn are
// thereby conflated into one delta whose seq is the last mdSeq. A member's prevSeq is the seq of the last book
// message that member got, so the chain is per client and never has a hole it was not told about.
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { MarketDataFeed, SymbolFeed, TradeRecord } from './feed.js';
import { bookChecksum, type WireLevel } from './checksum.js';
import { diffSide, priceKey } from './book.js';
import type { TapMetrics } from './metrics.js';

const TEXT_FRAME = { binary: false, compress: false } as const;

export type Channel = 'book' | 'trades' | 'bbo' | 'status';
const CHANNELS: ReadonlySet<string> = new Set<Channel>(['book', 'trades', 'bbo', 'status']);

export interface TapLimits {
  /** Book depth when a subscribe names none. */
  bookDepthDefault: number;
  /** Largest depth a client may ask for. */
  bookDepthMax: number;
  /** Subscriptions (channel + symbol pairs) per connection. */
  subscriptionsMax: number;
  /** Open WebSocket connections; more are closed with 1013. */
  clientsMax: number;
  /** A larger client message gets a frame_too_large error (the connection stays). */
  messageBytesMax: number;
  /** A larger frame closes the connection (1009); nothing is buffered beyond it. */
  frameBytesMax: number;
  /** Bytes queued for one client above which book/BBO updates stop and the client is told to resync. */
  resyncBufferBytes: number;
  /** Bytes queued for one client beyond which it is disconnected (1008, "slow consumer"). */
  sendBufferBytesMax: number;
  /** A client that has not drained to resyncBufferBytes/4 within this time after a resync is disconnected. */
  slowConsumerTimeoutMs: number;
  /** How often slow clients are checked for having caught up. */
  slowCheckIntervalMs: number;
  /** WebSocket ping interval. */
  pingIntervalMs: number;
  /** A client from which nothing (no pong, no message) was heard for this long is closed (1001). */
  idleTimeoutMs: number;
  /**
   * Longest time md changes wait to be published while the engine is busy with one long batch (microseconds);
   * 0 = publish once per event-loop turn only (cheapest: most conflation).
   */
  conflateMaxUs: number;
  /** Trades held for publishing at most; reaching it publishes at once. */
  tradesPendingMax: number;
  /** Trades sent with a trades subscription (the most recent ones). */
  tradesSnapshotMax: number;
  /** After close() a client that does not complete the closing handshake is terminated after this long. */
  closeGraceMs: number;
}

export const DEFAULT_TAP_LIMITS: TapLimits = {
  bookDepthDefault: 50,
  bookDepthMax: 1000,
  subscriptionsMax: 100,
  clientsMax: 10_000,
  messageBytesMax: 4096,
  frameBytesMax: 65_536,
  resyncBufferBytes: 1 << 20,
  sendBufferBytesMax: 4 << 20,
  slowConsumerTimeoutMs: 10_000,
  slowCheckIntervalMs: 20,
  pingIntervalMs: 15_000,
  idleTimeoutMs: 45_000,
  conflateMaxUs: 0,
  tradesPendingMax: 10_000,
  tradesSnapshotMax: 50,
  closeGraceMs: 1_000,
};

interface BookGroup {
  symbol: string;
  depth: number;
  bids: WireLevel[];
  asks: WireLevel[];
  checksum: number;
  members: Set<BookSub>;
}

interface BookSub { client: Client; group: BookGroup; lastSeq: number; resyncing: boolean }
interface BboSub { client: Client; stale: boolean }

class Client {
  /** channel + "\0" + symbol → subscription. */
  readonly subs = new Map<string, BookSub | BboSub | true>();
  /** Requests received and not yet handled (see RequestScheduling in WsTap). */
  readonly inbox: Array<{ data: Buffer | ArrayBuffer | Buffer[]; isBinary: boolean }> = [];
  paused = false;
  /** Messages for this client not yet handed to its socket, in order (see the outbox in WsTap). */
  outbox: Array<string | Buffer> = [];
  outboxBytes = 0;
  lastHeardMs: number;
  slowSinceMs: number | null = null;
  closing = false;
  constructor(readonly id: number, readonly ws: WebSocket, nowMs: number) { this.lastHeardMs = nowMs; }
}

/** More ops on the same socket (the private channels of src/http/ws-private.ts): the tap hands it each request it
 *  `handles`, and tells it when a connection is gone. */
export interface WsExtension {
  handles(req: Record<string, unknown>): boolean;
  receive(ws: WebSocket, req: Record<string, unknown>): void;
  closed(ws: WebSocket): void;
}

type ErrorCode = 'bad_json' | 'bad_request' | 'unknown_op' | 'unknown_channel' | 'unknown_symbol' | 'bad_depth'
  | 'too_many_subscriptions' | 'not_subscribed' | 'frame_too_large';

interface Bbo { bid: WireLevel | null; ask: WireLevel | null }

// Requests are handled a few per connection per event-loop turn, round robin over connections, within a time budget
// per turn: a connection sending thousands of frames at once (malformed ones, subscription floods), or hundreds of
// connections doing it together, cannot hold the event loop the FIX sessions share. A connection with a backlog is
// not read (the socket is paused, TCP pushes back) until it has been worked off.
/** Requests of one connection handled per turn at most. */
const REQUESTS_PER_CONNECTION_PER_TURN = 4;
/** Time per turn spent on requests at most (at least one request is handled per turn). */
const REQUEST_BUDGET_PER_TURN_MS = 2;
/** A connection with this many requests waiting is no longer read until they are handled. */
const INBOX_PAUSE_AT = 64;
/** More waiting than this (frames already read when the socket was paused) closes the connection: 1008. */
const INBOX_MAX = 20_000;
// Everything sent goes through a per-connection outbox, handed to the sockets round robin within a time budget per
// turn: a fan-out to hundreds of subscribers (one write each) is spread over turns instead of holding one.
/** Messages handed to one connection's socket per turn at most. */
const SENDS_PER_CONNECTION_PER_TURN = 16;
/** Time per turn spent handing messages to sockets at most (at least one connection is served per turn). */
const SEND_BUDGET_PER_TURN_MS = 2;

export class WsTap {
  private readonly clients = new Set<Client>();
  private nextClientId = 1;
  private readonly groups = new Map<string, Map<number, BookGroup>>();
  private readonly tradeSubs = new Map<string, Set<Client>>();
  private readonly bboSubs = new Map<string, Set<BboSub>>();
  private readonly statusSubs = new Map<string, Set<Client>>();
  private readonly bboLast = new Map<string, Bbo>();
  private readonly dirty = new Set<SymbolFeed>();
  private flushScheduled = false;
  private oldestDirtyUs = 0;
  private readonly slowClients = new Set<Client>();
  /** Connections with requests waiting, in the order they are served (round robin). */
  private readonly waiting = new Set<Client>();
  private requestsScheduled = false;
  /** Connections with messages in their outbox, in the order they are served. */
  private readonly sending = new Set<Client>();
  private sendsScheduled = false;
  private slowTimer: NodeJS.Timeout | null = null;
  private readonly pingTimer: NodeJS.Timeout;

  constructor(private readonly feed: MarketDataFeed, readonly limits: TapLimits, private readonly metrics: TapMetrics,
    private readonly extension: WsExtension | null = null) {
    this.pingTimer = setInterval(this.keepAlive, limits.pingIntervalMs);
    this.pingTimer.unref();
  }

  get clientCount(): number { return this.clients.size; }

  subscriptionCounts(): Record<Channel, number> {
    const n: Record<Channel, number> = { book: 0, trades: 0, bbo: 0, status: 0 };
    for (const byDepth of this.groups.values()) for (const g of byDepth.values()) n.book += g.members.size;
    for (const s of this.tradeSubs.values()) n.trades += s.size;
    for (const s of this.bboSubs.values()) n.bbo += s.size;
    for (const s of this.statusSubs.values()) n.status += s.size;
    return n;
  }

  stop(): void {
    clearInterval(this.pingTimer);
    if (this.slowTimer !== null) clearInterval(this.slowTimer);
    this.slowTimer = null;
  }

  // ------------------------------------------------------------------ feed side

  /**
   * The feed changed this symbol: publish once this event-loop turn is over, or at once when the oldest change
   * not yet published is conflateMaxUs old (a long engine batch does not hold deltas back for its whole length)
   * or tradesPendingMax trades wait (the pending trade list stays bounded; trades are never dropped).
   */
  touched(f: SymbolFeed): void {
    this.dirty.add(f);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.oldestDirtyUs = performance.now() * 1000;
      setImmediate(this.flush);
    } else if (f.pendingTradeCount >= this.limits.tradesPendingMax
      || (this.limits.conflateMaxUs > 0 && performance.now() * 1000 - this.oldestDirtyUs >= this.limits.conflateMaxUs)) {
      this.publishAll();
      this.oldestDirtyUs = performance.now() * 1000;
    }
  }

  /** Publishes every pending change now (also run before a snapshot so views are current). */
  readonly flush = (): void => {
    this.flushScheduled = false;
    this.publishAll();
  };

  private publishAll(): void {
    if (this.dirty.size === 0) return;
    const feeds = [...this.dirty];
    this.dirty.clear();
    for (const f of feeds) this.publish(f);
  }

  private publish(f: SymbolFeed): void {
    const ch = f.takeChanges();
    const sym = f.symbol;
    const symJson = JSON.stringify(sym);
    const byDepth = this.groups.get(sym);
    if (byDepth !== undefined) {
      for (const g of byDepth.values()) {
        if (ch.reloaded) {
          g.bids = f.bids.top(g.depth);
          g.asks = f.asks.top(g.depth);
          g.checksum = bookChecksum(g.bids, g.asks);
          for (const sub of g.members) this.beginResync(sub, 'sequence gap in the engine feed', 'sequence_gap');
          continue;
        }
        let bidsDelta: WireLevel[] = [];
        let asksDelta: WireLevel[] = [];
        if (ch.bestBidKey !== null && reaches(g.bids, g.depth, ch.bestBidKey, true)) {
          const view = f.bids.top(g.depth);
          bidsDelta = diffSide(g.bids, view, true);
          g.bids = view;
        }
        if (ch.bestAskKey !== null && reaches(g.asks, g.depth, ch.bestAskKey, false)) {
          const view = f.asks.top(g.depth);
          asksDelta = diffSide(g.asks, view, false);
          g.asks = view;
        }
        if (bidsDelta.length === 0 && asksDelta.length === 0) continue;
        g.checksum = bookChecksum(g.bids, g.asks);
        const head = `{"channel":"book","symbol":${symJson},"type":"delta","seq":${f.mdSeq},"prevSeq":`;
        const tail = `,"bids":${JSON.stringify(bidsDelta)},"asks":${JSON.stringify(asksDelta)},"checksum":${g.checksum}}`;
        let cachedPrev = -1;
        let cachedFrame: Buffer = Buffer.alloc(0);
        let sent = 0;
        for (const sub of g.members) {
          if (sub.resyncing) continue;
          if (queuedBytes(sub.client) > this.limits.resyncBufferBytes) {
            this.beginResync(sub, `slow consumer: more than ${this.limits.resyncBufferBytes} bytes queued`, 'slow_consumer');
            continue;
          }
          // encoded once per distinct prevSeq (all members in step share one buffer)
          if (sub.lastSeq !== cachedPrev) { cachedPrev = sub.lastSeq; cachedFrame = Buffer.from(head + sub.lastSeq + tail); }
          if (this.send(sub.client, cachedFrame)) { sub.lastSeq = f.mdSeq; sent++; }
        }
        this.metrics.sent('book', sent);
      }
    }
    if (ch.trades.length > 0) {
      const subs = this.tradeSubs.get(sym);
      if (subs !== undefined && subs.size > 0) {
        const text = Buffer.from(`{"channel":"trades","symbol":${symJson},"type":"update","seq":${f.mdSeq},"trades":${JSON.stringify(ch.trades.map(tradeWire))}}`);
        let sent = 0;
        for (const c of subs) if (this.send(c, text)) sent++;
        this.metrics.sent('trades', sent);
      }
    }
    if (ch.statusChanged) {
      const subs = this.statusSubs.get(sym);
      if (subs !== undefined && subs.size > 0) {
        const text = Buffer.from(statusText(f));
        let sent = 0;
        for (const c of subs) if (this.send(c, text)) sent++;
        this.metrics.sent('status', sent);
      }
    }
    if (ch.bestBidKey !== null || ch.bestAskKey !== null || ch.reloaded) {
      const subs = this.bboSubs.get(sym);
      // Nobody listens: the best bid/offer is not worked out on the order path; a subscriber's snapshot sets it again.
      if (subs === undefined || subs.size === 0) {
        this.bboLast.delete(sym);
      } else {
        const bbo = bboOf(f);
        const last = this.bboLast.get(sym);
        if (last === undefined || !sameLevel(last.bid, bbo.bid) || !sameLevel(last.ask, bbo.ask)) {
          this.bboLast.set(sym, bbo);
          const text = Buffer.from(bboText(f, bbo));
          let sent = 0;
          for (const sub of subs) {
            if (queuedBytes(sub.client) > this.limits.resyncBufferBytes) { sub.stale = true; this.markSlow(sub.client); continue; }
            if (this.send(sub.client, text)) sent++;
          }
          this.metrics.sent('bbo', sent);
        }
      }
    }
  }

  // ------------------------------------------------------------------ slow consumers

  private beginResync(sub: BookSub, reason: string, metric: 'slow_consumer' | 'sequence_gap'): void {
    if (sub.resyncing) return;
    sub.resyncing = true;
    this.metrics.resync(metric);
    this.send(sub.client, `{"channel":"book","symbol":${JSON.stringify(sub.group.symbol)},"type":"resync","seq":${sub.lastSeq},"reason":${JSON.stringify(reason)}}`);
    this.markSlow(sub.client);
  }

  private markSlow(c: Client): void {
    if (c.closing) return;
    c.slowSinceMs ??= Date.now();
    this.slowClients.add(c);
    if (this.slowTimer === null) {
      this.slowTimer = setInterval(this.checkSlow, this.limits.slowCheckIntervalMs);
      this.slowTimer.unref();
    }
  }

  /** Slow clients that drained get fresh snapshots; those that did not within the timeout are dropped. */
  private readonly checkSlow = (): void => {
    const now = Date.now();
    let flushed = false;
    for (const c of this.slowClients) {
      if (c.closing) { this.slowClients.delete(c); continue; }
      if (queuedBytes(c) <= this.limits.resyncBufferBytes / 4) {
        if (!flushed) { this.flush(); flushed = true; }
        for (const [key, sub] of c.subs) {
          if (sub === true) continue;
          if ('group' in sub) {
            if (sub.resyncing) this.sendSnapshot(sub);
          } else if (sub.stale) {
            sub.stale = false;
            const f = this.feed.get(key.slice(key.indexOf('\0') + 1))!;
            this.send(c, bboText(f, bboOf(f)));
          }
        }
        c.slowSinceMs = null;
        this.slowClients.delete(c);
      } else if (c.slowSinceMs !== null && now - c.slowSinceMs > this.limits.slowConsumerTimeoutMs) {
        this.disconnect(c, 1008, `slow consumer: did not catch up within ${this.limits.slowConsumerTimeoutMs} ms`, 'slow_consumer');
        this.slowClients.delete(c);
      }
    }
    if (this.slowClients.size === 0 && this.slowTimer !== null) { clearInterval(this.slowTimer); this.slowTimer = null; }
  };

  /** Queues a message for the client unless its queue would pass the hard bound, in which case the client is dropped. */
  private send(c: Client, text: string | Buffer): boolean {
    if (c.closing || c.ws.readyState !== 1 /* OPEN */) return false;
    if (queuedBytes(c) + text.length > this.limits.sendBufferBytesMax) {
      this.disconnect(c, 1008, `slow consumer: more than ${this.limits.sendBufferBytesMax} bytes queued`, 'slow_consumer');
      return false;
    }
    c.outbox.push(text);
    c.outboxBytes += text.length;
    this.sending.add(c);
    if (!this.sendsScheduled) {
      this.sendsScheduled = true;
      setImmediate(this.handOver);
    }
    return true;
  }

  /** One turn's share of the outboxes to the sockets: a few messages per connection, round robin, within the budget. */
  private readonly handOver = (): void => {
    this.sendsScheduled = false;
    const start = performance.now();
    for (const c of [...this.sending]) {
      this.sending.delete(c);
      if (c.closing || c.ws.readyState !== 1) { c.outbox = []; c.outboxBytes = 0; continue; }
      const n = Math.min(c.outbox.length, SENDS_PER_CONNECTION_PER_TURN);
      const socket = socketOf(c.ws);
      socket?.cork(); // the connection's messages of this turn leave in one write
      for (let k = 0; k < n; k++) c.ws.send(c.outbox[k]!, TEXT_FRAME);
      socket?.uncork();
      for (let k = 0; k < n; k++) c.outboxBytes -= c.outbox[k]!.length;
      c.outbox = n === c.outbox.length ? [] : c.outbox.slice(n);
      if (c.outbox.length > 0) this.sending.add(c); // to the back of the round
      if (performance.now() - start >= SEND_BUDGET_PER_TURN_MS) break;
    }
    if (this.sending.size > 0) {
      this.sendsScheduled = true;
      setImmediate(this.handOver);
    }
  };

  private disconnect(c: Client, code: number, reason: string, metric: string): void {
    if (c.closing) return;
    c.closing = true;
    this.metrics.drop(metric);
    this.removeClient(c);
    try { c.ws.close(code, reason); } catch { /* already gone */ }
    const ws = c.ws;
    setTimeout(() => { if (ws.readyState !== 3 /* CLOSED */) ws.terminate(); }, this.limits.closeGraceMs).unref();
  }

  // ------------------------------------------------------------------ connections

  /** A new WebSocket connection on /ws. */
  accept(ws: WebSocket): void {
    if (this.clients.size >= this.limits.clientsMax) {
      this.metrics.drop('too_many_clients');
      ws.close(1013, `too many clients (max ${this.limits.clientsMax})`);
      return;
    }
    const c = new Client(this.nextClientId++, ws, Date.now());
    this.clients.add(c);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.receive(c, data, isBinary));
    ws.on('pong', () => { c.lastHeardMs = Date.now(); });
    ws.on('close', () => { this.removeClient(c); });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket itself (1009 for an oversized frame, 1002 for a protocol error)
      this.metrics.drop(err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame_too_large' : 'protocol_error');
      c.closing = true;
      this.removeClient(c);
    });
  }

  /** Closes every connection (server shutdown). */
  closeAll(code: number, reason: string): void {
    for (const c of [...this.clients]) this.disconnect(c, code, reason, 'shutdown');
  }

  private removeClient(c: Client): void {
    c.inbox.length = 0;
    this.waiting.delete(c);
    c.outbox = [];
    c.outboxBytes = 0;
    this.sending.delete(c);
    if (!this.clients.delete(c)) return;
    this.extension?.closed(c.ws);
    for (const key of [...c.subs.keys()]) this.removeSub(c, key);
    this.slowClients.delete(c);
  }

  private readonly keepAlive = (): void => {
    const now = Date.now();
    for (const c of [...this.clients]) {
      if (now - c.lastHeardMs > this.limits.idleTimeoutMs) {
        this.disconnect(c, 1001, `idle timeout: nothing heard for ${this.limits.idleTimeoutMs} ms`, 'idle');
      } else if (c.ws.readyState === 1) {
        c.ws.ping();
      }
    }
  };

  // ------------------------------------------------------------------ client requests

  /** A request frame: queued for its turn (see REQUESTS_PER_CONNECTION_PER_TURN). */
  private receive(c: Client, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    c.lastHeardMs = Date.now();
    if (c.closing) return;
    c.inbox.push({ data, isBinary });
    if (c.inbox.length > INBOX_MAX) {
      this.disconnect(c, 1008, `too many requests at once (more than ${INBOX_MAX} waiting)`, 'flood');
      return;
    }
    if (c.inbox.length >= INBOX_PAUSE_AT && !c.paused) {
      c.paused = true;
      c.ws.pause();
    }
    this.waiting.add(c);
    if (!this.requestsScheduled) {
      this.requestsScheduled = true;
      setImmediate(this.handleRequests);
    }
  }

  /** One turn's share of the waiting requests: a few per connection, round robin, within the turn's budget. */
  private readonly handleRequests = (): void => {
    this.requestsScheduled = false;
    const start = performance.now();
    for (const c of [...this.waiting]) {
      this.waiting.delete(c);
      for (let k = 0; k < REQUESTS_PER_CONNECTION_PER_TURN && c.inbox.length > 0 && !c.closing; k++) {
        const { data, isBinary } = c.inbox.shift()!;
        this.onMessage(c, data, isBinary);
      }
      if (c.closing) continue;
      if (c.inbox.length > 0) this.waiting.add(c); // to the back of the round
      else if (c.paused) { c.paused = false; c.ws.resume(); }
      if (performance.now() - start >= REQUEST_BUDGET_PER_TURN_MS) break;
    }
    if (this.waiting.size > 0) {
      this.requestsScheduled = true;
      setImmediate(this.handleRequests);
    }
  };

  private onMessage(c: Client, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    c.lastHeardMs = Date.now();
    if (c.closing) return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > this.limits.messageBytesMax) {
      this.error(c, 'frame_too_large', `message of ${buf.length} bytes is over the limit of ${this.limits.messageBytesMax} bytes`, null);
      return;
    }
    let req: unknown;
    try {
      req = JSON.parse(buf.toString('utf8'));
    } catch (err) {
      this.error(c, 'bad_json', `malformed JSON${isBinary ? ' (binary frame)' : ''}: ${(err as Error).message}`, null);
      return;
    }
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      this.error(c, 'bad_request', 'a request must be a JSON object with an "op"', null);
      return;
    }
    const r = req as Record<string, unknown>;
    const op = r['op'];
    if (op === 'ping') { this.flush(); this.send(c, `{"type":"pong"${r['id'] !== undefined ? `,"id":${JSON.stringify(r['id'])}` : ''}}`); return; }
    if (this.extension !== null && this.extension.handles(r)) { this.extension.receive(c.ws, r); return; }
    if (op !== 'subscribe' && op !== 'unsubscribe' && op !== 'snapshot') {
      this.error(c, 'unknown_op', `unknown op ${JSON.stringify(op ?? null)}: use subscribe, unsubscribe, snapshot or ping`, r);
      return;
    }
    const channel = r['channel'];
    if (typeof channel !== 'string' || !CHANNELS.has(channel)) {
      this.error(c, 'unknown_channel', `unknown channel ${JSON.stringify(channel ?? null)}: use book, trades, bbo or status`, r);
      return;
    }
    const symbol = r['symbol'];
    const f = typeof symbol === 'string' ? this.feed.get(symbol) : undefined;
    if (f === undefined) {
      this.error(c, 'unknown_symbol', `unknown symbol ${JSON.stringify(symbol ?? null)}`, r);
      return;
    }
    const key = channel + '\0' + f.symbol;
    if (op === 'unsubscribe') {
      if (!c.subs.has(key)) { this.error(c, 'not_subscribed', `not subscribed to ${channel} ${f.symbol}`, r); return; }
      this.removeSub(c, key);
      this.send(c, `{"type":"unsubscribed","channel":"${channel}","symbol":${JSON.stringify(f.symbol)}}`);
      return;
    }
    if (op === 'snapshot') {
      const sub = c.subs.get(key);
      if (channel !== 'book') { this.error(c, 'bad_request', 'snapshot is for the book channel', r); return; }
      if (sub === undefined || sub === true || !('group' in sub)) { this.error(c, 'not_subscribed', `not subscribed to book ${f.symbol}`, r); return; }
      this.flush();
      this.sendSnapshot(sub);
      return;
    }
    this.subscribe(c, channel as Channel, f, key, r);
  }

  private subscribe(c: Client, channel: Channel, f: SymbolFeed, key: string, r: Record<string, unknown>): void {
    let depth = this.limits.bookDepthDefault;
    if (channel === 'book' && r['depth'] !== undefined) {
      const d = r['depth'];
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > this.limits.bookDepthMax) {
        this.error(c, 'bad_depth', `depth must be an integer from 1 to ${this.limits.bookDepthMax}`, r);
        return;
      }
      depth = d;
    }
    if (c.subs.has(key)) this.removeSub(c, key);   // re-subscribing replaces (e.g. another depth)
    else if (c.subs.size >= this.limits.subscriptionsMax) {
      this.error(c, 'too_many_subscriptions', `at most ${this.limits.subscriptionsMax} subscriptions per connection`, r);
      return;
    }
    this.flush();   // views and recent trades current, so what follows the snapshot chains to it
    const symJson = JSON.stringify(f.symbol);
    switch (channel) {
      case 'book': {
        const g = this.groupOf(f, depth);
        const sub: BookSub = { client: c, group: g, lastSeq: f.mdSeq, resyncing: false };
        g.members.add(sub);
        c.subs.set(key, sub);
        this.send(c, `{"type":"subscribed","channel":"book","symbol":${symJson},"depth":${depth}}`);
        this.sendSnapshot(sub);
        break;
      }
      case 'trades': {
        setOf(this.tradeSubs, f.symbol).add(c);
        c.subs.set(key, true);
        this.send(c, `{"type":"subscribed","channel":"trades","symbol":${symJson}}`);
        this.send(c, `{"channel":"trades","symbol":${symJson},"type":"snapshot","seq":${f.mdSeq},"trades":${JSON.stringify(f.recentTrades(this.limits.tradesSnapshotMax).map(tradeWire))}}`);
        break;
      }
      case 'bbo': {
        const sub: BboSub = { client: c, stale: false };
        setOf(this.bboSubs, f.symbol).add(sub);
        c.subs.set(key, sub);
        this.send(c, `{"type":"subscribed","channel":"bbo","symbol":${symJson}}`);
        const bbo = bboOf(f);
        this.bboLast.set(f.symbol, bbo); // the next change is compared with what this subscriber was sent
        this.send(c, bboText(f, bbo));
        break;
      }
      case 'status': {
        setOf(this.statusSubs, f.symbol).add(c);
        c.subs.set(key, true);
        this.send(c, `{"type":"subscribed","channel":"status","symbol":${symJson}}`);
        this.send(c, statusText(f));
        break;
      }
    }
    this.metrics.subscribed();
  }

  private removeSub(c: Client, key: string): void {
    const sub = c.subs.get(key);
    if (sub === undefined) return;
    c.subs.delete(key);
    const sep = key.indexOf('\0');
    const channel = key.slice(0, sep);
    const symbol = key.slice(sep + 1);
    if (channel === 'book' && sub !== true && 'group' in sub) {
      const g = sub.group;
      g.members.delete(sub);
      if (g.members.size === 0) {
        const byDepth = this.groups.get(symbol);
        byDepth?.delete(g.depth);
        if (byDepth?.size === 0) this.groups.delete(symbol);
      }
    } else if (channel === 'bbo' && sub !== true) {
      this.bboSubs.get(symbol)?.delete(sub as BboSub);
    } else if (channel === 'trades') {
      this.tradeSubs.get(symbol)?.delete(c);
    } else if (channel === 'status') {
      this.statusSubs.get(symbol)?.delete(c);
    }
  }

  /** The group for (symbol, depth); a new group's view is taken from the feed (which must be flushed). */
  private groupOf(f: SymbolFeed, depth: number): BookGroup {
    let byDepth = this.groups.get(f.symbol);
    if (byDepth === undefined) { byDepth = new Map(); this.groups.set(f.symbol, byDepth); }
    let g = byDepth.get(depth);
    if (g === undefined) {
      const bids = f.bids.top(depth);
      const asks = f.asks.top(depth);
      g = { symbol: f.symbol, depth, bids, asks, checksum: bookChecksum(bids, asks), members: new Set() };
      byDepth.set(depth, g);
    }
    return g;
  }

  /** A snapshot of the member's view at the feed's current seq (call after flush()). */
  private sendSnapshot(sub: BookSub): void {
    const g = sub.group;
    const f = this.feed.get(g.symbol)!;
    const text = `{"channel":"book","symbol":${JSON.stringify(g.symbol)},"type":"snapshot","seq":${f.mdSeq},"depth":${g.depth},"bids":${JSON.stringify(g.bids)},"asks":${JSON.stringify(g.asks)},"checksum":${g.checksum}}`;
    if (this.send(sub.client, text)) {
      sub.lastSeq = f.mdSeq;
      sub.resyncing = false;
      this.metrics.sent('book', 1);
    }
  }

  private error(c: Client, code: ErrorCode, message: string, r: Record<string, unknown> | null): void {
    this.metrics.clientError(code);
    let echo = '';
    if (r !== null) {
      for (const k of ['op', 'channel', 'symbol'] as const) {
        const v = r[k];
        if (typeof v === 'string' && v.length <= 64) echo += `,"${k}":${JSON.stringify(v)}`;
      }
    }
    this.send(c, `{"type":"error","code":"${code}","message":${JSON.stringify(message)}${echo}}`);
  }
}

/** True when a change at `bestKey` can alter a view of `depth` levels (view not full, or change within it). */
function reaches(view: readonly WireLevel[], depth: number, bestKey: number, isBid: boolean): boolean {
  if (view.length < depth) return true;
  const worst = priceKey(view[view.length - 1]![0]);
  return isBid ? bestKey >= worst : bestKey <= worst;
}

/** The socket under a `ws` WebSocket (its `_socket`, not part of the typed API), to cork a burst of sends. */
function socketOf(ws: WebSocket): { cork(): void; uncork(): void } | undefined {
  const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  return typeof socket?.cork === 'function' ? socket : undefined;
}

/** Bytes waiting for a client: in its outbox and in its socket. */
function queuedBytes(c: Client): number {
  return c.outbox.length === 0 ? c.ws.bufferedAmount : c.ws.bufferedAmount + c.outboxBytes;
}

function setOf<T>(m: Map<string, Set<T>>, key: string): Set<T> {
  let s = m.get(key);
  if (s === undefined) { s = new Set(); m.set(key, s); }
  return s;
}

function tradeWire(t: TradeRecord): { tradeId: string; price: string; qty: string; side: string; timeMs: number; seq: number } {
  return { tradeId: t.tradeId, price: t.price, qty: t.qty, side: t.side, timeMs: t.timeMs, seq: t.seq };
}

function bboOf(f: SymbolFeed): Bbo {
  return { bid: f.bids.top(1)[0] ?? null, ask: f.asks.top(1)[0] ?? null };
}

function sameLevel(a: WireLevel | null, b: WireLevel | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

function bboText(f: SymbolFeed, bbo: Bbo): string {
  return `{"channel":"bbo","symbol":${JSON.stringify(f.symbol)},"seq":${f.mdSeq},"bid":${JSON.stringify(bbo.bid)},"ask":${JSON.stringify(bbo.ask)}}`;
}

function statusText(f: SymbolFeed): string {
  return `{"channel":"status","symbol":${JSON.stringify(f.symbol)},"seq":${f.mdSeq},"status":"${f.status}","lastPrice":${JSON.stringify(f.lastPrice)}}`;
}
