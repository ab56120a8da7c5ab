// Engine events → FIX 4.4 message bodies: ExecutionReport (8), OrderCancelReject (9),
// OrderMassCancelReport (r). ExecID is the engine's execId verbatim, OrderID the engine's orderId
// ("NONE" when there is none), the trade id goes in SecondaryExecID(527) (and TradeID(1003) when the dictionary has it).
import { formatUtcTimestamp } from '../fix/time.js';
import {
  CommType, CxlRejResponseTo, ExecInst, LastLiquidityInd, MassCancelRejectReason, MassCancelRequestType, MassCancelResponse, MsgType, OrdRejReason, Tag,
} from '../fix/names.js';

const LIQUIDITY_ADDED = String(LastLiquidityInd.AddedLiquidity);
const LIQUIDITY_REMOVED = String(LastLiquidityInd.RemovedLiquidity);
import type { FieldList } from '../fix/types.js';
import { fieldsOf, type BodyWriter, type FieldSink } from '../fix/encode.js';
import { DONE_REASON_FIX, STP_DECREMENT_RESTATEMENT_REASON, type CancelReject, type ExecReport, type MassCancelReport } from '../engine/index.js';
import { EXEC_TYPE_OUT, ORD_STATUS_OUT, ORD_TYPE_OUT, SIDE_OUT, TIF_OUT } from './fix-codes.js';
import type { RequestEcho } from './requests.js';
import type { Dictionary } from '../fix/dictionary.js';

/** TradeID(1003) is FIX 5.0 (so not among the FIX 4.4 names): sent only when the session's dictionary lets an
 *  ExecutionReport carry it (the stock FIX 4.4 dictionary does not, and a validating FIX 4.4 client would Reject the
 *  report with 373=0). */
const TRADE_ID = 1003;
const tradeIdAllowedByDict = new WeakMap<Dictionary, boolean>();
function tradeIdAllowed(dict: Dictionary): boolean {
  let allowed = tradeIdAllowedByDict.get(dict);
  if (allowed === undefined) {
    allowed = dict.isField(TRADE_ID) && (dict.message(MsgType.ExecutionReport)?.fields.has(TRADE_ID) ?? false);
    tradeIdAllowedByDict.set(dict, allowed);
  }
  return allowed;
}

/** TransactTime text; the events of one journal batch share their timeMs, so it is formatted once. */
let lastTransactMs = NaN;
let lastTransactText = '';
function transactTime(ms: number): string {
  if (ms !== lastTransactMs) {
    lastTransactText = formatUtcTimestamp(ms);
    lastTransactMs = ms;
  }
  return lastTransactText;
}

/** A reject code the session's dictionary does not list (e.g. FIX 5.0's 103=18 on a FIX 4.4 session) goes out as 99 (Other). */
function codeFor(dict: Dictionary | undefined, tag: number, code: number): string {
  const allowed = dict?.enumByTag[tag];
  return allowed === undefined || allowed.has(String(code)) ? String(code) : String(OrdRejReason.Other);
}

/** ExecutionReport body. `echo` is the request that caused it, when this gateway received it. */
export function executionReport(ev: ExecReport, echo: RequestEcho | undefined, dict?: Dictionary): FieldList {
  return fieldsOf(executionReportWriter(ev, echo, dict));
}

/** The ExecutionReport body written field by field into the encoder (no FieldList per report: this is the
 *  message the gateway sends most). Reads the event when called, so call it before the event can change. */
export function executionReportWriter(ev: ExecReport, echo: RequestEcho | undefined, dict?: Dictionary): BodyWriter {
  return (w) => writeExecutionReport(w, ev, echo, dict);
}

/** One BodyWriter for every report of a sender (no closure per report): `set` points it at a report, and the
 *  writer it returns writes that report until the next `set`. Use it within the synchronous send it is made for. */
export class ExecutionReportBody {
  #ev: ExecReport | undefined;
  #echo: RequestEcho | undefined;
  #dict: Dictionary | undefined;
  readonly #writer: BodyWriter = (w) => writeExecutionReport(w, this.#ev!, this.#echo, this.#dict);

  set(ev: ExecReport, echo: RequestEcho | undefined, dict?: Dictionary): BodyWriter {
    this.#ev = ev;
    this.#echo = echo;
    this.#dict = dict;
    return this.#writer;
  }
}

function writeExecutionReport(w: FieldSink, ev: ExecReport, echo: RequestEcho | undefined, dict: Dictionary | undefined): void {
  const orderId = ev.orderId; // decimal fields of engine events are formatted when read: read each once
  w.field(Tag.OrderID, orderId === '' ? 'NONE' : orderId);
  w.field(Tag.ClOrdID, ev.clOrdId);
  const origClOrdId = ev.origClOrdId;
  if (origClOrdId !== null) w.field(Tag.OrigClOrdID, origClOrdId);
  w.field(Tag.ExecID, ev.execId);
  w.field(Tag.ExecType, EXEC_TYPE_OUT[ev.execType]);
  w.field(Tag.OrdStatus, ORD_STATUS_OUT[ev.ordStatus]);
  const account = ev.account;
  if (account !== '') w.field(Tag.Account, account);
  const symbol = ev.symbol;
  w.field(Tag.Symbol, symbol !== '' ? symbol : (echo?.symbol || 'NONE'));
  const side = ev.side;
  w.field(Tag.Side, side !== null ? SIDE_OUT[side] : (echo?.side || '1'));
  w.field(Tag.OrderQty, ev.orderQty);
  writeOrderTerms(w, ev, echo);
  writeFill(w, ev, dict);
  w.field(Tag.LeavesQty, ev.leavesQty);
  w.field(Tag.CumQty, ev.cumQty);
  w.field(Tag.AvgPx, ev.avgPx);
  w.field(Tag.TransactTime, transactTime(ev.timeMs));
  writeWhy(w, ev, dict);
}

/** The order's own terms: type, prices, time in force, instructions and quantities as the venue holds them. */
function writeOrderTerms(w: FieldSink, ev: ExecReport, echo: RequestEcho | undefined): void {
  const ordType = ev.ordType;
  if (ordType !== null) w.field(Tag.OrdType, ORD_TYPE_OUT[ordType]);
  const price = ev.price;
  if (price !== null) w.field(Tag.Price, price);
  const stopPx = ev.stopPx;
  if (stopPx !== null) w.field(Tag.StopPx, stopPx);
  const timeInForce = ev.timeInForce;
  // A market order never rests: a Day one (or one without 59) behaves as IOC, and is reported as what it does.
  if (timeInForce !== null) w.field(Tag.TimeInForce, ordType === 'Market' && timeInForce === 'Day' ? TIF_OUT.IOC : TIF_OUT[timeInForce]);
  const expireTimeMs = ev.expireTimeMs;
  if (expireTimeMs !== null) w.field(Tag.ExpireTime, formatUtcTimestamp(expireTimeMs));
  const execInst = echo?.msgType === MsgType.NewOrderSingle && echo.execInst !== undefined ? echo.execInst
    : ev.postOnly ? ExecInst.ParticipateDoNotInitiate : undefined;
  if (execInst !== undefined) w.field(Tag.ExecInst, execInst);
  // FOK is the engine's minimum quantity of the whole order: the client sent no MinQty (the engine refuses one on FOK)
  const minQty = ev.minQty;
  if (minQty !== null && timeInForce !== 'FOK') w.field(Tag.MinQty, minQty);
  const displayQty = ev.displayQty;
  if (displayQty !== null) w.field(Tag.MaxFloor, displayQty);
}

/** A fill's fields: last quantity and price, the trade id, liquidity and the commission it cost. */
function writeFill(w: FieldSink, ev: ExecReport, dict: Dictionary | undefined): void {
  const lastQty = ev.lastQty;
  if (lastQty !== null) w.field(Tag.LastQty, lastQty);
  const lastPx = ev.lastPx;
  if (lastPx !== null) w.field(Tag.LastPx, lastPx);
  const tradeId = ev.tradeId;
  if (tradeId !== null) {
    w.field(Tag.SecondaryExecID, tradeId);
    if (dict !== undefined && tradeIdAllowed(dict)) w.field(TRADE_ID, tradeId);
  }
  const liquidity = ev.liquidity;
  if (liquidity !== null) w.field(Tag.LastLiquidityInd, liquidity === 'Added' ? LIQUIDITY_ADDED : LIQUIDITY_REMOVED);
  const commission = ev.commission;
  if (commission !== null) {
    w.field(Tag.Commission, commission);
    w.field(Tag.CommType, CommType.Absolute);
    const asset = ev.commissionAsset;
    if (asset !== null) w.field(Tag.CommCurrency, asset);
  }
}

/** Why: OrdRejReason on a reject; on what the venue did on its own (a cancel, an expiry, a restatement)
 *  ExecRestatementReason(378) and Text(58) from DONE_REASON_FIX (docs/fix-market-data.md, "Venue cancels and
 *  restatements"). */
function writeWhy(w: FieldSink, ev: ExecReport, dict: Dictionary | undefined): void {
  const fixOrdRejReason = ev.fixOrdRejReason;
  // only a rejected order has a reject reason: an OrderStatus answer about an unknown order (150=I) carries none
  if (fixOrdRejReason !== null && ev.execType === 'Rejected') w.field(Tag.OrdRejReason, codeFor(dict, Tag.OrdRejReason, fixOrdRejReason));
  const doneReason = ev.doneReason;
  const why = doneReason === null ? undefined : DONE_REASON_FIX[doneReason];
  if (why !== undefined && why.execRestatementReason !== null) {
    const stpDecrement = doneReason === 'SelfTradePrevention' && ev.execType === 'Restated';
    w.field(Tag.ExecRestatementReason, String(stpDecrement ? STP_DECREMENT_RESTATEMENT_REASON : why.execRestatementReason));
  }
  const text = ev.text ?? why?.text ?? null;
  if (text !== null) w.field(Tag.Text, text);
}

/** OrderCancelReject body: CxlRejResponseTo(434) 1 = cancel, 2 = cancel/replace; CxlRejReason(102). */
export function orderCancelReject(ev: CancelReject, echo: RequestEcho | undefined, dict?: Dictionary): FieldList {
  const body: FieldList = [
    [Tag.OrderID, ev.orderId === '' ? 'NONE' : ev.orderId],
    [Tag.ClOrdID, ev.clOrdId],
    // what the client asked about (its OrigClOrdID), even when the order's chain has moved on since
    [Tag.OrigClOrdID, (echo?.clOrdId === ev.clOrdId ? echo.origClOrdId : undefined) ?? ev.origClOrdId ?? 'NONE'],
    [Tag.OrdStatus, ORD_STATUS_OUT[ev.ordStatus ?? 'Rejected']],
  ];
  if (ev.account !== null && ev.account !== '') body.push([Tag.Account, ev.account]);
  body.push([Tag.TransactTime, transactTime(ev.timeMs)], [Tag.CxlRejResponseTo, ev.responseTo === 'Cancel' ? CxlRejResponseTo.OrderCancelRequest : CxlRejResponseTo.OrderCancel],
    [Tag.CxlRejReason, codeFor(dict, Tag.CxlRejReason, ev.fixCxlRejReason)], [Tag.Text, ev.text]);
  return body;
}

/** OrderMassCancelReport body: MassCancelResponse(531) echoes the request type, or 0 when rejected. */
export function massCancelReport(ev: MassCancelReport, echo: RequestEcho | undefined): FieldList {
  const requestType = echo?.massCancelType ?? MassCancelRequestType.CancelAllOrders;
  const body: FieldList = [
    [Tag.ClOrdID, ev.clOrdId],
    [Tag.OrderID, String(ev.seq)],
    [Tag.MassCancelRequestType, requestType],
    [Tag.MassCancelResponse, ev.rejectReason === null ? requestType : MassCancelResponse.CancelRequestRejected],
  ];
  if (ev.rejectReason !== null) body.push([Tag.MassCancelRejectReason, ev.rejectReason === 'UnknownSymbol' ? MassCancelRejectReason.InvalidOrUnknownSecurity : MassCancelRejectReason.Other]);
  body.push([Tag.TotalAffectedOrders, String(ev.canceledCount)]);
  if (echo?.symbol !== undefined && echo.symbol !== '') body.push([Tag.Symbol, echo.symbol]);
  if (ev.text !== null) body.push([Tag.Text, ev.text]);
  return body;
}

/** An OrderMassCancelReport for a request the gateway refused before the engine (unsupported type). */
export function massCancelRejectedReport(clOrdId: string, requestType: string, rejectReason: string, text: string): FieldList {
  return [
    [Tag.ClOrdID, clOrdId], [Tag.OrderID, 'NONE'], [Tag.MassCancelRequestType, requestType],
    [Tag.MassCancelResponse, MassCancelResponse.CancelRequestRejected], [Tag.MassCancelRejectReason, rejectReason],
    [Tag.TotalAffectedOrders, '0'], [Tag.Text, text],
  ];
}
