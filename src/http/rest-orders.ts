// Order requests of an API key's account, whatever carried them (a REST route or a private WebSocket op): the request
// in the API's words → the REST order entry station → an answer, an HTTP status and a JSON body. The WebSocket sends
// the same status and body as REST does.
import type { Engine, NewOrderCommand, OrderView, StpMode } from '../engine/index.js';
import { generatedClOrdId, isRestSession, restSessionOf, type EntryResult, type NewOrderFields, type OrderTarget, type RestEntry } from '../gateway/rest-entry.js';
import type { ApiKey } from './api-keys.js';
import {
  errorCodeOf, ORDER_TYPES, restFillOfReport, restFillOfView, restOrderOfReport, restOrderOfView, SIDES, statusOfReject, TIMES_IN_FORCE,
  type RestError, type RestOrderType, type RestSide, type RestTimeInForce,
} from './rest-views.js';

export interface OrderContext { engine: Engine; entry: RestEntry }

export interface Answer { status: number; body: unknown }

/** POST /api/v1/orders (and the WebSocket "order" op), as validated by PLACE_ORDER_BODY. */
export interface PlaceBody {
  symbol: string; side: RestSide; type: RestOrderType; quantity: string; price?: string; stopPrice?: string;
  timeInForce?: RestTimeInForce; expireTimeMs?: number; clientOrderId?: string; postOnly?: boolean; displayQuantity?: string;
  minQuantity?: string; selfTradePrevention?: 'none' | 'cancel_newest' | 'cancel_oldest' | 'cancel_both' | 'decrement_and_cancel';
}

export interface AmendBody { quantity?: string; price?: string; stopPrice?: string; clientOrderId?: string }

const STP_MODES: Record<NonNullable<PlaceBody['selfTradePrevention']>, StpMode> = {
  none: 'None', cancel_newest: 'CancelNewest', cancel_oldest: 'CancelOldest', cancel_both: 'CancelBoth', decrement_and_cancel: 'DecrementAndCancel',
};

/** The engine's NewOrder fields of a request; the optional ones only when given, in a fixed order (the idempotency
 *  check compares two requests' fields as text). */
export function newOrderFieldsOf(b: PlaceBody): NewOrderFields {
  const f: NewOrderFields = { clOrdId: b.clientOrderId ?? generatedClOrdId(), symbol: b.symbol, side: SIDES[b.side], ordType: ORDER_TYPES[b.type], orderQty: b.quantity };
  const opt: Partial<NewOrderCommand> = {
    timeInForce: b.timeInForce === undefined ? undefined : TIMES_IN_FORCE[b.timeInForce], price: b.price, stopPx: b.stopPrice,
    expireTimeMs: b.expireTimeMs, postOnly: b.postOnly, displayQty: b.displayQuantity, minQty: b.minQuantity,
    stpMode: b.selfTradePrevention === undefined ? undefined : STP_MODES[b.selfTradePrevention],
  };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (f as unknown as Record<string, unknown>)[k] = v;
  return f;
}

export async function placeOrder(c: OrderContext, key: ApiKey, b: PlaceBody): Promise<Answer> {
  const r = await c.entry.place(key.account, newOrderFieldsOf(b));
  if (r.kind === 'known') return { status: 200, body: { ...restOrderOfView(r.order), fills: fillsOf(c.engine, r.order), duplicate: true } };
  if (r.kind === 'conflict') {
    return error(409, 'duplicate_client_order_id', r.order === null
      ? `clientOrderId ${b.clientOrderId} is in use by another request in flight`
      : `clientOrderId ${b.clientOrderId} is in use by order ${r.order.orderId} (${r.order.symbol} ${r.order.side} ${r.order.ordType})`);
  }
  return answerOf(c.engine, r, true);
}

export async function cancelOrder(c: OrderContext, key: ApiKey, target: OrderTarget): Promise<Answer> {
  const refused = foreignOrder(c.engine, key, target);
  if (refused !== null) return refused;
  return answerOf(c.engine, await c.entry.cancel(key.account, target), false);
}

export async function amendOrder(c: OrderContext, key: ApiKey, target: OrderTarget, b: AmendBody): Promise<Answer> {
  const refused = foreignOrder(c.engine, key, target);
  if (refused !== null) return refused;
  let orderQty = b.quantity;
  if (orderQty === undefined) {
    const order = orderOf(c.engine, key, target);
    if (order === null) return unknownOrder();
    orderQty = order.orderQty;
  }
  const fields = { orderQty, ...(b.price !== undefined ? { price: b.price } : {}), ...(b.stopPrice !== undefined ? { stopPx: b.stopPrice } : {}),
    ...(b.clientOrderId !== undefined ? { clOrdId: b.clientOrderId } : {}) };
  return answerOf(c.engine, await c.entry.amend(key.account, target, fields), true);
}

/** The account's order (by id: entered over any channel; by client order id: over REST or WebSocket), or null. */
export function orderOf(engine: Engine, key: ApiKey, target: OrderTarget): OrderView | null {
  const order = 'orderId' in target ? engine.orderById(target.orderId) : engine.orderByClOrdId(restSessionOf(key.account), target.clientOrderId);
  return order !== null && order.account === key.account ? order : null;
}

export function unknownOrder(): Answer {
  return error(404, 'unknown_order', 'no such order of this account');
}

/** Orders entered over FIX are canceled and amended over FIX: the engine keys a cancel by the session that entered the
 *  order. An order of another account is unknown. */
function foreignOrder(engine: Engine, key: ApiKey, target: OrderTarget): Answer | null {
  if (!('orderId' in target)) return null;
  const order = engine.orderById(target.orderId);
  if (order === null || order.account !== key.account) return unknownOrder();
  if (!isRestSession(order.session)) return error(409, 'fix_order', `order ${order.orderId} was entered over FIX: cancel or amend it over FIX`);
  return null;
}

/** The answer to an applied command, a timeout or an unavailable log. A refused cancel or amend of a known order
 *  carries the order as it is now. */
function answerOf(engine: Engine, r: EntryResult, withFills: boolean): Answer {
  switch (r.kind) {
    case 'unavailable':
      return error(r.reason === 'timeout' ? 504 : 503, r.reason === 'timeout' ? 'timeout' : 'unavailable', r.text);
    case 'known': case 'conflict':
      throw new Error(`invariant: ${r.kind} answers only a new order`);
    case 'applied': {
      if (r.cancelReject !== null) {
        const cr = r.cancelReject;
        const order = cr.orderId === 'NONE' ? null : engine.orderById(cr.orderId);
        return { status: statusOfReject(cr.rejectReason), body: { error: errorCodeOf(cr.rejectReason), message: cr.text, rejectReason: cr.rejectReason,
          ...(order !== null ? { order: restOrderOfView(order) } : {}) } satisfies RestError };
      }
      const last = r.execs[r.execs.length - 1];
      if (last === undefined) throw new Error(`invariant: command ${r.seq} has no report about the request's order`);
      if (last.execType === 'Rejected' && last.rejectReason !== null) {
        return { status: statusOfReject(last.rejectReason), body: { error: errorCodeOf(last.rejectReason), message: last.text ?? last.rejectReason, rejectReason: last.rejectReason } satisfies RestError };
      }
      const order = restOrderOfReport(last);
      if (!withFills) return { status: 200, body: order };
      return { status: 200, body: { ...order, fills: r.execs.filter((e) => e.execType === 'Trade').map(restFillOfReport), duplicate: r.retry } };
    }
  }
}

/** The order's fills the engine still holds, oldest first. */
function fillsOf(engine: Engine, order: OrderView): ReturnType<typeof restFillOfView>[] {
  return (engine.orderFills(order.orderId) ?? []).reverse().map(restFillOfView);
}

function error(status: number, code: string, message: string): Answer {
  return { status, body: { error: code, message } satisfies RestError };
}
