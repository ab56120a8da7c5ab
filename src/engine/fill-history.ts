// The most recent executions (one per side of each trade), for reads of an order's or an account's fills. A ring of
// at most limits.fillHistoryMax entries kept as columns of numbers, grown by doubling up to the bound, so recording
// a fill allocates nothing in a steady state. Fill number n (counted from 0, never reused) lives in slot n % capacity
// once the ring is full; each entry links to the order's previous fill by number, and a link is valid only while
// that number is still held, so an order's fills are found without a scan.
import type { Instrument } from './config.js';
import type { AccountState } from './risk.js';

/** The columns of one entry, as exported in engine state (a plain row). */
export type FillRow = [
  seq: number, timeMs: number, execN: number, tradeId: number, orderSeq: number, clOrdId: string, account: string,
  symbol: string, sell: boolean, removed: boolean, priceTicks: number, lots: number, feeUnits: number,
];

const INITIAL_CAPACITY = 256;

export class FillHistory {
  /** Fills ever recorded: the next fill's number. */
  next = 0;
  private capacity = 0;
  private seq = new Float64Array(0);
  private timeMs = new Float64Array(0);
  private execN = new Int32Array(0);
  private tradeId = new Float64Array(0);
  private orderSeq = new Float64Array(0);
  private priceTicks = new Float64Array(0);
  private lots = new Float64Array(0);
  private feeUnits = new Float64Array(0);
  /** Number of the same order's previous fill, or -1. */
  private prevOfOrder = new Float64Array(0);
  /** Bit 0: sell; bit 1: removed liquidity (the aggressor). */
  private flags = new Uint8Array(0);
  private clOrdIds: string[] = [];
  private accounts: AccountState[] = [];
  private insts: Instrument[] = [];

  constructor(readonly max: number) {}

  /** Records one execution; returns its number (-1 when the history is off). */
  record(seq: number, timeMs: number, execN: number, tradeId: number, orderSeq: number, prevOfOrder: number, clOrdId: string,
    account: AccountState, inst: Instrument, sell: boolean, removed: boolean, priceTicks: number, lots: number, feeUnits: number): number {
    if (this.max === 0) return -1;
    const n = this.next++;
    if (n >= this.capacity && this.capacity < this.max) this.grow();
    const s = n % this.capacity;
    this.seq[s] = seq;
    this.timeMs[s] = timeMs;
    this.execN[s] = execN;
    this.tradeId[s] = tradeId;
    this.orderSeq[s] = orderSeq;
    this.prevOfOrder[s] = prevOfOrder;
    this.priceTicks[s] = priceTicks;
    this.lots[s] = lots;
    this.feeUnits[s] = feeUnits;
    this.flags[s] = (sell ? 1 : 0) | (removed ? 2 : 0);
    this.clOrdIds[s] = clOrdId;
    this.accounts[s] = account;
    this.insts[s] = inst;
    return n;
  }

  /** True while fill number n is still held. */
  holds(n: number): boolean {
    return n >= 0 && n < this.next && n >= this.next - this.capacity;
  }

  /** The fills of one order, newest first, following the links from its last fill. */
  ofOrder(lastFill: number): FillRow[] {
    const rows: FillRow[] = [];
    for (let n = lastFill; this.holds(n); n = this.prevOfOrder[n % this.capacity]!) rows.push(this.row(n));
    return rows;
  }

  /** Up to `max` fills of an account, newest first (a scan of the ring). */
  ofAccount(account: string, max: number): FillRow[] {
    const rows: FillRow[] = [];
    for (let n = this.next - 1; this.holds(n) && rows.length < max; n--) {
      if (this.accounts[n % this.capacity]!.name === account) rows.push(this.row(n));
    }
    return rows;
  }

  /** Up to `max` fills with sinceMs <= timeMs <= untilMs whose account `accepts`, newest first: the scan stops at the
   *  first fill older than sinceMs (times never go back), and turns only the fills it keeps into rows. */
  between(sinceMs: number, untilMs: number, max: number, accepts: (account: string) => boolean): FillRow[] {
    const rows: FillRow[] = [];
    for (let n = this.next - 1; this.holds(n) && rows.length < max; n--) {
      const s = n % this.capacity;
      const t = this.timeMs[s]!;
      if (t < sinceMs) break;
      if (t <= untilMs && accepts(this.accounts[s]!.name)) rows.push(this.row(n));
    }
    return rows;
  }

  /** The time of the oldest fill still held once older ones were forgotten; null while none was. */
  forgottenBeforeMs(): number | null {
    if (this.next <= this.capacity) return null;
    return this.timeMs[(this.next - this.capacity) % this.capacity]!;
  }

  /** Every held fill, oldest first (engine state). */
  rows(): FillRow[] {
    const rows: FillRow[] = [];
    for (let n = Math.max(0, this.next - this.capacity); n < this.next; n++) rows.push(this.row(n));
    return rows;
  }

  row(n: number): FillRow {
    const s = n % this.capacity;
    const f = this.flags[s]!;
    return [this.seq[s]!, this.timeMs[s]!, this.execN[s]!, this.tradeId[s]!, this.orderSeq[s]!, this.clOrdIds[s]!,
      this.accounts[s]!.name, this.insts[s]!.symbol, (f & 1) !== 0, (f & 2) !== 0, this.priceTicks[s]!, this.lots[s]!, this.feeUnits[s]!];
  }

  /**
   * Refills an empty history from exported rows (oldest first) whose last fill had number `next` − 1; links each
   * fill to its order's previous one and tells `onOrderFill` each order's fills in order (to set Order.lastFill).
   */
  restore(next: number, rows: readonly FillRow[], accountOf: (name: string) => AccountState, instOf: (symbol: string) => Instrument,
    onOrderFill: (orderSeq: number, n: number) => void): void {
    if (this.next !== 0 || rows.length > next) throw new Error('engine state: fill history does not fit');
    while (this.capacity < Math.min(next, this.max)) this.grow(); // as large as it had grown: same slots
    this.next = next - Math.min(rows.length, this.max);
    const last = new Map<number, number>();
    for (const r of rows.slice(rows.length - Math.min(rows.length, this.max))) {
      const n = this.record(r[0], r[1], r[2], r[3], r[4], last.get(r[4]) ?? -1, r[5], accountOf(r[6]), instOf(r[7]), r[8], r[9], r[10], r[11], r[12]);
      last.set(r[4], n);
      onOrderFill(r[4], n);
    }
    this.next = next;
  }

  private grow(): void {
    const capacity = Math.min(this.max, Math.max(INITIAL_CAPACITY, this.capacity * 2));
    // the ring only grows before it wraps (n < capacity), so slots keep their places
    const f64 = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => { const b = new Float64Array(capacity); b.set(a); return b; };
    this.seq = f64(this.seq);
    this.timeMs = f64(this.timeMs);
    this.tradeId = f64(this.tradeId);
    this.orderSeq = f64(this.orderSeq);
    this.priceTicks = f64(this.priceTicks);
    this.lots = f64(this.lots);
    this.feeUnits = f64(this.feeUnits);
    this.prevOfOrder = f64(this.prevOfOrder);
    const execN = new Int32Array(capacity); execN.set(this.execN); this.execN = execN;
    const flags = new Uint8Array(capacity); flags.set(this.flags); this.flags = flags;
    this.capacity = capacity;
  }
}
