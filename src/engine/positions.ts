// Positions per account and instrument: net quantity (lots), the open position's cost and the realized P&L, all in
// whole units of the instrument's quote asset, so every figure is exact.
//
// The cost of the open position is what was paid for it (a long) or received for it (a short). Adding to a position
// adds the fill's value to the cost. Reducing it removes the closed lots' share of the cost, cost × closed / |net|,
// rounded down to a whole unit when it does not divide; the residue stays in the remaining cost and is realized when
// the position closes, so nothing is lost: for every account and instrument, at every moment,
//   Σ sell values − Σ buy values = realized − cost (long) or realized + cost (short), exactly.
// The average cost shown is cost / |net| (exact, or to 10 extra places when it does not terminate). Fees are kept
// apart (feeUnits): realized P&L is before fees.
import type { Instrument } from './config.js';
import type { AccountState } from './risk.js';

/** Books a fill of `lots` at `priceTicks` into the account's position on `inst`. */
export function applyPosition(acct: AccountState, inst: Instrument, buy: boolean, lots: number, priceTicks: number): void {
  const i = inst.index;
  const net = acct.positionLots[i]!;
  const perLot = priceTicks * inst.quoteUnitsPerTickLot;
  if (net === 0 || (net > 0) === buy) {
    acct.positionLots[i] = buy ? net + lots : net - lots;
    acct.costUnits[i]! += perLot * lots;
    return;
  }
  const open = net > 0 ? net : -net;
  const closing = lots < open ? lots : open;
  const cost = acct.costUnits[i]!;
  const basis = closing === open ? cost : mulDivFloor(cost, closing, open);
  const value = perLot * closing;
  acct.realizedUnits[i]! += net > 0 ? value - basis : basis - value;
  acct.costUnits[i] = cost - basis;
  const rest = lots - closing;
  if (rest === 0) {
    acct.positionLots[i] = buy ? net + lots : net - lots;
    return;
  }
  // the fill went through zero: the rest opens a position on the other side
  acct.positionLots[i] = buy ? rest : -rest;
  acct.costUnits[i] = perLot * rest;
}

/** floor(a × b / c) for non-negative integers, exactly (through BigInt only when a × b is not exact in a double). */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= 2 ** 52) {
    let q = Math.floor(p / c);
    if (q * c > p) q--;
    else if ((q + 1) * c <= p) q++;
    return q;
  }
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}
