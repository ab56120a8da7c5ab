// The orders one simulated client has sent, as far as it knows them: enough to build a cancel, replace
// or status request from a ClOrdID, updated from the ExecutionReports that come back. Bounded: the
// oldest entries are forgotten first.
import type { FixMessage } from '../src/fix/message.js';

export interface OwnOrder {
  clOrdId: string;
  symbol: string;
  side: 'buy' | 'sell';
  /** OrderQty(38) as last sent or replaced. */
  qty: string;
  price?: string;
  /** OrdType(40) code. */
  ordType: string;
  /** OrderID(37) once an ExecutionReport told us. */
  orderId?: string;
  /** OrdStatus(39) code of the last ExecutionReport. */
  status?: string;
  /** ClOrdID of the replace that superseded this one. */
  replacedBy?: string;
}

export const OWN_ORDERS_MAX = 100_000;

export class OwnOrders {
  readonly #orders = new Map<string, OwnOrder>();
  readonly #idPrefix: string;
  readonly #max: number;
  #idCount = 0;

  /** `idPrefix` makes generated ClOrdIDs unique across runs against a long-lived gateway. */
  constructor(idPrefix: string, max = OWN_ORDERS_MAX) {
    this.#idPrefix = idPrefix;
    this.#max = max;
  }

  get size(): number { return this.#orders.size; }

  nextClOrdId(): string {
    return `${this.#idPrefix}${++this.#idCount}`;
  }

  /** The order named by `clOrdId`, or by the latest ClOrdID of its replace chain. */
  get(clOrdId: string): OwnOrder | undefined {
    let order = this.#orders.get(clOrdId);
    for (let hops = 0; order?.replacedBy !== undefined && hops < 1000; hops++) {
      const next = this.#orders.get(order.replacedBy);
      if (!next) break;
      order = next;
    }
    return order;
  }

  sent(order: OwnOrder): void {
    this.#put(order);
  }

  /** A replace was sent: the new ClOrdID names the same order with its new quantity and price. */
  replaced(origClOrdId: string, clOrdId: string, qty: string, price: string | undefined): void {
    const latest = this.get(origClOrdId);
    if (!latest) return;
    const { replacedBy: _, ...rest } = latest;
    this.#put({ ...rest, clOrdId, qty, ...(price !== undefined ? { price } : {}) });
    latest.replacedBy = clOrdId;
  }

  /** Learn OrderID and status from an ExecutionReport (35=8) about one of our orders. */
  onExecutionReport(msg: FixMessage): void {
    // A cancel's report carries the cancel's own ClOrdID in 11 and the order's in 41.
    const order = this.get(msg.get(11) ?? '') ?? this.get(msg.get(41) ?? '');
    if (!order) return;
    const orderId = msg.get(37);
    if (orderId !== undefined && orderId !== '' && orderId !== 'NONE') order.orderId = orderId;
    const status = msg.get(39);
    if (status !== undefined) order.status = status;
    if (msg.get(150) === '5') {
      const qty = msg.get(38);
      if (qty !== undefined) order.qty = qty;
      const price = msg.get(44);
      if (price !== undefined) order.price = price;
    }
  }

  /** ClOrdIDs of orders not known to be done, newest last (for tab completion). */
  openClOrdIds(limit: number): string[] {
    const out: string[] = [];
    for (const order of this.#orders.values()) {
      if (order.replacedBy !== undefined) continue;
      if (order.status === undefined || order.status === '0' || order.status === '1' || order.status === 'A' || order.status === '5') {
        out.push(order.clOrdId);
      }
    }
    return out.slice(-limit);
  }

  #put(order: OwnOrder): void {
    this.#orders.delete(order.clOrdId);
    this.#orders.set(order.clOrdId, order);
    if (this.#orders.size > this.#max) {
      const oldest = this.#orders.keys().next().value;
      if (oldest !== undefined) this.#orders.delete(oldest);
    }
  }
}
