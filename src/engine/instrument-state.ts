// Per-instrument engine state: book, trading status, last price, stop orders, circuit-breaker window,
// and the market-data changes collected while one command runs.
import type { Instrument } from './config.js';
import { OrderBook } from './order-book.js';
import { orderIdOf, type Order } from './order.js';
import type { TradingStatus } from './types.js';
import type { TradeReport } from './reports.js';

/** Price levels (ticks) changed by the current command, in first-change order, each once. */
export class DirtyPrices {
  /** The first `size` entries are the dirty prices; the array is reused, never shrunk (no allocation per command). */
  readonly list: number[] = [];
  size = 0;
  /** Membership once the list is long (a sweep, a mass cancel); short lists are searched. */
  private readonly seen = new Set<number>();

  add(priceTicks: number): void {
    const list = this.list;
    const n = this.size;
    if (n < DIRTY_SEARCH_MAX) {
      for (let i = 0; i < n; i++) if (list[i] === priceTicks) return;
    } else {
      if (n === DIRTY_SEARCH_MAX && this.seen.size === 0) for (let i = 0; i < n; i++) this.seen.add(list[i]!);
      if (this.seen.has(priceTicks)) return;
      this.seen.add(priceTicks);
    }
    if (n < list.length) list[n] = priceTicks; else list.push(priceTicks);
    this.size = n + 1;
  }

  clear(): void {
    this.size = 0;
    if (this.seen.size > 0) this.seen.clear();
  }
}

/** Longest dirty list searched linearly. */
const DIRTY_SEARCH_MAX = 16;

/** Most trades remembered in the circuit-breaker window; the oldest fall out first. */
const CB_WINDOW_TRADES_MAX = 100_000;

export class InstrumentState {
  readonly book = new OrderBook();
  status: TradingStatus;
  /** Why the instrument is halted (the operator's text, or the circuit breaker's); null when open. */
  haltText: string | null = null;
  lastPriceTicks = 0;
  mdSeq = 0;
  /** Buy stops: ascending stop price, FIFO within a price. Triggered when last ≥ stop. */
  readonly buyStops: Order[] = [];
  /** Sell stops: descending stop price, FIFO within a price. Triggered when last ≤ stop. */
  readonly sellStops: Order[] = [];
  /** Circuit-breaker window as monotonic deques of [timeMs, priceTicks] (min-deque ascending prices, max-deque descending). */
  cbMin: Array<[number, number]> = [];
  cbMax: Array<[number, number]> = [];
  /** Highest and lowest trade price of the command being applied (electSeq); scratch, not part of the state. */
  electSeq = -1;
  electHighTicks = 0;
  electLowTicks = 0;

  // changes collected during the current command
  touchedSeq = -1;
  readonly dirtyBids = new DirtyPrices();
  readonly dirtyAsks = new DirtyPrices();
  mdTrades: TradeReport[] = [];
  statusChanged = false;

  constructor(readonly inst: Instrument) {
    this.status = inst.initialStatus;
  }

  /** True when a trade at `priceTicks` now would move the price more than the breaker allows within the window. */
  wouldBreak(priceTicks: number, timeMs: number): boolean {
    const bps = this.inst.circuitBreakerBps;
    if (bps === 0) return false;
    this.expireWindow(timeMs);
    if (this.cbMin.length === 0) return false;
    const min = this.cbMin[0]![1];
    const max = this.cbMax[0]![1];
    return (priceTicks - min) * 10_000 > min * bps || (max - priceTicks) * 10_000 > max * bps;
  }

  /** Records a trade of command `seq`: last price, the command's price range (stop election), the breaker window. */
  recordTrade(priceTicks: number, timeMs: number, seq: number): void {
    this.lastPriceTicks = priceTicks;
    if (this.electSeq !== seq) {
      this.electSeq = seq;
      this.electHighTicks = priceTicks;
      this.electLowTicks = priceTicks;
    } else if (priceTicks > this.electHighTicks) this.electHighTicks = priceTicks;
    else if (priceTicks < this.electLowTicks) this.electLowTicks = priceTicks;
    if (this.inst.circuitBreakerBps === 0) return;
    const entry: [number, number] = [timeMs, priceTicks];
    while (this.cbMin.length > 0 && this.cbMin[this.cbMin.length - 1]![1] >= priceTicks) this.cbMin.pop();
    this.cbMin.push(entry);
    while (this.cbMax.length > 0 && this.cbMax[this.cbMax.length - 1]![1] <= priceTicks) this.cbMax.pop();
    this.cbMax.push(entry);
    if (this.cbMin.length > CB_WINDOW_TRADES_MAX) this.cbMin.shift();
    if (this.cbMax.length > CB_WINDOW_TRADES_MAX) this.cbMax.shift();
  }

  /** Forgets the breaker window (on Resume). */
  resetWindow(): void {
    this.cbMin = [];
    this.cbMax = [];
  }

  private expireWindow(timeMs: number): void {
    const from = timeMs - this.inst.circuitBreakerWindowMs;
    while (this.cbMin.length > 0 && this.cbMin[0]![0] < from) this.cbMin.shift();
    while (this.cbMax.length > 0 && this.cbMax[0]![0] < from) this.cbMax.shift();
  }

  /** Inserts a pending stop in trigger priority order (after equal stop prices: FIFO). */
  addStop(order: Order): void {
    const list = order.side === 'Buy' ? this.buyStops : this.sellStops;
    const asc = order.side === 'Buy';
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = list[mid]!.stopTicks;
      if (asc ? s <= order.stopTicks : s >= order.stopTicks) lo = mid + 1; else hi = mid;
    }
    list.splice(lo, 0, order);
  }

  removeStop(order: Order): void {
    const list = order.side === 'Buy' ? this.buyStops : this.sellStops;
    const i = list.indexOf(order);
    if (i < 0) throw new Error(`invariant: stop order ${orderIdOf(order)} not in stop list`);
    list.splice(i, 1);
  }

  /**
   * The next stop elected during command `seq`, removed from its list; buys before sells. A buy stop is elected by
   * any trade of the command at or above its stop price, a sell stop by any trade at or below (so a sweep through a
   * stop price elects it even if later trades of the same command moved away); without trades in the command, by the
   * last price (a stop entered beyond the last price, or held while the instrument was halted).
   */
  takeTriggeredStop(seq: number): Order | null {
    const last = this.lastPriceTicks;
    if (last === 0) return null;
    const high = this.electSeq === seq ? this.electHighTicks : last;
    const low = this.electSeq === seq ? this.electLowTicks : last;
    if (this.buyStops.length > 0 && this.buyStops[0]!.stopTicks <= high) return this.buyStops.shift()!;
    if (this.sellStops.length > 0 && this.sellStops[0]!.stopTicks >= low) return this.sellStops.shift()!;
    return null;
  }
}
