// The book bench:snapshot and bench:snapshot-stall start from: `resting` limit orders on four symbols over ~2,000
// levels per side each, from 50 sessions (buys below the reference price, sells above), then the first `canceled`
// of them canceled, so the engine also remembers done orders.
import type { NewOrderCommand } from '../src/engine/index.js';
import type { CommandSequencer } from '../src/gateway/index.js';

const SYMBOLS = ['AAPL', 'MSFT', 'IBM', 'GOOG'];
const REFERENCE: Record<string, number> = { AAPL: 190, MSFT: 420, IBM: 180, GOOG: 170 };

export async function buildRestingBook(sequencer: Pick<CommandSequencer, 'submit' | 'flush'>, resting: number, canceled: number): Promise<void> {
  for (let i = 0; i < resting + canceled; i++) {
    const symbol = SYMBOLS[i % SYMBOLS.length]!;
    const buy = (i >> 2) % 2 === 0;
    const offsetCents = 1 + ((i * 7919) % 2000);
    const price = ((REFERENCE[symbol]! * 100 + (buy ? -offsetCents : offsetCents)) / 100).toFixed(2);
    const cmd: NewOrderCommand = { type: 'NewOrder', session: `FIX.4.4:FIXGW->BENCH${i % 50}`, clOrdId: `O${i}`, symbol,
      side: buy ? 'Buy' : 'Sell', ordType: 'Limit', timeInForce: 'Day', price, orderQty: String(1 + (i % 500)) };
    sequencer.submit(cmd);
    if (i % 5000 === 4999) await sequencer.flush();
  }
  for (let i = 0; i < canceled; i++) {
    sequencer.submit({ type: 'Cancel', session: `FIX.4.4:FIXGW->BENCH${i % 50}`, origClOrdId: `O${i}`, clOrdId: `C${i}`, symbol: SYMBOLS[i % SYMBOLS.length]! });
  }
  await sequencer.flush();
}
