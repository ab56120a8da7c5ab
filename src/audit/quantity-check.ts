// ExecutionReport arithmetic, per order and on each report: CumQty + LeavesQty = OrderQty while the order
// lives, LeavesQty = 0 once it is done, a fill adds exactly LastQty to CumQty, nothing else moves CumQty,
// and AvgPx agrees with the fills seen (to the last decimal place it is given with). Exact decimals.
// One small record per live order, at most MAX_TRACKED_ORDERS (the oldest are forgotten, and counted).

import { Decimal } from 'decimal.js';
import type { LoggedMessage } from './log-messages.js';

export interface QuantityFinding { code: 'cum-qty'; file: string; line: number; text: string }

interface OrderState {
  cum: Decimal;
  /** Σ LastQty × LastPx over the fills seen, when every fill since CumQty 0 was seen. */
  notional: Decimal | null;
}

const MAX_TRACKED_ORDERS = 1_000_000;
const LIVE = new Set(['0', '1', '5', '6', '9', 'A', 'D', 'E']);
const DONE = new Set(['2', '3', '4', '8', 'C']);
/** ExecTypes that may legitimately change CumQty other than a fill (trade correct/cancel, restated). */
const CUM_MAY_CHANGE = new Set(['G', 'H', 'D']);

/** Parsed quantities and prices by their text: a log repeats the same few values endlessly. */
const decimalByText = new Map<string, Decimal>();
const DECIMAL_CACHE_MAX = 10_000;

function dec(value: string | undefined): Decimal | undefined {
  if (value === undefined) return undefined;
  let d = decimalByText.get(value);
  if (d !== undefined) return d;
  if (!/^-?\d*\.?\d+$|^-?\d+\.$/.test(value)) return undefined;
  d = new Decimal(value);
  if (decimalByText.size >= DECIMAL_CACHE_MAX) decimalByText.clear();
  decimalByText.set(value, d);
  return d;
}

function decimalPlaces(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

export class QuantityCheck {
  readonly #orders = new Map<string, OrderState>();
  readonly #report: (f: QuantityFinding) => void;
  forgottenOrders = 0;

  constructor(report: (f: QuantityFinding) => void) {
    this.#report = report;
  }

  see(m: LoggedMessage): void {
    if (m.msgType !== '8') return;
    const msg = m.msg;
    if (m.frameProblem !== undefined) {
      // A damaged report (already reported) says nothing reliable: forget the order rather than judge
      // the reports after it against values we cannot trust.
      const damagedOrderId = msg.get(37);
      if (damagedOrderId !== undefined) this.#orders.delete(`${m.session}\u0000${damagedOrderId}`);
      return;
    }
    const execType = msg.get(150) ?? '';
    const ordStatus = msg.get(39) ?? '';
    const orderQty = dec(msg.get(38));
    const cum = dec(msg.get(14));
    const leaves = dec(msg.get(151));
    const lastQty = dec(msg.get(32));
    const lastPx = dec(msg.get(31));
    const avgPxText = msg.get(6);
    const avgPx = dec(avgPxText);
    const id = `ClOrdID ${msg.get(11) ?? '?'} ExecID ${msg.get(17) ?? '?'}`;
    const fail = (text: string): void => this.#report({ code: 'cum-qty', file: m.file, line: m.line, text: `${id}: ${text}` });
    if (cum === undefined || leaves === undefined) return; // dictionary validation reports missing/bad fields
    if (cum.isNegative() || leaves.isNegative()) fail(`negative CumQty ${cum} or LeavesQty ${leaves}`);
    if (orderQty !== undefined) {
      if (LIVE.has(ordStatus) && !cum.plus(leaves).equals(orderQty)) fail(`CumQty ${cum} + LeavesQty ${leaves} != OrderQty ${orderQty} (OrdStatus ${ordStatus})`);
      if (cum.greaterThan(orderQty)) fail(`CumQty ${cum} exceeds OrderQty ${orderQty}`);
      if (ordStatus === '2' && !cum.equals(orderQty)) fail(`Filled with CumQty ${cum} != OrderQty ${orderQty}`);
    }
    if (DONE.has(ordStatus) && !leaves.isZero()) fail(`LeavesQty ${leaves} on a done order (OrdStatus ${ordStatus})`);
    if (execType === 'F' && (lastQty === undefined || !lastQty.greaterThan(0))) fail(`a fill (ExecType F) without a positive LastQty`);

    const orderId = msg.get(37);
    if (orderId === undefined || orderId === '' || orderId === 'NONE') return;
    const key = `${m.session}\u0000${orderId}`;
    const prev = this.#orders.get(key);
    if (prev !== undefined && m.possDup && !cum.greaterThan(prev.cum)) return; // a resend of something seen
    let notional: Decimal | null = prev === undefined ? (cum.isZero() || (execType === 'F' && lastQty !== undefined && cum.equals(lastQty)) ? new Decimal(0) : null) : prev.notional;
    if (prev !== undefined && !CUM_MAY_CHANGE.has(execType)) {
      const expected = execType === 'F' && lastQty !== undefined ? prev.cum.plus(lastQty) : prev.cum;
      if (!cum.equals(expected)) {
        fail(execType === 'F' ? `CumQty ${cum} != previous CumQty ${prev.cum} + LastQty ${lastQty}` : `CumQty moved from ${prev.cum} to ${cum} without a fill (ExecType ${execType})`);
        notional = null;
      }
    } else if (CUM_MAY_CHANGE.has(execType)) {
      notional = null;
    }
    if (execType === 'F' && notional !== null && lastQty !== undefined && lastPx !== undefined) notional = notional.plus(lastQty.times(lastPx));
    if (notional !== null && avgPx !== undefined && avgPxText !== undefined && cum.greaterThan(0)) {
      const expected = notional.div(cum);
      // Rounded or truncated to the places it is given with, AvgPx is less than one unit of its last place off.
      const unit = new Decimal(10).pow(-Math.min(decimalPlaces(avgPxText), 12));
      if (expected.minus(avgPx).abs().greaterThanOrEqualTo(unit)) fail(`AvgPx ${avgPxText} but the fills average ${expected.toSignificantDigits(20)}`);
    }
    this.#orders.delete(key);
    if (DONE.has(ordStatus)) return;
    if (this.#orders.size >= MAX_TRACKED_ORDERS) {
      const oldest = this.#orders.keys().next().value;
      if (oldest !== undefined) this.#orders.delete(oldest);
      this.forgottenOrders++;
    }
    this.#orders.set(key, { cum, notional });
  }
}
