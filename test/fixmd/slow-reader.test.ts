// A FIX market-data subscriber that stops reading: its market data is held back (never piled onto its socket) and
// conflated per price level; a few changes reach it as one incremental refresh once it reads again, too many as a fresh
// snapshot (W). Either way its book is the engine's afterwards, and other sessions' orders never waited for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldList } from '../../src/fix/types.js';
import { SimBooks } from '../../simulator/market-data.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';
import { RawClient, waitFor } from '../support/fix-harness.js';

const V = (id: string, type: string): FieldList => [[262, id], [263, type], [264, '0'], [267, '3'], [269, '0'], [269, '1'], [269, '2'], [146, '1'], [55, 'AAPL']];

test('a slow market-data reader: held back, conflated, then a fresh W past the bound; orders never wait for it', { timeout: 120_000 }, async () => {
  // the snapshots that fill the stuck peer's socket stay below the session's own slow-consumer limit
  const gw = await startTestGateway({ cfg: `${BASE_CFG}MarketDataQueueBytes=1024\nMaxOutboundBufferBytes=268435456\n` });
  const trader = await Client.logon(gw.fixPort, 'SLOWT');
  const raw = await RawClient.connect(gw.fixPort);
  let seq = 1;
  const send = (msgType: string, body: FieldList) => raw.send(msgType, seq++, body, { sender: 'SLOWMD' });
  const books = new SimBooks();
  let applied = 0;
  const bookOf = () => {
    for (; applied < raw.received.length; applied++) {
      const m = raw.received[applied]!;
      if (m.get(262) === 'SUB') books.apply(m); // not the big snapshots that filled the socket
    }
    return books.get('SUB', 'AAPL')!;
  };
  const engineBook = () => {
    const s = gw.engine.bookSnapshot('AAPL', Number.MAX_SAFE_INTEGER)!;
    return { seq: s.mdSeq, bids: s.bids, asks: s.asks };
  };
  const caughtUp = () => bookOf().mdSeq === engineBook().seq;
  try {
    send('A', [[98, '0'], [108, '30']]);
    await raw.next('A');
    // a deep book: snapshots of it are large enough to fill the socket of a peer that does not read
    for (let i = 0; i < 1500; i++) trader.order(`D${i}`, { side: '1', qty: '1', price: (100 + i / 100).toFixed(2) });
    await trader.reports('D1499');
    send('V', V('SUB', '1'));
    await waitFor('the subscription snapshot', () => raw.received.some((m) => m.msgType === 'W'));
    const fill = async () => {
      raw.socket.pause();
      for (let i = 0; i < 300; i++) send('V', V(`BIG${seq}`, '0'));
      const session = gw.acceptor.sessions().find((s) => s.id.targetCompId === 'SLOWMD')!;
      await waitFor('the peer backed up', () => session.outboundBufferedBytes > 1024 * 64);
    };

    await fill();
    const xBefore = raw.received.filter((m) => m.msgType === 'X').length;
    for (let i = 0; i < 5; i++) {
      trader.order(`C${i}`, { side: '1', qty: '2', price: (120 + i / 100).toFixed(2) });
      await trader.reports(`C${i}`); // acknowledged while the subscriber is stuck
    }
    raw.socket.resume();
    await waitFor('the subscriber caught up', caughtUp, 20_000);
    const xs = raw.received.filter((m) => m.msgType === 'X').slice(xBefore);
    assert.equal(xs.length, 1, 'five batches held back, conflated into one X');
    assert.equal(xs[0]!.get(268), '5');

    await fill();
    const wBefore = raw.received.filter((m) => m.msgType === 'W' && m.get(262) === 'SUB').length;
    for (let i = 0; i < 250; i++) {
      trader.order(`T${i}`, { side: '2', qty: '1', price: '100.00', tif: '3' }); // each takes the best bid: a trade
      if (i % 50 === 49) await trader.reports(`T${i}`, 2);
    }
    await trader.reports('T249', 2);
    raw.socket.resume();
    await waitFor('the subscriber caught up', caughtUp, 20_000);
    assert.equal(raw.received.filter((m) => m.msgType === 'W' && m.get(262) === 'SUB').length, wBefore + 1, 'a fresh W once the held trades outgrew their bound');
    const book = bookOf();
    const engine = engineBook();
    assert.deepEqual([book.side(true), book.side(false)], [engine.bids, engine.asks]);
    assert.ok(gw.acceptor.sessions().find((s) => s.id.targetCompId === 'SLOWMD')!.isLoggedOn, 'still logged on');
    const metrics = await gw.registry.metrics();
    assert.match(metrics, /^fixgw_fix_md_held_back_total 2$/m);
    assert.match(metrics, /^fixgw_fix_md_resnapshots_total 1$/m);
    assert.match(metrics, /^fixgw_fix_md_subscriptions 1$/m);
  } finally {
    raw.close();
    await trader.stop();
    await gw.close();
  }
});
