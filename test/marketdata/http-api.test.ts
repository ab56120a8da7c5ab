// HTTP endpoints of the market-data server: snapshots, trades, instruments, sessions, health, metrics, viewer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { bookChecksum } from '../../src/marketdata/index.js';
import { getJson, limit, startTap } from './support.js';

test('book and trades endpoints answer with exact strings, the md seq, and 404/400 for bad symbols and params', async () => {
  const tap = await startTap();
  try {
    tap.sequencer.submit(limit('BTC-USD', 'Buy', '60000.00', '0.5000'));
    tap.sequencer.submit(limit('BTC-USD', 'Buy', '59999.99', '1.2500'));
    tap.sequencer.submit(limit('BTC-USD', 'Sell', '60000.00', '0.1000', 'FIX.4.4:FIXGW->C2'));
    tap.sequencer.submit(limit('BTC-USD', 'Sell', '60001.00', '0.0001', 'FIX.4.4:FIXGW->C2'));
    await tap.sequencer.flush();
    const book = await getJson(`${tap.http.url}/api/v1/book/BTC-USD?depth=1`);
    assert.equal(book.status, 200);
    assert.deepEqual(book.body, {
      symbol: 'BTC-USD', seq: 4, status: 'Open', depth: 1, bids: [['60000.00', '0.4000']], asks: [['60001.00', '0.0001']],
      checksum: bookChecksum([['60000.00', '0.4000']], [['60001.00', '0.0001']]),
    });
    const full = await getJson(`${tap.http.url}/api/v1/book/BTC-USD`);
    assert.equal(full.body.depth, 50);
    assert.deepEqual(full.body.bids, [['60000.00', '0.4000'], ['59999.99', '1.2500']]);
    const trades = await getJson(`${tap.http.url}/api/v1/trades/BTC-USD?limit=10`);
    assert.deepEqual(trades.body.trades.map((t: any) => [t.price, t.qty, t.side, t.seq]), [['60000.00', '0.1000', 'Sell', 3]]);
    assert.equal(trades.body.seq, 4);
    assert.equal((await getJson(`${tap.http.url}/api/v1/book/DOGE`)).status, 404);
    assert.equal((await getJson(`${tap.http.url}/api/v1/trades/DOGE`)).status, 404);
    for (const q of ['depth=0', 'depth=1001', 'depth=abc', 'depth=-1']) {
      const r = await getJson(`${tap.http.url}/api/v1/book/AAPL?${q}`);
      assert.equal(r.status, 400, q);
      assert.match(r.body.message, /depth must be an integer/);
    }
    assert.equal((await getJson(`${tap.http.url}/api/v1/trades/AAPL?limit=5000`)).status, 400);
  } finally {
    await tap.close();
  }
});

test('instruments, sessions, health until ready, metrics on the shared registry, and the viewer page', async () => {
  let ready = false;
  const registry = new Registry();
  const tap = await startTap({
    registry, isReady: () => ready,
    sessions: () => [{ session: 'FIX.4.4:FIXGW->C1', state: 'LoggedOn', nextSenderSeq: 5, nextTargetSeq: 7 }],
  });
  try {
    tap.sequencer.submit({ type: 'Halt', symbol: 'IBM' });
    await tap.sequencer.flush();
    const inst = await getJson(`${tap.http.url}/api/v1/instruments`);
    assert.deepEqual(inst.body.instruments.map((i: any) => i.symbol), ['AAPL', 'MSFT', 'IBM', 'GOOG', 'BTC-USD', 'ETH-USD']);
    assert.deepEqual(inst.body.instruments[2], { symbol: 'IBM', tickSize: '0.01', lotSize: '1', status: 'Halted', lastPrice: null, referencePrice: '180.00', seq: 1 });
    assert.equal(inst.body.instruments[4].lotSize, '0.0001');
    const sessions = await getJson(`${tap.http.url}/api/v1/sessions`);
    assert.deepEqual(sessions.body, { sessions: [{ session: 'FIX.4.4:FIXGW->C1', state: 'LoggedOn', nextSenderSeq: 5, nextTargetSeq: 7 }] });
    assert.deepEqual(await getJson(`${tap.http.url}/health`), { status: 503, body: { status: 'starting' } });
    ready = true;
    assert.deepEqual(await getJson(`${tap.http.url}/health`), { status: 200, body: { status: 'ok' } });
    const metrics = await fetch(`${tap.http.url}/metrics`);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    for (const name of ['fixgw_ws_clients', 'fixgw_ws_drops_total', 'fixgw_ws_resyncs_total', 'fixgw_md_events_total 1']) {
      assert.ok(text.includes(name), name);
    }
    assert.ok((await registry.metrics()).includes('fixgw_ws_clients'), 'metrics live on the caller registry');
    const page = await fetch(`${tap.http.url}/`);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<title>fixgw · market data<\/title>/);
    assert.match(html, /new WebSocket/);
  } finally {
    await tap.close();
  }
  // closing removes the tap's metrics, so the registry can host a new server
  assert.ok(!(await registry.metrics()).includes('fixgw_ws_clients'));
});
