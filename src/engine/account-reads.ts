// Account reads for the gateway and REST layer: balances, positions, fills and fee rates as decimal strings.
// Pure formatting of engine state; nothing here changes it.
import type { EngineConfig } from './config.js';
import type { FillRow } from './fill-history.js';
import type { AccountState } from './risk.js';
import { amountText } from './amounts.js';
import { averageOf, formatScaled, fromUnits } from './units.js';
import type { BalanceView, FeeView, FillView, PositionView } from './types.js';

/** Every asset of the account (zeros for an account the engine holds no state for yet). */
export function balanceViews(config: EngineConfig, acct: AccountState | null): BalanceView[] {
  return config.assets.map((a) => ({
    asset: a.name,
    available: amountText(acct === null ? 0 : acct.available[a.index]!, a),
    reserved: amountText(acct === null ? 0 : acct.reserved[a.index]!, a),
  }));
}

/** Instruments the account has traded (or holds a position in). */
export function positionViews(config: EngineConfig, acct: AccountState): PositionView[] {
  const out: PositionView[] = [];
  for (const inst of config.instruments) {
    const i = inst.index;
    const net = acct.positionLots[i]!;
    const cost = acct.costUnits[i]!;
    if (net === 0 && acct.realizedUnits[i] === 0 && acct.feeUnits[i] === 0) continue;
    const q = inst.quote;
    const absLots = net < 0 ? -net : net;
    out.push({
      symbol: inst.symbol,
      netQty: (net < 0 ? '-' : '') + fromUnits(absLots, inst.qtyStep),
      cost: amountText(cost, q),
      // cost / |net| as a price: cost is quote units, one tick × lot is quoteUnitsPerTickLot of them
      avgCost: net === 0 ? null : averageOf(cost, absLots * inst.quoteUnitsPerTickLot, inst.priceStep),
      realizedPnl: amountText(acct.realizedUnits[i]!, q),
      fees: amountText(acct.feeUnits[i]!, q),
      quoteAsset: q.name,
    });
  }
  return out;
}

export function fillView(config: EngineConfig, r: FillRow): FillView {
  const inst = config.instrumentBySymbol.get(r[7])!;
  return {
    seq: r[0], timeMs: r[1], execId: `${r[0]}.${r[2]}`, tradeId: String(r[3]), orderId: String(r[4]), clOrdId: r[5], account: r[6],
    symbol: r[7], side: r[8] ? 'Sell' : 'Buy', price: fromUnits(r[10], inst.priceStep), qty: fromUnits(r[11], inst.qtyStep),
    liquidity: r[9] ? 'Removed' : 'Added', commission: amountText(r[12], inst.quote), commissionAsset: inst.quote.name,
  };
}

/** The fee rates an account (or, with none, the default account) pays per instrument; fees are paid in the quote asset. */
export function feeViews(config: EngineConfig, acct: AccountState | null): FeeView[] {
  const limits = acct?.limits ?? config.defaultAccount;
  // rates are integers over FEE_RATE_SCALE = 10^8
  const rate = (r: number): string => formatScaled(r, 8).replace(/0+$/, '').replace(/\.$/, '');
  return config.instruments.map((inst) => ({
    symbol: inst.symbol, baseAsset: inst.base.name, quoteAsset: inst.quote.name, feeAsset: inst.quote.name,
    makerFeeRate: rate(limits.makerFeeRates[inst.index]!), takerFeeRate: rate(limits.takerFeeRates[inst.index]!),
  }));
}
