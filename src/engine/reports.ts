// Events about live orders, built cheaply on the hot path: a report records the integer values it needs (ticks,
// lots, notional) at the moment it is made, and formats decimal text only when a consumer reads a field. A report
// is immutable: later changes to its order do not show through. Each class satisfies its plain interface in
// types.ts, and toJSON() gives the same plain object (same keys, same order) a literal would.
import type { Instrument } from './config.js';
import { orderIdOf, type Order } from './order.js';
import { averageOf, fromUnits } from './units.js';
import { amountText } from './amounts.js';
import type { DoneReason, ExecReport, ExecType, LevelDelta, MarketDataEvent, MdTrade, OrdStatus, Side, TradeEvent, TradingStatus } from './types.js';

/**
 * The seq and time of the command being applied, made once per command and shared by all its events, which read
 * seq and timeMs from it. (A time is not a small integer: a timeMs field in each event would box it once per event.)
 */
export class Stamp {
  constructor(readonly seq: number, readonly timeMs: number) {}
}

/** ExecutionReport about an order the engine holds (every report except the rejects of orders never created). */
export class OrderReport implements ExecReport {
  // on the prototype: no per-instance field to initialise
  get kind(): 'exec' { return 'exec'; }
  // values frozen when the report was made
  readonly ordStatus: OrdStatus;
  readonly clOrdId: string;
  readonly origClOrdId: string | null;
  private readonly priceTicks: number;
  private readonly stopTicks: number;
  private readonly orderQtyLots: number;
  private readonly cumLots: number;
  private readonly leavesLots: number;
  private readonly cumNotional: number;
  private readonly displayLots: number;

  constructor(
    private readonly stamp: Stamp,
    private readonly execN: number,
    readonly execType: ExecType,
    private readonly order: Order,
    private readonly lastPxTicks: number,
    private readonly lastLots: number,
    private readonly tradeIdNum: number,
    readonly liquidity: 'Added' | 'Removed' | null,
    readonly doneReason: DoneReason | null,
    /** The fill's fee in units of the quote asset (Trade reports; 0 otherwise). */
    private readonly feeUnits = 0,
  ) {
    this.ordStatus = order.status;
    this.clOrdId = order.clOrdId;
    this.origClOrdId = order.origClOrdId;
    this.priceTicks = order.priceTicks;
    this.stopTicks = order.stopTicks;
    this.orderQtyLots = order.orderQtyLots;
    this.cumLots = order.cumLots;
    this.leavesLots = order.leavesLots;
    this.cumNotional = order.cumNotional;
    this.displayLots = order.displayLots;
  }

  get seq(): number { return this.stamp.seq; }
  get timeMs(): number { return this.stamp.timeMs; }
  get execId(): string { return `${this.stamp.seq}.${this.execN}`; }
  get orderId(): string { return orderIdOf(this.order); }
  get session(): string { return this.order.session; }
  get account(): string { return this.order.account.name; }
  get symbol(): string { return this.order.inst.symbol; }
  get side(): Side { return this.order.side; }
  get ordType(): Order['ordType'] { return this.order.ordType; }
  get timeInForce(): Order['timeInForce'] { return this.order.timeInForce; }
  get price(): string | null {
    const t = this.order.ordType;
    return t === 'Limit' || t === 'StopLimit' ? fromUnits(this.priceTicks, this.order.inst.priceStep) : null;
  }
  get stopPx(): string | null { return this.stopTicks > 0 ? fromUnits(this.stopTicks, this.order.inst.priceStep) : null; }
  get orderQty(): string { return fromUnits(this.orderQtyLots, this.order.inst.qtyStep); }
  get cumQty(): string { return fromUnits(this.cumLots, this.order.inst.qtyStep); }
  get leavesQty(): string { return fromUnits(this.leavesLots, this.order.inst.qtyStep); }
  get avgPx(): string { return averageOf(this.cumNotional, this.cumLots, this.order.inst.priceStep); }
  get lastQty(): string | null { return this.lastLots > 0 ? fromUnits(this.lastLots, this.order.inst.qtyStep) : null; }
  get lastPx(): string | null { return this.lastLots > 0 ? fromUnits(this.lastPxTicks, this.order.inst.priceStep) : null; }
  get tradeId(): string | null { return this.tradeIdNum > 0 ? String(this.tradeIdNum) : null; }
  get commission(): string | null { return this.lastLots > 0 ? amountText(this.feeUnits, this.order.inst.quote) : null; }
  get commissionAsset(): string | null { return this.lastLots > 0 ? this.order.inst.quote.name : null; }
  get displayQty(): string | null { return this.displayLots > 0 ? fromUnits(this.displayLots, this.order.inst.qtyStep) : null; }
  get minQty(): string | null { return this.order.minQtyLots > 0 ? fromUnits(this.order.minQtyLots, this.order.inst.qtyStep) : null; }
  get expireTimeMs(): number | null { return this.order.expireTimeMs > 0 ? this.order.expireTimeMs : null; }
  get postOnly(): boolean { return this.order.postOnly; }
  get rejectReason(): null { return null; }
  get fixOrdRejReason(): null { return null; }
  get text(): null { return null; }

  toJSON(): ExecReport {
    return {
      kind: 'exec', seq: this.seq, timeMs: this.timeMs, execId: this.execId, execType: this.execType, ordStatus: this.ordStatus,
      orderId: this.orderId, clOrdId: this.clOrdId, origClOrdId: this.origClOrdId, session: this.session, account: this.account,
      symbol: this.symbol, side: this.side, ordType: this.ordType, timeInForce: this.timeInForce,
      price: this.price, stopPx: this.stopPx, orderQty: this.orderQty, cumQty: this.cumQty, leavesQty: this.leavesQty,
      avgPx: this.avgPx, lastQty: this.lastQty, lastPx: this.lastPx, tradeId: this.tradeId, liquidity: this.liquidity,
      commission: this.commission, commissionAsset: this.commissionAsset, displayQty: this.displayQty, minQty: this.minQty, expireTimeMs: this.expireTimeMs, postOnly: this.postOnly,
      rejectReason: null, fixOrdRejReason: null, doneReason: this.doneReason, text: null,
    };
  }
}

/**
 * A trade with both sides; the ClOrdIDs are the ones the orders had when they traded. It is also the trade as
 * market data carries it (MdTrade: tradeId, price, qty, aggressorSide), so a trade is one object, not two.
 */
export class TradeReport implements TradeEvent, MdTrade {
  get kind(): 'trade' { return 'trade'; }
  readonly buyClOrdId: string;
  readonly sellClOrdId: string;

  constructor(
    private readonly stamp: Stamp,
    private readonly tradeIdNum: number,
    private readonly inst: Instrument,
    private readonly pxTicks: number,
    private readonly lots: number,
    readonly aggressorSide: Side,
    private readonly buy: Order,
    private readonly sell: Order,
  ) {
    this.buyClOrdId = buy.clOrdId;
    this.sellClOrdId = sell.clOrdId;
  }

  get seq(): number { return this.stamp.seq; }
  get timeMs(): number { return this.stamp.timeMs; }
  get tradeId(): string { return String(this.tradeIdNum); }
  get symbol(): string { return this.inst.symbol; }
  get price(): string { return fromUnits(this.pxTicks, this.inst.priceStep); }
  get qty(): string { return fromUnits(this.lots, this.inst.qtyStep); }
  get buyOrderId(): string { return orderIdOf(this.buy); }
  get buySession(): string { return this.buy.session; }
  get buyAccount(): string { return this.buy.account.name; }
  get sellOrderId(): string { return orderIdOf(this.sell); }
  get sellSession(): string { return this.sell.session; }
  get sellAccount(): string { return this.sell.account.name; }

  toJSON(): TradeEvent {
    return {
      kind: 'trade', seq: this.seq, timeMs: this.timeMs, tradeId: this.tradeId, symbol: this.symbol, price: this.price, qty: this.qty,
      aggressorSide: this.aggressorSide,
      buyOrderId: this.buyOrderId, buyClOrdId: this.buyClOrdId, buySession: this.buySession, buyAccount: this.buyAccount,
      sellOrderId: this.sellOrderId, sellClOrdId: this.sellClOrdId, sellSession: this.sellSession, sellAccount: this.sellAccount,
    };
  }
}

/** Market data of one command on one instrument; its trades are the command's TradeReports, as MdTrade. */
export class MdUpdate implements MarketDataEvent {
  get kind(): 'md' { return 'md'; }

  constructor(
    private readonly stamp: Stamp,
    readonly symbol: string,
    readonly mdSeq: number,
    readonly levels: LevelDelta[],
    readonly trades: TradeReport[],
    readonly status: TradingStatus | null,
  ) {}

  get seq(): number { return this.stamp.seq; }
  get timeMs(): number { return this.stamp.timeMs; }

  toJSON(): MarketDataEvent {
    return {
      kind: 'md', seq: this.seq, timeMs: this.timeMs, symbol: this.symbol, mdSeq: this.mdSeq, levels: this.levels,
      trades: this.trades.map((t): MdTrade => ({ tradeId: t.tradeId, price: t.price, qty: t.qty, aggressorSide: t.aggressorSide })),
      status: this.status,
    };
  }
}

/** One book level after a change; lots 0 / count 0 means the level is gone. */
export class LevelChange implements LevelDelta {
  constructor(
    readonly side: Side,
    private readonly inst: Instrument,
    private readonly priceTicks: number,
    private readonly lots: number,
    readonly count: number,
  ) {}

  get price(): string { return fromUnits(this.priceTicks, this.inst.priceStep); }
  get qty(): string { return fromUnits(this.lots, this.inst.qtyStep); }

  toJSON(): LevelDelta { return { side: this.side, price: this.price, qty: this.qty, count: this.count }; }
}
