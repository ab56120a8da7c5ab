// What a subscriber's book view needs to follow the book: the entries of an incremental refresh. A full-book view
// takes every changed level (new, change or delete by what the level was before); a view of the best N levels per
// side is diffed against the book's new best N (a level entering the view is new, one leaving it is deleted), once
// per log batch for all subscribers of that depth, and only when a change could reach into it.
import { MDUpdateAction } from '../fix/names.js';
import type { MdBook, MdLevel, MdSide } from './md-book.js';
import { levelEntry, tradeEntry, type MdEntry } from './md-messages.js';
import { ENTRY_BID, ENTRY_OFFER } from './md-request.js';

/** Entries bringing a full-book view from the last take to now, trades last. */
export function fullBookEntries(book: MdBook): MdEntry[] {
  const out: MdEntry[] = [];
  changedLevels(book.bids, ENTRY_BID, out);
  changedLevels(book.asks, ENTRY_OFFER, out);
  for (const t of book.trades) out.push(tradeEntry(t));
  return out;
}

function changedLevels(side: MdSide, type: number, out: MdEntry[]): void {
  for (const [key, before] of side.changed) {
    const now = side.level(key);
    if (before === undefined) {
      if (now !== undefined) out.push(levelEntry(MDUpdateAction.New, type, now));
    } else if (now === undefined) {
      out.push(levelEntry(MDUpdateAction.Delete, type, before));
    } else if (now.qty !== before.qty || now.count !== before.count) {
      out.push(levelEntry(MDUpdateAction.Change, type, now));
    }
  }
}

/** The best `depth` levels per side as every subscriber of that depth holds them. */
export class DepthView {
  bids: Array<[number, MdLevel]>;
  asks: Array<[number, MdLevel]>;
  /** This flush's entries (set by update). */
  entries: MdEntry[] = [];
  subscribers = 0;

  constructor(readonly depth: number, book: MdBook) {
    this.bids = book.bids.top(depth);
    this.asks = book.asks.top(depth);
  }

  /** Moves the view to the book's present state; `entries` says how. */
  update(book: MdBook): void {
    const out: MdEntry[] = [];
    this.bids = this.#diff(this.bids, book.bids, ENTRY_BID, out);
    this.asks = this.#diff(this.asks, book.asks, ENTRY_OFFER, out);
    for (const t of book.trades) out.push(tradeEntry(t));
    this.entries = out;
  }

  #diff(old: Array<[number, MdLevel]>, side: MdSide, type: number, out: MdEntry[]): Array<[number, MdLevel]> {
    if (side.changed.size === 0 || !reaches(old, side, this.depth)) return old;
    const now = side.top(this.depth);
    let i = 0;
    let j = 0;
    while (i < old.length || j < now.length) {
      const o = old[i];
      const n = now[j];
      if (o !== undefined && n !== undefined && o[0] === n[0]) {
        if (o[1].qty !== n[1].qty || o[1].count !== n[1].count) out.push(levelEntry(MDUpdateAction.Change, type, n[1]));
        i++; j++;
      } else if (n === undefined || (o !== undefined && side.atLeastAsGood(o[0], n[0]))) {
        out.push(levelEntry(MDUpdateAction.Delete, type, o![1])); // better than anything new at this point: it left
        i++;
      } else {
        out.push(levelEntry(MDUpdateAction.New, type, n[1]));
        j++;
      }
    }
    return now;
  }
}

/** Could this batch's changes of `side` alter a view of its best `depth` levels? Not when the view is full and every
 *  change is behind its last level. */
function reaches(view: Array<[number, MdLevel]>, side: MdSide, depth: number): boolean {
  if (view.length < depth) return true;
  const worst = view[view.length - 1]![0];
  for (const key of side.changed.keys()) if (side.atLeastAsGood(key, worst)) return true;
  return false;
}
