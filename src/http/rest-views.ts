// The REST API's JSON words for the engine's views and events: orders, fills, balances, positions and errors. Prices,
// quantities and amounts stay the engine's exact decimal strings; enumerations become the lower-case words REST
// clients know ("buy", "limit", "partially_filled"), time in force the upper-case codes ("GTC").
import type {
  BalanceView, ExecReport, FillView, OrdStatus, OrdType, OrderView, PositionView, RejectReason, Side, TimeInForce,
} from '../engine/index.js';
import { isRestSession } from '../gateway/rest-entry.js';

export type RestSide = 'buy' | 'sell';
export type RestOrderType = 'limit' | 'market' | 'stop' | 'stop_limit';
export type RestTimeInForce = 'GTC' | 'DAY' | 'IOC' | 'FOK' | 'GTD';
export type RestStatus = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired';

export interface RestOrder {
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: RestSide;
  type: RestOrderType;
  timeInForce: RestTimeInForce;
  price: string | null;
  stopPrice: string | null;
  quantity: string;
  filledQuantity: string;
  remainingQuantity: string;
  averagePrice: string;
  status: RestStatus;
  /** How the order was entered: over REST or the private WebSocket ("api"), or over FIX ("fix"). */
  channel: 'api' | 'fix';
}

export interface RestFill {
  seq: number;
  timeMs: number;
  execId: string;
  tradeId: string;
  orderId: string;
  clientOrderId: string;
  symbol: string;
  side: RestSide;
  price: string;
  quantity: string;
  fee: string;
  feeAsset: string;
  liquidity: 'maker' | 'taker';
}

export interface RestPosition {
  symbol: string;
  netQuantity: string;
  cost: string;
  averageCost: string | null;
  realizedPnl: string;
  fees: string;
  quoteAsset: string;
}

export const SIDES: Record<RestSide, Side> = { buy: 'Buy', sell: 'Sell' };
export const ORDER_TYPES: Record<RestOrderType, OrdType> = { limit: 'Limit', market: 'Market', stop: 'Stop', stop_limit: 'StopLimit' };
export const TIMES_IN_FORCE: Record<RestTimeInForce, TimeInForce> = { GTC: 'GTC', DAY: 'Day', IOC: 'IOC', FOK: 'FOK', GTD: 'GTD' };

const SIDE_OUT: Record<Side, RestSide> = { Buy: 'buy', Sell: 'sell' };
const TYPE_OUT: Record<OrdType, RestOrderType> = { Limit: 'limit', Market: 'market', Stop: 'stop', StopLimit: 'stop_limit' };
const TIF_OUT: Record<TimeInForce, RestTimeInForce> = { GTC: 'GTC', Day: 'DAY', IOC: 'IOC', FOK: 'FOK', GTD: 'GTD' };
const STATUS_OUT: Record<OrdStatus, RestStatus> = {
  New: 'new', PartiallyFilled: 'partially_filled', Filled: 'filled', Canceled: 'canceled', Rejected: 'rejected', Expired: 'expired',
};

export function restOrderOfView(o: OrderView): RestOrder {
  return {
    orderId: o.orderId, clientOrderId: o.clOrdId, symbol: o.symbol, side: SIDE_OUT[o.side], type: TYPE_OUT[o.ordType],
    timeInForce: TIF_OUT[o.timeInForce], price: o.price, stopPrice: o.stopPx, quantity: o.orderQty, filledQuantity: o.cumQty,
    remainingQuantity: o.leavesQty, averagePrice: o.avgPx, status: STATUS_OUT[o.ordStatus], channel: channelOf(o.session),
  };
}

/** The order as a report left it (a report of an order the engine holds: orderId is set). */
export function restOrderOfReport(r: ExecReport): RestOrder {
  return {
    orderId: r.orderId, clientOrderId: r.clOrdId, symbol: r.symbol, side: SIDE_OUT[r.side ?? 'Buy'], type: TYPE_OUT[r.ordType ?? 'Limit'],
    timeInForce: TIF_OUT[r.timeInForce ?? 'Day'], price: r.price, stopPrice: r.stopPx, quantity: r.orderQty, filledQuantity: r.cumQty,
    remainingQuantity: r.leavesQty, averagePrice: r.avgPx, status: STATUS_OUT[r.ordStatus], channel: channelOf(r.session),
  };
}

/** The fill a Trade report is about. */
export function restFillOfReport(r: ExecReport): RestFill {
  return {
    seq: r.seq, timeMs: r.timeMs, execId: r.execId, tradeId: r.tradeId ?? '', orderId: r.orderId, clientOrderId: r.clOrdId,
    symbol: r.symbol, side: SIDE_OUT[r.side ?? 'Buy'], price: r.lastPx ?? '', quantity: r.lastQty ?? '', fee: r.commission ?? '0',
    feeAsset: r.commissionAsset ?? '', liquidity: r.liquidity === 'Added' ? 'maker' : 'taker',
  };
}

export function restFillOfView(f: FillView): RestFill {
  return {
    seq: f.seq, timeMs: f.timeMs, execId: f.execId, tradeId: f.tradeId, orderId: f.orderId, clientOrderId: f.clOrdId, symbol: f.symbol,
    side: SIDE_OUT[f.side], price: f.price, quantity: f.qty, fee: f.commission, feeAsset: f.commissionAsset,
    liquidity: f.liquidity === 'Added' ? 'maker' : 'taker',
  };
}

export function restBalances(b: readonly BalanceView[]): Array<{ asset: string; available: string; reserved: string }> {
  return b.map((x) => ({ asset: x.asset, available: x.available, reserved: x.reserved }));
}

export function restPosition(p: PositionView): RestPosition {
  return { symbol: p.symbol, netQuantity: p.netQty, cost: p.cost, averageCost: p.avgCost, realizedPnl: p.realizedPnl, fees: p.fees, quoteAsset: p.quoteAsset };
}

function channelOf(session: string): 'api' | 'fix' {
  return isRestSession(session) ? 'api' : 'fix';
}

/** An error answer: a code, a sentence for people, and the engine's reject reason when the engine refused. */
export interface RestError { error: string; message: string; rejectReason?: RejectReason; order?: RestOrder }

/** The engine's reject reason as an error code: InsufficientBalance → insufficient_balance, DuplicateClOrdId →
 *  duplicate_client_order_id (the API's word for a ClOrdID). */
export function errorCodeOf(reason: RejectReason): string {
  return reason.replace('ClOrdId', 'ClientOrderId').replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
}

/** The HTTP status of an engine refusal: the order is not there (404), the request conflicts with the order's state or
 *  another order (409), or it is a well-formed request the engine cannot do (422). */
export function statusOfReject(reason: RejectReason): 404 | 409 | 422 {
  switch (reason) {
    case 'UnknownOrder': return 404;
    case 'OrderDone': case 'DuplicateClOrdId': return 409;
    default: return 422;
  }
}
