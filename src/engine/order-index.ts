// Orders by id. An order's id is the seq of the NewOrder command that created it, so ids only ever grow and the
// engine forgets done orders oldest first: orders live in small pages of consecutive ids instead of a hash map
// keyed by strings (no string hashing, no rehash of a large table while it grows). A page goes when its last
// order is forgotten, so memory is bounded by the orders kept (a long-lived order keeps at most one page alive).
import { orderIdOf, type Order } from './order.js';

const PAGE_SLOTS = 64;
/** Longest id text that is a safe integer (15 digits). */
const ID_DIGITS_MAX = 15;

class Page {
  readonly slots: Array<Order | undefined> = new Array<Order | undefined>(PAGE_SLOTS).fill(undefined);
  count = 0;
}

/** The id as a number when it is the canonical decimal text of a positive safe integer, else -1. */
export function orderSeqOf(orderId: string): number {
  const n = orderId.length;
  if (n === 0 || n > ID_DIGITS_MAX) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = orderId.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (i === 0 && c === 0)) return -1;
    v = v * 10 + c;
  }
  return v;
}

export class OrderIndex {
  /** Pages by floor(id / PAGE_SLOTS), in id order (pages are only ever created for higher ids than every page before). */
  private readonly pages = new Map<number, Page>();
  private count = 0;

  get size(): number { return this.count; }

  /** The order with this id text, if kept. */
  get(orderId: string): Order | undefined {
    const seq = orderSeqOf(orderId);
    return seq < 0 ? undefined : this.bySeq(seq);
  }

  bySeq(seq: number): Order | undefined {
    return this.pages.get(Math.floor(seq / PAGE_SLOTS))?.slots[seq % PAGE_SLOTS];
  }

  /** Adds an order; ids must be added in increasing order (they are: ids are command seqs). */
  add(order: Order): void {
    const seq = order.seqNo;
    const key = Math.floor(seq / PAGE_SLOTS);
    let page = this.pages.get(key);
    if (page === undefined) {
      page = new Page();
      this.pages.set(key, page);
    }
    const slot = seq % PAGE_SLOTS;
    if (page.slots[slot] !== undefined) throw new Error(`invariant: order id ${orderIdOf(order)} added twice`);
    page.slots[slot] = order;
    page.count++;
    this.count++;
  }

  /** Forgets the order if it is the one kept under its id. */
  delete(order: Order): void {
    const seq = order.seqNo;
    const key = Math.floor(seq / PAGE_SLOTS);
    const page = this.pages.get(key);
    const slot = seq % PAGE_SLOTS;
    if (page === undefined || page.slots[slot] !== order) return;
    page.slots[slot] = undefined;
    this.count--;
    if (--page.count === 0) this.pages.delete(key);
  }

  /** Kept orders in id (= creation) order. */
  *values(): IterableIterator<Order> {
    for (const page of this.pages.values()) {
      for (const o of page.slots) if (o !== undefined) yield o;
    }
  }
}
