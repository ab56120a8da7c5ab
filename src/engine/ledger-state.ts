// The money part of the engine state (engine-state.ts): balances and position figures of every account, the
// remembered balance-command results (idempotency) and the fill history. Exported with the rest of the state so a
// snapshot plus the journal after it rebuilds them exactly.
import type { EngineTables } from './engine.js';
import type { FillRow } from './fill-history.js';
import { linkLive } from './risk.js';
import type { BalanceEvent } from './types.js';

export interface LedgerState {
  /** Per account, in the account table's order: balances by asset index, position money by instrument index. */
  accounts: Array<[name: string, available: number[], reserved: number[], costUnits: number[], realizedUnits: number[], feeUnits: number[]]>;
  /** Balance-command results remembered for idempotency, oldest first. */
  refIds: BalanceEvent[];
  /** Fills ever recorded, and the ones still held (oldest first). */
  fillsNext: number;
  fills: FillRow[];
}

export function exportLedger(engine: EngineTables): LedgerState {
  return {
    accounts: Array.from(engine.accounts.values(), (a) => [a.name, [...a.available], [...a.reserved], [...a.costUnits], [...a.realizedUnits], [...a.feeUnits]]),
    refIds: engine.balanceRefs.values().map((ev) => ({ ...ev })),
    fillsNext: engine.fills.next,
    fills: engine.fills.rows(),
  };
}

/** Restores the ledger into an engine whose accounts and orders were just imported. */
export function importLedger(engine: EngineTables, ledger: LedgerState): void {
  for (const o of engine.ordersById.values()) if (o.live) linkLive(o);
  const copy = (to: number[], from: number[], what: string): void => {
    if (from.length !== to.length) throw new Error(`engine state: ${what} has ${from.length} entries, the config ${to.length}`);
    for (let i = 0; i < to.length; i++) to[i] = from[i]!;
  };
  for (const [name, available, reserved, cost, realized, fees] of ledger.accounts) {
    const acct = engine.accounts.get(name);
    if (acct === undefined) throw new Error(`engine state: ledger names unknown account ${name}`);
    copy(acct.available, available, `${name} balances`);
    copy(acct.reserved, reserved, `${name} reservations`);
    copy(acct.costUnits, cost, `${name} position costs`);
    copy(acct.realizedUnits, realized, `${name} realized P&L`);
    copy(acct.feeUnits, fees, `${name} fees`);
  }
  for (const ev of ledger.refIds) engine.balanceRefs.add({ ...ev });
  engine.fills.restore(ledger.fillsNext, ledger.fills, (name) => {
    const acct = engine.accounts.get(name);
    if (acct === undefined) throw new Error(`engine state: fill of unknown account ${name}`);
    return acct;
  }, (symbol) => {
    const st = engine.stateBySymbol.get(symbol);
    if (st === undefined) throw new Error(`engine state: fill of unknown symbol ${symbol}`);
    return st.inst;
  }, (orderSeq, n) => {
    const o = engine.ordersById.bySeq(orderSeq);
    if (o !== undefined) o.lastFill = n;
  });
}
