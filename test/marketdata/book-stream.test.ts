// The book channel under a random order flow: snapshot + chained deltas rebuild exactly the engine's book.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomCommands } from '../engine/random-commands.js';
import { FeedClient, getJson, limit, startTap } from './support.js';

const SYMBOLS = ['AAPL', 'BTC-USD'];

test('snapshot and deltas rebuild exactly the engine book under a random order flow, at every depth', async () => {
  const tap = await startTap();
  try {
    const depths = [1000, 10, 3, 1];
    const clients: Array<{ c: FeedClient; depth: number }> = [];
    for (const depth of depths) {
      const c = await FeedClient.open(tap.wsUrl, {}, false);
      for (const s of SYMBOLS) await c.subscribe('book', s, { depth });
      clients.push({ c, depth });
    }
    const commands = randomCommands(20261126, 4000);
    let late: FeedClient | null = null;
    for (let i = 0; i < commands.length; i += 50) {
      // 50 commands per event-loop turn, so several md events per symbol are conflated into one delta
      for (const { cmd } of commands.slice(i, i + 50)) tap.sequencer.submit(cmd);
      await new Promise((r) => setImmediate(r));
      if (i === 1500) {
        // a client that joins mid-stream starts from its snapshot's seq
        late = await FeedClient.open(tap.wsUrl, {}, false);
        for (const s of SYMBOLS) await late.subscribe('book', s, { depth: 1000 });
        clients.push({ c: late, depth: 1000 });
      }
      if ((i + 50) % 1000 !== 0) continue;
      // checkpoint: a resting order on each symbol makes the last md event a book change, then compare
      tap.sequencer.submit(limit('AAPL', 'Buy', '150.00', '1'));
      tap.sequencer.submit(limit('BTC-USD', 'Sell', '70000.00', '0.0001'));
      await tap.sequencer.flush();
      for (const { c } of clients) await c.sync();
      for (const s of SYMBOLS) {
        const engineBook = tap.engine.bookSnapshot(s, 1000)!;
        for (const { c, depth } of clients) {
          const http = (await getJson(`${tap.http.url}/api/v1/book/${s}?depth=${depth}`)).body;
          const book = c.books.get(s)!;
          assert.equal(http.seq, engineBook.mdSeq, 'HTTP snapshot is at the engine md seq');
          // full depth: every md event changes the view, so the client is at exactly the HTTP seq; a shallow view
          // gets no delta for changes outside it, so its last seq may be older while its levels are the same
          if (depth === 1000) assert.equal(book.seq, http.seq, `${s}: client book at the HTTP snapshot seq`);
          else assert.ok(book.seq <= http.seq && book.seq > 0, `${s} depth ${depth}: seq ${book.seq} vs ${http.seq}`);
          assert.deepEqual(book.top(), { bids: http.bids, asks: http.asks }, `${s} depth ${depth} at seq ${http.seq}`);
          const fromEngine = { bids: engineBook.bids.slice(0, depth).map(([p, q]) => [p, q]), asks: engineBook.asks.slice(0, depth).map(([p, q]) => [p, q]) };
          assert.deepEqual(book.top(), fromEngine, `${s} depth ${depth} equals the engine book`);
        }
      }
    }
    assert.ok(late !== null);
    for (const { c, depth } of clients) {
      assert.deepEqual(c.violations, [], `depth ${depth}: protocol rules held`);
      assert.equal(c.gaps, 0);
      assert.ok(c.deltas > 0);
    }
    // the flow did build a real book
    assert.ok(tap.engine.bookSnapshot('AAPL', 1000)!.bids.length + tap.engine.bookSnapshot('AAPL', 1000)!.asks.length > 5);
    for (const { c } of clients) c.close();
  } finally {
    await tap.close();
  }
});
