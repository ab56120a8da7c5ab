// Full engine state as a plain JSON object (for snapshots and for comparing replays) and back.
// The encoding keeps every order that iteration order depends on, so a restored engine behaves identically.
import type { EngineConfig } from './config.js';
import { Engine, engineTables, type EngineTables } from './engine.js';
import type { BookSide } from './order-book.js';
import { hashOf, SessionOrders } from './session-orders.js';
import { allClOrdIdsOf, createOrder, orderIdOf, type Order } from './order.js';
import { AccountState } from './risk.js';
import type { OrdStatus, OrdType, Side, StpMode, TimeInForce, TradingStatus } from './types.js';
import { exportLedger, importLedger, type LedgerState } from './ledger-state.js';

/** The layout of EngineState; a state of another version is refused (no older layout was ever released). */
export const ENGINE_STATE_VERSION = 2;

type OrderRow = [
  orderId: string, session: string, account: string, symbol: string, side: Side, ordType: OrdType, tif: TimeInForce,
  clOrdIds: string[], origClOrdId: string | null, priceTicks: number, stopTicks: number, orderQtyLots: number,
  cumLots: number, leavesLots: number, visibleLots: number, displayLots: number, minQtyLots: number, cumNotional: number,
  expireTimeMs: number, postOnly: boolean, stpMode: StpMode, reservePriceTicks: number, status: OrdStatus, live: boolean,
  pendingStop: boolean,
];

export interface EngineState {
  version: number;
  configHash: string;
  lastSeq: number;
  /** The time the last command was applied with: the next one is applied at this time or later. */
  lastTimeMs: number;
  tradeIdLast: number;
  instruments: Array<{
    symbol: string; status: TradingStatus; lastPriceTicks: number; mdSeq: number;
    /** Why halted. */
    haltText: string | null;
    cbMin: Array<[number, number]>; cbMax: Array<[number, number]>;
    /** Resting order ids, best level first, FIFO within a level. */
    bids: string[]; asks: string[]; buyStops: string[]; sellStops: string[];
  }>;
  accounts: Array<[name: string, openOrders: number, reservedUnits: number, killSwitch: boolean, positionLots: number[], openBuyLots: number[], openSellLots: number[]]>;
  orders: OrderRow[];
  /** Session → [clOrdId, orderId], by order id then ClOrdID. */
  sessions: Array<[string, Array<[string, string]>]>;
  gtd: string[];
  done: string[];
  /** Balances, positions, balance-command results and fill history. */
  ledger: LedgerState;
}

/**
 * A session's ClOrdIDs have no order of their own (the table keeps none): they are listed by order (seq), then by
 * ClOrdID, so equal states export alike.
 */
function sessionEntries(entries: Array<[clOrdId: string, seqNo: number]>): Array<[string, string]> {
  return entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([c, seqNo]) => [c, String(seqNo)]);
}

export function exportEngineState(engine: Engine): EngineState {
  const t = engineTables(engine);
  const ids = (orders: Iterable<Order>): string[] => Array.from(orders, (o) => orderIdOf(o));
  const resting = (side: BookSide): string[] => {
    const out: string[] = [];
    for (const level of side.iterate()) for (let o = level.head; o !== null; o = o.next) out.push(orderIdOf(o));
    return out;
  };
  return {
    version: ENGINE_STATE_VERSION,
    configHash: engine.config.hash,
    lastSeq: t.lastSeq,
    lastTimeMs: t.lastTimeMs,
    tradeIdLast: t.tradeIdLast,
    instruments: t.states.map((st) => ({
      symbol: st.inst.symbol, status: st.status, haltText: st.haltText, lastPriceTicks: st.lastPriceTicks, mdSeq: st.mdSeq,
      cbMin: st.cbMin.map(([t, p]) => [t, p] as [number, number]), cbMax: st.cbMax.map(([t, p]) => [t, p] as [number, number]),
      bids: resting(st.book.bids), asks: resting(st.book.asks), buyStops: ids(st.buyStops), sellStops: ids(st.sellStops),
    })),
    accounts: Array.from(t.accounts.values(), (a) => [a.name, a.openOrders, a.reservedUnits, a.killSwitch,
      [...a.positionLots], [...a.openBuyLots], [...a.openSellLots]]),
    orders: Array.from(t.ordersById.values(), (o): OrderRow => [
      orderIdOf(o), o.session, o.account.name, o.inst.symbol, o.side, o.ordType, o.timeInForce, allClOrdIdsOf(o), o.origClOrdId,
      o.priceTicks, o.stopTicks, o.orderQtyLots, o.cumLots, o.leavesLots, o.visibleLots, o.displayLots, o.minQtyLots,
      o.cumNotional, o.expireTimeMs, o.postOnly, o.stpMode, o.reservePriceTicks, o.status, o.live, o.pendingStop,
    ]),
    sessions: Array.from(t.sessions.entries(), ([s, m]) => [s, sessionEntries(Array.from(m.entries(), ([c, o]) => [c, o.seqNo]))]),
    gtd: ids(t.gtdOrders),
    done: ids(t.doneQueue.slice(t.doneHead)),
    ledger: exportLedger(t),
  };
}

/** Rebuilds an engine from exported state; throws when the state does not fit the config. */
export function importEngineState(config: EngineConfig, state: EngineState): Engine {
  if (state.version !== ENGINE_STATE_VERSION) {
    throw new Error(`engine state version ${String(state.version)} is not supported (this fixgw reads version ${ENGINE_STATE_VERSION})`);
  }
  if (state.configHash !== config.hash) throw new Error('engine state was written with a different engine config (hash mismatch)');
  const engine = new Engine(config);
  const t = engineTables(engine);
  t.lastSeq = state.lastSeq;
  t.lastTimeMs = state.lastTimeMs;
  t.tradeIdLast = state.tradeIdLast;
  for (const [name, openOrders, reservedUnits, killSwitch, pos, buy, sell] of state.accounts) {
    const acct = t.accounts.get(name) ?? new AccountState(name, config.accountOverrides.get(name) ?? config.defaultAccount, config.instruments.length, config.assets.length);
    acct.openOrders = openOrders;
    acct.reservedUnits = reservedUnits;
    acct.killSwitch = killSwitch;
    pos.forEach((v, i) => { acct.positionLots[i] = v; });
    buy.forEach((v, i) => { acct.openBuyLots[i] = v; });
    sell.forEach((v, i) => { acct.openSellLots[i] = v; });
    t.accounts.set(name, acct);
  }
  const byId = importOrders(t, state.orders);
  const get = (id: string): Order => {
    const o = byId.get(id);
    if (o === undefined) throw new Error(`engine state: unknown order id ${id}`);
    return o;
  };
  importInstruments(t, state.instruments, get);
  for (const [session, entries] of state.sessions) {
    const m = new SessionOrders(session);
    for (const [clOrdId, orderId] of entries) m.set(clOrdId, get(orderId));
    t.sessions.set(session, m);
  }
  for (const id of state.gtd) t.gtdOrders.add(get(id));
  t.doneQueue = state.done.map(get);
  t.doneHead = 0;
  importLedger(t, state.ledger);
  return engine;
}

function importOrders(t: EngineTables, rows: OrderRow[]): Map<string, Order> {
  const byId = new Map<string, Order>();
  for (const r of rows) {
    const st = t.stateBySymbol.get(r[3]);
    const acct = t.accounts.get(r[2]);
    if (st === undefined || acct === undefined) throw new Error(`engine state: order ${r[0]} refers to unknown ${st === undefined ? 'symbol' : 'account'}`);
    const seqNo = Number(r[0]);
    if (!Number.isSafeInteger(seqNo) || seqNo <= 0 || String(seqNo) !== r[0]) throw new Error(`engine state: bad order id ${r[0]}`);
    const o = createOrder(seqNo, r[1], acct, st.inst, r[4], r[5], r[6], r[7][r[7].length - 1]!);
    for (let i = 0; i < r[7].length - 1; i++) {
      o.priorClOrdIds = { clOrdId: r[7][i]!, clOrdHash: hashOf(r[7][i]!), before: o.priorClOrdIds };
    }
    o.origClOrdId = r[8];
    [o.priceTicks, o.stopTicks, o.orderQtyLots, o.cumLots, o.leavesLots, o.visibleLots, o.displayLots, o.minQtyLots,
      o.cumNotional, o.expireTimeMs] = [r[9], r[10], r[11], r[12], r[13], r[14], r[15], r[16], r[17], r[18]];
    o.postOnly = r[19];
    o.stpMode = r[20];
    o.reservePriceTicks = r[21];
    o.status = r[22];
    o.live = r[23];
    o.pendingStop = r[24];
    byId.set(orderIdOf(o), o);
    t.ordersById.add(o);
  }
  return byId;
}

function importInstruments(t: EngineTables, instruments: EngineState['instruments'], get: (id: string) => Order): void {
  for (const s of instruments) {
    const st = t.stateBySymbol.get(s.symbol);
    if (st === undefined) throw new Error(`engine state: unknown symbol ${s.symbol}`);
    st.status = s.status;
    st.haltText = s.haltText;
    st.lastPriceTicks = s.lastPriceTicks;
    st.mdSeq = s.mdSeq;
    st.cbMin = s.cbMin.map(([t, p]) => [t, p]);
    st.cbMax = s.cbMax.map(([t, p]) => [t, p]);
    // cbMin and cbMax share entries in a live engine; sharing does not matter for behaviour.
    for (const id of s.bids) st.book.bids.append(get(id));
    for (const id of s.asks) st.book.asks.append(get(id));
    for (const id of s.buyStops) st.buyStops.push(get(id));
    for (const id of s.sellStops) st.sellStops.push(get(id));
  }
}
