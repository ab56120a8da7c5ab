// AvgPx when the notional of an order's fills (price ticks × lots) is far above 2^31, as BTC-USD fills of a few
// coins are in the default config: exact, from integer ticks and lots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngineConfig, defaultEngineConfigPath, Engine, type ExecReport } from '../../src/engine/index.js';

const config = loadEngineConfig(defaultEngineConfigPath());

test('AvgPx of BTC-USD fills whose notional is far above 2^31 is exact', () => {
  const engine = new Engine(config);
  let seq = 0;
  const apply = (cmd: Record<string, unknown>): ExecReport[] =>
    engine.apply({ seq: ++seq, timeMs: 1_700_000_000_000 + seq, cmd: cmd as never }).filter((e): e is ExecReport => e.kind === 'exec');
  const sell = (clOrdId: string, price: string, qty: string): void => {
    apply({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->S', clOrdId, symbol: 'BTC-USD', side: 'Sell', ordType: 'Limit', price, orderQty: qty });
  };
  sell('s1', '60000.01', '2.5');
  sell('s2', '60000.02', '1.5');
  sell('s3', '60000.05', '0.0001');
  const fills = apply({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->B', clOrdId: 'b1', symbol: 'BTC-USD', side: 'Buy', ordType: 'Limit',
    price: '60000.05', orderQty: '4.0001' }).filter((e) => e.clOrdId === 'b1' && e.execType === 'Trade');
  // in ticks × lots: 6,000,001 × 25,000 + 6,000,002 × 15,000 + 6,000,005 × 1 = 240,006,055,005 (above 2^37);
  // 240006.055005 / 4.0001 = 60000.013750906227… (10 places past the tick, rounded half-even)
  assert.deepEqual(fills.map((e) => [e.cumQty, e.avgPx]), [
    ['2.5000', '60000.01'],
    ['4.0000', '60000.01375'],
    ['4.0001', '60000.013750906227'],
  ]);
});
