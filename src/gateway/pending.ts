// Requests the gateway submitted to the sequencer and has not answered yet, by command seq. Seqs are handed out
// in increasing order and at most the sequencer's pending bound are outstanding at once, so a ring indexed by
// seq finds them without hashing or allocating per request. A seq whose slot is still taken (more outstanding
// than the ring holds: the bound rules it out, but nothing breaks) waits in a map instead.

/** Slots: the pending bound rounded up to a power of two, within these limits. */
const SLOTS_MIN = 1024;
const SLOTS_MAX = 1 << 20;

export class PendingBySeq<T extends { readonly seq: number }> {
  readonly #items: Array<T | undefined>;
  readonly #mask: number;
  readonly #overflow = new Map<number, T>();

  /** `outstandingMax`: how many can be outstanding at once (the sequencer's pendingCommandsMax). */
  constructor(outstandingMax: number) {
    let slots = SLOTS_MIN;
    while (slots < outstandingMax && slots < SLOTS_MAX) slots *= 2;
    this.#items = new Array<T | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
  }

  /** Slot of a seq: seq mod slots (>>> 0 is seq mod 2^32, exact for any integer seq; slots divides 2^32). */
  #slot(seq: number): number {
    return (seq >>> 0) & this.#mask;
  }

  add(item: T): void {
    const slot = this.#slot(item.seq);
    if (this.#items[slot] === undefined) this.#items[slot] = item;
    else this.#overflow.set(item.seq, item);
  }

  /** The request of `seq`, removed; undefined when there is none. */
  take(seq: number): T | undefined {
    const slot = this.#slot(seq);
    const item = this.#items[slot];
    if (item !== undefined && item.seq === seq) {
      this.#items[slot] = undefined;
      return item;
    }
    if (this.#overflow.size === 0) return undefined;
    const other = this.#overflow.get(seq);
    if (other !== undefined) this.#overflow.delete(seq);
    return other;
  }

  /** Outstanding requests (for tests and diagnostics: walks the ring). */
  get size(): number {
    let n = this.#overflow.size;
    for (const item of this.#items) if (item !== undefined) n++;
    return n;
  }
}
