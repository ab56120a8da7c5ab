// Per-account state and pre-trade risk. Every account keeps open order count, positions, the kill switch and, per
// asset, an available and a reserved balance. Credit accounts reserve open orders' notional against their credit
// limit (notional units, config notionalUnit); cash accounts reserve what an order could spend from their balances:
// a buy the quote asset (value at the reserve price plus the worst-case fee), a sell the base asset. Every sum stays
// below 2^53: each order is capped at 2^52 notional units and 2^52 units of its assets (config.ts), balances at 2^52.
import { FEE_RATE_SCALE, type AccountLimits, type Asset, type Instrument } from './config.js';
import type { Order } from './order.js';
import type { RejectReason, Side } from './types.js';
import { formatAmount } from './amounts.js';

export class AccountState {
  openOrders = 0;
  reservedUnits = 0;
  killSwitch = false;
  /** True for cash accounts (balance-checked), false for credit accounts. */
  readonly cash: boolean;
  readonly positionLots: number[];
  readonly openBuyLots: number[];
  readonly openSellLots: number[];
  /** Per asset index, in units of the asset: free to spend or withdraw, and held by open orders (cash accounts). */
  readonly available: number[];
  readonly reserved: number[];
  /** Per instrument index, in units of its quote asset: the open position's cost, realized P&L and fees paid. */
  readonly costUnits: number[];
  readonly realizedUnits: number[];
  readonly feeUnits: number[];
  /** Live orders in creation order, linked through Order.acctPrev / acctNext. */
  liveHead: Order | null = null;
  liveTail: Order | null = null;

  constructor(readonly name: string, readonly limits: AccountLimits, instrumentCount: number, assetCount: number) {
    this.cash = limits.mode === 'cash';
    this.positionLots = new Array<number>(instrumentCount).fill(0);
    this.openBuyLots = new Array<number>(instrumentCount).fill(0);
    this.openSellLots = new Array<number>(instrumentCount).fill(0);
    this.available = limits.initialBalances === null ? new Array<number>(assetCount).fill(0) : [...limits.initialBalances];
    this.reserved = new Array<number>(assetCount).fill(0);
    this.costUnits = new Array<number>(instrumentCount).fill(0);
    this.realizedUnits = new Array<number>(instrumentCount).fill(0);
    this.feeUnits = new Array<number>(instrumentCount).fill(0);
  }
}

/** Notional units of `lots` at `priceTicks`; may be inexact only above 2^53, where it is rejected anyway. */
export function notionalUnitsOf(inst: Instrument, priceTicks: number, lots: number): number {
  return priceTicks * lots * inst.notionalUnitsPerTickLot;
}

/** The fee on `value` units at `rate` / FEE_RATE_SCALE, rounded up to a whole unit; exact for any value < 2^53. */
export function feeOf(value: number, rate: number): number {
  if (rate === 0 || value === 0) return 0;
  // value = hi × SCALE + lo; both partial products stay below 2^53 because rate ≤ SCALE / 10
  let hi = Math.floor(value / FEE_RATE_SCALE);
  let lo = value - hi * FEE_RATE_SCALE;
  if (lo < 0) { hi--; lo += FEE_RATE_SCALE; } else if (lo >= FEE_RATE_SCALE) { hi++; lo -= FEE_RATE_SCALE; }
  const part = lo * rate;
  let q = Math.floor(part / FEE_RATE_SCALE);
  if (q * FEE_RATE_SCALE > part) q--;
  if (q * FEE_RATE_SCALE < part) q++;
  return hi * rate + q;
}

/** Units of the order's reserve asset held per lot of leaves (cash accounts): see reserveAssetOf. */
export function reservePerLot(order: Order): number {
  const inst = order.inst;
  if (order.side === 'Sell') return inst.baseUnitsPerLot;
  return buyReservePerLot(order.account, inst, order.reservePriceTicks);
}

/** A cash buy holds, per lot, the lot's value at `priceTicks` plus the fee at the higher of its two rates. */
function buyReservePerLot(acct: AccountState, inst: Instrument, priceTicks: number): number {
  const value = priceTicks * inst.quoteUnitsPerTickLot;
  const i = inst.index;
  const maker = acct.limits.makerFeeRates[i]!;
  const taker = acct.limits.takerFeeRates[i]!;
  return value + feeOf(value, maker > taker ? maker : taker);
}

/** The asset a cash order holds: the quote asset for a buy, the base asset for a sell. */
export function reserveAssetOf(inst: Instrument, side: Side): Asset {
  return side === 'Buy' ? inst.quote : inst.base;
}

/** A pre-trade refusal: the reason and its text. */
export interface RiskReject { reason: RejectReason; text: string }

/**
 * Checks a new reservation of `lots` at `priceTicks` on `side`; `countsAsNewOrder` adds one open order. A cash
 * account's check is against its available balance, which must already include any reservation being replaced.
 */
export function checkReserve(acct: AccountState, inst: Instrument, side: Side, priceTicks: number, lots: number,
  countsAsNewOrder: boolean): RiskReject | null {
  const limits = acct.limits;
  if (countsAsNewOrder && acct.openOrders >= limits.maxOpenOrders) return { reason: 'MaxOpenOrders', text: 'risk: MaxOpenOrders' };
  const i = inst.index;
  const maxPos = limits.maxPositionLots[i]!;
  if (side === 'Buy') {
    if (acct.positionLots[i]! + acct.openBuyLots[i]! + lots > maxPos) return { reason: 'PositionLimit', text: 'risk: PositionLimit' };
  } else if (acct.openSellLots[i]! + lots - acct.positionLots[i]! > maxPos) return { reason: 'PositionLimit', text: 'risk: PositionLimit' };
  const units = notionalUnitsOf(inst, priceTicks, lots);
  if (units > inst.maxOrderNotionalUnits) return { reason: 'NotionalTooLarge', text: 'risk: NotionalTooLarge' };
  if (!acct.cash) {
    return acct.reservedUnits + units > limits.creditLimitUnits ? { reason: 'CreditLimit', text: 'risk: CreditLimit' } : null;
  }
  const asset = reserveAssetOf(inst, side);
  const need = lots * (side === 'Buy' ? buyReservePerLot(acct, inst, priceTicks) : inst.baseUnitsPerLot);
  const available = acct.available[asset.index]!;
  if (need <= available) return null;
  return { reason: 'InsufficientBalance', text: insufficientText(asset, need, available) };
}

/** "insufficient USD: need 10,150.00, available 9,000.00" */
export function insufficientText(asset: Asset, need: number, available: number): string {
  return `insufficient ${asset.name}: need ${formatAmount(need, asset)}, available ${formatAmount(available, asset)}`;
}

/** Reserves the order's leaves at its reserve price. */
export function reserve(order: Order, lots: number): void {
  const acct = order.account;
  const i = order.inst.index;
  if (order.side === 'Buy') acct.openBuyLots[i]! += lots; else acct.openSellLots[i]! += lots;
  acct.reservedUnits += notionalUnitsOf(order.inst, order.reservePriceTicks, lots);
  if (acct.cash) {
    const a = reserveAssetOf(order.inst, order.side).index;
    const units = lots * reservePerLot(order);
    acct.available[a]! -= units;
    acct.reserved[a]! += units;
  }
}

/** Releases `lots` of the order's reservation (fill, cancel, reduction). */
export function release(order: Order, lots: number): void {
  const acct = order.account;
  const i = order.inst.index;
  if (order.side === 'Buy') acct.openBuyLots[i]! -= lots; else acct.openSellLots[i]! -= lots;
  acct.reservedUnits -= notionalUnitsOf(order.inst, order.reservePriceTicks, lots);
  if (acct.cash) {
    const a = reserveAssetOf(order.inst, order.side).index;
    const units = lots * reservePerLot(order);
    acct.available[a]! += units;
    acct.reserved[a]! -= units;
    if (acct.reserved[a]! < 0) throw new Error(`invariant: negative ${order.inst.symbol} balance reservation for account ${acct.name}`);
  }
  if (acct.reservedUnits < 0 || acct.openBuyLots[i]! < 0 || acct.openSellLots[i]! < 0) {
    throw new Error(`invariant: negative reservation for account ${acct.name}`);
  }
}

/** The fee rates an account pays on an instrument (over FEE_RATE_SCALE). */
export function makerRateOf(acct: AccountState, inst: Instrument): number {
  return acct.limits.makerFeeRates[inst.index]!;
}
export function takerRateOf(acct: AccountState, inst: Instrument): number {
  return acct.limits.takerFeeRates[inst.index]!;
}

/** Appends a new live order to its account's list of live orders. */
export function linkLive(order: Order): void {
  const acct = order.account;
  order.acctPrev = acct.liveTail;
  if (acct.liveTail === null) acct.liveHead = order; else acct.liveTail.acctNext = order;
  acct.liveTail = order;
}

/** Takes an order that stopped being live off its account's list. */
export function unlinkLive(order: Order): void {
  const acct = order.account;
  if (order.acctPrev === null) acct.liveHead = order.acctNext; else order.acctPrev.acctNext = order.acctNext;
  if (order.acctNext === null) acct.liveTail = order.acctPrev; else order.acctNext.acctPrev = order.acctPrev;
  order.acctPrev = null;
  order.acctNext = null;
}
