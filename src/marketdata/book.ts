// The tap's own copy of one instrument's book, price level by price level (no orders), kept from the engine's
// 'md' events. Prices are exact strings at the instrument's precision; their order key is the integer formed by
// their digits (same scale on every price of an instrument, so the integer order is the price order).
import BTreeModule from 'sorted-btree';
import type { WireLevel } from './checksum.js';

type BTreeCtor = new <K, V>(entries?: [K, V][], compare?: (a: K, b: K) => number) => BTreeLike<K, V>;
interface BTreeLike<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): boolean;
  delete(key: K): boolean;
  clear(): void;
  readonly size: number;
  entries(lowestKey?: K): IterableIterator<[K, V]>;
}
const BTree: BTreeCtor = ((BTreeModule as unknown as { default?: BTreeCtor }).default ?? BTreeModule) as unknown as BTreeCtor;

/** Order key of a decimal price string: its digits as an integer ("100.01" → 10001). Exact below 2^53. */
export function priceKey(price: string): number {
  // The usual form, [-]digits[.digits] with at most 15 digits, is read in place (no strings); anything else
  // takes the general path below, so the key is always Number() of the digits.
  const length = price.length;
  let i = length > 0 && price.charCodeAt(0) === 0x2d ? 1 : 0;
  const negative = i === 1;
  let key = 0;
  let digits = 0;
  let dots = 0;
  for (; i < length; i++) {
    const c = price.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      key = key * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && dots === 0) {
      dots++;
    } else {
      break;
    }
  }
  if (i === length && digits > 0 && digits <= 15) return negative ? -key : key;
  return priceKeyOf(price);
}

function priceKeyOf(price: string): number {
  const dot = price.indexOf('.');
  const key = Number(dot < 0 ? price : price.slice(0, dot) + price.slice(dot + 1));
  if (!Number.isSafeInteger(key)) throw new Error(`price not an exact decimal: ${price}`);
  return key;
}

/** One side of the book, iterated best first (bids: highest key first, asks: lowest first). */
export class BookSide {
  private readonly levels: BTreeLike<number, WireLevel>;
  constructor(readonly isBid: boolean) {
    this.levels = new BTree<number, WireLevel>(undefined, isBid ? (a, b) => b - a : (a, b) => a - b);
  }

  get size(): number { return this.levels.size; }

  /** Sets a level's absolute quantity; "0" (or any zero) removes it. `key`: priceKey(price), when the caller has it. */
  set(price: string, qty: string, key = priceKey(price)): void {
    if (isZero(qty)) this.levels.delete(key);
    else this.levels.set(key, [price, qty]);
  }

  clear(): void { this.levels.clear(); }

  /** Best `depth` levels, best first. */
  top(depth: number): WireLevel[] {
    const rows: WireLevel[] = [];
    if (depth <= 0) return rows;
    for (const [, level] of this.levels.entries()) {
      rows.push(level);
      if (rows.length >= depth) break;
    }
    return rows;
  }

  /** True when price a is at least as good as price b for this side. */
  atLeastAsGood(aKey: number, bKey: number): boolean {
    return this.isBid ? aKey >= bKey : aKey <= bKey;
  }
}

export function isZero(qty: string): boolean {
  for (let i = 0; i < qty.length; i++) {
    const c = qty.charCodeAt(i);
    if (c !== 48 /* 0 */ && c !== 46 /* . */) return false;
  }
  return true;
}

/**
 * Changes between two views of one side (both best first): levels that left the view get qty "0", levels that
 * are new or whose quantity changed get their new absolute quantity. Result in best-first order.
 */
export function diffSide(oldView: readonly WireLevel[], newView: readonly WireLevel[], isBid: boolean): WireLevel[] {
  const out: WireLevel[] = [];
  let i = 0;
  let j = 0;
  while (i < oldView.length || j < newView.length) {
    if (j >= newView.length) { out.push([oldView[i]![0], '0']); i++; continue; }
    if (i >= oldView.length) { out.push(newView[j]!); j++; continue; }
    const ko = priceKey(oldView[i]![0]);
    const kn = priceKey(newView[j]![0]);
    if (ko === kn) {
      if (oldView[i]![1] !== newView[j]![1]) out.push(newView[j]!);
      i++; j++;
    } else if (isBid ? ko > kn : ko < kn) {
      out.push([oldView[i]![0], '0']); i++;   // old level better than anything new at this point: it left
    } else {
      out.push(newView[j]!); j++;
    }
  }
  return out;
}
