// One instrument's order book: price levels in a sorted-btree per side, FIFO per level as an intrusive
// doubly linked list of orders, O(1) removal of any order. Knows nothing about risk or events.
import BTreeModule from 'sorted-btree';
import type { Order } from './order.js';

type BTreeCtor = new <K, V>(entries?: [K, V][], compare?: (a: K, b: K) => number, maxNodeSize?: number) => BTreeLike<K, V>;
interface BTreeLike<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): boolean;
  delete(key: K): boolean;
  minKey(): K | undefined;
  readonly size: number;
  entries(lowestKey?: K): IterableIterator<[K, V]>;
  nextHigherPair(key: K | undefined): [K, V] | undefined;
}
const BTree: BTreeCtor = ((BTreeModule as unknown as { default?: BTreeCtor }).default ?? BTreeModule) as unknown as BTreeCtor;

/** A price level: FIFO of resting orders with the total visible quantity. */
export class Level {
  head: Order | null = null;
  tail: Order | null = null;
  totalLots = 0;
  count = 0;
  constructor(readonly priceTicks: number) {}
}

/**
 * One side of a book. Keys are "priority keys": ask price ticks, or negated bid price ticks, so the best level
 * is always the minimum key on both sides.
 */
export class BookSide {
  private readonly levels: BTreeLike<number, Level> = new BTree<number, Level>(undefined, (a, b) => a - b);
  /** The same levels by price ticks: O(1) lookup for the common case (a level that exists). */
  private readonly byPrice = new Map<number, Level>();
  best: Level | null = null;

  constructor(readonly isBid: boolean) {}

  get levelCount(): number { return this.levels.size; }

  private keyOf(priceTicks: number): number { return this.isBid ? -priceTicks : priceTicks; }

  level(priceTicks: number): Level | undefined { return this.byPrice.get(priceTicks); }

  /** Appends the order at the back of its price level's queue. */
  append(order: Order): void {
    let level = this.byPrice.get(order.priceTicks);
    if (level === undefined) {
      const key = this.keyOf(order.priceTicks);
      level = new Level(order.priceTicks);
      this.levels.set(key, level);
      this.byPrice.set(order.priceTicks, level);
      if (this.best === null || key < this.keyOf(this.best.priceTicks)) this.best = level;
    }
    order.level = level;
    order.prev = level.tail;
    order.next = null;
    if (level.tail === null) level.head = order; else level.tail.next = order;
    level.tail = order;
    level.totalLots += order.visibleLots;
    level.count++;
  }

  /** Unlinks the order from its level; drops the level when it becomes empty. */
  remove(order: Order): void {
    const level = order.level!;
    if (order.prev === null) level.head = order.next; else order.prev.next = order.next;
    if (order.next === null) level.tail = order.prev; else order.next.prev = order.prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    level.totalLots -= order.visibleLots;
    level.count--;
    if (level.count === 0) {
      this.levels.delete(this.keyOf(level.priceTicks));
      this.byPrice.delete(level.priceTicks);
      if (this.best === level) {
        const nextKey = this.levels.minKey();
        this.best = nextKey === undefined ? null : this.levels.get(nextKey)!;
      }
    }
  }

  /** Levels best first. */
  *iterate(): IterableIterator<Level> {
    for (const [, level] of this.levels.entries()) yield level;
  }

  /** The level after `level` in priority order, or null. */
  nextLevel(level: Level): Level | null {
    const pair = this.levels.nextHigherPair(this.keyOf(level.priceTicks));
    return pair === undefined ? null : pair[1];
  }
}

export class OrderBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
}
