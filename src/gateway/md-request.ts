// MarketDataRequest (V) → what the client asks for, or the MarketDataRequestReject (Y) reason it gets instead.
// Supported: SubscriptionRequestType 0 snapshot, 1 snapshot + updates, 2 unsubscribe (by MDReqID); MarketDepth 0
// (full book) or 1..MarketDataDepthMax; MDUpdateType 1 incremental (default) or 0 full refresh; an aggregated book;
// MDEntryType bid, offer, trade; any number of symbols (NoRelatedSym). docs/fix-market-data.md.
import type { FixMessage } from '../fix/message.js';
import { MDEntryType, MDReqRejReason, MDUpdateType, SubscriptionRequestType, Tag } from '../fix/names.js';

/** MDEntryTypes as bits. */
export const ENTRY_BID = 1;
export const ENTRY_OFFER = 2;
export const ENTRY_TRADE = 4;
const ENTRY_BITS: Record<string, number> = { [MDEntryType.Bid]: ENTRY_BID, [MDEntryType.Offer]: ENTRY_OFFER, [MDEntryType.Trade]: ENTRY_TRADE };

export interface MdRequest {
  mdReqId: string;
  kind: 'snapshot' | 'subscribe' | 'unsubscribe';
  /** 0 = the full book; N = the best N levels per side. */
  depth: number;
  /** MDUpdateType 1: incremental refreshes (X); 0: a full refresh (W) on each change. */
  incremental: boolean;
  /** ENTRY_* bits. */
  entryTypes: number;
  /** Distinct, in request order. */
  symbols: string[];
}

export type MdRequestParse =
  | { kind: 'ok'; request: MdRequest }
  | { kind: 'reject'; mdReqId: string; reason: string; text: string };

const reject = (mdReqId: string, reason: string, text: string): MdRequestParse => ({ kind: 'reject', mdReqId, reason, text });

/** The request, or why it is refused. Symbols are not looked up here (the station knows the instruments). */
export function parseMdRequest(msg: FixMessage, depthMax: number): MdRequestParse {
  const mdReqId = msg.get(Tag.MDReqID) ?? '';
  const type = msg.get(Tag.SubscriptionRequestType);
  const kind: MdRequest['kind'] | undefined = type === SubscriptionRequestType.Snapshot ? 'snapshot' : type === SubscriptionRequestType.SnapshotAndUpdates ? 'subscribe'
    : type === SubscriptionRequestType.DisablePreviousSnapshot ? 'unsubscribe' : undefined;
  if (kind === undefined) return reject(mdReqId, MDReqRejReason.UnsupportedSubscriptionRequestType, `SubscriptionRequestType ${type ?? ''} is not supported (0, 1 or 2)`);
  const base: MdRequest = { mdReqId, kind, depth: 0, incremental: true, entryTypes: 0, symbols: [] };
  if (kind === 'unsubscribe') return { kind: 'ok', request: base };
  const depth = msg.getInt(Tag.MarketDepth) ?? -1;
  if (depth < 0 || depth > depthMax) return reject(mdReqId, MDReqRejReason.UnsupportedMarketDepth, `MarketDepth must be 0 (full book) or 1..${depthMax}`);
  const updateType = msg.getInt(Tag.MDUpdateType);
  if (updateType !== undefined && updateType !== MDUpdateType.FullRefresh && updateType !== MDUpdateType.IncrementalRefresh) {
    return reject(mdReqId, MDReqRejReason.UnsupportedMdUpdateType, `MDUpdateType ${updateType} is not supported (0 or 1)`);
  }
  if (msg.get(Tag.AggregatedBook) === 'N') return reject(mdReqId, MDReqRejReason.UnsupportedAggregatedBook, 'only an aggregated book (price levels) is published');
  const unsupported = unsupportedOption(msg, mdReqId);
  if (unsupported !== undefined) return unsupported;
  const types = entryTypesOf(msg);
  if (typeof types === 'string') return reject(mdReqId, MDReqRejReason.UnsupportedMdEntryType, `MDEntryType ${types} is not supported (0 bid, 1 offer, 2 trade)`);
  return { kind: 'ok', request: { ...base, depth, incremental: updateType !== MDUpdateType.FullRefresh, entryTypes: types, symbols: symbolsOf(msg) } };
}

/** Scope other than local, OpenCloseSettlFlag, MDImplicitDelete=Y, a TradingSessionID: not what this venue offers. */
function unsupportedOption(msg: FixMessage, mdReqId: string): MdRequestParse | undefined {
  const scope = msg.get(Tag.Scope);
  if (scope !== undefined && scope !== '1') return reject(mdReqId, MDReqRejReason.UnsupportedScope, 'only Scope 1 (local market) is published');
  if (msg.has(Tag.OpenCloseSettlFlag)) return reject(mdReqId, MDReqRejReason.UnsupportedOpenCloseSettleFlag, 'OpenCloseSettlFlag is not supported');
  if (msg.get(Tag.MDImplicitDelete) === 'Y') return reject(mdReqId, MDReqRejReason.UnsupportedMdImplicitDelete, 'levels leaving the view are deleted explicitly (MDImplicitDelete N)');
  if (msg.has(Tag.TradingSessionID)) return reject(mdReqId, MDReqRejReason.UnsupportedTradingSessionId, 'market data is not per trading session: leave TradingSessionID out');
  return undefined;
}

/** ENTRY_* bits of every MDEntryType(269) in the request, or the first value that is not supported. */
function entryTypesOf(msg: FixMessage): number | string {
  let bits = 0;
  for (let i = 0; i < msg.fieldCount; i++) {
    if (msg.tagAt(i) !== Tag.MDEntryType) continue;
    const value = msg.valueAt(i);
    const bit = ENTRY_BITS[value];
    if (bit === undefined) return value;
    bits |= bit;
  }
  return bits;
}

/** Every Symbol(55) of the NoRelatedSym entries, once each; an entry without one counts as the empty symbol. */
function symbolsOf(msg: FixMessage): string[] {
  const symbols: string[] = [];
  let entries = 0;
  for (let i = 0; i < msg.fieldCount; i++) {
    const tag = msg.tagAt(i);
    if (tag === Tag.NoRelatedSym) entries = Number(msg.valueAt(i));
    else if (tag === Tag.Symbol && !symbols.includes(msg.valueAt(i))) symbols.push(msg.valueAt(i));
  }
  if (symbols.length < entries && !symbols.includes('')) symbols.push('');
  return symbols;
}
