// Per-account pre-trade risk state: open order count, credit reserved by open orders, positions and kill switch.
// Reservations are in notional units (config notionalUnit); every sum stays below 2^53 because each term and
// the limit are capped at 2^52 (config.ts NOTIONAL_UNITS_MAX).
import type { AccountLimits, Instrument } from './config.js';
import type { Order } from './order.js';
import type { RejectReason, Side } from './types.js';

export class AccountState {
  openOrders = 0;
  reservedUnits = 0;
  killSwitch = false;
  readonly positionLots: number[];
  readonly openBuyLots: number[];
  readonly openSellLots: number[];

  constructor(readonly name: string, readonly limits: AccountLimits, instrumentCount: number) {
    this.positionLots = new Array<number>(instrumentCount).fill(0);
    this.openBuyLots = new Array<number>(instrumentCount).fill(0);
    this.openSellLots = new Array<number>(instrumentCount).fill(0);
  }
}

/** Notional units of `lots` at `priceTicks`; may be inexact only above 2^53, where it is rejected anyway. */
export function notionalUnitsOf(inst: Instrument, priceTicks: number, lots: number): number {
  return priceTicks * lots * inst.notionalUnitsPerTickLot;
}

/** Checks a new reservation of `lots` at `priceTicks` on `side`; `countsAsNewOrder` adds one open order. */
export function checkReserve(acct: AccountState, inst: Instrument, side: Side, priceTicks: number, lots: number,
  countsAsNewOrder: boolean): RejectReason | null {
  const limits = acct.limits;
  if (countsAsNewOrder && acct.openOrders >= limits.maxOpenOrders) return 'MaxOpenOrders';
  const i = inst.index;
  const maxPos = limits.maxPositionLots[i]!;
  if (side === 'Buy') {
    if (acct.positionLots[i]! + acct.openBuyLots[i]! + lots > maxPos) return 'PositionLimit';
  } else if (acct.openSellLots[i]! + lots - acct.positionLots[i]! > maxPos) return 'PositionLimit';
  const units = notionalUnitsOf(inst, priceTicks, lots);
  if (units > inst.maxOrderNotionalUnits) return 'NotionalTooLarge';
  if (acct.reservedUnits + units > limits.creditLimitUnits) return 'CreditLimit';
  return null;
}

/** Reserves the order's leaves at its reserve price. */
export function reserve(order: Order, lots: number): void {
  const acct = order.account;
  const i = order.inst.index;
  if (order.side === 'Buy') acct.openBuyLots[i]! += lots; else acct.openSellLots[i]! += lots;
  acct.reservedUnits += notionalUnitsOf(order.inst, order.reservePriceTicks, lots);
}

/** Releases `lots` of the order's reservation (fill, cancel, reduction). */
export function release(order: Order, lots: number): void {
  const acct = order.account;
  const i = order.inst.index;
  if (order.side === 'Buy') acct.openBuyLots[i]! -= lots; else acct.openSellLots[i]! -= lots;
  acct.reservedUnits -= notionalUnitsOf(order.inst, order.reservePriceTicks, lots);
  if (acct.reservedUnits < 0 || acct.openBuyLots[i]! < 0 || acct.openSellLots[i]! < 0) {
    throw new Error(`invariant: negative reservation for account ${acct.name}`);
  }
}

/** Books a fill into the position. */
export function applyFill(order: Order, lots: number): void {
  const i = order.inst.index;
  order.account.positionLots[i]! += order.side === 'Buy' ? lots : -lots;
}
