// One session's orders by ClOrdID: every ClOrdID of every live order and of the done orders the engine remembers
// (up to doneOrdersMax in all), so a table of up to hundreds of thousands of entries that no cache holds.
//
// Every command looks up a ClOrdID that is NOT there (the duplicate check of the ClOrdID it brings). In a Map that
// miss walks a hash chain: for each entry of the bucket it reads the entry and then the key string to compare it,
// a cache miss each. Here the index is an open-addressing table of [32-bit hash, entry] pairs in one Int32Array: a
// miss reads one slot (two at most, usually), and a string is compared only when its full hash matches. Entries are
// kept in insertion order, as a Map keeps them (deletes leave holes that a rebuild squeezes out, in order), so
// iterating gives exactly what the Map gave and snapshots do not change.
import type { Order } from './order.js';

/** 32-bit FNV-1a of the string's UTF-16 code units. */
export function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}

const INITIAL_ENTRIES = 8;

/** The client's CompID in a session id: the text after "->" (the account of an order without one). */
export function compIdOf(session: string): string {
  const i = session.lastIndexOf('->');
  return i >= 0 && i + 2 < session.length ? session.slice(i + 2) : session;
}

export class SessionOrders {
  /** The account of an order without one: the client's CompID (the text after "->"). */
  readonly compId: string;
  /** Entries present. */
  size = 0;
  /** Entries used, holes included: entry i is keys[i] / values[i]; a deleted one is undefined. */
  private used = 0;
  private keys: Array<string | undefined> = [];
  private values: Array<Order | undefined> = [];
  /** The hash of each entry's key, so a rebuild does not read the (cold) key strings again. */
  private hashes: Int32Array;
  /** Slot s is [hash, entry + 1] at 2s, 2s + 1; entry 0 = empty, -1 = deleted (probes go on past it). */
  private slots: Int32Array;
  private mask: number;
  /** Most entries (used) before a rebuild: half the slots. */
  private capacity: number;

  constructor(readonly name: string) {
    this.compId = compIdOf(name);
    this.capacity = INITIAL_ENTRIES;
    this.mask = 2 * INITIAL_ENTRIES - 1;
    this.slots = new Int32Array(4 * INITIAL_ENTRIES);
    this.hashes = new Int32Array(INITIAL_ENTRIES);
  }

  get(key: string): Order | undefined {
    const e = this.find(key, hashOf(key));
    return e < 0 ? undefined : this.values[e];
  }

  has(key: string): boolean {
    return this.find(key, hashOf(key)) >= 0;
  }

  set(key: string, order: Order): this {
    const h = hashOf(key);
    const e = this.find(key, h);
    if (e >= 0) {
      this.values[e] = order;
      return this;
    }
    if (this.used >= this.capacity) this.rebuild(this.size + 1);
    const entry = this.used++;
    this.keys[entry] = key;
    this.values[entry] = order;
    this.hashes[entry] = h;
    this.size++;
    const slots = this.slots;
    let s = h & this.mask;
    while (slots[2 * s + 1]! > 0) s = (s + 1) & this.mask; // a deleted slot is reused
    slots[2 * s] = h;
    slots[2 * s + 1] = entry + 1;
    return this;
  }

  delete(key: string): boolean {
    const h = hashOf(key);
    const slots = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const ref = slots[2 * s + 1]!;
      if (ref === 0) return false;
      if (ref > 0 && slots[2 * s] === h && this.keys[ref - 1] === key) {
        slots[2 * s + 1] = -1;
        this.keys[ref - 1] = undefined;
        this.values[ref - 1] = undefined;
        this.size--;
        if (this.used > 64 && this.size * 4 < this.used) this.rebuild(this.size); // mostly holes: give the memory back
        return true;
      }
    }
  }

  /** [ClOrdID, order] in insertion order, as Map.entries gives them. */
  *entries(): IterableIterator<[string, Order]> {
    for (let e = 0; e < this.used; e++) {
      const k = this.keys[e];
      if (k !== undefined) yield [k, this.values[e]!];
    }
  }

  /** The entry index of `key`, or -1. */
  private find(key: string, h: number): number {
    const slots = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const ref = slots[2 * s + 1]!;
      if (ref === 0) return -1;
      if (ref > 0 && slots[2 * s] === h && this.keys[ref - 1] === key) return ref - 1;
    }
  }

  /**
   * Squeezes out deleted entries (keeping the order) and rebuilds the index with room for twice `need` entries, so
   * the table grows with the live entries and shrinks again when most were deleted.
   */
  private rebuild(need: number): void {
    let capacity = INITIAL_ENTRIES;
    while (capacity < 2 * need) capacity *= 2;
    const keys = new Array<string | undefined>(capacity);
    const values = new Array<Order | undefined>(capacity);
    const hashes = new Int32Array(capacity);
    const slots = new Int32Array(4 * capacity);
    const mask = 2 * capacity - 1;
    let n = 0;
    for (let e = 0; e < this.used; e++) {
      const k = this.keys[e];
      if (k === undefined) continue;
      const h = this.hashes[e]!;
      keys[n] = k;
      values[n] = this.values[e];
      hashes[n] = h;
      let s = h & mask;
      while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
      slots[2 * s] = h;
      slots[2 * s + 1] = ++n;
    }
    this.keys = keys;
    this.values = values;
    this.hashes = hashes;
    this.used = n;
    this.slots = slots;
    this.mask = mask;
    this.capacity = capacity;
  }
}
