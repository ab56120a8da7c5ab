// The simulator's short order syntax: one line of text → one FIX application message. Shared by the
// interactive prompt and by scenario files. Parsing is pure; building a message needs the orders this
// client has sent so far (a cancel must repeat the order's symbol and side).
//
//   buy|sell QTY SYMBOL [@ PRICE] [day|gtc|ioc|fok] [stop PX] [post] [id=CLORDID] [account=A] [TAG=VALUE ...]
//   cancel CLORDID [SYMBOL] [buy|sell] [id=NEWID]
//   replace CLORDID [QTY] [@ PRICE] [id=NEWID]       (also: qty=N, px=P)
//   status CLORDID
//   cancel-all [SYMBOL] [buy|sell] [id=ID]           (OrderMassCancelRequest)
//   raw 35=D|11=X|...                                (any message; the session fills 8/9/34/49/52/56/10)
//   md SYMBOL [depth N] [snapshot] ... | md stop ID  (MarketDataRequest: simulator/market-data.ts)
import { formatUtcTimestamp } from '../src/fix/time.js';
import type { FieldList } from '../src/fix/types.js';
import type { OwnOrders } from './own-orders.js';
import { parseMdCommand } from './market-data.js';

export type Side = 'buy' | 'sell';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';

export type OrderCommand =
  | {
      kind: 'new'; side: Side; qty: string; symbol: string; price?: string; stopPx?: string;
      tif?: TimeInForce; postOnly: boolean; clOrdId?: string; account?: string; extra: FieldList;
    }
  | { kind: 'cancel'; origClOrdId: string; symbol?: string; side?: Side; clOrdId?: string; extra: FieldList }
  | { kind: 'replace'; origClOrdId: string; qty?: string; price?: string; clOrdId?: string; extra: FieldList }
  | { kind: 'status'; clOrdId: string; extra: FieldList }
  | { kind: 'cancelAll'; symbol?: string; side?: Side; clOrdId?: string; extra: FieldList }
  | { kind: 'raw'; msgType: string; body: FieldList };

/** A line that is not valid order syntax; `message` says what is wrong and how it should look. */
export class OrderSyntaxError extends Error {}

export const ORDER_VERBS = ['buy', 'sell', 'cancel', 'replace', 'status', 'cancel-all', 'raw', 'md'] as const;
const TIFS = new Set(['day', 'gtc', 'ioc', 'fok']);
const TIF_CODE: Record<TimeInForce, string> = { day: '0', gtc: '1', ioc: '3', fok: '4' };
const DECIMAL = /^\d+(\.\d+)?$/;
/** Header and trailer tags the session writes itself; a raw message may not carry them. */
const SESSION_TAGS = new Set([8, 9, 10, 34, 49, 52, 56]);
const ID_CHARS = /^[\x21-\x7e]{1,64}$/;

export function isOrderVerb(word: string): boolean {
  return (ORDER_VERBS as readonly string[]).includes(word);
}

/** Parse one line of order syntax. Throws OrderSyntaxError with a message meant for a person. */
export function parseOrderCommand(line: string): OrderCommand {
  const text = line.trim();
  const verb = text.split(/\s+/, 1)[0]!.toLowerCase();
  if (verb === 'raw') return parseRaw(text.slice(3).trim());
  if (verb === 'md') return parseMd(text.split(/\s+/).slice(1)); // market data: simulator/market-data.ts
  // "@190" and "@ 190" are the same; split the '@' into its own word.
  const words = text.replace(/@/g, ' @ ').split(/\s+/).filter(Boolean).slice(1);
  switch (verb) {
    case 'buy':
    case 'sell':
      return parseNew(verb, words);
    case 'cancel':
      return parseCancel(words);
    case 'replace':
      return parseReplace(words);
    case 'status':
      return parseStatus(words);
    case 'cancel-all':
      return parseCancelAll(words);
    default:
      throw new OrderSyntaxError(`unknown command '${verb}' (expected one of: ${ORDER_VERBS.join(', ')})`);
  }
}

function parseMd(words: string[]): OrderCommand {
  try {
    return parseMdCommand(words);
  } catch (err) {
    throw new OrderSyntaxError((err as Error).message);
  }
}

function parseNew(side: Side, words: string[]): OrderCommand {
  const usage = `usage: ${side} QTY SYMBOL [@ PRICE] [day|gtc|ioc|fok] [stop PX] [post] [id=CLORDID] [TAG=VALUE ...]`;
  const [qty, symbol, ...rest] = words;
  if (qty === undefined || symbol === undefined) throw new OrderSyntaxError(usage);
  if (!DECIMAL.test(qty)) throw new OrderSyntaxError(`quantity '${qty}' is not a positive decimal; ${usage}`);
  if (!ID_CHARS.test(symbol) || symbol.includes('=')) throw new OrderSyntaxError(`'${symbol}' is not a symbol; ${usage}`);
  const cmd: Extract<OrderCommand, { kind: 'new' }> = { kind: 'new', side, qty, symbol: symbol.toUpperCase(), postOnly: false, extra: [] };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    const lower = word.toLowerCase();
    if (word === '@') {
      cmd.price = decimalAfter(rest, i++, 'price after @', usage);
    } else if (lower === 'stop') {
      cmd.stopPx = decimalAfter(rest, i++, 'stop price after stop', usage);
    } else if (TIFS.has(lower)) {
      if (cmd.tif) throw new OrderSyntaxError(`two time-in-force words ('${cmd.tif}' and '${lower}')`);
      cmd.tif = lower as TimeInForce;
    } else if (lower === 'post') {
      cmd.postOnly = true;
    } else if (!applyOption(word, cmd, ['id', 'account'])) {
      throw new OrderSyntaxError(`unexpected '${word}'; ${usage}`);
    }
  }
  if (cmd.postOnly && cmd.price === undefined) throw new OrderSyntaxError('post-only needs a limit price (@ PRICE)');
  return cmd;
}

function parseCancel(words: string[]): OrderCommand {
  const usage = 'usage: cancel CLORDID [SYMBOL] [buy|sell] [id=NEWID]';
  const [orig, ...rest] = words;
  if (orig === undefined || orig.includes('=')) throw new OrderSyntaxError(usage);
  const cmd: Extract<OrderCommand, { kind: 'cancel' }> = { kind: 'cancel', origClOrdId: orig, extra: [] };
  for (const word of rest) {
    const lower = word.toLowerCase();
    if (lower === 'buy' || lower === 'sell') cmd.side = lower;
    else if (applyOption(word, cmd, ['id'])) continue;
    else if (!word.includes('=') && cmd.symbol === undefined) cmd.symbol = word.toUpperCase();
    else throw new OrderSyntaxError(`unexpected '${word}'; ${usage}`);
  }
  return cmd;
}

function parseReplace(words: string[]): OrderCommand {
  const usage = 'usage: replace CLORDID [QTY] [@ PRICE] [id=NEWID]';
  const [orig, ...rest] = words;
  if (orig === undefined || orig.includes('=')) throw new OrderSyntaxError(usage);
  const cmd: Extract<OrderCommand, { kind: 'replace' }> = { kind: 'replace', origClOrdId: orig, extra: [] };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === '@') cmd.price = decimalAfter(rest, i++, 'price after @', usage);
    else if (DECIMAL.test(word) && cmd.qty === undefined) cmd.qty = word;
    else if (word.startsWith('qty=')) cmd.qty = decimalValue(word.slice(4), 'qty', usage);
    else if (word.startsWith('px=')) cmd.price = decimalValue(word.slice(3), 'px', usage);
    else if (!applyOption(word, cmd, ['id'])) throw new OrderSyntaxError(`unexpected '${word}'; ${usage}`);
  }
  if (cmd.qty === undefined && cmd.price === undefined) throw new OrderSyntaxError(`replace needs a new quantity or price; ${usage}`);
  return cmd;
}

function parseStatus(words: string[]): OrderCommand {
  const usage = 'usage: status CLORDID';
  const [id, ...rest] = words;
  if (id === undefined || id.includes('=')) throw new OrderSyntaxError(usage);
  const cmd: Extract<OrderCommand, { kind: 'status' }> = { kind: 'status', clOrdId: id, extra: [] };
  for (const word of rest) if (!applyOption(word, cmd, [])) throw new OrderSyntaxError(`unexpected '${word}'; ${usage}`);
  return cmd;
}

function parseCancelAll(words: string[]): OrderCommand {
  const usage = 'usage: cancel-all [SYMBOL] [buy|sell] [id=ID]';
  const cmd: Extract<OrderCommand, { kind: 'cancelAll' }> = { kind: 'cancelAll', extra: [] };
  for (const word of words) {
    const lower = word.toLowerCase();
    if (lower === 'buy' || lower === 'sell') cmd.side = lower;
    else if (applyOption(word, cmd, ['id'])) continue;
    else if (!word.includes('=') && cmd.symbol === undefined) cmd.symbol = word.toUpperCase();
    else throw new OrderSyntaxError(`unexpected '${word}'; ${usage}`);
  }
  return cmd;
}

/** `raw 35=D|11=X|55=AAPL` (fields separated by '|' or SOH). */
function parseRaw(text: string): OrderCommand {
  const usage = 'usage: raw 35=MSGTYPE|TAG=VALUE|... (header and trailer are added by the session)';
  if (text === '') throw new OrderSyntaxError(usage);
  const fields: FieldList = [];
  for (const part of text.split(/[|\x01]/)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const tag = Number(part.slice(0, eq));
    if (eq <= 0 || !Number.isInteger(tag) || tag <= 0) throw new OrderSyntaxError(`'${part}' is not TAG=VALUE; ${usage}`);
    fields.push([tag, part.slice(eq + 1)]);
  }
  const first = fields[0];
  if (!first || first[0] !== 35 || first[1] === '') throw new OrderSyntaxError(`the first field must be 35=MSGTYPE; ${usage}`);
  const body = fields.slice(1);
  const own = body.find(([tag]) => SESSION_TAGS.has(tag) || tag === 35);
  if (own) throw new OrderSyntaxError(`tag ${own[0]} is written by the session, leave it out`);
  return { kind: 'raw', msgType: first[1], body };
}

function decimalAfter(words: string[], i: number, what: string, usage: string): string {
  const value = words[i + 1];
  if (value === undefined) throw new OrderSyntaxError(`missing ${what}; ${usage}`);
  return decimalValue(value, what, usage);
}

function decimalValue(value: string, what: string, usage: string): string {
  if (!DECIMAL.test(value)) throw new OrderSyntaxError(`${what} '${value}' is not a positive decimal; ${usage}`);
  return value;
}

/** `id=X`, `account=A` (when allowed) or a numeric `TAG=VALUE` appended to the message. */
function applyOption(word: string, cmd: { clOrdId?: string; account?: string; extra: FieldList }, named: string[]): boolean {
  const eq = word.indexOf('=');
  if (eq <= 0) return false;
  const key = word.slice(0, eq).toLowerCase();
  const value = word.slice(eq + 1);
  if (value === '') throw new OrderSyntaxError(`'${word}' has no value`);
  if (named.includes(key)) {
    if (!ID_CHARS.test(value)) throw new OrderSyntaxError(`${key} '${value}' must be 1-64 printable characters`);
    if (key === 'id') cmd.clOrdId = value;
    else cmd.account = value;
    return true;
  }
  const tag = Number(key);
  if (!Number.isInteger(tag) || tag <= 0) return false;
  if (SESSION_TAGS.has(tag) || tag === 35) throw new OrderSyntaxError(`tag ${tag} is written by the session, leave it out`);
  cmd.extra.push([tag, value]);
  return true;
}

// ---- building messages ------------------------------------------------------------------------------

export interface BuiltMessage {
  msgType: string;
  body: FieldList;
  /** ClOrdID(11) of the message, when it has one. */
  clOrdId?: string;
}

/** Turn a parsed command into a FIX message body, recording new orders in `orders`. Throws OrderSyntaxError
 *  when the command refers to an order this client does not know and the line does not say enough. */
export function buildOrderMessage(cmd: OrderCommand, orders: OwnOrders, nowMs: number): BuiltMessage {
  const transactTime = formatUtcTimestamp(nowMs);
  switch (cmd.kind) {
    case 'raw':
      return { msgType: cmd.msgType, body: cmd.body, ...clOrdIdOf(cmd.body) };
    case 'new': {
      const clOrdId = cmd.clOrdId ?? orders.nextClOrdId();
      const ordType = cmd.stopPx !== undefined ? (cmd.price !== undefined ? '4' : '3') : cmd.price !== undefined ? '2' : '1';
      const body: FieldList = [[11, clOrdId]];
      if (cmd.account) body.push([1, cmd.account]);
      if (cmd.postOnly) body.push([18, '6']);
      body.push([55, cmd.symbol], [54, cmd.side === 'buy' ? '1' : '2'], [60, transactTime], [38, cmd.qty], [40, ordType]);
      if (cmd.price !== undefined) body.push([44, cmd.price]);
      if (cmd.stopPx !== undefined) body.push([99, cmd.stopPx]);
      if (cmd.tif) body.push([59, TIF_CODE[cmd.tif]]);
      body.push(...cmd.extra);
      orders.sent({ clOrdId, symbol: cmd.symbol, side: cmd.side, qty: cmd.qty, ordType, ...(cmd.price !== undefined ? { price: cmd.price } : {}) });
      return { msgType: 'D', body, clOrdId };
    }
    case 'cancel': {
      const known = orders.get(cmd.origClOrdId);
      const symbol = cmd.symbol ?? known?.symbol;
      const side = cmd.side ?? known?.side;
      if (symbol === undefined || side === undefined) {
        throw new OrderSyntaxError(`order '${cmd.origClOrdId}' was not sent by this session: say its symbol and side (cancel ${cmd.origClOrdId} SYMBOL buy|sell)`);
      }
      const clOrdId = cmd.clOrdId ?? orders.nextClOrdId();
      const body: FieldList = [[11, clOrdId], [41, cmd.origClOrdId]];
      if (known?.orderId) body.push([37, known.orderId]);
      body.push([55, symbol], [54, side === 'buy' ? '1' : '2'], [60, transactTime]);
      if (known) body.push([38, known.qty]);
      body.push(...cmd.extra);
      return { msgType: 'F', body, clOrdId };
    }
    case 'replace': {
      const known = orders.get(cmd.origClOrdId);
      if (!known) throw new OrderSyntaxError(`order '${cmd.origClOrdId}' was not sent by this session; replace needs its symbol, side and type (use raw 35=G|...)`);
      const clOrdId = cmd.clOrdId ?? orders.nextClOrdId();
      const qty = cmd.qty ?? known.qty;
      const price = cmd.price ?? known.price;
      const ordType = cmd.price !== undefined && known.ordType === '1' ? '2' : known.ordType;
      const body: FieldList = [[11, clOrdId], [41, cmd.origClOrdId]];
      if (known.orderId) body.push([37, known.orderId]);
      body.push([55, known.symbol], [54, known.side === 'buy' ? '1' : '2'], [60, transactTime], [38, qty], [40, ordType]);
      if (price !== undefined) body.push([44, price]);
      body.push(...cmd.extra);
      orders.replaced(cmd.origClOrdId, clOrdId, qty, price);
      return { msgType: 'G', body, clOrdId };
    }
    case 'status': {
      const known = orders.get(cmd.clOrdId);
      if (!known) throw new OrderSyntaxError(`order '${cmd.clOrdId}' was not sent by this session (use raw 35=H|11=...|55=...|54=...)`);
      const body: FieldList = [[11, cmd.clOrdId]];
      if (known.orderId) body.push([37, known.orderId]);
      body.push([55, known.symbol], [54, known.side === 'buy' ? '1' : '2'], ...cmd.extra);
      return { msgType: 'H', body, clOrdId: cmd.clOrdId };
    }
    case 'cancelAll': {
      const clOrdId = cmd.clOrdId ?? orders.nextClOrdId();
      // MassCancelRequestType 530: 1 = by security, 7 = all orders (side narrows either).
      const body: FieldList = [[11, clOrdId], [530, cmd.symbol ? '1' : '7']];
      if (cmd.symbol) body.push([55, cmd.symbol]);
      if (cmd.side) body.push([54, cmd.side === 'buy' ? '1' : '2']);
      body.push([60, transactTime], ...cmd.extra);
      return { msgType: 'q', body, clOrdId };
    }
  }
}

function clOrdIdOf(body: FieldList): { clOrdId?: string } {
  const field = body.find(([tag]) => tag === 11);
  return field ? { clOrdId: field[1] } : {};
}
