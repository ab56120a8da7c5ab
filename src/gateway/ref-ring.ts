// Items by a number handed out in increasing order with at most a known count outstanding (the gateway's requests in
// flight by ref, refs by command seq): a ring indexed by that number finds them without hashing or allocating per
// item. A number whose slot is still taken (more outstanding than the ring holds: the bound rules it out, but nothing
// breaks) waits in a map instead.

/** Slots: the pending bound rounded up to a power of two, within these limits. */
const SLOTS_MIN = 1024;
const SLOTS_MAX = 1 << 20;

export class RefRing<T extends { readonly ref: number }> {
  readonly #items: Array<T | undefined>;
  readonly #mask: number;
  readonly #overflow = new Map<number, T>();

  /** `outstandingMax`: how many can be outstanding at once (e.g. the sequencer's pendingCommandsMax). */
  constructor(outstandingMax: number) {
    let slots = SLOTS_MIN;
    while (slots < outstandingMax && slots < SLOTS_MAX) slots *= 2;
    this.#items = new Array<T | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
  }

  /** Slot of a ref: ref mod slots (>>> 0 is ref mod 2^32, exact for any integer ref; slots divides 2^32). */
  #slot(ref: number): number {
    return (ref >>> 0) & this.#mask;
  }

  add(item: T): void {
    const slot = this.#slot(item.ref);
    if (this.#items[slot] === undefined) this.#items[slot] = item;
    else this.#overflow.set(item.ref, item);
  }

  /** The item of `ref`, removed; undefined when there is none. */
  take(ref: number): T | undefined {
    const slot = this.#slot(ref);
    const item = this.#items[slot];
    if (item !== undefined && item.ref === ref) {
      this.#items[slot] = undefined;
      return item;
    }
    if (this.#overflow.size === 0) return undefined;
    const other = this.#overflow.get(ref);
    if (other !== undefined) this.#overflow.delete(ref);
    return other;
  }

  /** Outstanding items (for tests and diagnostics: walks the ring). */
  get size(): number {
    let n = this.#overflow.size;
    for (const item of this.#items) if (item !== undefined) n++;
    return n;
  }
}
