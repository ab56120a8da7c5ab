// An order inside the engine: integer ticks/lots, its place in the book (intrusive list links) and its lifecycle.
import type { Instrument } from './config.js';
import type { Level } from './order-book.js';
import type { AccountState } from './risk.js';
import type { OrdStatus, OrdType, Side, StpMode, TimeInForce } from './types.js';

export class Order {
  // book links (null when not resting)
  prev: Order | null = null;
  next: Order | null = null;
  level: Level | null = null;

  clOrdId: string;
  origClOrdId: string | null = null;
  /** Earlier ClOrdIDs of this order (replaces and cancels rename it), oldest first; null until the first rename. */
  priorClOrdIds: string[] | null = null;
  /** Limit price; for market orders the protection limit. */
  priceTicks = 0;
  stopTicks = 0;
  orderQtyLots = 0;
  cumLots = 0;
  leavesLots = 0;
  /** Shown on the book; equals leavesLots unless iceberg. */
  visibleLots = 0;
  /** Iceberg display size, 0 when not an iceberg. */
  displayLots = 0;
  minQtyLots = 0;
  /** Σ fill price ticks × fill lots, for avgPx. */
  cumNotional = 0;
  expireTimeMs = 0;
  postOnly = false;
  stpMode: StpMode = 'None';
  /** Price at which credit is reserved for the leaves quantity. */
  reservePriceTicks = 0;
  status: OrdStatus = 'New';
  /** True until Filled, Canceled or Expired. */
  live = true;
  /** Stop / stop-limit still waiting for its trigger. */
  pendingStop = false;
  /** For Stop orders: the ordType the order had when entered (shown in reports). */
  readonly ordType: OrdType;

  constructor(
    /** The id: the seq of the NewOrder command that created the order. */
    readonly seqNo: number,
    readonly session: string,
    readonly account: AccountState,
    readonly inst: Instrument,
    readonly side: Side,
    ordType: OrdType,
    readonly timeInForce: TimeInForce,
    clOrdId: string,
  ) {
    this.ordType = ordType;
    this.clOrdId = clOrdId;
  }

  get resting(): boolean { return this.level !== null; }

  /** The id as text: the seq of the NewOrder command that created the order. */
  get orderId(): string { return String(this.seqNo); }

  /** Every ClOrdID this order was known by, oldest first. */
  allClOrdIds(): string[] {
    return this.priorClOrdIds === null ? [this.clOrdId] : [...this.priorClOrdIds, this.clOrdId];
  }

  /** The order takes a new ClOrdID (cancel/replace): the current one becomes OrigClOrdID. */
  rename(clOrdId: string): void {
    this.priorClOrdIds = this.priorClOrdIds === null ? [this.clOrdId] : [...this.priorClOrdIds, this.clOrdId]; // exact size: orders rename rarely
    this.origClOrdId = this.clOrdId;
    this.clOrdId = clOrdId;
  }
}
