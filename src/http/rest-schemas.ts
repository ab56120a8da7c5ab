// The REST API's JSON schemas: one source for request validation (rest-api.ts compiles them with Ajv, refusing
// unknown fields instead of dropping them), response serialisation and the OpenAPI description (@fastify/swagger).
// Shared shapes are added once with an $id (Order, Fill, ...) and referenced as { $ref: 'Order#' }.
import type { ErrorObject } from 'ajv';

/** A validation failure in a sentence that names the field: "body/price must be string", "body: unknown field
 *  extra". */
export function validationMessage(errors: readonly ErrorObject[] | null | undefined, dataVar: string): string {
  const e = errors?.[0];
  if (e === undefined) return `${dataVar} is not valid`;
  const at = `${dataVar}${e.instancePath}`;
  if (e.keyword === 'additionalProperties') return `${at}: unknown field ${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'enum') return `${at} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${at} ${e.message ?? 'is not valid'}`;
}

const DECIMAL = { type: 'string', pattern: '^[0-9]{1,20}(\\.[0-9]{1,20})?$', description: 'a decimal string, e.g. "50000.00"' } as const;
const DECIMAL_OUT = { type: 'string', description: 'an exact decimal string' } as const;
const NULLABLE_DECIMAL_OUT = { type: ['string', 'null'], description: 'an exact decimal string, or null' } as const;
/** Client order ids: never starting with "~" (the gateway's own ids for cancels and amends without one). */
export const CLIENT_ORDER_ID = { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,64}$', description: '1..64 of A-Z a-z 0-9 . _ : / -; unique per account' } as const;
const ORDER_ID = { type: 'string', pattern: '^[0-9]{1,20}$', description: "the engine's order id" } as const;
const SYMBOL = { type: 'string', minLength: 1, maxLength: 64 } as const;
const SIDE = { type: 'string', enum: ['buy', 'sell'] } as const;
const ORDER_TYPE = { type: 'string', enum: ['limit', 'market', 'stop', 'stop_limit'] } as const;
const TIME_IN_FORCE = { type: 'string', enum: ['GTC', 'DAY', 'IOC', 'FOK', 'GTD'] } as const;
const LIMIT = { type: 'string', pattern: '^[1-9][0-9]{0,3}$', description: 'at most this many (1..1000)' } as const;

const ORDER_PROPERTIES = {
  orderId: { type: 'string' }, clientOrderId: { type: 'string' }, symbol: { type: 'string' }, side: SIDE, type: ORDER_TYPE,
  timeInForce: TIME_IN_FORCE, price: NULLABLE_DECIMAL_OUT, stopPrice: NULLABLE_DECIMAL_OUT, quantity: DECIMAL_OUT,
  filledQuantity: DECIMAL_OUT, remainingQuantity: DECIMAL_OUT, averagePrice: DECIMAL_OUT,
  status: { type: 'string', enum: ['new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired'] },
  channel: { type: 'string', enum: ['api', 'fix'], description: 'entered over REST/WebSocket (api) or FIX' },
} as const;
const ORDER_REQUIRED = Object.keys(ORDER_PROPERTIES);

export const SHARED_SCHEMAS = [
  { $id: 'Order', type: 'object', description: "An order's state", properties: ORDER_PROPERTIES, required: ORDER_REQUIRED },
  {
    $id: 'Fill', type: 'object', description: 'One execution of an order (one side of a trade)',
    properties: {
      seq: { type: 'integer' }, timeMs: { type: 'integer' }, execId: { type: 'string' }, tradeId: { type: 'string' }, orderId: { type: 'string' },
      clientOrderId: { type: 'string' }, symbol: { type: 'string' }, side: SIDE, price: DECIMAL_OUT, quantity: DECIMAL_OUT,
      fee: DECIMAL_OUT, feeAsset: { type: 'string' }, liquidity: { type: 'string', enum: ['maker', 'taker'] },
    },
    required: ['seq', 'timeMs', 'execId', 'tradeId', 'orderId', 'clientOrderId', 'symbol', 'side', 'price', 'quantity', 'fee', 'feeAsset', 'liquidity'],
  },
  {
    $id: 'OrderResult', type: 'object', description: "An order's state after the request, with the fills the request made",
    properties: {
      ...ORDER_PROPERTIES,
      fills: { type: 'array', items: { $ref: 'Fill#' } },
      duplicate: { type: 'boolean', description: "true when the request repeated an earlier one's clientOrderId: the answer is about the order that one entered" },
    },
    required: [...ORDER_REQUIRED, 'fills', 'duplicate'],
  },
  {
    $id: 'Balance', type: 'object',
    properties: { asset: { type: 'string' }, available: DECIMAL_OUT, reserved: DECIMAL_OUT }, required: ['asset', 'available', 'reserved'],
  },
  {
    $id: 'Position', type: 'object',
    properties: {
      symbol: { type: 'string' }, netQuantity: DECIMAL_OUT, cost: DECIMAL_OUT, averageCost: NULLABLE_DECIMAL_OUT, realizedPnl: DECIMAL_OUT,
      fees: DECIMAL_OUT, quoteAsset: { type: 'string' },
    },
    required: ['symbol', 'netQuantity', 'cost', 'averageCost', 'realizedPnl', 'fees', 'quoteAsset'],
  },
  {
    $id: 'Error', type: 'object', description: 'Every error: a code, a sentence, and the engine reject reason when the engine refused',
    properties: {
      error: { type: 'string' }, message: { type: 'string' },
      rejectReason: { type: 'string', description: 'the engine\'s reason, e.g. InsufficientBalance' },
      order: { $ref: 'Order#' },
    },
    required: ['error', 'message'],
  },
] as const;

const ERRORS = {
  400: { $ref: 'Error#' }, 401: { $ref: 'Error#' }, 403: { $ref: 'Error#' }, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' },
  422: { $ref: 'Error#' }, 429: { $ref: 'Error#' }, 503: { $ref: 'Error#' }, 504: { $ref: 'Error#' },
} as const;

const SIGNED = [{ fixgwKey: [], fixgwTimestamp: [], fixgwSign: [] }];

function route(summary: string, permission: 'read' | 'trade', parts: Record<string, unknown>): Record<string, unknown> {
  return { summary, tags: [permission === 'read' ? 'account' : 'trading'], security: SIGNED, ...parts,
    response: { ...(parts.response as object), ...ERRORS } };
}

export const PLACE_ORDER_BODY = {
  type: 'object', additionalProperties: false, required: ['symbol', 'side', 'type', 'quantity'],
  properties: {
    symbol: SYMBOL, side: SIDE, type: ORDER_TYPE, quantity: DECIMAL,
    price: { ...DECIMAL, description: 'limit price (limit and stop_limit orders)' },
    stopPrice: { ...DECIMAL, description: 'trigger price (stop and stop_limit orders)' },
    timeInForce: { ...TIME_IN_FORCE, description: 'default DAY; market orders are always IOC' },
    expireTimeMs: { type: 'integer', minimum: 1, description: 'GTD expiry, ms since the epoch' },
    clientOrderId: { ...CLIENT_ORDER_ID, description: 'idempotency key per account: a retry returns the order entered first' },
    postOnly: { type: 'boolean' },
    displayQuantity: { ...DECIMAL, description: 'iceberg: the quantity shown' },
    minQuantity: { ...DECIMAL, description: 'IOC: the least that must fill at once' },
    selfTradePrevention: { type: 'string', enum: ['none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel'] },
  },
} as const;

export const AMEND_BODY = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    quantity: { ...DECIMAL, description: 'the new total quantity (default: unchanged)' }, price: DECIMAL, stopPrice: DECIMAL,
    clientOrderId: { ...CLIENT_ORDER_ID, description: "the order's new client order id (default: one the gateway makes)" },
  },
} as const;

const BY_ID = { type: 'object', required: ['orderId'], properties: { orderId: ORDER_ID }, additionalProperties: false } as const;
const BY_CLIENT_ID = { type: 'object', required: ['clientOrderId'], properties: { clientOrderId: CLIENT_ORDER_ID }, additionalProperties: false } as const;
const ORDERS_QUERY = { type: 'object', properties: { symbol: SYMBOL, limit: LIMIT }, additionalProperties: false } as const;
const LIMIT_QUERY = { type: 'object', properties: { limit: LIMIT }, additionalProperties: false } as const;
const ORDER = { 200: { $ref: 'Order#' } } as const;
const ORDER_RESULT = { 200: { $ref: 'OrderResult#' } } as const;

export const SCHEMAS = {
  place: route('Place an order', 'trade', { body: PLACE_ORDER_BODY, response: ORDER_RESULT }),
  openOrders: route("The account's open orders, oldest first", 'read',
    { querystring: ORDERS_QUERY, response: { 200: { type: 'array', items: { $ref: 'Order#' } } } }),
  order: route('One order of the account', 'read', { params: BY_ID, response: ORDER }),
  orderByClientId: route('One order by its client order id (any of its chain: placed, amended)', 'read', { params: BY_CLIENT_ID, response: ORDER }),
  cancel: route('Cancel an order entered over REST or WebSocket', 'trade', { params: BY_ID, response: ORDER }),
  cancelByClientId: route('Cancel an order by its client order id', 'trade', { params: BY_CLIENT_ID, response: ORDER }),
  amend: route('Amend quantity and/or price (a cancel/replace keeping the order id)', 'trade', { params: BY_ID, body: AMEND_BODY, response: ORDER_RESULT }),
  amendByClientId: route('Amend an order by its client order id', 'trade', { params: BY_CLIENT_ID, body: AMEND_BODY, response: ORDER_RESULT }),
  orderFills: route("An order's fills, oldest first", 'read', { params: BY_ID, response: { 200: { type: 'array', items: { $ref: 'Fill#' } } } }),
  fills: route("The account's latest fills, newest first", 'read', { querystring: LIMIT_QUERY, response: { 200: { type: 'array', items: { $ref: 'Fill#' } } } }),
  balances: route('Available and reserved balance of every asset', 'read', { response: { 200: { type: 'array', items: { $ref: 'Balance#' } } } }),
  positions: route('Positions on the instruments the account traded', 'read', { response: { 200: { type: 'array', items: { $ref: 'Position#' } } } }),
  account: route("The account's mode, state, the key's permissions and the fees it pays", 'read', { response: { 200: {
    type: 'object', required: ['account', 'mode', 'killSwitch', 'openOrders', 'permissions', 'fees'],
    properties: {
      account: { type: 'string' }, mode: { type: 'string', enum: ['cash', 'credit'] }, killSwitch: { type: 'boolean' }, openOrders: { type: 'integer' },
      permissions: { type: 'array', items: { type: 'string', enum: ['read', 'trade'] } },
      fees: { type: 'array', items: { type: 'object', properties: {
        symbol: { type: 'string' }, baseAsset: { type: 'string' }, quoteAsset: { type: 'string' }, feeAsset: { type: 'string' },
        makerFeeRate: DECIMAL_OUT, takerFeeRate: DECIMAL_OUT } } },
    },
  } } }),
};

/** The OpenAPI document's frame; @fastify/swagger fills in the paths from the routes. */
export const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'fixgw REST API', version: '1',
    description: 'Order entry and account data. Every route needs FIXGW-KEY, FIXGW-TIMESTAMP (ms since the epoch) and FIXGW-SIGN = '
      + 'base64(HMAC-SHA256(secret, timestamp + method + path-with-query + body)); see docs/rest.md.',
  },
  components: {
    securitySchemes: {
      fixgwKey: { type: 'apiKey' as const, in: 'header', name: 'FIXGW-KEY' },
      fixgwTimestamp: { type: 'apiKey' as const, in: 'header', name: 'FIXGW-TIMESTAMP' },
      fixgwSign: { type: 'apiKey' as const, in: 'header', name: 'FIXGW-SIGN' },
    },
  },
};

/** The private WebSocket's cancel and amend ops name their order like the REST paths do, by one of these. */
const TARGET = { orderId: ORDER_ID, clientOrderId: CLIENT_ORDER_ID } as const;
const ONE_TARGET = { oneOf: [{ required: ['orderId'] }, { required: ['clientOrderId'] }] } as const;

export const WS_CANCEL_BODY = { type: 'object', additionalProperties: false, properties: TARGET, ...ONE_TARGET } as const;

export const WS_AMEND_BODY = {
  type: 'object', additionalProperties: false, ...ONE_TARGET,
  properties: { ...TARGET, quantity: AMEND_BODY.properties.quantity, price: DECIMAL, stopPrice: DECIMAL,
    newClientOrderId: { ...CLIENT_ORDER_ID, description: "the order's new client order id (default: one the gateway makes)" } },
} as const;
