// The matching engine: a pure, deterministic state machine. apply(sequenced command) → events.
// No I/O, no clock, no randomness: time and sequence arrive on the command. Risk runs before matching in
// the same step. Price-time priority, integer ticks/lots throughout.
import type { EngineConfig, Instrument } from './config.js';
import { InstrumentState, type DirtyPrices } from './instrument-state.js';
import { createOrder, orderIdOf, renameOrder, type Order } from './order.js';
import type { BookSide, Level } from './order-book.js';
import { AccountState, checkReserve, feeOf, linkLive, makerRateOf, release, reserve, takerRateOf, unlinkLive } from './risk.js';
import { applyPosition } from './positions.js';
import { FillHistory } from './fill-history.js';
import { applyBalanceCommand, BalanceRefs, type BalanceCommand } from './balance-commands.js';
import { balanceViews, feeViews, fillView, positionViews } from './account-reads.js';
import { OrderIndex } from './order-index.js';
import { compIdOf, hashOf, SessionOrders } from './session-orders.js';
import { LevelChange, MdUpdate, OrderReport, Stamp, TradeReport } from './reports.js';
import { fromUnits, toUnits, type UnitsResult } from './units.js';
import {
  REJECT_FIX_CODES,
  type AccountView, type AssetView, type BalanceView, type FeeView, type FillView, type PositionView,
  type AdminEvent, type CancelCommand, type LevelDelta, type Command, type DoneReason, type EngineEvent, type ExecReport, type ExecType,
  type MassCancelCommand, type NewOrderCommand, type OrderStatusCommand, type OrdType, type RejectReason,
  type ReplaceCommand, type SequencedCommand, type Side, type StpMode, type TimeInForce, type TradingStatus,
} from './types.js';

/** The trades of a market-data event without trades: shared, and frozen so no one can add to it. */
const NO_TRADES: TradeReport[] = Object.freeze([]) as unknown as TradeReport[];

/** Events kept in the reused event array between commands; a bigger command's array is dropped. */
const SCRATCH_KEPT_MAX = 1024;

/** Longest ClOrdID / session id / account accepted (longer is rejected as InvalidCommand). */
export const ID_LENGTH_MAX = 128;

// A command's enumeration as the engine's constant string, or null when it is not one of the values.
function sideOf(v: unknown): Side | null {
  return v === 'Buy' ? 'Buy' : v === 'Sell' ? 'Sell' : null;
}
function ordTypeOf(v: unknown): OrdType | null {
  switch (v) { case 'Limit': return 'Limit'; case 'Market': return 'Market'; case 'Stop': return 'Stop'; case 'StopLimit': return 'StopLimit'; default: return null; }
}
function timeInForceOf(v: unknown): TimeInForce | null {
  switch (v) { case 'Day': return 'Day'; case 'GTC': return 'GTC'; case 'IOC': return 'IOC'; case 'FOK': return 'FOK'; case 'GTD': return 'GTD'; default: return null; }
}
function stpModeOf(v: unknown): StpMode | null {
  switch (v) {
    case 'None': return 'None'; case 'CancelNewest': return 'CancelNewest'; case 'CancelOldest': return 'CancelOldest';
    case 'CancelBoth': return 'CancelBoth'; case 'DecrementAndCancel': return 'DecrementAndCancel'; default: return null;
  }
}

/**
 * The self-trade prevention mode that applies when `incoming` meets `resting` of the same account: the incoming
 * order's mode, or the resting order's when the incoming one has none. A self-trade happens only when both say None.
 * (The modes read the same from either side: the newest order is always the incoming one.)
 */
function effectiveStpMode(incoming: Order, resting: Order): StpMode {
  return incoming.stpMode !== 'None' ? incoming.stpMode : resting.stpMode;
}

/** Result of matching an aggressor: why it stopped early, if it did. */
const enum MatchStop { None, SelfTrade, CircuitBreaker }

/** A read-only view of an order for lookups (decimal strings). */
export interface OrderView {
  orderId: string;
  clOrdId: string;
  session: string;
  account: string;
  symbol: string;
  side: Side;
  ordType: OrdType;
  timeInForce: TimeInForce;
  price: string | null;
  stopPx: string | null;
  orderQty: string;
  cumQty: string;
  leavesQty: string;
  avgPx: string;
  ordStatus: ExecReport['ordStatus'];
  resting: boolean;
  pendingStop: boolean;
}

export interface BookSnapshot {
  symbol: string;
  mdSeq: number;
  status: TradingStatus;
  lastPrice: string | null;
  /** [price, qty, orderCount], best first. */
  bids: Array<[string, string, number]>;
  asks: Array<[string, string, number]>;
}

/** Longest operator halt text carried on rejects. */
const HALT_TEXT_MAX = 200;

/** Reject text for an instrument that is not open: its status, and why when halted. */
function statusText(st: InstrumentState): string {
  return st.status === 'Halted' && st.haltText !== null ? `${st.inst.symbol} is Halted: ${st.haltText}` : `${st.inst.symbol} is ${st.status}`;
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= ID_LENGTH_MAX;
}

/**
 * The engine's tables, for the few modules that must see inside it: engine-state.ts (snapshots), invariants.ts and
 * white-box tests. Not exported from index.ts: nothing outside src/engine may depend on the engine's internals.
 */
export interface EngineTables {
  lastSeq: number;
  lastTimeMs: number;
  tradeIdLast: number;
  readonly states: InstrumentState[];
  readonly stateBySymbol: Map<string, InstrumentState>;
  readonly ordersById: OrderIndex;
  readonly sessions: Map<string, SessionOrders>;
  readonly accounts: Map<string, AccountState>;
  readonly gtdOrders: Set<Order>;
  doneQueue: Order[];
  doneHead: number;
  readonly feeAccount: AccountState;
  readonly fills: FillHistory;
  readonly balanceRefs: BalanceRefs;
}

/** See EngineTables; assigned by the Engine class itself, which alone can reach its private fields. */
export let engineTables: (engine: Engine) => EngineTables;

export class Engine {
  /** Last applied command's seq (read: lastSeq). */
  private seqApplied = 0;
  private tradeIdLast = 0;
  private readonly states: InstrumentState[];
  private readonly stateBySymbol = new Map<string, InstrumentState>();
  /** Live orders and the last `doneOrdersMax` done ones, in creation order. */
  private readonly ordersById = new OrderIndex();
  /** Per session: ClOrdID → order (every ClOrdID of an order's chain). */
  private readonly sessions = new Map<string, SessionOrders>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly gtdOrders = new Set<Order>();
  /** Done orders, oldest first, from doneHead. */
  private doneQueue: Order[] = [];
  private doneHead = 0;

  static {
    engineTables = (e: Engine): EngineTables => ({
      get lastSeq() { return e.seqApplied; }, set lastSeq(v) { e.seqApplied = v; },
      get lastTimeMs() { return e.timeMs; }, set lastTimeMs(v) { e.timeMs = v; },
      get tradeIdLast() { return e.tradeIdLast; }, set tradeIdLast(v) { e.tradeIdLast = v; },
      states: e.states, stateBySymbol: e.stateBySymbol, ordersById: e.ordersById, sessions: e.sessions, accounts: e.accounts,
      gtdOrders: e.gtdOrders,
      get doneQueue() { return e.doneQueue; }, set doneQueue(v) { e.doneQueue = v; },
      get doneHead() { return e.doneHead; }, set doneHead(v) { e.doneHead = v; },
      feeAccount: e.feeAccount, fills: e.fills, balanceRefs: e.balanceRefs,
    });
  }

  // scratch for the command being applied
  private seq = 0;
  /** Time of the command being applied, and after it of the last one applied: never goes back (see apply). */
  private timeMs = 0;
  /** seq and timeMs of the command being applied, shared by its events. */
  private stamp = new Stamp(0, 0);
  /** Events of the command being applied: the first outN entries of a reused array. */
  private out: EngineEvent[] = [];
  private outN = 0;
  private execN = 0;
  /** Instruments touched by the command being applied: the first touchedN entries. */
  private readonly touched: InstrumentState[] = [];
  private touchedN = 0;

  // ---------------------------------------------------------------- accounts that hold money (accounts.md)
  /** The account fees are paid to; it is in the account table from the start and cannot trade. */
  private readonly feeAccount: AccountState;
  /** Recent executions, for fill reads. */
  private readonly fills: FillHistory;
  /** Results of balance commands by refId (idempotency). */
  private readonly balanceRefs: BalanceRefs;

  constructor(readonly config: EngineConfig) {
    this.states = config.instruments.map((inst) => new InstrumentState(inst));
    for (const st of this.states) this.stateBySymbol.set(st.inst.symbol, st);
    this.fills = new FillHistory(config.fillHistoryMax);
    this.balanceRefs = new BalanceRefs(config.balanceRefIdsMax);
    // accounts whose balances the config gives exist from the start: their balances are the genesis of every asset
    this.feeAccount = this.newAccount(config.feeAccount);
    this.accounts.set(this.feeAccount.name, this.feeAccount);
    for (const [name, limits] of config.accountOverrides) {
      if (limits.initialBalances !== null && name !== config.feeAccount) this.accounts.set(name, this.newAccount(name));
    }
  }

  private newAccount(name: string): AccountState {
    const c = this.config;
    return new AccountState(name, c.accountOverrides.get(name) ?? c.defaultAccount, c.instruments.length, c.assets.length);
  }

  // ------------------------------------------------------------------ apply

  /** Applies one sequenced command and returns the events it caused, in order. */
  apply(sc: SequencedCommand): EngineEvent[] {
    if (sc.seq !== this.seqApplied + 1) throw new Error(`invariant: seq ${sc.seq} applied after ${this.seqApplied}`);
    this.seqApplied = sc.seq;
    this.seq = sc.seq;
    // The submitter's clock may go back, or lag another node's: the applied time never does, and it is computed
    // here from the log alone, so every replica and every replay applies the command at the same time.
    if (sc.timeMs > this.timeMs) this.timeMs = sc.timeMs;
    this.stamp = new Stamp(sc.seq, this.timeMs);
    this.outN = 0;
    this.execN = 0;
    const cmd = sc.cmd as Command | null;
    switch (typeof cmd === 'object' && cmd !== null ? cmd.type : undefined) {
      case 'NewOrder': this.newOrder(cmd as NewOrderCommand); break;
      case 'Cancel': this.cancel(cmd as CancelCommand); break;
      case 'Replace': this.replace(cmd as ReplaceCommand); break;
      case 'OrderStatus': this.orderStatus(cmd as OrderStatusCommand); break;
      case 'MassCancel': this.massCancel(cmd as MassCancelCommand); break;
      case 'SessionDisconnected': this.sessionDisconnected(cmd as Command & { type: 'SessionDisconnected' }); break;
      case 'Halt': case 'Resume': this.haltResume(cmd as Command & { type: 'Halt' | 'Resume' }); break;
      case 'KillSwitch': this.killSwitch(cmd as Command & { type: 'KillSwitch' }); break;
      case 'ExpireSweep': this.expireSweep(); break;
      case 'EndOfDay': this.endOfDay(cmd as Command & { type: 'EndOfDay' }); break;
      case 'Deposit': case 'Withdraw': case 'Adjust': this.balanceCommand(cmd as BalanceCommand); break;
      default: this.admin('ExpireSweep', false, 0, `unknown command type ${JSON.stringify((cmd as { type?: unknown } | null)?.type)}`);
    }
    if (this.touchedN > 0) this.emitMarketData();
    // copied by hand: Array.prototype.slice is a builtin call, slower than this loop for a few events
    const n = this.outN;
    const out = new Array<EngineEvent>(n);
    for (let i = 0; i < n; i++) out[i] = this.out[i]!;
    if (this.outN > SCRATCH_KEPT_MAX) this.out = []; // do not keep a mass cancel's events alive
    return out;
  }

  // ------------------------------------------------------------------ new order

  private newOrder(cmd: NewOrderCommand): void {
    if (!isId(cmd.session) || !isId(cmd.clOrdId)) return this.rejectNew(cmd, 'InvalidCommand', 'session and clOrdId are required (1..128 chars)');
    const st = this.stateBySymbol.get(cmd.symbol);
    if (st === undefined) return this.rejectNew(cmd, 'UnknownSymbol', `unknown symbol ${String(cmd.symbol)}`);
    const inst = st.inst;
    // enumerations: checked, and kept as the engine's own constant strings (the order outlives the command)
    const side = sideOf(cmd.side);
    if (side === null) return this.rejectNew(cmd, 'InvalidCommand', `invalid side ${String(cmd.side)}`);
    const ordType = ordTypeOf(cmd.ordType);
    if (ordType === null) return this.rejectNew(cmd, 'UnsupportedOrder', `unsupported ordType ${String(cmd.ordType)}`);
    const tif = timeInForceOf(cmd.timeInForce ?? 'Day');
    if (tif === null) return this.rejectNew(cmd, 'UnsupportedOrder', `unsupported timeInForce ${String(cmd.timeInForce)}`);
    const cmdStpMode = cmd.stpMode === undefined ? undefined : stpModeOf(cmd.stpMode);
    if (cmdStpMode === null) return this.rejectNew(cmd, 'UnsupportedOrder', `unsupported stpMode ${String(cmd.stpMode)}`);
    const session = this.sessions.get(cmd.session);
    const clOrdHash = hashOf(cmd.clOrdId);
    if (session !== undefined && session.has(cmd.clOrdId, clOrdHash)) return this.rejectNew(cmd, 'DuplicateClOrdId', `duplicate ClOrdID ${cmd.clOrdId} on this session`);
    const accountName = cmd.account === undefined || cmd.account === '' ? (session?.compId ?? compIdOf(cmd.session)) : cmd.account;
    if (!isId(accountName)) return this.rejectNew(cmd, 'InvalidCommand', 'account must be 1..128 chars');
    if (accountName === this.config.feeAccount) return this.rejectNew(cmd, 'UnknownAccount', `${accountName} is the fee account: it cannot trade`);
    const acct = this.accountFor(accountName);
    if (acct === null) return this.rejectNew(cmd, 'UnknownAccount', `unknown account ${accountName}`);
    if (acct.killSwitch) return this.rejectNew(cmd, 'KillSwitch', `account ${accountName} is blocked by the kill switch`);
    if (st.status !== 'Open') return this.rejectNew(cmd, st.status === 'Halted' ? 'InstrumentHalted' : 'InstrumentClosed', statusText(st));

    const hasPrice = ordType === 'Limit' || ordType === 'StopLimit';
    const isStop = ordType === 'Stop' || ordType === 'StopLimit';
    const mismatch = this.combinationReject(cmd, ordType, tif);
    if (mismatch !== null) return this.rejectNew(cmd, mismatch[0], mismatch[1]);
    const expireTimeMs = tif === 'GTD' ? cmd.expireTimeMs! : 0;

    // quantities
    const qty = this.qtyLots(inst, cmd.orderQty, 'orderQty');
    if (typeof qty !== 'number') return this.rejectNew(cmd, qty[0], qty[1]);
    let minQty = 0;
    if (cmd.minQty !== undefined) {
      const m = this.qtyLots(inst, cmd.minQty, 'minQty', true);
      if (typeof m !== 'number') return this.rejectNew(cmd, m[0], m[1]);
      if (m > qty) return this.rejectNew(cmd, 'QtyOutOfRange', 'minQty above orderQty');
      minQty = m;
    }
    let display = 0;
    if (cmd.displayQty !== undefined) {
      const d = this.qtyLots(inst, cmd.displayQty, 'displayQty', true);
      if (typeof d !== 'number') return this.rejectNew(cmd, d[0], d[1]);
      if (d === 0 || d > qty) return this.rejectNew(cmd, 'QtyOutOfRange', 'displayQty must be in (0, orderQty]');
      if (d < qty) display = d;
    }

    // prices
    let priceTicks = 0;
    if (hasPrice) {
      const p = this.priceTicksOf(st, cmd.price, 'price');
      if (typeof p !== 'number') return this.rejectNew(cmd, p[0], p[1]);
      priceTicks = p;
    } else if (cmd.price !== undefined) return this.rejectNew(cmd, 'UnsupportedOrder', 'price given for a market order');
    let stopTicks = 0;
    if (isStop) {
      const s = this.priceTicksOf(st, cmd.stopPx, 'stopPx');
      if (typeof s !== 'number') return this.rejectNew(cmd, s[0], s[1]);
      stopTicks = s;
    }
    const opp = side === 'Buy' ? st.book.asks : st.book.bids;
    if (ordType === 'Market') {
      if (opp.best === null) return this.rejectNew(cmd, 'NoLiquidity', 'market order with no opposite side');
      priceTicks = this.protectionLimit(inst, side, opp.best.priceTicks);
    } else if (ordType === 'Stop') {
      priceTicks = this.protectionLimit(inst, side, stopTicks);
    }
    if (cmd.postOnly === true && opp.best !== null && this.crosses(side, priceTicks, opp.best.priceTicks)) {
      return this.rejectNew(cmd, 'PostOnlyWouldTake', 'post-only order would take liquidity');
    }

    // account risk
    const stpMode: StpMode = cmdStpMode ?? acct.limits.stpMode;
    const riskReject = checkReserve(acct, inst, side, priceTicks, qty, true);
    if (riskReject !== null) return this.rejectNew(cmd, riskReject.reason, riskReject.text);
    if (isStop && (side === 'Buy' ? st.buyStops : st.sellStops).length >= this.config.stopOrdersMaxPerInstrument) {
      return this.rejectNew(cmd, 'MaxOpenOrders', `too many stop orders on ${inst.symbol}`);
    }

    if (!this.adoptAccount(acct)) return this.rejectNew(cmd, 'UnknownAccount', `account table full (limits.accountsMax ${this.config.accountsMax})`);

    const orders = session ?? this.sessionMap(cmd.session);
    const order = createOrder(this.seq, orders.name, acct, inst, side, ordType, tif, cmd.clOrdId, clOrdHash);
    order.priceTicks = priceTicks;
    order.stopTicks = stopTicks;
    order.orderQtyLots = qty;
    order.leavesLots = qty;
    order.visibleLots = display > 0 ? display : qty;
    order.displayLots = display;
    order.minQtyLots = tif === 'FOK' ? qty : minQty;
    order.expireTimeMs = expireTimeMs;
    order.postOnly = cmd.postOnly === true;
    order.stpMode = stpMode;
    order.reservePriceTicks = priceTicks;
    this.accept(order, orders, st);
  }

  /** Characteristics of a new order that do not combine: the reject, or null. */
  private combinationReject(cmd: NewOrderCommand, ordType: OrdType, tif: TimeInForce): [RejectReason, string] | null {
    const isMarket = ordType === 'Market' || ordType === 'Stop';
    const isStop = ordType === 'Stop' || ordType === 'StopLimit';
    const immediate = tif === 'IOC' || tif === 'FOK' || ordType === 'Market';
    if (isMarket && cmd.price !== undefined) return ['UnsupportedOrder', 'market and stop orders take no price'];
    if (!isStop && cmd.stopPx !== undefined) return ['UnsupportedOrder', 'stopPx needs ordType Stop or StopLimit'];
    if (ordType === 'Market' && (tif === 'GTC' || tif === 'GTD')) return ['UnsupportedOrder', `market orders cannot be ${tif}`];
    if (cmd.postOnly === true && (ordType !== 'Limit' || immediate)) return ['UnsupportedOrder', 'post-only needs a resting limit order'];
    if (cmd.minQty !== undefined && tif !== 'IOC') return ['UnsupportedOrder', 'minQty needs timeInForce IOC'];
    if (cmd.displayQty !== undefined && (immediate || isStop)) return ['UnsupportedOrder', 'displayQty needs a resting limit order'];
    if (tif === 'GTD') {
      if (typeof cmd.expireTimeMs !== 'number' || !Number.isSafeInteger(cmd.expireTimeMs)) return ['InvalidCommand', 'GTD needs expireTimeMs'];
      if (cmd.expireTimeMs <= this.timeMs) return ['TooLateExpireTime', 'expireTime is not in the future'];
    }
    return null;
  }

  /** A new order passed every check: it is known, holds its reservation, is reported New, and rests or trades. */
  private accept(order: Order, orders: SessionOrders, st: InstrumentState): void {
    this.ordersById.add(order);
    orders.set(order.clOrdId, order, order.clOrdHash);
    reserve(order, order.leavesLots);
    order.account.openOrders++;
    linkLive(order);
    if (order.expireTimeMs > 0) this.gtdOrders.add(order);
    this.exec(order, 'New');
    this.touch(st);
    if (order.ordType === 'Stop' || order.ordType === 'StopLimit') {
      order.pendingStop = true;
      st.addStop(order);
    } else {
      this.runAggressive(order, st);
    }
    this.triggerStops(st);
  }

  /** Market orders become limits `marketProtectionBps` through `fromTicks`. */
  private protectionLimit(inst: Instrument, side: Side, fromTicks: number): number {
    const delta = Math.floor(fromTicks * inst.marketProtectionBps / 10_000);
    return side === 'Buy' ? Math.min(fromTicks + delta, inst.maxPriceTicks) : Math.max(fromTicks - delta, inst.minPriceTicks);
  }

  private crosses(side: Side, priceTicks: number, oppTicks: number): boolean {
    return side === 'Buy' ? priceTicks >= oppTicks : priceTicks <= oppTicks;
  }

  private qtyLots(inst: Instrument, text: unknown, name: string, allowZero = false): number | [RejectReason, string] {
    const u: UnitsResult = toUnits(text, inst.qtyStep);
    if (u === 'invalid') return ['InvalidQty', `${name} is not a decimal: ${String(text)}`];
    if (u === 'off-step') return ['NotLotMultiple', `${name} ${String(text)} is not a multiple of lot ${inst.qtyStep.text}`];
    if (u === 'too-large' || u > inst.maxQtyLots) return ['QtyOutOfRange', `${name} ${String(text)} above max ${fromUnits(inst.maxQtyLots, inst.qtyStep)}`];
    if (u === 0 && allowZero) return 0;
    if (u < inst.minQtyLots) return ['QtyOutOfRange', `${name} ${String(text)} below min ${fromUnits(inst.minQtyLots, inst.qtyStep)}`];
    return u;
  }

  private priceTicksOf(st: InstrumentState, text: unknown, name: string): number | [RejectReason, string] {
    const inst = st.inst;
    const u: UnitsResult = toUnits(text, inst.priceStep);
    if (u === 'invalid') return ['InvalidPrice', `${name} is not a positive decimal: ${String(text)}`];
    if (u === 'off-step') return ['OffTick', `${name} ${String(text)} is not a multiple of tick ${inst.priceStep.text}`];
    if (u === 'too-large' || u > inst.maxPriceTicks || u < inst.minPriceTicks) {
      return ['PriceOutOfRange', `${name} ${String(text)} outside [${fromUnits(inst.minPriceTicks, inst.priceStep)}, ${fromUnits(inst.maxPriceTicks, inst.priceStep)}]`];
    }
    const bps = inst.priceBandBps;
    if (bps > 0) {
      const ref = st.lastPriceTicks > 0 ? st.lastPriceTicks : inst.referencePriceTicks;
      if (Math.abs(u - ref) * 10_000 > ref * bps) {
        return ['PriceOutOfBand', `${name} ${String(text)} more than ${bps} bps from reference ${fromUnits(ref, inst.priceStep)}`];
      }
    }
    return u;
  }

  /**
   * The account's state; an account seen for the first time gets a fresh state that is only kept (adopted) once
   * something sticks to it (an accepted order, a kill switch), so rejected orders never grow the account table.
   */
  private accountFor(name: string): AccountState | null {
    const acct = this.accounts.get(name);
    if (acct !== undefined) return acct;
    const override = this.config.accountOverrides.get(name);
    if (override === undefined && !this.config.allowUnknownAccounts) return null;
    return new AccountState(name, override ?? this.config.defaultAccount, this.states.length, this.config.assets.length);
  }

  /** Keeps a fresh account state; false when the table already holds limits.accountsMax accounts. */
  private adoptAccount(acct: AccountState): boolean {
    if (this.accounts.get(acct.name) === acct) return true;
    if (this.accounts.size >= this.config.accountsMax) return false;
    this.accounts.set(acct.name, acct);
    return true;
  }

  private sessionMap(session: string): SessionOrders {
    let m = this.sessions.get(session);
    if (m === undefined) {
      m = new SessionOrders(session);
      this.sessions.set(session, m);
    }
    return m;
  }

  // ------------------------------------------------------------------ matching

  /** Matches an order that just became active (new, triggered or repriced), then rests or cancels the rest. */
  private runAggressive(order: Order, st: InstrumentState): void {
    const immediate = order.timeInForce === 'IOC' || order.timeInForce === 'FOK' || order.ordType === 'Market' || order.ordType === 'Stop';
    if (order.minQtyLots > 0 && order.cumLots === 0 && !this.canFill(order, st, order.minQtyLots)) {
      return this.cancelOrder(order, order.timeInForce === 'FOK' ? 'FokUnfilled' : 'MinQtyUnfilled', 'Canceled');
    }
    const stop = this.match(order, st);
    if (!order.live) return;
    if (stop === MatchStop.SelfTrade) return this.cancelOrder(order, 'SelfTradePrevention', 'Canceled');
    if (stop === MatchStop.CircuitBreaker) return this.cancelOrder(order, 'CircuitBreaker', 'Canceled');
    if (immediate) {
      return this.cancelOrder(order, order.ordType === 'Market' || order.ordType === 'Stop' ? 'MarketProtection' : 'IocRemainder', 'Canceled');
    }
    const side = order.side === 'Buy' ? st.book.bids : st.book.asks;
    if (side.levelCount >= this.config.orderBookLevelsMax && side.level(order.priceTicks) === undefined) {
      return this.cancelOrder(order, 'BookFull', 'Canceled'); // the bound on price levels per side
    }
    order.visibleLots = order.displayLots > 0 ? Math.min(order.displayLots, order.leavesLots) : order.leavesLots;
    side.append(order);
    this.dirty(st, order.side, order.priceTicks);
    const oppBest = (order.side === 'Buy' ? st.book.asks : st.book.bids).best;
    if (oppBest !== null && this.crosses(order.side, order.priceTicks, oppBest.priceTicks) && st.status === 'Open') {
      throw new Error(`invariant: ${st.inst.symbol} book crossed after matching order ${orderIdOf(order)}`);
    }
  }

  /** True when `need` lots can trade right now, without self-trade and without tripping the breaker (FOK, minQty). */
  private canFill(order: Order, st: InstrumentState, need: number): boolean {
    const opp = order.side === 'Buy' ? st.book.asks : st.book.bids;
    let sum = 0;
    for (let level: Level | null = opp.best; level !== null; level = opp.nextLevel(level)) {
      if (!this.crosses(order.side, order.priceTicks, level.priceTicks)) return false;
      if (st.wouldBreak(level.priceTicks, this.timeMs)) return false;
      for (let r = level.head; r !== null; r = r.next) {
        if (r.account === order.account && effectiveStpMode(order, r) !== 'None') return false;
        sum += r.leavesLots;
        if (sum >= need) return true;
      }
    }
    return false;
  }

  private match(order: Order, st: InstrumentState): MatchStop {
    const isBuy = order.side === 'Buy';
    const opp: BookSide = isBuy ? st.book.asks : st.book.bids;
    while (order.leavesLots > 0) {
      const level = opp.best;
      if (level === null) break;
      const px = level.priceTicks;
      if (isBuy ? px > order.priceTicks : px < order.priceTicks) break;
      if (st.wouldBreak(px, this.timeMs)) {
        this.setStatus(st, 'Halted');
        st.haltText = `circuit breaker: a trade at ${fromUnits(px, st.inst.priceStep)} would move the price more than ${st.inst.circuitBreakerBps} bps within ${st.inst.circuitBreakerWindowMs} ms`;
        return MatchStop.CircuitBreaker;
      }
      const resting = level.head!;
      if (resting.account === order.account && effectiveStpMode(order, resting) !== 'None') {
        switch (effectiveStpMode(order, resting)) {
          case 'CancelNewest': return MatchStop.SelfTrade;
          case 'CancelOldest': this.cancelOrder(resting, 'SelfTradePrevention', 'Canceled'); continue;
          case 'CancelBoth': this.cancelOrder(resting, 'SelfTradePrevention', 'Canceled'); return MatchStop.SelfTrade;
          case 'DecrementAndCancel': {
            const q = Math.min(order.leavesLots, resting.leavesLots);
            this.decrement(resting, q, st);
            this.decrement(order, q, st);
            continue;
          }
        }
      }
      this.fill(order, resting, level, st, opp);
    }
    return MatchStop.None;
  }

  private fill(aggr: Order, resting: Order, level: Level, st: InstrumentState, opp: BookSide): void {
    const px = level.priceTicks;
    const lots = Math.min(aggr.leavesLots, resting.visibleLots);
    resting.visibleLots -= lots;
    resting.leavesLots -= lots;
    resting.cumLots += lots;
    resting.cumNotional += px * lots;
    level.totalLots -= lots;
    aggr.leavesLots -= lots;
    aggr.cumLots += lots;
    aggr.cumNotional += px * lots;
    release(resting, lots);
    release(aggr, lots);
    const inst = st.inst;
    const value = px * lots * inst.quoteUnitsPerTickLot;
    const aggrFee = feeOf(value, takerRateOf(aggr.account, inst));
    const restingFee = feeOf(value, makerRateOf(resting.account, inst));
    this.settle(aggr, lots, px, value, aggrFee);
    this.settle(resting, lots, px, value, restingFee);
    st.recordTrade(px, this.timeMs, this.seq);
    this.dirty(st, resting.side, px);
    const tradeId = ++this.tradeIdLast;

    if (resting.leavesLots === 0) {
      opp.remove(resting);
      resting.status = 'Filled';
      this.done(resting);
    } else {
      resting.status = 'PartiallyFilled';
      if (resting.visibleLots === 0) {
        // iceberg: show the next slice at the back of the queue
        opp.remove(resting);
        resting.visibleLots = Math.min(resting.displayLots, resting.leavesLots);
        opp.append(resting);
      }
    }
    if (aggr.leavesLots === 0) {
      aggr.status = 'Filled';
      this.done(aggr);
    } else aggr.status = 'PartiallyFilled';

    this.execFill(aggr, 'Removed', px, lots, tradeId, aggrFee);
    this.execFill(resting, 'Added', px, lots, tradeId, restingFee);
    const trade = new TradeReport(this.stamp, tradeId, inst, px, lots, aggr.side,
      aggr.side === 'Buy' ? aggr : resting, aggr.side === 'Buy' ? resting : aggr);
    this.emit(trade);
    st.mdTrades.push(trade);
  }

  /**
   * Moves one side of a fill between balances, exactly: a buy pays value + fee in the quote asset and receives the
   * lots in the base asset; a sell delivers the lots and receives value − fee; the fee goes to the fee account. The
   * order's reservation for these lots was released just before, so a cash account's available balance covers it.
   */
  private settle(order: Order, lots: number, px: number, value: number, fee: number): void {
    const acct = order.account;
    const inst = order.inst;
    const base = inst.base.index;
    const quote = inst.quote.index;
    const baseUnits = lots * inst.baseUnitsPerLot;
    if (order.side === 'Buy') {
      acct.available[quote]! -= value + fee;
      acct.available[base]! += baseUnits;
    } else {
      acct.available[base]! -= baseUnits;
      acct.available[quote]! += value - fee;
    }
    if (fee > 0) {
      this.feeAccount.available[quote]! += fee;
      acct.feeUnits[inst.index]! += fee;
    }
    applyPosition(acct, inst, order.side === 'Buy', lots, px);
  }

  /** Self-trade decrement: both orders lose `lots` of quantity without trading. */
  private decrement(order: Order, lots: number, st: InstrumentState): void {
    if (order.leavesLots === lots) return this.cancelOrder(order, 'SelfTradePrevention', 'Canceled');
    release(order, lots);
    order.orderQtyLots -= lots;
    order.leavesLots -= lots;
    if (order.visibleLots > order.leavesLots) {
      const cut = order.visibleLots - order.leavesLots;
      order.visibleLots -= cut;
      if (order.level !== null) {
        order.level.totalLots -= cut;
        this.dirty(st, order.side, order.priceTicks);
      }
    }
    this.exec(order, 'Restated', 'SelfTradePrevention');
  }

  private triggerStops(st: InstrumentState): void {
    if (st.buyStops.length === 0 && st.sellStops.length === 0) return;
    while (st.status === 'Open') {
      const order = st.takeTriggeredStop(this.seq);
      if (order === null) break;
      order.pendingStop = false;
      this.exec(order, 'Restated', 'StopTriggered');
      this.runAggressive(order, st);
    }
  }

  // ------------------------------------------------------------------ order lifecycle

  /** Ends a live order without a fill: cancel or expire; releases its reservation and leaves the book. */
  private cancelOrder(order: Order, reason: DoneReason, execType: 'Canceled' | 'Expired', cancelClOrdId?: string, cancelClOrdHash?: number): void {
    const st = this.stateBySymbol.get(order.inst.symbol)!;
    release(order, order.leavesLots);
    if (order.level !== null) {
      (order.side === 'Buy' ? st.book.bids : st.book.asks).remove(order);
      this.dirty(st, order.side, order.priceTicks);
    }
    if (order.pendingStop) {
      st.removeStop(order);
      order.pendingStop = false;
    }
    order.leavesLots = 0;
    order.visibleLots = 0;
    order.status = execType;
    if (cancelClOrdId !== undefined) {
      renameOrder(order, cancelClOrdId, cancelClOrdHash);
      this.sessionMap(order.session).set(cancelClOrdId, order, cancelClOrdHash);
    }
    this.done(order);
    this.exec(order, execType, reason);
  }

  /** Bookkeeping when an order stops being live; forgets the oldest done orders beyond the limit. */
  private done(order: Order): void {
    order.live = false;
    order.account.openOrders--;
    unlinkLive(order);
    if (order.expireTimeMs > 0) this.gtdOrders.delete(order);
    this.doneQueue.push(order);
    const max = this.config.doneOrdersMax;
    while (this.doneQueue.length - this.doneHead > max) {
      const old = this.doneQueue[this.doneHead]!;
      this.doneQueue[this.doneHead++] = undefined as unknown as Order;
      this.forget(old);
    }
    if (this.doneHead > 4096 && this.doneHead * 2 > this.doneQueue.length) {
      this.doneQueue = this.doneQueue.slice(this.doneHead);
      this.doneHead = 0;
    }
  }

  private forget(order: Order): void {
    this.ordersById.delete(order);
    const m = this.sessions.get(order.session);
    if (m !== undefined) {
      m.deleteOf(order.clOrdId, order, order.clOrdHash);
      for (let p = order.priorClOrdIds; p !== null; p = p.before) m.deleteOf(p.clOrdId, order, p.clOrdHash);
      if (m.size === 0) this.sessions.delete(order.session);
    }
  }

  // ------------------------------------------------------------------ cancel / replace / status

  private findOrder(session: string, orderId: string | undefined, clOrdId: string | undefined): Order | undefined {
    if (typeof orderId === 'string' && orderId !== '') {
      const o = this.ordersById.get(orderId);
      return o !== undefined && o.session === session ? o : undefined;
    }
    if (typeof clOrdId === 'string') return this.sessions.get(session)?.get(clOrdId);
    return undefined;
  }

  private cancel(cmd: CancelCommand): void {
    if (!isId(cmd.session) || !isId(cmd.clOrdId)) return this.cancelReject(cmd, 'Cancel', undefined, 'InvalidCommand', 'session and clOrdId are required');
    const order = this.findOrder(cmd.session, cmd.orderId, cmd.origClOrdId);
    if (order === undefined) return this.cancelReject(cmd, 'Cancel', undefined, 'UnknownOrder', 'unknown order');
    if (!order.live) return this.cancelReject(cmd, 'Cancel', order, 'OrderDone', `order is ${order.status}`);
    const clOrdHash = hashOf(cmd.clOrdId);
    if (this.sessions.get(cmd.session)?.has(cmd.clOrdId, clOrdHash)) return this.cancelReject(cmd, 'Cancel', order, 'DuplicateClOrdId', `duplicate ClOrdID ${cmd.clOrdId}`);
    this.touch(this.stateBySymbol.get(order.inst.symbol)!);
    this.cancelOrder(order, 'ClientCancel', 'Canceled', cmd.clOrdId, clOrdHash);
  }

  private replace(cmd: ReplaceCommand): void {
    if (!isId(cmd.session) || !isId(cmd.clOrdId)) return this.cancelReject(cmd, 'Replace', undefined, 'InvalidCommand', 'session and clOrdId are required');
    const order = this.findOrder(cmd.session, cmd.orderId, cmd.origClOrdId);
    if (order === undefined) return this.cancelReject(cmd, 'Replace', undefined, 'UnknownOrder', 'unknown order');
    if (!order.live) return this.cancelReject(cmd, 'Replace', order, 'OrderDone', `order is ${order.status}`);
    const clOrdHash = hashOf(cmd.clOrdId);
    if (this.sessions.get(cmd.session)?.has(cmd.clOrdId, clOrdHash)) return this.cancelReject(cmd, 'Replace', order, 'DuplicateClOrdId', `duplicate ClOrdID ${cmd.clOrdId}`);
    const st = this.stateBySymbol.get(order.inst.symbol)!;
    const inst = st.inst;
    if (st.status !== 'Open') return this.cancelReject(cmd, 'Replace', order, st.status === 'Halted' ? 'InstrumentHalted' : 'InstrumentClosed', statusText(st));
    if (cmd.ordType !== undefined && ordTypeOf(cmd.ordType) !== order.ordType) {
      return this.cancelReject(cmd, 'Replace', order, 'UnsupportedOrder',
        `OrdType cannot change on a replace (order is ${order.ordType}, request says ${String(cmd.ordType)}): cancel it and enter a new order`);
    }
    const qty = this.qtyLots(inst, cmd.orderQty, 'orderQty');
    if (typeof qty !== 'number') return this.cancelReject(cmd, 'Replace', order, qty[0], qty[1]);
    const hasPrice = order.ordType === 'Limit' || order.ordType === 'StopLimit';
    let priceTicks = order.priceTicks;
    if (cmd.price !== undefined) {
      if (!hasPrice) return this.cancelReject(cmd, 'Replace', order, 'UnsupportedOrder', 'order has no limit price');
      const p = this.priceTicksOf(st, cmd.price, 'price');
      if (typeof p !== 'number') return this.cancelReject(cmd, 'Replace', order, p[0], p[1]);
      priceTicks = p;
    }
    let stopTicks = order.stopTicks;
    if (cmd.stopPx !== undefined) {
      if (!order.pendingStop) return this.cancelReject(cmd, 'Replace', order, 'UnsupportedOrder', 'stopPx only on a pending stop order');
      const s = this.priceTicksOf(st, cmd.stopPx, 'stopPx');
      if (typeof s !== 'number') return this.cancelReject(cmd, 'Replace', order, s[0], s[1]);
      stopTicks = s;
      if (order.ordType === 'Stop') priceTicks = this.protectionLimit(inst, order.side, stopTicks);
    }
    let display = order.displayLots;
    if (cmd.displayQty !== undefined) {
      const d = this.qtyLots(inst, cmd.displayQty, 'displayQty', true);
      if (typeof d !== 'number') return this.cancelReject(cmd, 'Replace', order, d[0], d[1]);
      if (d === 0 || d > qty || order.pendingStop) return this.cancelReject(cmd, 'Replace', order, 'QtyOutOfRange', 'displayQty must be in (0, orderQty] on a limit order');
      display = d < qty ? d : 0;
    }
    const leaves = qty - order.cumLots;
    if (leaves <= 0) return this.cancelReject(cmd, 'Replace', order, 'QtyBelowCum', 'new orderQty not above the filled quantity');
    const opp = order.side === 'Buy' ? st.book.asks : st.book.bids;
    if (order.postOnly && opp.best !== null && this.crosses(order.side, priceTicks, opp.best.priceTicks)) {
      return this.cancelReject(cmd, 'Replace', order, 'PostOnlyWouldTake', 'post-only order would take liquidity');
    }
    release(order, order.leavesLots);
    const oldReservePriceTicks = order.reservePriceTicks;
    order.reservePriceTicks = priceTicks; // what a cash buy reserves per lot depends on it
    const riskReject = checkReserve(order.account, inst, order.side, priceTicks, leaves, false);
    if (riskReject !== null) {
      order.reservePriceTicks = oldReservePriceTicks;
      reserve(order, order.leavesLots);
      return this.cancelReject(cmd, 'Replace', order, riskReject.reason, riskReject.text);
    }

    // accepted
    this.touch(st);
    const keepPriority = order.level !== null && priceTicks === order.priceTicks && leaves <= order.leavesLots && display === order.displayLots;
    const side = order.side === 'Buy' ? st.book.bids : st.book.asks;
    if (order.level !== null && !keepPriority) {
      side.remove(order);
      this.dirty(st, order.side, order.priceTicks);
    }
    if (order.pendingStop) st.removeStop(order);
    order.orderQtyLots = qty;
    order.leavesLots = leaves;
    order.priceTicks = priceTicks;
    order.stopTicks = stopTicks;
    order.displayLots = display;
    order.reservePriceTicks = priceTicks;
    reserve(order, leaves);
    renameOrder(order, cmd.clOrdId, clOrdHash);
    this.sessionMap(order.session).set(cmd.clOrdId, order, clOrdHash);
    if (keepPriority) {
      const visible = Math.min(order.visibleLots, leaves);
      order.level!.totalLots += visible - order.visibleLots;
      order.visibleLots = visible;
      this.dirty(st, order.side, order.priceTicks);
    }
    this.exec(order, 'Replaced');
    if (order.pendingStop) st.addStop(order);
    else if (!keepPriority) this.runAggressive(order, st);
    this.triggerStops(st);
  }

  private orderStatus(cmd: OrderStatusCommand): void {
    const order = isId(cmd.session) ? this.findOrder(cmd.session, cmd.orderId, cmd.clOrdId) : undefined;
    if (order !== undefined) return this.exec(order, 'OrderStatus');
    const inst = this.stateBySymbol.get(cmd.symbol ?? '')?.inst;
    this.emit(this.blankReport(String(cmd.session ?? ''), String(cmd.clOrdId ?? ''), '', cmd.symbol ?? '',
      cmd.side ?? null, 'OrderStatus', 'UnknownOrder', 'unknown order', inst));
  }

  // ------------------------------------------------------------------ bulk and admin commands

  /** Cancels every live order matching `pick`, in creation order; returns the count. */
  private cancelWhere(pick: (o: Order) => boolean, reason: DoneReason, execType: 'Canceled' | 'Expired' = 'Canceled'): number {
    const victims: Order[] = [];
    for (const o of this.ordersById.values()) if (o.live && pick(o)) victims.push(o);
    for (const o of victims) {
      this.touch(this.stateBySymbol.get(o.inst.symbol)!);
      this.cancelOrder(o, reason, execType);
    }
    return victims.length;
  }

  private massCancel(cmd: MassCancelCommand): void {
    const bad = (text: string): void => {
      this.emit({ kind: 'massCancel', seq: this.seq, timeMs: this.timeMs, session: String(cmd.session ?? ''),
        clOrdId: String(cmd.clOrdId ?? ''), canceledCount: 0, rejectReason: 'InvalidCommand', text });
    };
    if (!isId(cmd.session) || !isId(cmd.clOrdId)) return bad('session and clOrdId are required');
    if (cmd.symbol !== undefined && !this.stateBySymbol.has(cmd.symbol)) {
      this.emit({ kind: 'massCancel', seq: this.seq, timeMs: this.timeMs, session: cmd.session, clOrdId: cmd.clOrdId,
        canceledCount: 0, rejectReason: 'UnknownSymbol', text: `unknown symbol ${cmd.symbol}` });
      return;
    }
    const noFilter = cmd.filterSession === undefined && cmd.account === undefined && cmd.symbol === undefined && cmd.side === undefined;
    const fSession = noFilter ? cmd.session : cmd.filterSession;
    const count = this.cancelWhere((o) =>
      (fSession === undefined || o.session === fSession) && (cmd.account === undefined || o.account.name === cmd.account)
      && (cmd.symbol === undefined || o.inst.symbol === cmd.symbol) && (cmd.side === undefined || o.side === cmd.side), 'MassCancel');
    this.emit({ kind: 'massCancel', seq: this.seq, timeMs: this.timeMs, session: cmd.session, clOrdId: cmd.clOrdId,
      canceledCount: count, rejectReason: null, text: null });
  }

  private sessionDisconnected(cmd: { session: string; cancelOnDisconnect?: boolean }): void {
    const on = cmd.cancelOnDisconnect ?? this.config.cancelOnDisconnectSessions.get(cmd.session) ?? this.config.cancelOnDisconnectDefault;
    const count = on ? this.cancelWhere((o) => o.session === cmd.session, 'SessionDisconnect') : 0;
    this.admin('SessionDisconnected', true, count, on ? `canceled ${count} order(s) of ${cmd.session}` : `cancel-on-disconnect off for ${cmd.session}`);
  }

  private haltResume(cmd: { type: 'Halt' | 'Resume'; symbol: string; text?: string }): void {
    const st = this.stateBySymbol.get(cmd.symbol);
    if (st === undefined) return this.admin(cmd.type, false, 0, `unknown symbol ${String(cmd.symbol)}`);
    const status: TradingStatus = cmd.type === 'Halt' ? 'Halted' : 'Open';
    if (status === 'Open') st.resetWindow();
    if (st.status !== status) this.setStatus(st, status);
    st.haltText = status === 'Open' ? null : typeof cmd.text === 'string' && cmd.text !== '' ? cmd.text.slice(0, HALT_TEXT_MAX) : 'halted by the operator';
    this.admin(cmd.type, true, 0, `${st.inst.symbol} ${status}`);
    if (status === 'Open') this.triggerStops(st);
  }

  private killSwitch(cmd: { account: string; on: boolean }): void {
    if (!isId(cmd.account) || typeof cmd.on !== 'boolean') return this.admin('KillSwitch', false, 0, 'account and on are required');
    const acct = this.accountFor(cmd.account);
    if (acct === null) return this.admin('KillSwitch', false, 0, `unknown account ${cmd.account}`);
    if (!this.adoptAccount(acct)) return this.admin('KillSwitch', false, 0, `account table full (limits.accountsMax ${this.config.accountsMax})`);
    acct.killSwitch = cmd.on;
    const count = cmd.on ? this.cancelWhere((o) => o.account === acct, 'KillSwitch') : 0;
    this.admin('KillSwitch', true, count, `kill switch ${cmd.on ? 'on' : 'off'} for ${cmd.account}`);
  }

  private expireSweep(): void {
    const victims: Order[] = [];
    for (const o of this.gtdOrders) if (o.expireTimeMs <= this.timeMs) victims.push(o);
    for (const o of victims) {
      this.touch(this.stateBySymbol.get(o.inst.symbol)!);
      this.cancelOrder(o, 'GtdExpired', 'Expired');
    }
    this.admin('ExpireSweep', true, victims.length, `expired ${victims.length} GTD order(s)`);
  }

  private endOfDay(cmd: { symbol?: string }): void {
    if (cmd.symbol !== undefined && !this.stateBySymbol.has(cmd.symbol)) return this.admin('EndOfDay', false, 0, `unknown symbol ${cmd.symbol}`);
    const count = this.cancelWhere((o) => o.timeInForce === 'Day' && (cmd.symbol === undefined || o.inst.symbol === cmd.symbol), 'EndOfDay', 'Expired');
    this.admin('EndOfDay', true, count, `expired ${count} Day order(s)`);
  }

  private balanceCommand(cmd: BalanceCommand): void {
    this.emit(applyBalanceCommand(cmd, this.seq, this.timeMs, this, this.balanceRefs));
  }

  /** For balance commands: the account, kept in the table; a reject text when it cannot be. */
  adoptedAccount(name: string): AccountState | string {
    const acct = this.accountFor(name);
    if (acct === null) return `unknown account ${name}`;
    if (!this.adoptAccount(acct)) return `account table full (limits.accountsMax ${this.config.accountsMax})`;
    return acct;
  }

  private setStatus(st: InstrumentState, status: TradingStatus): void {
    st.status = status;
    st.statusChanged = true;
    this.touch(st);
  }

  // ------------------------------------------------------------------ events

  private touch(st: InstrumentState): void {
    if (st.touchedSeq !== this.seq) {
      st.touchedSeq = this.seq;
      this.touched[this.touchedN++] = st;
    }
  }

  private dirty(st: InstrumentState, side: Side, priceTicks: number): void {
    this.touch(st);
    (side === 'Buy' ? st.dirtyBids : st.dirtyAsks).add(priceTicks);
  }

  private emitMarketData(): void {
    for (let t = 0; t < this.touchedN; t++) {
      const st = this.touched[t]!;
      if (st.dirtyBids.size === 0 && st.dirtyAsks.size === 0 && st.mdTrades.length === 0 && !st.statusChanged) continue;
      const levels = new Array<LevelDelta>(st.dirtyBids.size + st.dirtyAsks.size);
      let at = 0;
      if (st.dirtyBids.size > 0) at = this.levelDeltas(st, st.book.bids, 'Buy', st.dirtyBids, levels, at);
      if (st.dirtyAsks.size > 0) this.levelDeltas(st, st.book.asks, 'Sell', st.dirtyAsks, levels, at);
      this.emit(new MdUpdate(this.stamp, st.inst.symbol, ++st.mdSeq, levels, st.mdTrades.length > 0 ? st.mdTrades : NO_TRADES,
        st.statusChanged ? st.status : null));
      if (st.mdTrades.length > 0) st.mdTrades = []; // the event keeps the filled array: events never change
      st.statusChanged = false;
      const bid = st.book.bids.best;
      const ask = st.book.asks.best;
      if (bid !== null && ask !== null && bid.priceTicks >= ask.priceTicks) throw new Error(`invariant: ${st.inst.symbol} book crossed`);
    }
    for (let t = 0; t < this.touchedN; t++) this.touched[t] = undefined as unknown as InstrumentState; // not fill(): a builtin call
    this.touchedN = 0;
  }

  /** Appends the current total and count of every dirty level of one side, then clears the dirty set. */
  /** Writes the dirty levels of one side into out from index at; returns the next index. */
  private levelDeltas(st: InstrumentState, side: BookSide, s: Side, dirty: DirtyPrices, out: LevelDelta[], at: number): number {
    const inst = st.inst;
    const list = dirty.list;
    for (let i = 0; i < dirty.size; i++) {
      const px = list[i]!;
      const level = side.level(px);
      out[at++] = level === undefined ? new LevelChange(s, inst, px, 0, 0) : new LevelChange(s, inst, px, level.totalLots, level.count);
    }
    dirty.clear();
    return at;
  }

  private emit(ev: EngineEvent): void {
    this.out[this.outN++] = ev;
  }

  private admin(command: Command['type'], ok: boolean, canceledCount: number, text: string): void {
    const ev: AdminEvent = { kind: 'admin', seq: this.seq, timeMs: this.timeMs, command, ok, canceledCount, text };
    this.emit(ev);
  }

  private exec(order: Order, execType: ExecType, doneReason: DoneReason | null = null): void {
    this.emit(new OrderReport(this.stamp, ++this.execN, execType, order, 0, 0, 0, null, doneReason));
  }

  private execFill(order: Order, liquidity: 'Added' | 'Removed', pxTicks: number, lots: number, tradeId: number, feeUnits: number): void {
    const execN = ++this.execN;
    this.emit(new OrderReport(this.stamp, execN, 'Trade', order, pxTicks, lots, tradeId, liquidity, null, feeUnits));
    order.lastFill = this.fills.record(this.seq, this.timeMs, execN, tradeId, order.seqNo, order.lastFill, order.clOrdId, order.account,
      order.inst, order.side === 'Sell', liquidity === 'Removed', pxTicks, lots, feeUnits);
  }

  private blankReport(session: string, clOrdId: string, account: string, symbol: string, side: Side | null,
    execType: ExecType, reason: RejectReason, text: string, inst: Instrument | undefined): ExecReport {
    const zeroQty = inst === undefined ? '0' : fromUnits(0, inst.qtyStep);
    return {
      kind: 'exec', seq: this.seq, timeMs: this.timeMs, execId: `${this.seq}.${++this.execN}`, execType, ordStatus: 'Rejected',
      orderId: '', clOrdId, origClOrdId: null, session, account, symbol, side, ordType: null, timeInForce: null,
      price: null, stopPx: null, orderQty: zeroQty, cumQty: zeroQty, leavesQty: zeroQty,
      avgPx: inst === undefined ? '0' : fromUnits(0, inst.priceStep),
      lastQty: null, lastPx: null, tradeId: null, liquidity: null, commission: null, commissionAsset: null, displayQty: null, minQty: null, expireTimeMs: null,
      postOnly: false, rejectReason: reason, fixOrdRejReason: REJECT_FIX_CODES[reason].ordRejReason, doneReason: null, text,
    };
  }

  private rejectNew(cmd: NewOrderCommand, reason: RejectReason, text: string): void {
    const inst = typeof cmd.symbol === 'string' ? this.stateBySymbol.get(cmd.symbol)?.inst : undefined;
    const session = typeof cmd.session === 'string' ? cmd.session : '';
    const account = typeof cmd.account === 'string' && cmd.account !== '' ? cmd.account : compIdOf(session);
    const ev = this.blankReport(session, typeof cmd.clOrdId === 'string' ? cmd.clOrdId : '', account,
      typeof cmd.symbol === 'string' ? cmd.symbol : '', sideOf(cmd.side), 'Rejected', reason, text, inst);
    ev.ordType = ordTypeOf(cmd.ordType);
    ev.timeInForce = timeInForceOf(cmd.timeInForce ?? 'Day');
    ev.price = typeof cmd.price === 'string' ? cmd.price : null;
    ev.stopPx = typeof cmd.stopPx === 'string' ? cmd.stopPx : null;
    ev.orderQty = typeof cmd.orderQty === 'string' ? cmd.orderQty : ev.orderQty;
    this.emit(ev);
  }

  private cancelReject(cmd: CancelCommand | ReplaceCommand, responseTo: 'Cancel' | 'Replace', order: Order | undefined,
    reason: RejectReason, text: string): void {
    this.emit({
      kind: 'cancelReject', seq: this.seq, timeMs: this.timeMs, responseTo,
      session: typeof cmd.session === 'string' ? cmd.session : '', clOrdId: typeof cmd.clOrdId === 'string' ? cmd.clOrdId : '',
      origClOrdId: order?.clOrdId ?? (typeof cmd.origClOrdId === 'string' ? cmd.origClOrdId : null),
      orderId: order === undefined ? 'NONE' : orderIdOf(order), ordStatus: order?.status ?? null,
      account: order?.account.name ?? null, symbol: order?.inst.symbol ?? (typeof cmd.symbol === 'string' ? cmd.symbol : null),
      rejectReason: reason, fixCxlRejReason: REJECT_FIX_CODES[reason].cxlRejReason, text,
    });
  }

  // ------------------------------------------------------------------ reads

  /** Seq of the last command applied (0 before the first). */
  get lastSeq(): number { return this.seqApplied; }

  /** The time the last command was applied with (epoch ms; 0 before the first): max of the record times so far. */
  get lastTimeMs(): number { return this.timeMs; }

  /** Sessions that have orders the engine remembers (live, or done and still known by ClOrdID). */
  sessionsWithOrders(): string[] {
    return Array.from(this.sessions.keys());
  }

  /** The earliest expiry time of a live GTD order (epoch ms), or null when there is none: when an ExpireSweep is due. */
  nextExpiryMs(): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const o of this.gtdOrders) if (o.expireTimeMs < next) next = o.expireTimeMs;
    return next === Number.POSITIVE_INFINITY ? null : next;
  }

  /** Done orders remembered for status and duplicate checks (at most config.doneOrdersMax). */
  doneOrdersKept(): number {
    return this.doneQueue.length - this.doneHead;
  }

  /** Instruments with their current trading status (and why it is halted), last price and price protections. */
  instruments(): Array<{ symbol: string; tickSize: string; lotSize: string; status: TradingStatus; lastPrice: string | null; referencePrice: string; mdSeq: number;
    haltText: string | null; priceBandBps: number; circuitBreakerBps: number; circuitBreakerWindowMs: number }> {
    return this.states.map((st) => ({
      symbol: st.inst.symbol, tickSize: st.inst.priceStep.text, lotSize: st.inst.qtyStep.text, status: st.status,
      referencePrice: fromUnits(st.inst.referencePriceTicks, st.inst.priceStep),
      lastPrice: st.lastPriceTicks > 0 ? fromUnits(st.lastPriceTicks, st.inst.priceStep) : null, mdSeq: st.mdSeq,
      haltText: st.status === 'Open' ? null : st.haltText, priceBandBps: st.inst.priceBandBps,
      circuitBreakerBps: st.inst.circuitBreakerBps, circuitBreakerWindowMs: st.inst.circuitBreakerWindowMs,
    }));
  }

  /** Top `depth` levels per side, consistent with the market-data events emitted up to `mdSeq`. */
  bookSnapshot(symbol: string, depth = 10): BookSnapshot | null {
    const st = this.stateBySymbol.get(symbol);
    if (st === undefined) return null;
    const inst = st.inst;
    const take = (side: BookSide): Array<[string, string, number]> => {
      const rows: Array<[string, string, number]> = [];
      for (const level of side.iterate()) {
        if (rows.length >= depth) break;
        rows.push([fromUnits(level.priceTicks, inst.priceStep), fromUnits(level.totalLots, inst.qtyStep), level.count]);
      }
      return rows;
    };
    return {
      symbol, mdSeq: st.mdSeq, status: st.status,
      lastPrice: st.lastPriceTicks > 0 ? fromUnits(st.lastPriceTicks, inst.priceStep) : null,
      bids: take(st.book.bids), asks: take(st.book.asks),
    };
  }

  orderById(orderId: string): OrderView | null {
    const o = this.ordersById.get(orderId);
    return o === undefined ? null : this.view(o);
  }

  orderByClOrdId(session: string, clOrdId: string): OrderView | null {
    const o = this.sessions.get(session)?.get(clOrdId);
    return o === undefined ? null : this.view(o);
  }

  /** Number of live orders resting on each book (pending stops not included). */
  restingCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const st of this.states) {
      let n = 0;
      for (const side of [st.book.bids, st.book.asks]) for (const level of side.iterate()) n += level.count;
      counts[st.inst.symbol] = n;
    }
    return counts;
  }

  // ------------------------------------------------------------------ account reads (accounts.md)

  /** The assets and their precision. */
  assets(): AssetView[] {
    return this.config.assets.map((a) => ({ asset: a.name, decimals: a.step.scale, displayDecimals: a.displayDecimals }));
  }

  /** Every account the engine holds state for (the fee account first), in the order they appeared. */
  accountNames(): string[] {
    return [...this.accounts.keys()];
  }

  /** The account's mode and state; null when the engine would refuse the account. */
  account(name: string): AccountView | null {
    const acct = this.accounts.get(name) ?? this.accountFor(name);
    if (acct === null) return null;
    return { account: name, mode: acct.cash ? 'cash' : 'credit', killSwitch: acct.killSwitch, openOrders: acct.openOrders, feeAccount: acct === this.feeAccount };
  }

  /** Available and reserved balance of every asset; zeros for an account not seen yet; null when it would be refused. */
  balances(account: string): BalanceView[] | null {
    const acct = this.accounts.get(account);
    if (acct !== undefined) return balanceViews(this.config, acct);
    return this.accountFor(account) === null ? null : balanceViews(this.config, null);
  }

  /** Positions on the instruments the account has traded; null when the engine holds no state for it. */
  positions(account: string): PositionView[] | null {
    const acct = this.accounts.get(account);
    return acct === undefined ? null : positionViews(this.config, acct);
  }

  /** The account's live orders, oldest first, at most `max`. */
  openOrders(account: string, max = 1000): OrderView[] {
    const out: OrderView[] = [];
    for (let o = this.accounts.get(account)?.liveHead ?? null; o !== null && out.length < max; o = o.acctNext) out.push(this.view(o));
    return out;
  }

  /** The order's fills still in the history (limits.fillHistoryMax executions), newest first; null for an unknown order. */
  orderFills(orderId: string): FillView[] | null {
    const o = this.ordersById.get(orderId);
    return o === undefined ? null : this.fills.ofOrder(o.lastFill).map((r) => fillView(this.config, r));
  }

  /** The account's most recent fills still in the history, newest first, at most `max`. */
  accountFills(account: string, max = 100): FillView[] {
    return this.fills.ofAccount(account, max).map((r) => fillView(this.config, r));
  }

  /** Fills still in the history between two times (epoch ms, inclusive) of the accounts `accepts`, newest first, at
   *  most `max`. `forgottenBeforeMs`: once the history is full, the time of its oldest fill (fills before it may have
   *  been forgotten); null while nothing was (trade capture requests over FIX say so). */
  fillsBetween(sinceMs: number, untilMs: number, max: number, accepts: (account: string) => boolean): { fills: FillView[]; forgottenBeforeMs: number | null } {
    return { fills: this.fills.between(sinceMs, untilMs, max, accepts).map((r) => fillView(this.config, r)), forgottenBeforeMs: this.fills.forgottenBeforeMs() };
  }

  /** Fee rates per instrument for the account (its overrides applied), or the default account's. */
  feeSchedule(account?: string): FeeView[] {
    const acct = account === undefined ? null : this.accounts.get(account) ?? this.accountFor(account);
    return feeViews(this.config, acct);
  }

  private view(o: Order): OrderView {
    const r = new OrderReport(this.stamp, 0, 'OrderStatus', o, 0, 0, 0, null, null);
    return {
      orderId: orderIdOf(o), clOrdId: o.clOrdId, session: o.session, account: o.account.name, symbol: o.inst.symbol,
      side: o.side, ordType: o.ordType, timeInForce: o.timeInForce, price: r.price, stopPx: r.stopPx, orderQty: r.orderQty,
      cumQty: r.cumQty, leavesQty: r.leavesQty, avgPx: r.avgPx, ordStatus: o.status, resting: o.level !== null, pendingStop: o.pendingStop,
    };
  }
}
