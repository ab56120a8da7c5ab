// The WebSocket protocol message by message: channels, chaining, gap recovery, bad input, keep-alive, limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { bookChecksum } from '../../src/marketdata/index.js';
import { FeedClient, limit, sleep, startTap } from './support.js';

test('a book subscription gets an ack, a snapshot with seq and checksum, then deltas of absolute quantities where 0 deletes a level', async () => {
  const tap = await startTap();
  try {
    tap.sequencer.submit(limit('AAPL', 'Buy', '99.99', '300'));
    tap.sequencer.submit(limit('AAPL', 'Sell', '100.01', '200'));
    await tap.sequencer.flush();
    const c = await FeedClient.open(tap.wsUrl);
    const snap = await c.subscribe('book', 'AAPL', { depth: 50 });
    assert.deepEqual(c.messages[0], { type: 'subscribed', channel: 'book', symbol: 'AAPL', depth: 50 });
    assert.deepEqual(snap, {
      channel: 'book', symbol: 'AAPL', type: 'snapshot', seq: 2, depth: 50,
      bids: [['99.99', '300']], asks: [['100.01', '200']], checksum: bookChecksum([['99.99', '300']], [['100.01', '200']]),
    });
    // a sell of 300 at 99.99 takes the whole bid level: the delta says 0 for it and adds the rest as an ask
    tap.sequencer.submit(limit('AAPL', 'Sell', '99.99', '400', 'FIX.4.4:FIXGW->C2'));
    const d1 = await c.next((m) => m.type === 'delta');
    assert.deepEqual(d1, {
      channel: 'book', symbol: 'AAPL', type: 'delta', seq: 3, prevSeq: 2,
      bids: [['99.99', '0']], asks: [['99.99', '100']], checksum: bookChecksum([], [['99.99', '100'], ['100.01', '200']]),
    });
    // quantity changes are absolute, not increments
    tap.sequencer.submit(limit('AAPL', 'Sell', '100.01', '50'));
    const d2 = await c.next((m) => m.type === 'delta' && m.seq === 4);
    assert.deepEqual([d2.prevSeq, d2.bids, d2.asks], [3, [], [['100.01', '250']]]);
    assert.deepEqual(c.violations, []);
    c.close();
  } finally {
    await tap.close();
  }
});

test('trades, bbo and status channels publish trades, best bid/offer changes and halts', async () => {
  const tap = await startTap();
  try {
    tap.sequencer.submit(limit('MSFT', 'Buy', '420.00', '10'));
    tap.sequencer.submit(limit('MSFT', 'Sell', '420.00', '4', 'FIX.4.4:FIXGW->C2'));
    await tap.sequencer.flush();
    const c = await FeedClient.open(tap.wsUrl);
    const trades = await c.subscribe('trades', 'MSFT');
    assert.equal(trades.type, 'snapshot');
    assert.equal(trades.seq, 2);
    assert.deepEqual(trades.trades.map((t: any) => [t.price, t.qty, t.side, t.seq]), [['420.00', '4', 'Sell', 2]]);
    const bbo = await c.subscribe('bbo', 'MSFT');
    assert.deepEqual(bbo, { channel: 'bbo', symbol: 'MSFT', seq: 2, bid: ['420.00', '6'], ask: null });
    const status = await c.subscribe('status', 'MSFT');
    assert.deepEqual(status, { channel: 'status', symbol: 'MSFT', seq: 2, status: 'Open', lastPrice: '420.00' });

    const from = c.messages.length;
    tap.sequencer.submit(limit('MSFT', 'Sell', '420.00', '6', 'FIX.4.4:FIXGW->C2'));
    tap.sequencer.submit(limit('MSFT', 'Sell', '421.50', '3', 'FIX.4.4:FIXGW->C2'));
    const upd = await c.next((m) => m.channel === 'trades' && m.type === 'update', 5000, from);
    assert.deepEqual(upd.trades.map((t: any) => [t.price, t.qty, t.side]), [['420.00', '6', 'Sell']]);
    const b2 = await c.next((m) => m.channel === 'bbo' && m.ask !== null, 5000, from);
    assert.deepEqual([b2.bid, b2.ask, b2.seq], [null, ['421.50', '3'], 4]);

    tap.sequencer.submit({ type: 'Halt', symbol: 'MSFT' });
    const halted = await c.next((m) => m.channel === 'status' && m.status === 'Halted', 5000, from);
    assert.equal(halted.seq, 5);
    tap.sequencer.submit({ type: 'Resume', symbol: 'MSFT' });
    await c.next((m) => m.channel === 'status' && m.status === 'Open' && m.seq === 6, 5000, from);
    // nothing about other symbols
    assert.ok(c.messages.every((m) => m.symbol === undefined || m.symbol === 'MSFT'));
    c.close();
  } finally {
    await tap.close();
  }
});

test('unsubscribe stops a channel and re-subscribing at another depth replaces the view', async () => {
  const tap = await startTap();
  try {
    for (let i = 0; i < 5; i++) tap.sequencer.submit(limit('IBM', 'Buy', `18${i}.00`, '1'));
    await tap.sequencer.flush();
    const c = await FeedClient.open(tap.wsUrl);
    const s1 = await c.subscribe('book', 'IBM', { depth: 2 });
    assert.deepEqual(s1.bids, [['184.00', '1'], ['183.00', '1']]);
    const s2 = await c.subscribe('book', 'IBM', { depth: 4 });
    assert.equal(s2.depth, 4);
    assert.equal(s2.bids.length, 4);
    c.send({ op: 'unsubscribe', channel: 'book', symbol: 'IBM' });
    await c.next((m) => m.type === 'unsubscribed' && m.channel === 'book');
    const from = c.messages.length;
    tap.sequencer.submit(limit('IBM', 'Buy', '185.00', '1'));
    await tap.sequencer.flush();
    await c.sync();
    assert.equal(c.messages.slice(from).filter((m) => m.channel === 'book').length, 0, 'no book messages after unsubscribe');
    c.close();
  } finally {
    await tap.close();
  }
});

test('a client that misses a delta sees the gap through prevSeq and recovers with a snapshot request', async () => {
  const tap = await startTap();
  try {
    const c = await FeedClient.open(tap.wsUrl);
    await c.subscribe('book', 'AAPL', { depth: 20 });
    c.recoverGaps = true;
    tap.sequencer.submit(limit('AAPL', 'Buy', '190.00', '5'));
    await c.next((m) => m.type === 'delta' && m.seq === 1);
    c.dropNextDeltas = 1;   // "lose" the next delta
    tap.sequencer.submit(limit('AAPL', 'Buy', '190.01', '5'));
    await c.next((m) => m.type === 'delta' && m.seq === 2);
    tap.sequencer.submit(limit('AAPL', 'Sell', '191.00', '7'));
    await c.next((m) => m.type === 'delta' && m.seq === 3);
    const snap = await c.next((m) => m.type === 'snapshot' && m.seq >= 3);
    assert.equal(c.gaps, 1, 'the delta after the lost one did not chain');
    assert.deepEqual([snap.bids, snap.asks], [[['190.01', '5'], ['190.00', '5']], [['191.00', '7']]]);
    tap.sequencer.submit(limit('AAPL', 'Sell', '191.00', '1'));
    await c.next((m) => m.type === 'delta' && m.seq === 4 && m.prevSeq === 3);
    assert.deepEqual(c.books.get('AAPL')!.top(), { bids: [['190.01', '5'], ['190.00', '5']], asks: [['191.00', '8']] });
    assert.deepEqual(c.violations, []);
    c.close();
  } finally {
    await tap.close();
  }
});

test('bad input gets an error naming the problem and the connection carries on', async () => {
  const tap = await startTap({ subscriptionsMax: 3, messageBytesMax: 256 });
  try {
    const c = await FeedClient.open(tap.wsUrl);
    const cases: Array<[unknown, string, RegExp]> = [
      ['{"op":"subscribe",', 'bad_json', /malformed JSON/],
      ['[1,2]', 'bad_request', /JSON object/],
      [{ op: 'dance' }, 'unknown_op', /unknown op "dance"/],
      [{ op: 'subscribe', channel: 'candles', symbol: 'AAPL' }, 'unknown_channel', /unknown channel "candles"/],
      [{ op: 'subscribe', channel: 'book', symbol: 'NOPE' }, 'unknown_symbol', /unknown symbol "NOPE"/],
      [{ op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 0 }, 'bad_depth', /depth must be an integer from 1 to 1000/],
      [{ op: 'subscribe', channel: 'book', symbol: 'AAPL', depth: 'deep' }, 'bad_depth', /depth/],
      [{ op: 'snapshot', channel: 'book', symbol: 'AAPL' }, 'not_subscribed', /not subscribed to book AAPL/],
      [{ op: 'unsubscribe', channel: 'trades', symbol: 'AAPL' }, 'not_subscribed', /not subscribed to trades AAPL/],
      [{ op: 'subscribe', channel: 'book', symbol: 'x'.repeat(300) }, 'frame_too_large', /over the limit of 256 bytes/],
    ];
    for (const [req, code, message] of cases) {
      const from = c.messages.length;
      c.send(req);
      const err = await c.next((m) => m.type === 'error', 5000, from);
      assert.equal(err.code, code, JSON.stringify(req));
      assert.match(err.message, message);
    }
    await c.subscribe('book', 'AAPL');
    await c.subscribe('trades', 'AAPL');
    await c.subscribe('bbo', 'AAPL');
    const from = c.messages.length;
    c.send({ op: 'subscribe', channel: 'status', symbol: 'AAPL' });
    const err = await c.next((m) => m.type === 'error', 5000, from);
    assert.equal(err.code, 'too_many_subscriptions');
    assert.match(err.message, /at most 3 subscriptions/);
    // still served
    tap.sequencer.submit(limit('AAPL', 'Buy', '189.00', '3'));
    const d = await c.next((m) => m.type === 'delta');
    assert.deepEqual(d.bids, [['189.00', '3']]);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    const metrics = await (await fetch(`${tap.http.url}/metrics`)).text();
    assert.match(metrics, /fixgw_ws_client_errors_total\{code="bad_json"\} 1/);
    assert.match(metrics, /fixgw_ws_client_errors_total\{code="too_many_subscriptions"\} 1/);
    c.close();
  } finally {
    await tap.close();
  }
});

test('a frame over the hard limit closes only that connection, with 1009', async () => {
  const tap = await startTap({ frameBytesMax: 8192 });
  try {
    const bad = await FeedClient.open(tap.wsUrl);
    const good = await FeedClient.open(tap.wsUrl);
    await good.subscribe('book', 'GOOG');
    bad.send('x'.repeat(10_000));
    await bad.closed;
    assert.equal(bad.closeCode, 1009);
    tap.sequencer.submit(limit('GOOG', 'Sell', '170.00', '2'));
    const d = await good.next((m) => m.type === 'delta');
    assert.deepEqual(d.asks, [['170.00', '2']]);
    good.close();
  } finally {
    await tap.close();
  }
});

test('the server pings; a client that stays silent is closed as idle while one that answers stays', async () => {
  const tap = await startTap({ pingIntervalMs: 50, idleTimeoutMs: 300 });
  try {
    const silent = await FeedClient.open(tap.wsUrl, { autoPong: false });
    const alive = await FeedClient.open(tap.wsUrl);
    let pings = 0;
    alive.ws.on('ping', () => { pings++; });
    await silent.closed;
    assert.equal(silent.closeCode, 1001);
    assert.match(silent.closeReason, /idle timeout/);
    await sleep(400);
    assert.ok(pings >= 5, `pinged ${pings} times`);
    assert.equal(alive.ws.readyState, WebSocket.OPEN);
    assert.match(await (await fetch(`${tap.http.url}/metrics`)).text(), /fixgw_ws_drops_total\{reason="idle"\} 1/);
    alive.close();
  } finally {
    await tap.close();
  }
});

test('connections beyond clientsMax are refused with 1013', async () => {
  const tap = await startTap({ clientsMax: 2 });
  try {
    const a = await FeedClient.open(tap.wsUrl);
    const b = await FeedClient.open(tap.wsUrl);
    const c = new FeedClient(tap.wsUrl);
    await c.closed;
    assert.equal(c.closeCode, 1013);
    assert.match(c.closeReason, /too many clients/);
    a.close();
    await a.closed;
    await sleep(50);
    const d = await FeedClient.open(tap.wsUrl);
    await d.subscribe('status', 'AAPL');
    b.close(); d.close();
  } finally {
    await tap.close();
  }
});

test('a turn with more trades than tradesPendingMax publishes early and loses none; conflateMaxUs splits a long batch into chained deltas', async () => {
  const tap = await startTap({ tradesPendingMax: 3, conflateMaxUs: 1 });
  try {
    const c = await FeedClient.open(tap.wsUrl);
    await c.subscribe('trades', 'ETH-USD');
    await c.subscribe('book', 'ETH-USD');
    for (let i = 0; i < 10; i++) {
      tap.sequencer.submit(limit('ETH-USD', 'Buy', '3000.00', '0.0100'));
      tap.sequencer.submit(limit('ETH-USD', 'Sell', '3000.00', '0.0100', 'FIX.4.4:FIXGW->C2'));
    }
    await tap.sequencer.flush();
    await c.sync();
    const updates = c.messages.filter((m) => m.channel === 'trades' && m.type === 'update');
    assert.ok(updates.length >= 3, `${updates.length} updates`);
    assert.deepEqual(updates.flatMap((u) => u.trades.map((t: any) => t.tradeId)), Array.from({ length: 10 }, (_, i) => String(i + 1)));
    const deltas = c.messages.filter((m) => m.type === 'delta');
    assert.ok(deltas.length > 1, `${deltas.length} deltas`);
    assert.deepEqual(c.violations, []);
    assert.deepEqual(c.books.get('ETH-USD')!.top(), { bids: [], asks: [] });
    c.close();
  } finally {
    await tap.close();
  }
});
