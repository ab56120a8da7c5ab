// The private channels on /ws, beside the public market data of the same socket (marketdata/ws-tap.ts hands over the
// ops it does not know): log in with a signed message, subscribe to the account's `orders`, `fills`, `balances` and
// `positions` (ws-account-feed.ts), and enter orders (`order`, `cancel`, `amend`) with the same answers as REST.
//
//   → {"op":"login","id":1,"key":"k1","timestamp":"1700000000000","sign":base64(HMAC-SHA256(secret, timestamp + "GET/ws"))}
//   ← {"type":"login","id":1,"account":"ACME","permissions":["read","trade"]}
//   → {"op":"subscribe","channel":"orders"}          ← {"type":"subscribed","channel":"orders"}, a snapshot, then updates
//   → {"op":"order","id":2,"symbol":"BTC-USD","side":"buy","type":"limit","price":"50000.00","quantity":"0.5","clientOrderId":"c1"}
//   ← {"type":"result","op":"order","id":2,"status":200,"result":{ the body POST /api/v1/orders answers }}
//
// Answers in order: each request's answer is sent after the answers to the requests before it on the connection,
// whatever finished first. Updates are sent as the engine applies commands, between answers. A connection waits for
// at most pendingOpsMax answers; a request beyond that is refused at once (too_many_pending), out of turn. A connection
// whose send buffer passes sendBufferBytesMax is closed (1008), like the public tap's slow consumers.
import type { Logger } from 'pino';
import { Ajv, type ValidateFunction } from 'ajv';
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/index.js';
import type { RestEntry } from '../gateway/rest-entry.js';
import type { WsExtension } from '../marketdata/ws-tap.js';
import type { ApiKey } from './api-keys.js';
import type { Authenticator } from './rest-auth.js';
import { amendOrder, cancelOrder, placeOrder, type Answer, type OrderContext, type PlaceBody } from './rest-orders.js';
import { PLACE_ORDER_BODY, validationMessage, WS_AMEND_BODY, WS_CANCEL_BODY } from './rest-schemas.js';
import { AccountFeed, PRIVATE_CHANNELS, type EventSource, type PrivateChannel, type Subscriber } from './ws-account-feed.js';

export interface PrivateWsOptions {
  engine: Engine;
  entry: RestEntry;
  /** null: no ApiKeysFile; login answers api_disabled. */
  auth: Authenticator | null;
  events: EventSource;
  /** Requests of one connection waiting for their answers at most. */
  pendingOpsMax: number;
  /** Bytes queued for one connection beyond which it is closed (1008). */
  sendBufferBytesMax: number;
  logger?: Logger;
}

/** The path a login message is signed for, as a GET without a body. */
export const WS_LOGIN_PATH = '/ws';

const ORDER_OPS: ReadonlySet<string> = new Set(['order', 'cancel', 'amend']);
const TEXT_FRAME = { binary: false, compress: false } as const;

/** An answer now, or one made when its turn comes (a subscription starts in its turn, with its snapshot). */
type Reply = string[] | (() => string[]);

class Connection implements Subscriber {
  key: ApiKey | null = null;
  readonly channels = new Set<PrivateChannel>();
  /** The last answer queued: the next one is sent after it. */
  tail: Promise<void> = Promise.resolve();
  pending = 0;
  closed = false;
  constructor(readonly ws: WebSocket, private readonly sendBufferBytesMax: number) {}
  get account(): string { return this.key?.account ?? ''; }

  send(text: string): void {
    if (this.closed || this.ws.readyState !== 1 /* OPEN */) return;
    if (this.ws.bufferedAmount + text.length > this.sendBufferBytesMax) {
      this.closed = true;
      this.ws.close(1008, `slow consumer: more than ${this.sendBufferBytesMax} bytes queued`);
      return;
    }
    this.ws.send(text, TEXT_FRAME);
  }
}

export class PrivateChannels implements WsExtension {
  readonly #o: PrivateWsOptions;
  readonly #feed: AccountFeed;
  readonly #connections = new Map<WebSocket, Connection>();
  readonly #validate: Record<'order' | 'cancel' | 'amend', ValidateFunction>;
  readonly #ajv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false });

  constructor(o: PrivateWsOptions) {
    this.#o = o;
    this.#feed = new AccountFeed(o.engine, o.events);
    this.#validate = { order: this.#ajv.compile(PLACE_ORDER_BODY), cancel: this.#ajv.compile(WS_CANCEL_BODY), amend: this.#ajv.compile(WS_AMEND_BODY) };
  }

  handles(r: Record<string, unknown>): boolean {
    const op = r['op'];
    if (op === 'login' || (typeof op === 'string' && ORDER_OPS.has(op))) return true;
    return (op === 'subscribe' || op === 'unsubscribe') && typeof r['channel'] === 'string' && PRIVATE_CHANNELS.has(r['channel']);
  }

  receive(ws: WebSocket, r: Record<string, unknown>): void {
    let c = this.#connections.get(ws);
    if (c === undefined) this.#connections.set(ws, c = new Connection(ws, this.#o.sendBufferBytesMax));
    const conn = c;
    if (conn.closed) return; // closed as a slow consumer: nothing more is entered for it
    if (conn.pending >= this.#o.pendingOpsMax) {
      conn.send(errorText(r, 'too_many_pending', `more than ${this.#o.pendingOpsMax} requests waiting for their answers`));
      return;
    }
    conn.pending++;
    let reply: Reply | Promise<Reply>;
    try {
      reply = this.#reply(conn, r);
    } catch (err) {
      // a bug, not the client's input: logged and answered, never a crash of the process
      this.#o.logger?.error({ err }, 'private WebSocket request failed');
      reply = [errorText(r, 'internal', 'internal error')];
    }
    conn.tail = conn.tail.then(() => reply).then((rp) => {
      conn.pending--;
      for (const text of typeof rp === 'function' ? rp() : rp) conn.send(text);
    }).catch((err: unknown) => {
      conn.pending--;
      this.#o.logger?.error({ err }, 'private WebSocket request failed');
      conn.send(errorText(r, 'internal', 'internal error'));
    });
  }

  closed(ws: WebSocket): void {
    const conn = this.#connections.get(ws);
    if (conn === undefined) return;
    conn.closed = true;
    this.#connections.delete(ws);
    this.#feed.removeAll(conn);
  }

  close(): void {
    this.#feed.close();
  }

  #reply(conn: Connection, r: Record<string, unknown>): Reply | Promise<Reply> {
    const op = r['op'] as string;
    if (op === 'login') return this.#login(conn, r);
    if (conn.key === null) return [errorText(r, 'not_logged_in', 'log in first: {"op":"login","key":...,"timestamp":...,"sign":...}')];
    if (op === 'subscribe' || op === 'unsubscribe') return this.#subscription(conn, conn.key, op, r['channel'] as PrivateChannel, r);
    return this.#order(conn.key, op as 'order' | 'cancel' | 'amend', r);
  }

  #login(conn: Connection, r: Record<string, unknown>): Reply {
    if (this.#o.auth === null) return [errorText(r, 'api_disabled', 'the private channels are disabled: set ApiKeysFile in the gateway settings')];
    if (conn.key !== null) return [errorText(r, 'already_logged_in', `this connection is logged in for ${conn.key.account}`)];
    const key = this.#o.auth.authenticate({ key: str(r['key']), timestamp: str(r['timestamp']), sign: str(r['sign']) },
      { method: 'GET', pathWithQuery: WS_LOGIN_PATH, body: '' });
    if ('error' in key) return [errorText(r, key.error, key.message)];
    if (!key.take(Date.now())) return [errorText(r, 'rate_limited', `more than ${key.requestsPerSecond} requests per second with this key`)];
    conn.key = key;
    return [`{"type":"login"${idPart(r)},"account":${JSON.stringify(key.account)},"permissions":${JSON.stringify([...key.permissions])}}`];
  }

  /** Starts or stops a channel in its turn: the snapshot and the updates after it come in order. */
  #subscription(conn: Connection, key: ApiKey, op: 'subscribe' | 'unsubscribe', channel: PrivateChannel, r: Record<string, unknown>): Reply {
    if (!key.permissions.has('read')) return [errorText(r, 'permission_denied', 'this key lacks the "read" permission')];
    return () => {
      if (conn.closed) return [];
      if (op === 'unsubscribe') {
        if (!conn.channels.has(channel)) return [errorText(r, 'not_subscribed', `not subscribed to ${channel}`)];
        this.#feed.remove(conn, channel);
        return [`{"type":"unsubscribed"${idPart(r)},"channel":"${channel}"}`];
      }
      return [`{"type":"subscribed"${idPart(r)},"channel":"${channel}"}`, this.#feed.add(conn, channel)];
    };
  }

  async #order(key: ApiKey, op: 'order' | 'cancel' | 'amend', r: Record<string, unknown>): Promise<Reply> {
    const { op: _op, id: _id, ...body } = r;
    const validate = this.#validate[op];
    let a: Answer;
    if (!validate(body)) a = { status: 400, body: { error: 'bad_request', message: validationMessage(validate.errors, op) } };
    else if (!key.take(Date.now())) a = { status: 429, body: { error: 'rate_limited', message: `more than ${key.requestsPerSecond} requests per second with this key` } };
    else if (!key.permissions.has('trade')) a = { status: 403, body: { error: 'permission_denied', message: 'this key lacks the "trade" permission' } };
    else a = await this.#enter(key, op, body);
    return [`{"type":"result","op":"${op}"${idPart(r)},"status":${a.status},"result":${JSON.stringify(a.body)}}`];
  }

  #enter(key: ApiKey, op: 'order' | 'cancel' | 'amend', body: Record<string, unknown>): Promise<Answer> {
    const c: OrderContext = this.#o;
    if (op === 'order') return placeOrder(c, key, body as unknown as PlaceBody);
    const target = typeof body['orderId'] === 'string' ? { orderId: body['orderId'] } : { clientOrderId: body['clientOrderId'] as string };
    if (op === 'cancel') return cancelOrder(c, key, target);
    const b = body as { quantity?: string; price?: string; stopPrice?: string; newClientOrderId?: string };
    return amendOrder(c, key, target, { ...(b.quantity !== undefined ? { quantity: b.quantity } : {}), ...(b.price !== undefined ? { price: b.price } : {}),
      ...(b.stopPrice !== undefined ? { stopPrice: b.stopPrice } : {}), ...(b.newClientOrderId !== undefined ? { clientOrderId: b.newClientOrderId } : {}) });
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : undefined;
}

/** The request's id echoed (a string of up to 64 characters or a safe integer); nothing otherwise. */
function idPart(r: Record<string, unknown>): string {
  const id = r['id'];
  return (typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isSafeInteger(id)) ? `,"id":${JSON.stringify(id)}` : '';
}

function errorText(r: Record<string, unknown>, code: string, message: string): string {
  const op = typeof r['op'] === 'string' && r['op'].length <= 16 ? `,"op":${JSON.stringify(r['op'])}` : '';
  return `{"type":"error"${op}${idPart(r)},"code":"${code}","message":${JSON.stringify(message)}}`;
}
