// Engine events → FIX 4.4 message bodies: ExecutionReport (8), OrderCancelReject (9),
// OrderMassCancelReport (r). ExecID is the engine's execId verbatim, OrderID the engine's orderId
// ("NONE" when there is none), the trade id goes in SecondaryExecID(527) (and TradeID(1003) when the dictionary has it).
import { formatUtcTimestamp } from '../fix/time.js';
import type { FieldList } from '../fix/types.js';
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
  const body: FieldList = [
    [37, ev.orderId === '' ? 'NONE' : ev.orderId],
    [11, ev.clOrdId],
  ];
  if (ev.origClOrdId !== null) body.push([41, ev.origClOrdId]);
  body.push([17, ev.execId], [150, EXEC_TYPE_OUT[ev.execType]], [39, ORD_STATUS_OUT[ev.ordStatus]]);
  if (ev.account !== '') body.push([1, ev.account]);
  body.push([55, ev.symbol !== '' ? ev.symbol : (echo?.symbol || 'NONE')]);
  body.push([54, ev.side !== null ? SIDE_OUT[ev.side] : (echo?.side || '1')]);
  body.push([38, ev.orderQty]);
  if (ev.ordType !== null) body.push([40, ORD_TYPE_OUT[ev.ordType]]);
  if (ev.price !== null) body.push([44, ev.price]);
  if (ev.stopPx !== null) body.push([99, ev.stopPx]);
  if (ev.timeInForce !== null) body.push([59, TIF_OUT[ev.timeInForce]]);
  if (ev.expireTimeMs !== null) body.push([126, formatUtcTimestamp(ev.expireTimeMs)]);
  const execInst = echo?.msgType === 'D' && echo.execInst !== undefined ? echo.execInst : ev.postOnly ? '6' : undefined;
  if (execInst !== undefined) body.push([18, execInst]);
  if (ev.minQty !== null) body.push([110, ev.minQty]);
  if (ev.displayQty !== null) body.push([111, ev.displayQty]);
  if (ev.lastQty !== null) body.push([32, ev.lastQty]);
  if (ev.lastPx !== null) body.push([31, ev.lastPx]);
  if (ev.tradeId !== null) {
    body.push([527, ev.tradeId]);
    if (dict !== undefined && tradeIdAllowed(dict)) body.push([1003, ev.tradeId]);
  }
  if (ev.liquidity !== null) body.push([851, ev.liquidity === 'Added' ? '1' : '2']);
  body.push([151, ev.leavesQty], [14, ev.cumQty], [6, ev.avgPx], [60, transactTime(ev.timeMs)]);
  if (ev.fixOrdRejReason !== null && ev.ordStatus === 'Rejected') body.push([103, codeFor(dict, 103, ev.fixOrdRejReason)]);
  if (ev.text !== null) body.push([58, ev.text]);
  return body;
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
