// Engine events → FIX 4.4 message bodies: ExecutionReport (8), OrderCancelReject (9),
// OrderMassCancelReport (r). ExecID is the engine's execId verbatim, OrderID the engine's orderId
// ("NONE" when there is none), the trade id goes in SecondaryExecID(527) (and TradeID(1003) when the dictionary has it).
import { formatUtcTimestamp } from '../fix/time.js';
import type { FieldList } from '../fix/types.js';
import { fieldsOf, type BodyWriter, type FieldSink } from '../fix/encode.js';
import type { CancelReject, ExecReport, MassCancelReport } from '../engine/index.js';
import { EXEC_TYPE_OUT, ORD_STATUS_OUT, ORD_TYPE_OUT, SIDE_OUT, TIF_OUT } from './fix-codes.js';
import type { RequestEcho } from './requests.js';
import type { Dictionary } from '../fix/dictionary.js';

/** TradeID(1003) is FIX 5.0: sent only when the session's dictionary lets an ExecutionReport carry it (the stock
 *  FIX 4.4 dictionary does not, and a validating FIX 4.4 client would Reject the report with 373=0). */
const tradeIdAllowedByDict = new WeakMap<Dictionary, boolean>();
function tradeIdAllowed(dict: Dictionary): boolean {
  let allowed = tradeIdAllowedByDict.get(dict);
  if (allowed === undefined) {
    allowed = dict.isField(1003) && (dict.message('8')?.fields.has(1003) ?? false);
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
  return allowed === undefined || allowed.has(String(code)) ? String(code) : '99';
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
  w.field(37, orderId === '' ? 'NONE' : orderId);
  w.field(11, ev.clOrdId);
  const origClOrdId = ev.origClOrdId;
  if (origClOrdId !== null) w.field(41, origClOrdId);
  w.field(17, ev.execId);
  w.field(150, EXEC_TYPE_OUT[ev.execType]);
  w.field(39, ORD_STATUS_OUT[ev.ordStatus]);
  const account = ev.account;
  if (account !== '') w.field(1, account);
  const symbol = ev.symbol;
  w.field(55, symbol !== '' ? symbol : (echo?.symbol || 'NONE'));
  const side = ev.side;
  w.field(54, side !== null ? SIDE_OUT[side] : (echo?.side || '1'));
  w.field(38, ev.orderQty);
  const ordType = ev.ordType;
  if (ordType !== null) w.field(40, ORD_TYPE_OUT[ordType]);
  const price = ev.price;
  if (price !== null) w.field(44, price);
  const stopPx = ev.stopPx;
  if (stopPx !== null) w.field(99, stopPx);
  const timeInForce = ev.timeInForce;
  if (timeInForce !== null) w.field(59, TIF_OUT[timeInForce]);
  const expireTimeMs = ev.expireTimeMs;
  if (expireTimeMs !== null) w.field(126, formatUtcTimestamp(expireTimeMs));
  const execInst = echo?.msgType === 'D' && echo.execInst !== undefined ? echo.execInst : ev.postOnly ? '6' : undefined;
  if (execInst !== undefined) w.field(18, execInst);
  const minQty = ev.minQty;
  if (minQty !== null) w.field(110, minQty);
  const displayQty = ev.displayQty;
  if (displayQty !== null) w.field(111, displayQty);
  const lastQty = ev.lastQty;
  if (lastQty !== null) w.field(32, lastQty);
  const lastPx = ev.lastPx;
  if (lastPx !== null) w.field(31, lastPx);
  const tradeId = ev.tradeId;
  if (tradeId !== null) {
    w.field(527, tradeId);
    if (dict !== undefined && tradeIdAllowed(dict)) w.field(1003, tradeId);
  }
  const liquidity = ev.liquidity;
  if (liquidity !== null) w.field(851, liquidity === 'Added' ? '1' : '2');
  w.field(151, ev.leavesQty);
  w.field(14, ev.cumQty);
  w.field(6, ev.avgPx);
  w.field(60, transactTime(ev.timeMs));
  const fixOrdRejReason = ev.fixOrdRejReason;
  if (fixOrdRejReason !== null && ev.ordStatus === 'Rejected') w.field(103, codeFor(dict, 103, fixOrdRejReason));
  const text = ev.text;
  if (text !== null) w.field(58, text);
}

/** OrderCancelReject body: CxlRejResponseTo(434) 1 = cancel, 2 = cancel/replace; CxlRejReason(102). */
export function orderCancelReject(ev: CancelReject, echo: RequestEcho | undefined, dict?: Dictionary): FieldList {
  const body: FieldList = [
    [37, ev.orderId === '' ? 'NONE' : ev.orderId],
    [11, ev.clOrdId],
    // what the client asked about (its OrigClOrdID), even when the order's chain has moved on since
    [41, (echo?.clOrdId === ev.clOrdId ? echo.origClOrdId : undefined) ?? ev.origClOrdId ?? 'NONE'],
    [39, ORD_STATUS_OUT[ev.ordStatus ?? 'Rejected']],
  ];
  if (ev.account !== null && ev.account !== '') body.push([1, ev.account]);
  body.push([60, transactTime(ev.timeMs)], [434, ev.responseTo === 'Cancel' ? '1' : '2'],
    [102, codeFor(dict, 102, ev.fixCxlRejReason)], [58, ev.text]);
  return body;
}

/** OrderMassCancelReport body: MassCancelResponse(531) echoes the request type, or 0 when rejected. */
export function massCancelReport(ev: MassCancelReport, echo: RequestEcho | undefined): FieldList {
  const requestType = echo?.massCancelType ?? '7';
  const body: FieldList = [
    [11, ev.clOrdId],
    [37, String(ev.seq)],
    [530, requestType],
    [531, ev.rejectReason === null ? requestType : '0'],
  ];
  if (ev.rejectReason !== null) body.push([532, ev.rejectReason === 'UnknownSymbol' ? '1' : '99']);
  body.push([533, String(ev.canceledCount)]);
  if (echo?.symbol !== undefined && echo.symbol !== '') body.push([55, echo.symbol]);
  if (ev.text !== null) body.push([58, ev.text]);
  return body;
}

/** An OrderMassCancelReport for a request the gateway refused before the engine (unsupported type). */
export function massCancelRejectedReport(clOrdId: string, requestType: string, rejectReason: number, text: string): FieldList {
  return [[11, clOrdId], [37, 'NONE'], [530, requestType], [531, '0'], [532, String(rejectReason)], [533, '0'], [58, text]];
}
