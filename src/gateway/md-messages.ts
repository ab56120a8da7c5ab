// Market data as FIX 4.4 message bodies: MarketDataSnapshotFullRefresh (W), MarketDataIncrementalRefresh (X) and
// MarketDataRequestReject (Y), fields in the dictionary's group order. The engine's per-symbol md sequence a message
// brings the book to goes in the standard header's hop group (NoHops 627 = 1, HopCompID 628 = "MD", HopRefID 630 =
// the md sequence): FIX 4.4 has no RptSeq in W or X (that is FIX 5.0), and a strict FIX 4.4 engine rejects tag 83
// there; the header is valid on every message. docs/fix-market-data.md.
import { formatUtcTimestamp } from '../fix/time.js';
import type { BodyWriter, FieldSink } from '../fix/encode.js';
import type { FieldList } from '../fix/types.js';
import type { Dictionary } from '../fix/dictionary.js';
import { MDEntryType, MDUpdateAction, MsgType, Tag } from '../fix/names.js';
import type { MdLevel, MdTrade } from './md-book.js';
import { ENTRY_BID, ENTRY_OFFER, ENTRY_TRADE } from './md-request.js';

/** HopCompID of the market-data feed. */
export const MD_HOP_COMP_ID = 'MD';

/** Where RptSeq(83) may go, when the session's dictionary extends FIX 4.4 with it (as FIX 5.0 has it): in W's body,
 *  and in X's entries at its place in the dictionary's group order (before the first field the group puts after it).
 *  The stock FIX 4.4 dictionary has neither: then only the header carries the md sequence. */
export interface RptSeqPlaces {
  inSnapshot: boolean;
  /** Position of each field in X's NoMDEntries group, and RptSeq's; null: not in X. */
  increment: { order: ReadonlyMap<number, number>; at: number } | null;
}
const NO_RPT_SEQ: RptSeqPlaces = { inSnapshot: false, increment: null };
const rptSeqPlacesByDict = new WeakMap<Dictionary, RptSeqPlaces>();

export function rptSeqPlaces(dict: Dictionary | undefined): RptSeqPlaces {
  if (dict === undefined) return NO_RPT_SEQ;
  let places = rptSeqPlacesByDict.get(dict);
  if (places === undefined) {
    const group = dict.message(MsgType.MarketDataIncrementalRefresh)?.groups.get(Tag.NoMDEntries);
    const at = group?.order.get(Tag.RptSeq);
    places = {
      inSnapshot: dict.message(MsgType.MarketDataSnapshotFullRefresh)?.fields.has(Tag.RptSeq) ?? false,
      increment: group !== undefined && at !== undefined ? { order: group.order, at } : null,
    };
    rptSeqPlacesByDict.set(dict, places);
  }
  return places;
}

/** One line of an incremental refresh: a price level's new, changed or deleted state, or a trade. */
export interface MdEntry {
  readonly action: string;
  /** ENTRY_BID, ENTRY_OFFER or ENTRY_TRADE. */
  readonly type: number;
  readonly price: string;
  readonly qty: string;
  readonly count: number;
  readonly trade: MdTrade | null;
}

const TYPE_OUT: Record<number, string> = { [ENTRY_BID]: MDEntryType.Bid, [ENTRY_OFFER]: MDEntryType.Offer, [ENTRY_TRADE]: MDEntryType.Trade };

export function levelEntry(action: string, type: number, level: MdLevel): MdEntry {
  return { action, type, price: level.price, qty: level.qty, count: level.count, trade: null };
}

export function tradeEntry(trade: MdTrade): MdEntry {
  return { action: MDUpdateAction.New, type: ENTRY_TRADE, price: trade.price, qty: trade.qty, count: 0, trade };
}

/** The header fields that carry the md sequence. */
export function mdSeqHeader(mdSeq: number): FieldList {
  return [[Tag.NoHops, '1'], [Tag.HopCompID, MD_HOP_COMP_ID], [Tag.HopRefID, String(mdSeq)]];
}

/** W: the book (best first per side, as the subscriber's view holds it) and the last trade, at one md sequence. */
export function snapshotBody(mdReqId: string, symbol: string, bids: readonly MdLevel[], asks: readonly MdLevel[], lastTrade: MdTrade | null,
  types: number, rptSeq?: number): BodyWriter {
  return (w) => {
    w.field(Tag.MDReqID, mdReqId);
    w.field(Tag.Symbol, symbol);
    if (rptSeq !== undefined) w.field(Tag.RptSeq, String(rptSeq));
    const withBids = (types & ENTRY_BID) !== 0;
    const withAsks = (types & ENTRY_OFFER) !== 0;
    const trade = (types & ENTRY_TRADE) !== 0 ? lastTrade : null;
    w.field(Tag.NoMDEntries, String((withBids ? bids.length : 0) + (withAsks ? asks.length : 0) + (trade !== null ? 1 : 0)));
    if (withBids) for (const level of bids) writeLevel(w, MDEntryType.Bid, level);
    if (withAsks) for (const level of asks) writeLevel(w, MDEntryType.Offer, level);
    if (trade !== null) writeTrade(w, trade);
  };
}

function writeLevel(w: FieldSink, type: string, level: MdLevel): void {
  w.field(Tag.MDEntryType, type);
  w.field(Tag.MDEntryPx, level.price);
  w.field(Tag.MDEntrySize, level.qty);
  w.field(Tag.NumberOfOrders, String(level.count));
}

/** The last trade in W: its price only (what the engine's book holds; each trade's size and time come in X). */
function writeTrade(w: FieldSink, trade: MdTrade): void {
  w.field(Tag.MDEntryType, MDEntryType.Trade);
  w.field(Tag.MDEntryPx, trade.price);
}

/** MDEntryDate and MDEntryTime of the last time written: the trades of a batch share their time, and every
 *  subscriber gets them, so they are formatted once. */
let entryTimeMs = NaN;
let entryDate = '';
let entryTime = '';

function writeEntryTime(w: FieldSink, timeMs: number): void {
  if (timeMs !== entryTimeMs) {
    const stamp = formatUtcTimestamp(timeMs); // YYYYMMDD-HH:MM:SS.sss
    entryDate = stamp.slice(0, 8);
    entryTime = stamp.slice(9);
    entryTimeMs = timeMs;
  }
  w.field(Tag.MDEntryDate, entryDate);
  w.field(Tag.MDEntryTime, entryTime);
}

/** How many of `entries` a subscriber of `types` gets. */
export function countFor(entries: readonly MdEntry[], types: number): number {
  let n = 0;
  for (let i = 0; i < entries.length; i++) if ((entries[i]!.type & types) !== 0) n++;
  return n;
}

/** X: the entries of `types` (count them with countFor first: an X without entries is not sent); `rptSeq`, the md
 *  sequence for each entry's RptSeq, only where `places` has room for it. */
export function incrementBody(mdReqId: string, symbol: string, entries: readonly MdEntry[], types: number, count: number,
  rptSeq?: { places: RptSeqPlaces; mdSeq: number }): BodyWriter {
  return (w) => {
    w.field(Tag.MDReqID, mdReqId);
    w.field(Tag.NoMDEntries, String(count));
    const sink = rptSeq?.places.increment != null ? new RptSeqSink(w, rptSeq.places.increment, String(rptSeq.mdSeq)) : undefined;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if ((e.type & types) === 0) continue;
      if (sink === undefined) writeEntry(w, symbol, e);
      else sink.entry(symbol, e);
    }
  };
}

function writeEntry(w: FieldSink, symbol: string, e: MdEntry): void {
  w.field(Tag.MDUpdateAction, e.action);
  w.field(Tag.MDEntryType, TYPE_OUT[e.type]!);
  if (e.trade !== null) w.field(Tag.MDEntryID, e.trade.tradeId);
  w.field(Tag.Symbol, symbol);
  w.field(Tag.MDEntryPx, e.price);
  if (e.action !== MDUpdateAction.Delete) w.field(Tag.MDEntrySize, e.qty);
  if (e.trade !== null) writeEntryTime(w, e.trade.timeMs);
  else if (e.action !== MDUpdateAction.Delete) w.field(Tag.NumberOfOrders, String(e.count));
}

/** Writes an entry with RptSeq put in before the first field the dictionary's group order puts after it. */
class RptSeqSink implements FieldSink {
  #out: FieldSink;
  #written = false;
  constructor(out: FieldSink, readonly places: { order: ReadonlyMap<number, number>; at: number }, readonly value: string) {
    this.#out = out;
  }
  field(tag: number, value: string): void {
    if (!this.#written && (this.places.order.get(tag) ?? -1) > this.places.at) this.#rptSeq();
    this.#out.field(tag, value);
  }
  entry(symbol: string, e: MdEntry): void {
    this.#written = false;
    writeEntry(this, symbol, e);
    if (!this.#written) this.#rptSeq();
  }
  #rptSeq(): void {
    this.#written = true;
    this.#out.field(Tag.RptSeq, this.value);
  }
}

/** Y: MDReqRejReason (absent when no reason fits, e.g. an unknown MDReqID to unsubscribe) and why. */
export function rejectBody(mdReqId: string, reason: string | undefined, text: string): FieldList {
  const body: FieldList = [[Tag.MDReqID, mdReqId]];
  if (reason !== undefined) body.push([Tag.MDReqRejReason, reason]);
  body.push([Tag.Text, text]);
  return body;
}
