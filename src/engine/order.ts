// An order inside the engine: integer ticks/lots, its place in the book (intrusive list links) and its lifecycle.
//
// Orders are plain records made by one object literal in createOrder, not class instances: nearly every order
// outlives several young-generation collections (it rests, or is remembered as done for status and duplicate
// checks), and V8 pretenures objects from a literal's allocation site once it sees them survive, so orders are then
// allocated straight into the old generation instead of being copied twice by the scavenger (bench:engine: the
// garbage collector's share of the engine's time fell by about half).
import type { Instrument } from './config.js';
import type { Level } from './order-book.js';
import type { AccountState } from './risk.js';
import { hashOf } from './session-orders.js';
import type { OrdStatus, OrdType, Side, StpMode, TimeInForce } from './types.js';

export interface Order {
  // book links (null when not resting)
  prev: Order | null;
  next: Order | null;
  level: Level | null;

  /** The id: the seq of the NewOrder command that created the order (orderIdOf gives its text). */
  readonly seqNo: number;
  readonly session: string;
  readonly account: AccountState;
  readonly inst: Instrument;
  readonly side: Side;
  /** For Stop orders: the ordType the order had when entered (shown in reports). */
  readonly ordType: OrdType;
  readonly timeInForce: TimeInForce;

  clOrdId: string;
  /** hashOf(clOrdId), kept so that forgetting the order does not read the (by then cold) string again. */
  clOrdHash: number;
  origClOrdId: string | null;
  /** Earlier ClOrdIDs of this order (replaces and cancels rename it), newest first; null until the first rename. */
  priorClOrdIds: PriorClOrdId | null;
  /** Limit price; for market orders the protection limit. */
  priceTicks: number;
  stopTicks: number;
  orderQtyLots: number;
  cumLots: number;
  leavesLots: number;
  /** Shown on the book; equals leavesLots unless iceberg. */
  visibleLots: number;
  /** Iceberg display size, 0 when not an iceberg. */
  displayLots: number;
  minQtyLots: number;
  /** Σ fill price ticks × fill lots, for avgPx. */
  cumNotional: number;
  expireTimeMs: number;
  postOnly: boolean;
  stpMode: StpMode;
  /** Price at which credit is reserved for the leaves quantity. */
  reservePriceTicks: number;
  status: OrdStatus;
  /** True until Filled, Canceled or Expired. */
  live: boolean;
  /** Stop / stop-limit still waiting for its trigger. */
  pendingStop: boolean;
  /** Links of the account's list of live orders (AccountState.liveHead), null when not live. */
  acctPrev: Order | null;
  acctNext: Order | null;
  /** Number of the order's latest fill in the engine's FillHistory, -1 before the first. */
  lastFill: number;
}

/**
 * One earlier ClOrdID of an order, linking to the one before it. A link, not an array: it is made by one object
 * literal, so V8 pretenures it like the order it belongs to (an array copied on each rename was allocated young and
 * then copied out of the young generation with the order's history: bench:engine ran about 10 % slower).
 */
export interface PriorClOrdId {
  readonly clOrdId: string;
  readonly clOrdHash: number;
  readonly before: PriorClOrdId | null;
}

export function createOrder(seqNo: number, session: string, account: AccountState, inst: Instrument, side: Side,
  ordType: OrdType, timeInForce: TimeInForce, clOrdId: string, clOrdHash = hashOf(clOrdId)): Order {
  return {
    prev: null, next: null, level: null,
    seqNo, session, account, inst, side, ordType, timeInForce,
    clOrdId, clOrdHash, origClOrdId: null, priorClOrdIds: null,
    priceTicks: 0, stopTicks: 0, orderQtyLots: 0, cumLots: 0, leavesLots: 0, visibleLots: 0, displayLots: 0, minQtyLots: 0,
    cumNotional: 0, expireTimeMs: 0, postOnly: false, stpMode: 'None', reservePriceTicks: 0, status: 'New', live: true,
    pendingStop: false, acctPrev: null, acctNext: null, lastFill: -1,
  };
}

/** The order's id as text (OrderID 37): the seq of the NewOrder command that created it. */
export function orderIdOf(order: Order): string {
  return String(order.seqNo);
}

/** Every ClOrdID the order was known by, oldest first. */
export function allClOrdIdsOf(order: Order): string[] {
  const ids = [order.clOrdId];
  for (let p = order.priorClOrdIds; p !== null; p = p.before) ids.push(p.clOrdId);
  return ids.reverse();
}

/** The order takes a new ClOrdID (cancel/replace): the current one becomes OrigClOrdID. */
export function renameOrder(order: Order, clOrdId: string, clOrdHash = hashOf(clOrdId)): void {
  order.priorClOrdIds = { clOrdId: order.clOrdId, clOrdHash: order.clOrdHash, before: order.priorClOrdIds };
  order.origClOrdId = order.clOrdId;
  order.clOrdId = clOrdId;
  order.clOrdHash = clOrdHash;
}
