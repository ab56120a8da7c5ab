// Per-instrument market-data state derived from the engine's 'md' events: the level book, the md sequence
// number, trading status, last price and a bounded list of recent trades. Seeded once from the engine's reads
// (instruments(), bookSnapshot()), then kept only from events, so the tap never reaches into engine internals.
import type { Engine, MarketDataEvent, Side, TradingStatus } from '../engine/index.js';
import { BookSide, priceKey } from './book.js';
import type { TradeTape } from './trade-tape.js';

/** A trade as the tap publishes it. `side` is the aggressor's side. */
export interface TradeRecord { seq: number; tradeId: string; price: string; qty: string; side: Side; timeMs: number }

export interface SymbolChanges {
  /** Best (most aggressive) changed price key per side since the last take, or null when that side is untouched. */
  bestBidKey: number | null;
  bestAskKey: number | null;
  trades: TradeRecord[];
  statusChanged: boolean;
  /** The state was reloaded from the engine (an md sequence gap): every client must be resynced. */
  reloaded: boolean;
}

export class SymbolFeed {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  mdSeq = 0;
  status: TradingStatus = 'Open';
  lastPrice: string | null = null;
  lastTimeMs = 0;
  /** Recent trades, oldest first, at most tradesKeptMax. */
  private recent: TradeRecord[] = [];
  /** Changes not yet taken by the publisher. */
  private changes: SymbolChanges = emptyChanges();
  dirty = false;

  constructor(readonly symbol: string, readonly tickSize: string, readonly lotSize: string, private readonly tradesKeptMax: number) {}

  /** Replaces the state with the engine's current book (start-up, or recovery from a sequence gap). */
  load(engine: Engine): void {
    const snap = engine.bookSnapshot(this.symbol, Number.MAX_SAFE_INTEGER);
    if (snap === null) throw new Error(`engine has no instrument ${this.symbol}`);
    this.bids.clear();
    this.asks.clear();
    for (const [px, qty] of snap.bids) this.bids.set(px, qty);
    for (const [px, qty] of snap.asks) this.asks.set(px, qty);
    this.mdSeq = snap.mdSeq;
    this.status = snap.status;
    this.lastPrice = snap.lastPrice;
  }

  /** The trades before the first event this feed applies, oldest first (start-up only). */
  seedTrades(trades: readonly TradeRecord[]): void {
    this.recent = trades.slice(Math.max(0, trades.length - this.tradesKeptMax));
  }

  /** Applies one md event. Returns false when it did not follow the last one (caller reloads). */
  apply(ev: MarketDataEvent): boolean {
    if (ev.mdSeq !== this.mdSeq + 1) return false;
    this.mdSeq = ev.mdSeq;
    this.lastTimeMs = ev.timeMs;
    const ch = this.changes;
    for (const lv of ev.levels) {
      const price = lv.price; // engine events format decimal text when a field is read: read each once
      const key = priceKey(price);
      if (lv.side === 'Buy') {
        this.bids.set(price, lv.qty, key);
        if (ch.bestBidKey === null || key > ch.bestBidKey) ch.bestBidKey = key;
      } else {
        this.asks.set(price, lv.qty, key);
        if (ch.bestAskKey === null || key < ch.bestAskKey) ch.bestAskKey = key;
      }
    }
    for (const t of ev.trades) {
      const rec: TradeRecord = { seq: ev.mdSeq, tradeId: t.tradeId, price: t.price, qty: t.qty, side: t.aggressorSide, timeMs: ev.timeMs };
      this.recent.push(rec);
      ch.trades.push(rec);
      this.lastPrice = rec.price;
    }
    if (this.recent.length > this.tradesKeptMax * 2) this.recent = this.recent.slice(-this.tradesKeptMax);
    if (ev.status !== null && ev.status !== this.status) { this.status = ev.status; ch.statusChanged = true; }
    this.dirty = true;
    return true;
  }

  /** Marks everything changed after a reload. */
  markReloaded(): void {
    this.changes.reloaded = true;
    this.changes.statusChanged = true;
    this.dirty = true;
  }

  /** Trades waiting to be published (the publisher publishes early when this reaches its bound). */
  get pendingTradeCount(): number { return this.changes.trades.length; }

  /** Hands the accumulated changes to the publisher and starts a new set. */
  takeChanges(): SymbolChanges {
    const ch = this.changes;
    this.changes = emptyChanges();
    this.dirty = false;
    return ch;
  }

  /** The most recent `limit` trades, oldest first. */
  recentTrades(limit: number): TradeRecord[] {
    const n = Math.min(limit, this.tradesKeptMax, this.recent.length);
    return this.recent.slice(this.recent.length - n);
  }
}

function emptyChanges(): SymbolChanges {
  return { bestBidKey: null, bestAskKey: null, trades: [], statusChanged: false, reloaded: false };
}

/** All instruments' feeds, fed by the sequencer's events. */
export class MarketDataFeed {
  private readonly feeds = new Map<string, SymbolFeed>();
  /** Order of instruments as configured. */
  readonly symbols: string[] = [];
  gapsRecovered = 0;

  /** `tape`: the trades before this process started (rebuilt from the journal, see trade-tape.ts). */
  constructor(private readonly engine: Engine, tradesKeptMax: number, tape?: TradeTape) {
    for (const inst of engine.instruments()) {
      const f = new SymbolFeed(inst.symbol, inst.tickSize, inst.lotSize, tradesKeptMax);
      f.load(engine);
      if (tape !== undefined) f.seedTrades(tape.trades(inst.symbol));
      this.feeds.set(inst.symbol, f);
      this.symbols.push(inst.symbol);
    }
  }

  get(symbol: string): SymbolFeed | undefined { return this.feeds.get(symbol); }

  all(): IterableIterator<SymbolFeed> { return this.feeds.values(); }

  /** Applies an md event; returns the symbol's feed (null for an unknown symbol). */
  apply(ev: MarketDataEvent): SymbolFeed | null {
    const f = this.feeds.get(ev.symbol);
    if (f === undefined) return null;
    if (!f.apply(ev)) {
      // cannot happen while we see every event; if it does, the engine's own book is the truth
      f.load(this.engine);
      f.markReloaded();
      this.gapsRecovered++;
    }
    return f;
  }
}
