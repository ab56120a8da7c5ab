// Who receives market data over FIX: per session its subscriptions (one per MDReqID and symbol), and per subscription
// what is held back while the session's peer reads slowly. Held-back changes are conflated per price level (the
// latest size of each level, new / change / delete against what the subscriber last saw) and trades are kept in
// order, both bounded; past the bound they are dropped and the subscriber gets a fresh snapshot (W) instead once its
// peer catches up. docs/fix-market-data.md, "A slow reader".
import { MDUpdateAction } from '../fix/names.js';
import type { Session } from '../session/session.js';
import type { MarketDataSettings } from './config.js';
import type { MdLevel, MdTrade } from './md-book.js';
import { levelEntry, tradeEntry, type MdEntry } from './md-messages.js';
import { ENTRY_BID, ENTRY_OFFER, ENTRY_TRADE } from './md-request.js';

/** Price levels held back per subscription before the changes give way to a fresh snapshot. */
export const CONFLATED_LEVELS_MAX = 2000;
/** Trades held back per subscription before the same happens. */
export const CONFLATED_TRADES_MAX = 200;

/** A session taking market data. */
export class MdSession {
  /** Its subscriptions by MDReqID, one MdSub per symbol. */
  readonly byReqId = new Map<string, MdSub[]>();
  /** Symbol subscriptions over all its requests (bounded by settings.subscriptionsMax). */
  count = 0;
  constructor(readonly session: Session, readonly settings: MarketDataSettings) {}

  /** The peer has more waiting for it than the market data may add to. */
  get backedUp(): boolean {
    return this.session.outboundBufferedBytes > this.settings.queueBytes;
  }
}

/** A level held back: its latest state, and whether the subscriber's view had it when it last heard. */
interface HeldLevel { level: MdLevel; deleted: boolean; seen: boolean }

/** One symbol of one MarketDataRequest. */
export class MdSub {
  /** Changes held back while the peer reads slowly (null: none). */
  #bids: Map<string, HeldLevel> | null = null;
  #asks: Map<string, HeldLevel> | null = null;
  #trades: MdTrade[] = [];
  #held = 0;
  /** The held-back changes outgrew their bound (or a full refresh is due): a fresh W goes out when the peer catches up. */
  snapshotDue = false;

  constructor(readonly owner: MdSession, readonly mdReqId: string, readonly symbol: string, readonly depth: number,
    readonly types: number, readonly incremental: boolean) {}

  get holding(): boolean { return this.#bids !== null || this.snapshotDue; }

  /** Holds entries back, conflated onto what is held; false when they outgrew the bound (snapshotDue from now). */
  hold(entries: readonly MdEntry[]): boolean {
    if (this.snapshotDue) return false;
    this.#bids ??= new Map();
    this.#asks ??= new Map();
    for (const e of entries) {
      if ((e.type & this.types) === 0) continue;
      if (e.type === ENTRY_TRADE) this.#trades.push(e.trade!);
      else this.#holdLevel(e.type === ENTRY_BID ? this.#bids : this.#asks, e);
    }
    if (this.#held <= CONFLATED_LEVELS_MAX && this.#trades.length <= CONFLATED_TRADES_MAX) return true;
    this.drop();
    this.snapshotDue = true;
    return false;
  }

  #holdLevel(held: Map<string, HeldLevel>, e: MdEntry): void {
    const deleted = e.action === MDUpdateAction.Delete;
    const h = held.get(e.price);
    if (h !== undefined) {
      h.level = { price: e.price, qty: e.qty, count: e.count };
      h.deleted = deleted;
      return;
    }
    held.set(e.price, { level: { price: e.price, qty: e.qty, count: e.count }, deleted, seen: e.action !== MDUpdateAction.New });
    this.#held++;
  }

  /** What was held back, as the entries of one incremental refresh (and forgets it). */
  release(): MdEntry[] {
    const out: MdEntry[] = [];
    heldEntries(this.#bids, ENTRY_BID, out);
    heldEntries(this.#asks, ENTRY_OFFER, out);
    for (const t of this.#trades) out.push(tradeEntry(t));
    this.drop();
    return out;
  }

  drop(): void {
    this.#bids = null;
    this.#asks = null;
    this.#trades = [];
    this.#held = 0;
  }
}

function heldEntries(held: Map<string, HeldLevel> | null, type: number, out: MdEntry[]): void {
  if (held === null) return;
  for (const h of held.values()) {
    if (h.deleted) {
      if (h.seen) out.push(levelEntry(MDUpdateAction.Delete, type, h.level));
    } else {
      out.push(levelEntry(h.seen ? MDUpdateAction.Change : MDUpdateAction.New, type, h.level));
    }
  }
}
