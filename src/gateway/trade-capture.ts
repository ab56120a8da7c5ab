// Station: trade capture over FIX, for back offices. TradeCaptureReportRequest (AD) → TradeCaptureReportRequestAck
// (AQ), then one TradeCaptureReport (AE) per execution, oldest first, the last with LastRptRequested=Y. A trading session
// sees the executions of the orders it entered, on its own account (its CompID) and on the accounts it names
// (Parties, PartyRole 24); a drop-copy session sees every execution of the accounts it may see (DropCopyAccounts).
// Filters: a time range (NoDates: TransactTime or TradeDate, one = from, two = from..to), Symbol, Side, OrderID,
// ClOrdID. What can be asked is bounded twice: the engine keeps the last limits.fillHistoryMax executions (older ones
// are forgotten, and the ack says from when on the history is complete), and one request gets at most
// TRADE_REPORTS_MAX reports (the newest of the range; the ack says so). docs/fix-market-data.md.
import type { FixMessage } from '../fix/message.js';
import { formatUtcTimestamp, parseDate, parseUtcTimestamp } from '../fix/time.js';
import { CommType, ExecType, MsgType, PartyRole, SubscriptionRequestType, Tag, TradeRequestResult, TradeRequestStatus, TradeRequestType } from '../fix/names.js';
import type { FieldList } from '../fix/types.js';
import type { Session } from '../session/session.js';
import type { FillView } from '../engine/index.js';
import type { GatewaySession } from './config.js';
import { SIDE_OUT, sideIn } from './fix-codes.js';
import type { EngineReads } from './seam.js';

/** TradeCaptureReports one request gets at most. */
export const TRADE_REPORTS_MAX = 1000;
const DAY_MS = 86_400_000;

interface TradeQuery {
  reqId: string;
  requestType: string;
  sinceMs: number;
  untilMs: number;
  accounts: string[];
  symbol: string | undefined;
  side: string | undefined;
  orderId: string | undefined;
  clOrdId: string | undefined;
}

export class TradeCapture {
  readonly #engine: EngineReads;

  constructor(engine: EngineReads) {
    this.#engine = engine;
  }

  receive(session: Session, msg: FixMessage, s: GatewaySession): void {
    const q = queryOf(msg);
    if (typeof q === 'string') return this.#ack(session, msg, TradeRequestResult.Other, TradeRequestStatus.Rejected, 0, q);
    const type = Number(q.requestType);
    if (type !== TradeRequestType.AllTrades && type !== TradeRequestType.MatchedTradesMatchingCriteria) {
      return this.#ack(session, msg, TradeRequestResult.TradeRequestTypeNotSupported, TradeRequestStatus.Rejected, 0, 'TradeRequestType 0 or 1 (every trade is matched)');
    }
    const sub = msg.get(Tag.SubscriptionRequestType);
    if (sub !== undefined && sub !== SubscriptionRequestType.Snapshot) {
      return this.#ack(session, msg, TradeRequestResult.Other, TradeRequestStatus.Rejected, 0, 'only snapshots (SubscriptionRequestType 0): new executions come as ExecutionReports');
    }
    if (q.symbol !== undefined && !this.#engine.config.instrumentBySymbol.has(q.symbol)) {
      return this.#ack(session, msg, TradeRequestResult.InvalidOrUnknownInstrument, TradeRequestStatus.Rejected, 0, `unknown symbol ${JSON.stringify(q.symbol)}`);
    }
    const accepts = this.#accountsFor(session, s, q);
    if (typeof accepts === 'string') return this.#ack(session, msg, TradeRequestResult.NotAuthorized, TradeRequestStatus.Rejected, 0, accepts);
    const own = s.sessionType === 'dropcopy' ? undefined : session.key;
    // with nothing to filter afterwards, one more than is sent tells whether the range held more
    const filtered = own !== undefined || q.symbol !== undefined || q.side !== undefined || q.orderId !== undefined || q.clOrdId !== undefined;
    const { fills, forgottenBeforeMs } = this.#engine.fillsBetween(q.sinceMs, q.untilMs, filtered ? Number.MAX_SAFE_INTEGER : TRADE_REPORTS_MAX + 1, accepts);
    const chosen = fills.filter((f) => matches(f, q) && (own === undefined || this.#engine.orderById(f.orderId)?.session === own));
    const sent = chosen.slice(0, TRADE_REPORTS_MAX).reverse();
    const notes: string[] = [];
    if (chosen.length > sent.length) notes.push(`more than ${sent.length} executions match: the newest ${sent.length} are sent (ask again up to ${formatUtcTimestamp(sent[0]!.timeMs)} for earlier ones)`);
    if (forgottenBeforeMs !== null && q.sinceMs < forgottenBeforeMs) notes.push(`executions before ${formatUtcTimestamp(forgottenBeforeMs)} are no longer held`);
    this.#ack(session, msg, TradeRequestResult.Successful, sent.length > 0 ? TradeRequestStatus.Accepted : TradeRequestStatus.Completed, sent.length,
      notes.length > 0 ? notes.join('; ') : undefined);
    sent.forEach((f, i) => session.send(MsgType.TradeCaptureReport, report(f, q.reqId, sent.length, i === sent.length - 1)));
  }

  /** Which accounts' executions the session may have: a string says why it may not. */
  #accountsFor(session: Session, s: GatewaySession, q: TradeQuery): ((account: string) => boolean) | string {
    if (s.sessionType === 'dropcopy') {
      const seen = s.dropCopyAccounts === '*' || s.dropCopyAccounts === undefined ? undefined : new Set(s.dropCopyAccounts);
      const outside = q.accounts.find((a) => seen !== undefined && !seen.has(a));
      if (outside !== undefined) return `account ${outside} is not among this drop-copy session's accounts`;
      const wanted = q.accounts.length > 0 ? new Set(q.accounts) : seen;
      return (a) => wanted === undefined || wanted.has(a);
    }
    const wanted = new Set(q.accounts.length > 0 ? q.accounts : [session.id.targetCompId]);
    return (a) => wanted.has(a);
  }

  #ack(session: Session, msg: FixMessage, result: number, status: number, count: number, text: string | undefined): void {
    const body: FieldList = [[Tag.TradeRequestID, msg.get(Tag.TradeRequestID) ?? ''], [Tag.TradeRequestType, msg.get(Tag.TradeRequestType) ?? '0'],
      [Tag.TotNumTradeReports, String(count)], [Tag.TradeRequestResult, String(result)], [Tag.TradeRequestStatus, String(status)],
      [Tag.Symbol, msg.get(Tag.Symbol) ?? '[N/A]']];
    if (text !== undefined) body.push([Tag.Text, text]);
    session.send(MsgType.TradeCaptureReportRequestAck, body);
  }
}

/** The request's filters, or why they cannot be read. */
function queryOf(msg: FixMessage): TradeQuery | string {
  const times = timesOf(msg);
  if (typeof times === 'string') return times;
  const accounts: string[] = [];
  let partyId: string | undefined;
  for (let i = 0; i < msg.fieldCount; i++) {
    const tag = msg.tagAt(i);
    if (tag === Tag.PartyID) partyId = msg.valueAt(i);
    else if (tag === Tag.PartyRole && Number(msg.valueAt(i)) === PartyRole.CustomerAccount && partyId !== undefined) accounts.push(partyId);
  }
  return {
    reqId: msg.get(Tag.TradeRequestID) ?? '', requestType: msg.get(Tag.TradeRequestType) ?? '', accounts,
    sinceMs: times[0] ?? 0, untilMs: times[1] ?? Number.MAX_SAFE_INTEGER,
    symbol: msg.get(Tag.Symbol), side: msg.get(Tag.Side), orderId: msg.get(Tag.OrderID), clOrdId: msg.get(Tag.ClOrdID),
  };
}

/** NoDates: each entry (TradeDate, then optionally TransactTime, the finer one) is a time: one = from, two = from..to. */
function timesOf(msg: FixMessage): number[] | string {
  const times: number[] = [];
  for (let i = 0; i < msg.fieldCount; i++) {
    const tag = msg.tagAt(i);
    if (tag !== Tag.TradeDate && tag !== Tag.TransactTime) continue;
    const value = msg.valueAt(i);
    const ms = tag === Tag.TransactTime ? parseUtcTimestamp(value) : dateMs(value, times.length);
    if (ms === undefined) return `${tag === Tag.TransactTime ? 'TransactTime' : 'TradeDate'} ${value} is not a time`;
    if (tag === Tag.TradeDate) times.push(ms);
    else if (times.length > 0) times[times.length - 1] = ms;
  }
  return times.length > 2 ? 'NoDates: at most two (from, to)' : times;
}

/** A TradeDate as a time: its start when it is the first date (from), its end when the second (to). */
function dateMs(value: string, index: number): number | undefined {
  const ymd = parseDate(value);
  if (ymd === undefined) return undefined;
  const start = Date.UTC(ymd[0], ymd[1] - 1, ymd[2]);
  return index === 0 ? start : start + DAY_MS - 1;
}

function matches(f: FillView, q: TradeQuery): boolean {
  return (q.symbol === undefined || f.symbol === q.symbol) && (q.side === undefined || sideIn(q.side) === f.side)
    && (q.orderId === undefined || f.orderId === q.orderId) && (q.clOrdId === undefined || f.clOrdId === q.clOrdId);
}

/** AE: one side of a trade (the requester's), the trade's match id shared with the other side. */
function report(f: FillView, reqId: string, total: number, last: boolean): FieldList {
  const stamp = formatUtcTimestamp(f.timeMs);
  return [
    [Tag.TradeReportID, f.execId], [Tag.TradeRequestID, reqId], [Tag.ExecType, ExecType.Trade], [Tag.TotNumTradeReports, String(total)],
    [Tag.LastRptRequested, last ? 'Y' : 'N'], [Tag.TrdMatchID, f.tradeId], [Tag.ExecID, f.execId], [Tag.PreviouslyReported, 'N'],
    [Tag.Symbol, f.symbol], [Tag.LastQty, f.qty], [Tag.LastPx, f.price], [Tag.TradeDate, stamp.slice(0, 8)], [Tag.TransactTime, stamp],
    [Tag.NoSides, '1'], [Tag.Side, SIDE_OUT[f.side]], [Tag.OrderID, f.orderId], [Tag.ClOrdID, f.clOrdId], [Tag.Account, f.account],
    [Tag.Commission, f.commission], [Tag.CommType, CommType.Absolute], [Tag.CommCurrency, f.commissionAsset],
  ];
}
