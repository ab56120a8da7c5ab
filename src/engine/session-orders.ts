// One session's orders by ClOrdID: every ClOrdID of every live order and of the done orders the engine remembers
// (up to doneOrdersMax in all), so a table of up to hundreds of thousands of entries that no cache holds.
//
// Every command looks up a ClOrdID that is NOT there (the duplicate check of the ClOrdID it brings). In a Map that
// miss walks a hash chain: for each entry of the bucket it reads the entry and then the key string to compare it,
// a cache miss each. Here the index is an open-addressing table of [32-bit hash, entry] pairs in one Int32Array
// (linear probing, at most half full): a miss reads one slot, two at most usually, and a key string is compared only
// when its full hash matches. Deleting shifts the following slots back, so no tombstones build up, and an entry's
// place is reused, so the table only grows or shrinks with the number of entries, never rebuilt in a steady state.
// There is no insertion order: entries() lists them in no particular order (the snapshot sorts them).
import type { Order } from './order.js';

/** 32-bit FNV-1a of the string's UTF-16 code units. */
export function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** The client's CompID in a session id: the text after "->" (the account of an order without one). */
export function compIdOf(session: string): string {
  const i = session.lastIndexOf('->');
  return i >= 0 && i + 2 < session.length ? session.slice(i + 2) : session;
}

const CAPACITY_MIN = 8;

export class SessionOrders {
  /** The account of an order without one: the client's CompID (the text after "->"). */
  readonly compId: string;
  /** Entries present. */
  size = 0;
  /**
   * Entry e is the key at kv[2e] and its order at kv[2e + 1], side by side so that a probe that finds the entry
   * reads one cache line, and its hash at hashes[e]; a free entry has kv[2e] undefined.
   */
  private kv: Array<string | Order | undefined>;
  private hashes: Int32Array;
  /** Free entries below `high`, reused before new ones. */
  private free: number[] = [];
  /** Entries ever used: 0..high-1. */
  private high = 0;
  /** Slot s is [hash, entry + 1] at 2s, 2s + 1; entry 0 = empty. 2 × capacity slots. */
  private slots: Int32Array;
  private mask: number;
  /** Most entries before the table doubles: half the slots. */
  private capacity: number;

  constructor(readonly name: string) {
    this.compId = compIdOf(name);
    this.capacity = CAPACITY_MIN;
    this.mask = 2 * CAPACITY_MIN - 1;
    this.slots = new Int32Array(4 * CAPACITY_MIN);
    this.kv = new Array<string | Order | undefined>(2 * CAPACITY_MIN);
    this.hashes = new Int32Array(CAPACITY_MIN);
  }

  get(key: string): Order | undefined {
    const s = this.slotOf(key, hashOf(key));
    return s < 0 ? undefined : this.kv[2 * this.slots[2 * s + 1]! - 1] as Order;
  }

  /** `h` is hashOf(key), for a caller that has it already. */
  has(key: string, h = hashOf(key)): boolean {
    return this.slotOf(key, h) >= 0;
  }

  /** `h` is hashOf(key), for a caller that has it already. */
  set(key: string, order: Order, h = hashOf(key)): this {
    const found = this.slotOf(key, h);
    if (found >= 0) {
      this.kv[2 * this.slots[2 * found + 1]! - 1] = order;
      return this;
    }
    if (this.size >= this.capacity) this.resize(2 * this.capacity);
    const e = this.free.length > 0 ? this.free.pop()! : this.high++;
    this.kv[2 * e] = key;
    this.kv[2 * e + 1] = order;
    this.hashes[e] = h;
    this.size++;
    this.place(h, e);
    return this;
  }

  delete(key: string): boolean {
    const s = this.slotOf(key, hashOf(key));
    if (s < 0) return false;
    this.remove(s);
    return true;
  }

  /** Deletes `key` only when it names `order` (one probe: a done order being forgotten); true when deleted. */
  deleteOf(key: string, order: Order, h = hashOf(key)): boolean {
    const s = this.slotOf(key, h);
    if (s < 0 || this.kv[2 * this.slots[2 * s + 1]! - 1] !== order) return false;
    this.remove(s);
    return true;
  }

  private remove(s: number): void {
    const e = this.slots[2 * s + 1]! - 1;
    this.kv[2 * e] = undefined;
    this.kv[2 * e + 1] = undefined;
    this.free.push(e);
    this.size--;
    this.unplace(s);
    if (this.capacity > CAPACITY_MIN && this.size * 8 < this.capacity) this.resize(this.capacity / 2); // give memory back
  }

  /** [ClOrdID, order] of every entry, in no particular order. */
  *entries(): IterableIterator<[string, Order]> {
    for (let e = 0; e < this.high; e++) {
      const k = this.kv[2 * e] as string | undefined;
      if (k !== undefined) yield [k, this.kv[2 * e + 1] as Order];
    }
  }

  /** The slot holding `key`, or -1. */
  private slotOf(key: string, h: number): number {
    const slots = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const ref = slots[2 * s + 1]!;
      if (ref === 0) return -1;
      if (slots[2 * s] === h && this.kv[2 * ref - 2] === key) return s;
    }
  }

  private place(h: number, e: number): void {
    const slots = this.slots;
    let s = h & this.mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & this.mask;
    slots[2 * s] = h;
    slots[2 * s + 1] = e + 1;
  }

  /** Empties slot `hole`, moving back the slots after it that their probe would no longer reach (linear probing). */
  private unplace(hole: number): void {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = (hole + 1) & mask; slots[2 * s + 1] !== 0; s = (s + 1) & mask) {
      const home = slots[2 * s]! & mask;
      // the entry at s stays when its home lies cyclically in (hole, s]
      if (hole <= s ? hole < home && home <= s : hole < home || home <= s) continue;
      slots[2 * hole] = slots[2 * s]!;
      slots[2 * hole + 1] = slots[2 * s + 1]!;
      hole = s;
    }
    slots[2 * hole] = 0;
    slots[2 * hole + 1] = 0;
  }

  /** Rebuilds for `capacity` entries, numbering the entries 0..size-1 again. */
  private resize(capacity: number): void {
    const kv = new Array<string | Order | undefined>(2 * capacity);
    const hashes = new Int32Array(capacity);
    let n = 0;
    for (let e = 0; e < this.high; e++) {
      const k = this.kv[2 * e];
      if (k === undefined) continue;
      kv[2 * n] = k;
      kv[2 * n + 1] = this.kv[2 * e + 1];
      hashes[n] = this.hashes[e]!;
      n++;
    }
    this.kv = kv;
    this.hashes = hashes;
    this.high = n;
    this.free = [];
    this.capacity = capacity;
    this.mask = 2 * capacity - 1;
    this.slots = new Int32Array(4 * capacity);
    for (let e = 0; e < n; e++) this.place(hashes[e]!, e);
  }
}
