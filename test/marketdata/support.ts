// Test support for the market-data tap: a real in-memory engine + sequencer behind a real HTTP/WebSocket server on
// loopback, and a WebSocket client that rebuilds books from the protocol and checks every rule it states.
import WebSocket from 'ws';
import { Engine, loadEngineConfig, MemoryCommandLog, Sequencer, type NewOrderCommand } from '../../src/engine/index.js';
import { testEngineConfigPath } from '../support/test-engine-config.js';
import { bookChecksum, type WireLevel } from '../../src/marketdata/index.js';
import { startHttpServer, type HttpServerOptions } from '../../src/http/server.js';
import type { Registry } from 'prom-client';

export const ENGINE_CONFIG = testEngineConfigPath();

export interface Tap {
  sequencer: Sequencer;
  engine: Engine;
  http: Awaited<ReturnType<typeof startHttpServer>>;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startTap(opts: Partial<Omit<HttpServerOptions, 'engine' | 'sequencer'>> & { registry?: Registry } = {}): Promise<Tap> {
  const engine = new Engine(loadEngineConfig(ENGINE_CONFIG));
  const sequencer = new Sequencer(engine, { log: new MemoryCommandLog() });
  const http = await startHttpServer({ port: 0, engine, sequencer, ...opts });
  return {
    sequencer, engine, http, wsUrl: `ws://127.0.0.1:${http.port}/ws`,
    async close() { await http.close(); await sequencer.close(); },
  };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, body: text.length > 0 && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

let orderN = 0;
/** A limit order from session C1 (or the given session). */
export function limit(symbol: string, side: 'Buy' | 'Sell', price: string, qty: string, session = 'FIX.4.4:FIXGW->C1'): NewOrderCommand {
  return { type: 'NewOrder', session, clOrdId: `T${++orderN}`, symbol, side, ordType: 'Limit', price, orderQty: qty };
}

/** A book rebuilt from snapshot + deltas, as a client keeps it. */
export class ClientBook {
  seq = -1;
  depth = Number.MAX_SAFE_INTEGER;
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  load(bids: WireLevel[], asks: WireLevel[], seq: number): void {
    this.bids.clear(); this.asks.clear();
    for (const [p, q] of bids) this.bids.set(p, q);
    for (const [p, q] of asks) this.asks.set(p, q);
    this.seq = seq;
  }
  apply(bids: WireLevel[], asks: WireLevel[], seq: number): void {
    for (const [p, q] of bids) { if (Number(q) === 0) this.bids.delete(p); else this.bids.set(p, q); }
    for (const [p, q] of asks) { if (Number(q) === 0) this.asks.delete(p); else this.asks.set(p, q); }
    this.seq = seq;
  }
  /** Best first, at most `depth` levels (test code: float sort of exact strings is fine for ordering). */
  top(depth = Number.MAX_SAFE_INTEGER): { bids: WireLevel[]; asks: WireLevel[] } {
    const bids = [...this.bids.entries()].sort((a, b) => Number(b[0]) - Number(a[0])).slice(0, depth);
    const asks = [...this.asks.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).slice(0, depth);
    return { bids, asks };
  }
}

/** A WebSocket client that records messages and keeps books, asserting seq chaining and checksums as it goes. */
export class FeedClient {
  readonly ws: WebSocket;
  readonly messages: any[] = [];
  readonly books = new Map<string, ClientBook>();
  /** Rule violations seen (a test asserts this stays empty). */
  readonly violations: string[] = [];
  /** Gaps detected by prevSeq !== last seq (when `expectGaps`, they trigger a snapshot request instead). */
  gaps = 0;
  resyncs = 0;
  deltas = 0;
  closeCode: number | null = null;
  closeReason = '';
  /** Drop (do not apply) the next N book deltas: simulates lost messages to exercise gap detection. */
  dropNextDeltas = 0;
  recoverGaps = false;
  private waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private pingN = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string, wsOptions: WebSocket.ClientOptions = {}, private readonly keep = true) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...wsOptions });
    this.opened = new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject); });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => { this.closeCode = code; this.closeReason = reason.toString(); resolve(); }));
    this.ws.on('error', () => { /* surfaced via close */ });
    this.ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())));
  }

  static async open(url: string, wsOptions: WebSocket.ClientOptions = {}, keep = true): Promise<FeedClient> {
    const c = new FeedClient(url, wsOptions, keep);
    await c.opened;
    return c;
  }

  send(obj: unknown): void { this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); }

  /** Waits for the first message (already received or future) matching pred. */
  next(pred: (m: any) => boolean, timeoutMs = 5000, fromIndex = 0): Promise<any> {
    for (let i = fromIndex; i < this.messages.length; i++) if (pred(this.messages[i])) return Promise.resolve(this.messages[i]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a message; last: ${JSON.stringify(this.messages.slice(-3))}`));
      }, timeoutMs);
      this.waiters.push({ pred, resolve, reject, timer });
    });
  }

  /** Round trip through the server: everything the server published before it answered has arrived. */
  async sync(timeoutMs = 10_000): Promise<void> {
    const id = ++this.pingN;
    this.send({ op: 'ping', id });
    await this.next((m) => m.type === 'pong' && m.id === id, timeoutMs, Math.max(0, this.messages.length - 1));
  }

  async subscribe(channel: string, symbol: string, extra: Record<string, unknown> = {}): Promise<any> {
    const from = this.messages.length;
    const ack = this.next((m) => (m.type === 'subscribed' || m.type === 'error') && m.channel === channel && m.symbol === symbol, 5000, from);
    const first = this.next((m) => m.channel === channel && m.symbol === symbol && m.type !== 'subscribed', 5000, from);
    this.send({ op: 'subscribe', channel, symbol, ...extra });
    const a = await ack;
    if (a.type === 'error') throw new Error(`subscribe failed: ${a.message}`);
    return first;
  }

  close(): void { this.ws.close(); }

  private onMessage(m: any): void {
    if (this.keep) this.messages.push(m);
    if (m.channel === 'book') this.onBook(m);
    if (this.waiters.length > 0) {
      const still = [];
      for (const w of this.waiters) {
        if (w.pred(m)) { clearTimeout(w.timer); w.resolve(m); } else still.push(w);
      }
      this.waiters = still;
    }
  }

  private onBook(m: any): void {
    let book = this.books.get(m.symbol);
    if (book === undefined) { book = new ClientBook(); this.books.set(m.symbol, book); }
    if (m.type === 'snapshot') {
      book.load(m.bids, m.asks, m.seq);
      book.depth = m.depth;
      if (bookChecksum(m.bids, m.asks) !== m.checksum) this.violations.push(`snapshot checksum mismatch at seq ${m.seq}`);
      return;
    }
    if (m.type === 'resync') { this.resyncs++; book.seq = -1; return; }
    if (m.type !== 'delta') return;
    if (book.seq === -1) { this.violations.push(`delta ${m.seq} while waiting for a snapshot`); return; }
    if (this.dropNextDeltas > 0) { this.dropNextDeltas--; return; }
    if (m.prevSeq !== book.seq) {
      this.gaps++;
      if (this.recoverGaps) { book.seq = -2; this.send({ op: 'snapshot', channel: 'book', symbol: m.symbol }); }
      else this.violations.push(`delta ${m.seq} has prevSeq ${m.prevSeq} but the book is at ${book.seq}`);
      return;
    }
    if (!(m.seq > m.prevSeq)) this.violations.push(`delta seq ${m.seq} not after prevSeq ${m.prevSeq}`);
    book.apply(m.bids, m.asks, m.seq);
    this.deltas++;
    if (book.bids.size > book.depth || book.asks.size > book.depth) this.violations.push(`book deeper than ${book.depth} after delta ${m.seq}`);
    const view = book.top(book.depth);
    if (bookChecksum(view.bids, view.asks) !== m.checksum) this.violations.push(`checksum mismatch after delta ${m.seq}`);
  }
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }
