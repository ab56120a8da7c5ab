// 1,000 WebSocket subscribers on one server: every one ends with the engine's book and an unbroken chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomCommands } from '../engine/random-commands.js';
import { FeedClient, getJson, limit, startTap } from './support.js';

test('1,000 concurrent subscribers all rebuild the same correct book', async () => {
  const tap = await startTap();
  const clients: FeedClient[] = [];
  try {
    for (let i = 0; i < 1000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => FeedClient.open(tap.wsUrl, {}, false)));
      clients.push(...batch);
    }
    assert.equal(tap.http.clientCount, 1000);
    // half book depth 1000, half depth 5 plus trades; all of them bbo
    await Promise.all(clients.map(async (c, i) => {
      await c.subscribe('book', 'AAPL', { depth: i % 2 === 0 ? 1000 : 5 });
      await c.subscribe('bbo', 'AAPL');
      if (i % 2 === 1) await c.subscribe('trades', 'AAPL');
    }));
    const tradesSeen = clients.map(() => 0);
    clients.forEach((c, i) => c.ws.on('message', (d) => { const m = JSON.parse(d.toString()); if (m.channel === 'trades' && m.type === 'update') tradesSeen[i] += m.trades.length; }));
    const commands = randomCommands(7, 1500).filter(({ cmd }) => !('symbol' in cmd) || cmd.symbol !== 'BTC-USD');
    for (let i = 0; i < commands.length; i += 25) {
      for (const { cmd } of commands.slice(i, i + 25)) tap.sequencer.submit(cmd);
      await new Promise((r) => setImmediate(r));
    }
    tap.sequencer.submit(limit('AAPL', 'Buy', '150.00', '1'));
    await tap.sequencer.flush();
    await Promise.all(clients.map((c) => c.sync(30_000)));
    const full = (await getJson(`${tap.http.url}/api/v1/book/AAPL?depth=1000`)).body;
    const top5 = (await getJson(`${tap.http.url}/api/v1/book/AAPL?depth=5`)).body;
    const trades = (await getJson(`${tap.http.url}/api/v1/trades/AAPL?limit=1000`)).body.trades;
    clients.forEach((c, i) => {
      const want = i % 2 === 0 ? full : top5;
      assert.deepEqual(c.books.get('AAPL')!.top(), { bids: want.bids, asks: want.asks }, `client ${i}`);
      assert.deepEqual(c.violations, [], `client ${i}`);
      assert.equal(c.gaps, 0);
      if (i % 2 === 1) assert.equal(tradesSeen[i], trades.length, `client ${i} saw every trade`);
    });
    assert.ok(trades.length > 0);
    assert.equal(clients[0]!.books.get('AAPL')!.seq, full.seq);
  } finally {
    for (const c of clients) c.close();
    await tap.close();
  }
});
