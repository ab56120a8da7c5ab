// Inbound FIX application messages → engine commands. Values are taken as sent (prices and quantities
// stay decimal strings; the engine checks ticks, lots and ranges); FIX codes become the engine's words.
// What the dictionary validation let through but the engine cannot be asked is answered here instead.
import type { FixMessage } from '../fix/message.js';
import { parseUtcTimestamp } from '../fix/time.js';
import { ExecInst, MassCancelRejectReason, MassCancelRequestType, MsgType, SessionRejectReason, Tag } from '../fix/names.js';
import type { Command, MassCancelCommand, NewOrderCommand } from '../engine/index.js';
import { ordTypeIn, sideIn, stpModeIn, timeInForceIn } from './fix-codes.js';

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
  | { kind: 'massCancelRejected'; rejectReason: string; text: string }
  | { kind: 'unsupported' };

/** The field's value; an empty value counts as absent. */
function opt(msg: FixMessage, tag: number): string | undefined {
  const v = msg.get(tag);
  return v === undefined || v === '' ? undefined : v;
}

/** OrderID(37) as a client echoes it: "NONE" (what we send when there is none) means absent. */
function orderIdOf(msg: FixMessage): string | undefined {
  const v = opt(msg, Tag.OrderID);
  return v === 'NONE' ? undefined : v;
}

export function translate(msg: FixMessage, session: string): Translation {
  switch (msg.msgType) {
    case MsgType.NewOrderSingle: return newOrder(msg, session);
    case MsgType.OrderCancelRequest: {
      const side = opt(msg, Tag.Side);
      return { kind: 'command', command: {
        type: 'Cancel', session, clOrdId: msg.get(Tag.ClOrdID) ?? '',
        ...defined('origClOrdId', opt(msg, Tag.OrigClOrdID)), ...defined('orderId', orderIdOf(msg)),
        ...defined('symbol', opt(msg, Tag.Symbol)), ...(side !== undefined ? { side: sideIn(side) } : {}),
      } };
    }
    case MsgType.OrderCancelReplaceRequest: {
      const side = opt(msg, Tag.Side);
      return { kind: 'command', command: {
        type: 'Replace', session, clOrdId: msg.get(Tag.ClOrdID) ?? '', orderQty: msg.get(Tag.OrderQty) ?? '',
        ...defined('origClOrdId', opt(msg, Tag.OrigClOrdID)), ...defined('orderId', orderIdOf(msg)),
        ...defined('symbol', opt(msg, Tag.Symbol)), ...(side !== undefined ? { side: sideIn(side) } : {}),
        ...defined('price', opt(msg, Tag.Price)), ...defined('stopPx', opt(msg, Tag.StopPx)), ...defined('displayQty', opt(msg, Tag.MaxFloor)),
        ...(opt(msg, Tag.OrdType) !== undefined ? { ordType: ordTypeIn(opt(msg, Tag.OrdType)!) } : {}),
      } };
    }
    case MsgType.OrderStatusRequest: {
      const side = opt(msg, Tag.Side);
      return { kind: 'command', command: {
        type: 'OrderStatus', session, ...defined('clOrdId', opt(msg, Tag.ClOrdID)), ...defined('orderId', orderIdOf(msg)),
        ...defined('symbol', opt(msg, Tag.Symbol)), ...(side !== undefined ? { side: sideIn(side) } : {}),
      } };
    }
    case MsgType.OrderMassCancelRequest: return massCancel(msg, session);
    default: return { kind: 'unsupported' };
  }
}

function newOrder(msg: FixMessage, session: string): Translation {
  const cmd: NewOrderCommand = {
    type: 'NewOrder', session, clOrdId: msg.get(Tag.ClOrdID) ?? '', symbol: msg.get(Tag.Symbol) ?? '',
    side: sideIn(msg.get(Tag.Side) ?? ''), ordType: ordTypeIn(msg.get(Tag.OrdType) ?? ''), orderQty: msg.get(Tag.OrderQty) ?? '',
  };
  const account = opt(msg, Tag.Account);
  if (account !== undefined) cmd.account = account;
  const tif = opt(msg, Tag.TimeInForce);
  if (tif !== undefined) cmd.timeInForce = timeInForceIn(tif);
  const price = opt(msg, Tag.Price);
  if (price !== undefined) cmd.price = price;
  const stopPx = opt(msg, Tag.StopPx);
  if (stopPx !== undefined) cmd.stopPx = stopPx;
  const minQty = opt(msg, Tag.MinQty);
  if (minQty !== undefined) cmd.minQty = minQty;
  const maxFloor = opt(msg, Tag.MaxFloor);
  if (maxFloor !== undefined) cmd.displayQty = maxFloor;
  const execInst = opt(msg, Tag.ExecInst);
  if (execInst !== undefined && execInst.split(' ').includes(ExecInst.ParticipateDoNotInitiate)) cmd.postOnly = true;
  const stp = opt(msg, Tag.SelfMatchPreventionInstruction);
  if (stp !== undefined) cmd.stpMode = stpModeIn(stp);
  const expireTime = opt(msg, Tag.ExpireTime);
  if (expireTime !== undefined) {
    const ms = parseUtcTimestamp(expireTime);
    if (ms === undefined) {
      return { kind: 'reject', reason: SessionRejectReason.IncorrectDataFormatForValue, tag: Tag.ExpireTime, text: 'Incorrect data format for value' };
    }
    cmd.expireTimeMs = ms;
  }
  return { kind: 'command', command: cmd };
}

/** MassCancelRequestType(530): 1 = by security, 7 = all orders; always limited to the requesting session. */
function massCancel(msg: FixMessage, session: string): Translation {
  const type = msg.get(Tag.MassCancelRequestType) ?? '';
  const cmd: MassCancelCommand = { type: 'MassCancel', session, clOrdId: msg.get(Tag.ClOrdID) ?? '', filterSession: session };
  const account = opt(msg, Tag.Account);
  if (account !== undefined) cmd.account = account;
  const side = opt(msg, Tag.Side);
  if (side !== undefined) cmd.side = sideIn(side);
  if (type === MassCancelRequestType.CancelOrdersForASecurity) {
    const symbol = opt(msg, Tag.Symbol);
    if (symbol === undefined) {
      return { kind: 'massCancelRejected', rejectReason: MassCancelRejectReason.InvalidOrUnknownSecurity, text: 'Symbol(55) is required with MassCancelRequestType=1' };
    }
    cmd.symbol = symbol;
  } else if (type !== MassCancelRequestType.CancelAllOrders) {
    return { kind: 'massCancelRejected', rejectReason: MassCancelRejectReason.MassCancelNotSupported, text: `MassCancelRequestType=${type} is not supported (1 by security, 7 all orders)` };
  }
  return { kind: 'command', command: cmd };
}

export function echoOf(msg: FixMessage, session: string, receivedMs: number): RequestEcho {
  return {
    msgType: msg.msgType, session, clOrdId: msg.get(Tag.ClOrdID) ?? '', side: msg.get(Tag.Side), symbol: msg.get(Tag.Symbol),
    execInst: msg.get(Tag.ExecInst), origClOrdId: msg.get(Tag.OrigClOrdID), massCancelType: msg.get(Tag.MassCancelRequestType), receivedMs,
  };
}

function defined<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
