// Inbound FIX application messages → engine commands. Values are taken as sent (prices and quantities
// stay decimal strings; the engine checks ticks, lots and ranges); FIX codes become the engine's words.
// What the dictionary validation let through but the engine cannot be asked is answered here instead.
import type { FixMessage } from '../fix/message.js';
import { parseUtcTimestamp } from '../fix/time.js';
import type { Command, MassCancelCommand, NewOrderCommand } from '../engine/index.js';
import { ordTypeIn, sideIn, timeInForceIn } from './fix-codes.js';

/** What the gateway remembers about a request until its events come back (echoed fields, timing). */
export interface RequestEcho {
  msgType: string;
  session: string;
  clOrdId: string;
  /** Raw Side(54), Symbol(55), ExecInst(18), OrigClOrdID(41) as the client sent them. */
  side: string | undefined;
  symbol: string | undefined;
  execInst: string | undefined;
  origClOrdId: string | undefined;
  /** MassCancelRequestType(530) of a q. */
  massCancelType: string | undefined;
  /** performance.now() when the message arrived (ms, sub-µs resolution). */
  receivedMs: number;
}

export type Translation =
  | { kind: 'command'; command: Command }
  /** Answer with a session-level Reject(3). */
  | { kind: 'reject'; reason: number; tag: number; text: string }
  /** Answer with OrderMassCancelReport 531=0 (rejected) and MassCancelRejectReason(532). */
  | { kind: 'massCancelRejected'; rejectReason: number; text: string }
  | { kind: 'unsupported' };

function opt(msg: FixMessage, tag: number): string | undefined {
  const v = msg.get(tag);
  return v === undefined || v === '' ? undefined : v;
}

/** OrderID(37) as a client echoes it: "NONE" (what we send when there is none) means absent. */
function orderIdOf(msg: FixMessage): string | undefined {
  const v = opt(msg, 37);
  return v === 'NONE' ? undefined : v;
}

export function translate(msg: FixMessage, session: string): Translation {
  switch (msg.msgType) {
    case 'D': return newOrder(msg, session);
    case 'F': {
      const side = opt(msg, 54);
      return { kind: 'command', command: {
        type: 'Cancel', session, clOrdId: msg.get(11) ?? '',
        ...defined('origClOrdId', opt(msg, 41)), ...defined('orderId', orderIdOf(msg)),
        ...defined('symbol', opt(msg, 55)), ...(side !== undefined ? { side: sideIn(side) } : {}),
      } };
    }
    case 'G': {
      const side = opt(msg, 54);
      return { kind: 'command', command: {
        type: 'Replace', session, clOrdId: msg.get(11) ?? '', orderQty: msg.get(38) ?? '',
        ...defined('origClOrdId', opt(msg, 41)), ...defined('orderId', orderIdOf(msg)),
        ...defined('symbol', opt(msg, 55)), ...(side !== undefined ? { side: sideIn(side) } : {}),
        ...defined('price', opt(msg, 44)), ...defined('stopPx', opt(msg, 99)), ...defined('displayQty', opt(msg, 111)),
        ...(opt(msg, 40) !== undefined ? { ordType: ordTypeIn(opt(msg, 40)!) } : {}),
      } };
    }
    case 'H': {
      const side = opt(msg, 54);
      return { kind: 'command', command: {
        type: 'OrderStatus', session, ...defined('clOrdId', opt(msg, 11)), ...defined('orderId', orderIdOf(msg)),
        ...defined('symbol', opt(msg, 55)), ...(side !== undefined ? { side: sideIn(side) } : {}),
      } };
    }
    case 'q': return massCancel(msg, session);
    default: return { kind: 'unsupported' };
  }
}

function newOrder(msg: FixMessage, session: string): Translation {
  const cmd: NewOrderCommand = {
    type: 'NewOrder', session, clOrdId: msg.get(11) ?? '', symbol: msg.get(55) ?? '',
    side: sideIn(msg.get(54) ?? ''), ordType: ordTypeIn(msg.get(40) ?? ''), orderQty: msg.get(38) ?? '',
  };
  const account = opt(msg, 1);
  if (account !== undefined) cmd.account = account;
  const tif = opt(msg, 59);
  if (tif !== undefined) cmd.timeInForce = timeInForceIn(tif);
  const price = opt(msg, 44);
  if (price !== undefined) cmd.price = price;
  const stopPx = opt(msg, 99);
  if (stopPx !== undefined) cmd.stopPx = stopPx;
  const minQty = opt(msg, 110);
  if (minQty !== undefined) cmd.minQty = minQty;
  const maxFloor = opt(msg, 111);
  if (maxFloor !== undefined) cmd.displayQty = maxFloor;
  const execInst = opt(msg, 18);
  if (execInst !== undefined && execInst.split(' ').includes('6')) cmd.postOnly = true;
  const expireTime = opt(msg, 126);
  if (expireTime !== undefined) {
    const ms = parseUtcTimestamp(expireTime);
    if (ms === undefined) return { kind: 'reject', reason: 6, tag: 126, text: 'Incorrect data format for value' };
    cmd.expireTimeMs = ms;
  }
  return { kind: 'command', command: cmd };
}

/** MassCancelRequestType(530): 1 = by security, 7 = all orders; always limited to the requesting session. */
function massCancel(msg: FixMessage, session: string): Translation {
  const type = msg.get(530) ?? '';
  const cmd: MassCancelCommand = { type: 'MassCancel', session, clOrdId: msg.get(11) ?? '', filterSession: session };
  const account = opt(msg, 1);
  if (account !== undefined) cmd.account = account;
  const side = opt(msg, 54);
  if (side !== undefined) cmd.side = sideIn(side);
  if (type === '1') {
    const symbol = opt(msg, 55);
    if (symbol === undefined) return { kind: 'massCancelRejected', rejectReason: 1, text: 'Symbol(55) is required with MassCancelRequestType=1' };
    cmd.symbol = symbol;
  } else if (type !== '7') {
    return { kind: 'massCancelRejected', rejectReason: 0, text: `MassCancelRequestType=${type} is not supported (1 by security, 7 all orders)` };
  }
  return { kind: 'command', command: cmd };
}

export function echoOf(msg: FixMessage, session: string, receivedMs: number): RequestEcho {
  return {
    msgType: msg.msgType, session, clOrdId: msg.get(11) ?? '', side: msg.get(54), symbol: msg.get(55),
    execInst: msg.get(18), origClOrdId: msg.get(41), massCancelType: msg.get(530), receivedMs,
  };
}

function defined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
