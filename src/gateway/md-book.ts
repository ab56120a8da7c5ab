// One instrument's book as FIX market-data subscribers see it: price levels (price, size, number of orders) kept from
// the engine's 'md' events at the engine's per-symbol md sequence, the last trade, and what changed since the changes
// were last taken (each changed level with the level it replaced, so new / change / delete can be told apart).
// Loaded from engine.bookSnapshot() when the first subscriber of the symbol arrives, dropped with the last one.
import BTreeModule from 'sorted-btree';
import type { BookSnapshot, MarketDataEvent } from '../engine/index.js';
import { priceKey } from '../marketdata/book.js';

export interface MdLevel { readonly price: string; readonly qty: string; readonly count: number }
export interface MdTrade { readonly tradeId: string; readonly price: string; readonly qty: string; readonly timeMs: number }

type Tree = {
  get(key: number): MdLevel | undefined;
  set(key: number, value: MdLevel): boolean;
  delete(key: number): boolean;
  readonly size: number;
  entries(): IterableIterator<[number, MdLevel]>;
};
type TreeCtor = new (entries: undefined, compare: (a: number, b: number) => number) => Tree;
const BTree = ((BTreeModule as unknown as { default?: TreeCtor }).default ?? BTreeModule) as unknown as TreeCtor;

/** One side of the book, best first. */
export class MdSide {
  readonly #levels: Tree;
  /** Changed levels since the last take: price key → the level before the first change (undefined: there was none). */
  readonly changed = new Map<number, MdLevel | undefined>();

  constructor(readonly isBid: boolean) {
    this.#levels = new BTree(undefined, isBid ? (a, b) => b - a : (a, b) => a - b);
  }

  get size(): number { return this.#levels.size; }

  level(key: number): MdLevel | undefined { return this.#levels.get(key); }

  /** Sets a level; count 0 removes it. */
  set(price: string, qty: string, count: number, key = priceKey(price)): void {
    if (!this.changed.has(key)) this.changed.set(key, this.#levels.get(key));
    if (count === 0) this.#levels.delete(key);
    else this.#levels.set(key, { price, qty, count });
  }

  /** The best `depth` levels (all when depth is 0), best first, with their keys. */
  top(depth: number): Array<[number, MdLevel]> {
    const rows: Array<[number, MdLevel]> = [];
    for (const entry of this.#levels.entries()) {
      if (depth > 0 && rows.length >= depth) break;
      rows.push(entry);
    }
    return rows;
  }

  /** True when a level at `key` is at least as good as one at `than`. */
  atLeastAsGood(key: number, than: number): boolean {
    return this.isBid ? key >= than : key <= than;
  }
}

export class MdBook {
  readonly bids = new MdSide(true);
  readonly asks = new MdSide(false);
  mdSeq: number;
  lastTrade: MdTrade | null = null;
  /** Trades since the last take, oldest first. */
  trades: MdTrade[] = [];
  /** Something changed since the last take. */
  dirty = false;

  constructor(readonly symbol: string, snap: BookSnapshot) {
    for (const [price, qty, count] of snap.bids) this.bids.set(price, qty, count);
    for (const [price, qty, count] of snap.asks) this.asks.set(price, qty, count);
    this.mdSeq = snap.mdSeq;
    if (snap.lastPrice !== null) this.lastTrade = { tradeId: '', price: snap.lastPrice, qty: '', timeMs: 0 };
    this.takeChanges();
  }

  /** Applies the symbol's next md event; false when it is not the next one (the caller reloads the book). */
  apply(ev: MarketDataEvent): boolean {
    if (ev.mdSeq !== this.mdSeq + 1) return false;
    this.mdSeq = ev.mdSeq;
    const levels = ev.levels;
    for (let i = 0; i < levels.length; i++) {
      const lv = levels[i]!;
      (lv.side === 'Buy' ? this.bids : this.asks).set(lv.price, lv.qty, lv.count); // event fields are formatted when read: once each
    }
    const trades = ev.trades;
    for (let i = 0; i < trades.length; i++) {
      const t = trades[i]!;
      const trade = { tradeId: t.tradeId, price: t.price, qty: t.qty, timeMs: ev.timeMs };
      this.trades.push(trade);
      this.lastTrade = trade;
    }
    this.dirty = true;
    return true;
  }

  /** Forgets the changes (they were turned into messages). */
  takeChanges(): void {
    this.bids.changed.clear();
    this.asks.changed.clear();
    this.trades = [];
    this.dirty = false;
  }
}
