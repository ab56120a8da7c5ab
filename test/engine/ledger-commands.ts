// Seeded random streams for the ledger property tests: the order flow of random-commands.ts, with two of its accounts
// made cash accounts, plus deposits, withdrawals and adjustments (some malformed, some with a reused refId).
import type { EngineConfig } from '../../src/engine/config.js';
import type { Command } from '../../src/engine/types.js';
import { testConfig } from './harness.js';
import { mulberry32, randomCommands, type TimedCommand } from './random-commands.js';

/** ACC-A and ACC-B are cash accounts; the CompIDs (C1, C2, C3) trade on credit. Fees on every instrument. */
export function ledgerConfig(edit?: Parameters<typeof testConfig>[0]): EngineConfig {
  return testConfig((f) => {
    for (const inst of f.instruments) {
      inst.circuitBreakerBps = 300;
      inst.circuitBreakerWindowMs = 10_000;
      inst.priceBandBps = 1000;
      inst.makerFeeRate = '0.00013';
      inst.takerFeeRate = '0.0007';
    }
    f.limits.doneOrdersMax = 150;
    f.limits.fillHistoryMax = 64;
    f.limits.balanceRefIdsMax = 20;
    f.accounts.overrides = {
      'ACC-A': { mode: 'cash', maxOpenOrders: 25, balances: { USD: '60000', AAPL: '300', BTC: '0.05' } },
      'ACC-B': { mode: 'cash', takerFeeRate: '0.001', feeRates: { 'BTC-USD': { makerFeeRate: '0' } }, balances: { USD: '5000.5', AAPL: '20' } },
    };
    edit?.(f);
  });
}

const ACCOUNTS = ['ACC-A', 'ACC-B', 'C1', 'FEES', 'NEW-1'];
const ASSETS = ['USD', 'AAPL', 'BTC', 'EUR'];

/** randomCommands(seed, count) with about one balance command in eight inserted. */
export function ledgerCommands(seed: number, count: number): TimedCommand[] {
  const rnd = mulberry32(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const sent: Command[] = [];
  const out: TimedCommand[] = [];
  for (const c of randomCommands(seed, count)) {
    if (rnd() < 0.12) {
      let cmd: Command;
      if (sent.length > 0 && rnd() < 0.2) cmd = rnd() < 0.7 ? pick(sent) : { ...pick(sent), amount: '1' } as Command; // retry, or reuse
      else cmd = balanceCommand(rnd, pick, sent.length);
      sent.push(cmd);
      out.push({ cmd, timeMs: c.timeMs });
    }
    out.push(c);
  }
  return out;
}

function balanceCommand(rnd: () => number, pick: <T>(xs: readonly T[]) => T, n: number): Command {
  const type = pick(['Deposit', 'Deposit', 'Withdraw', 'Adjust'] as const);
  const asset = pick(ASSETS);
  const whole = Math.floor(rnd() * (asset === 'USD' ? 20_000 : asset === 'BTC' ? 2 : 50));
  const frac = asset === 'USD' ? `.${String(Math.floor(rnd() * 1e6)).padStart(6, '0')}` : asset === 'BTC' ? `.${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}` : '';
  let amount = `${whole}${frac}`;
  if (type === 'Adjust' && rnd() < 0.5) amount = `-${amount}`;
  if (rnd() < 0.03) amount = '1.123456789';
  return { type, refId: `ref-${n}`, account: pick(ACCOUNTS), asset, amount };
}
