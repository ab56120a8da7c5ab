// The REST API's routes (under /api/v1): each names its schema (rest-schemas.ts) and the permission its key needs
// (route config, checked by rest-api.ts before the handler runs). Order requests are answered by rest-orders.ts, reads
// straight from the engine's applied (durable) state.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OrderTarget } from '../gateway/rest-entry.js';
import { apiKeyOf, type RestRouteConfig } from './rest-api.js';
import { amendOrder, cancelOrder, orderOf, placeOrder, unknownOrder, type AmendBody, type Answer, type OrderContext, type PlaceBody } from './rest-orders.js';
import { SCHEMAS } from './rest-schemas.js';
import { restBalances, restFillOfView, restOrderOfView, restPosition } from './rest-views.js';

/** Signed routes: the key's permission, and no read token (HttpAccessToken) on top of the signature. */
const READ: { config: RestRouteConfig } = { config: { permission: 'read', readToken: false } };
const TRADE: { config: RestRouteConfig } = { config: { permission: 'trade', readToken: false } };
/** Orders listed at most (the oldest open orders of the account). */
const OPEN_ORDERS_MAX = 1000;

type ById = { Params: { orderId: string } };
type ByClientId = { Params: { clientOrderId: string } };

function send(reply: FastifyReply, a: Answer): FastifyReply {
  return reply.code(a.status).send(a.body);
}

function targetOf(req: FastifyRequest): OrderTarget {
  const p = req.params as { orderId?: string; clientOrderId?: string };
  return p.orderId !== undefined ? { orderId: p.orderId } : { clientOrderId: p.clientOrderId! };
}

export function registerOrderRoutes(app: FastifyInstance, c: OrderContext): void {
  app.post('/orders', { schema: SCHEMAS.place, ...TRADE }, async (req, reply) => send(reply, await placeOrder(c, apiKeyOf(req), req.body as PlaceBody)));
  for (const [path, schemas] of [['/orders/:orderId', [SCHEMAS.order, SCHEMAS.cancel, SCHEMAS.amend]],
    ['/orders/by-client-id/:clientOrderId', [SCHEMAS.orderByClientId, SCHEMAS.cancelByClientId, SCHEMAS.amendByClientId]]] as const) {
    app.get<ById | ByClientId>(path, { schema: schemas[0], ...READ }, async (req, reply) => {
      const order = orderOf(c.engine, apiKeyOf(req), targetOf(req));
      return order === null ? send(reply, unknownOrder()) : restOrderOfView(order);
    });
    app.delete<ById | ByClientId>(path, { schema: schemas[1], ...TRADE }, async (req, reply) =>
      send(reply, await cancelOrder(c, apiKeyOf(req), targetOf(req))));
    app.patch<ById | ByClientId>(path, { schema: schemas[2], ...TRADE }, async (req, reply) =>
      send(reply, await amendOrder(c, apiKeyOf(req), targetOf(req), req.body as AmendBody)));
  }
  app.get<ById>('/orders/:orderId/fills', { schema: SCHEMAS.orderFills, ...READ }, async (req, reply) => {
    const order = orderOf(c.engine, apiKeyOf(req), { orderId: req.params.orderId });
    if (order === null) return send(reply, unknownOrder());
    return (c.engine.orderFills(order.orderId) ?? []).reverse().map(restFillOfView);
  });
  app.get<{ Querystring: { symbol?: string; limit?: string } }>('/orders', { schema: SCHEMAS.openOrders, ...READ }, async (req) => {
    const limit = Math.min(Number(req.query.limit ?? OPEN_ORDERS_MAX), OPEN_ORDERS_MAX);
    const symbol = req.query.symbol;
    const orders = c.engine.openOrders(apiKeyOf(req).account, OPEN_ORDERS_MAX).filter((o) => symbol === undefined || o.symbol === symbol);
    return orders.slice(0, limit).map(restOrderOfView);
  });
}

export function registerAccountRoutes(app: FastifyInstance, c: OrderContext): void {
  app.get<{ Querystring: { limit?: string } }>('/fills', { schema: SCHEMAS.fills, ...READ }, async (req) =>
    c.engine.accountFills(apiKeyOf(req).account, Math.min(Number(req.query.limit ?? 100), 1000)).map(restFillOfView));
  app.get('/balances', { schema: SCHEMAS.balances, ...READ }, async (req, reply) => {
    const balances = c.engine.balances(apiKeyOf(req).account);
    return balances === null ? unknownAccount(reply) : restBalances(balances);
  });
  app.get('/positions', { schema: SCHEMAS.positions, ...READ }, async (req) => (c.engine.positions(apiKeyOf(req).account) ?? []).map(restPosition));
  app.get('/account', { schema: SCHEMAS.account, ...READ }, async (req, reply) => {
    const key = apiKeyOf(req);
    const account = c.engine.account(key.account);
    if (account === null) return unknownAccount(reply);
    return { account: account.account, mode: account.mode, killSwitch: account.killSwitch, openOrders: account.openOrders,
      permissions: [...key.permissions], fees: c.engine.feeSchedule(key.account) };
  });
}

function unknownAccount(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: 'unknown_account', message: "the engine refuses this key's account (accounts.allowUnknown is off)" });
}
