// Slow consumers: a client that stops reading is resynced (book) or dropped; a fast client is never affected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { Registry } from 'prom-client';
import { FeedClient, getJson, limit, startTap, type Tap } from './support.js';

const LEVELS = 300;

/** The TCP socket under a ws client: pausing it makes the client stop reading, like a stalled consumer. */
function tcpOf(c: FeedClient): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket;
}

async function metric(registry: Registry, name: string, labels: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Heavy book traffic: each event-loop turn either sweeps LEVELS bid levels with one IOC sell or lays them down
 * again, so every delta carries LEVELS levels. Runs until `until()` or maxTurns.
 */
async function churn(tap: Tap, until: () => Promise<boolean>, maxTurns: number): Promise<number> {
  let turns = 0;
  for (; turns < maxTurns; turns++) {
    if (turns % 2 === 0) {
      for (let i = 0; i < LEVELS; i++) tap.sequencer.submit(limit('AAPL', 'Buy', (150 + i / 100).toFixed(2), String(1 + (turns % 7))));
    } else {
      tap.sequencer.submit({ ...limit('AAPL', 'Sell', '150.00', String(LEVELS * 10), 'FIX.4.4:FIXGW->C2'), timeInForce: 'IOC' });
    }
    await tap.sequencer.flush();
    await new Promise((r) => setImmediate(r));
    if (turns % 20 === 19 && await until()) break;
  }
  return turns;
}

test('a client that stops reading is told to resync, gets a fresh snapshot once it catches up, and a fast client keeps a correct book', async () => {
  const registry = new Registry();
  const tap = await startTap({ registry, resyncBufferBytes: 64 * 1024, sendBufferBytesMax: 64 << 20, slowConsumerTimeoutMs: 60_000 });
  try {
    const fast = await FeedClient.open(tap.wsUrl, {}, false);
    const slow = await FeedClient.open(tap.wsUrl, {}, true);
    await fast.subscribe('book', 'AAPL', { depth: 1000 });
    await slow.subscribe('book', 'AAPL', { depth: 1000 });
    await slow.subscribe('bbo', 'AAPL');
    tcpOf(slow).pause();
    const turns = await churn(tap, async () => (await metric(registry, 'fixgw_ws_resyncs_total', 'reason="slow_consumer"')) > 0, 4000);
    assert.equal(await metric(registry, 'fixgw_ws_resyncs_total', 'reason="slow_consumer"'), 1, `resync after ${turns} turns`);
    // the fast client is current all along
    await fast.sync();
    const http = (await getJson(`${tap.http.url}/api/v1/book/AAPL?depth=1000`)).body;
    assert.deepEqual(fast.books.get('AAPL')!.top(), { bids: http.bids, asks: http.asks });
    assert.equal(fast.books.get('AAPL')!.seq, http.seq);
    // more traffic while the slow client is still stalled: it gets nothing more for the book
    await churn(tap, async () => false, 10);
    tcpOf(slow).resume();
    const resync = await slow.next((m) => m.type === 'resync', 20_000);
    assert.match(resync.reason, /slow consumer/);
    const snap = await slow.next((m) => m.type === 'snapshot' && m.seq > resync.seq, 20_000);
    await tap.sequencer.flush();
    await slow.sync(20_000);
    await fast.sync();
    const now = (await getJson(`${tap.http.url}/api/v1/book/AAPL?depth=1000`)).body;
    assert.ok(snap.seq <= now.seq);
    for (const c of [slow, fast]) {
      assert.deepEqual(c.books.get('AAPL')!.top(), { bids: now.bids, asks: now.asks });
      assert.equal(c.books.get('AAPL')!.seq, now.seq);
      assert.deepEqual(c.violations, []);
    }
    // BBO updates were held back while it was slow; the latest one is what it has now
    const lastBbo = slow.messages.filter((m) => m.channel === 'bbo').at(-1);
    assert.deepEqual([lastBbo.bid, lastBbo.ask], [now.bids[0] ?? null, now.asks[0] ?? null]);
    assert.equal(fast.resyncs, 0);
    assert.equal(slow.resyncs, 1);
    // no delta between the resync notice and the new snapshot
    const i = slow.messages.indexOf(resync);
    const j = slow.messages.indexOf(snap);
    assert.ok(slow.messages.slice(i + 1, j).every((m) => m.type !== 'delta'));
    fast.close(); slow.close();
  } finally {
    await tap.close();
  }
});

test('a client that does not catch up in time is disconnected with a reason, and one that overflows its send buffer at once too', async () => {
  const registry = new Registry();
  const tap = await startTap({ registry, resyncBufferBytes: 64 * 1024, sendBufferBytesMax: 512 * 1024, slowConsumerTimeoutMs: 300, closeGraceMs: 200 });
  try {
    const fast = await FeedClient.open(tap.wsUrl, {}, false);
    const stalled = await FeedClient.open(tap.wsUrl, {}, false);
    const flooded = await FeedClient.open(tap.wsUrl, {}, false);
    await fast.subscribe('book', 'AAPL', { depth: 1000 });
    await stalled.subscribe('book', 'AAPL', { depth: 1000 });
    // trades cannot be conflated: a trades subscriber past the hard bound is dropped
    await flooded.subscribe('trades', 'AAPL');
    tcpOf(stalled).pause();
    tcpOf(flooded).pause();
    const dropped = async (): Promise<boolean> => (await metric(registry, 'fixgw_ws_drops_total', 'reason="slow_consumer"')) >= 2;
    const turns = await churn(tap, dropped, 6000);
    assert.ok(await dropped(), `both slow clients dropped (after ${turns} turns)`);
    assert.equal(tap.http.clientCount, 1);
    tcpOf(stalled).resume();
    tcpOf(flooded).resume();
    await Promise.all([stalled.closed, flooded.closed]);
    // the close frame sits behind the queued data; if the grace period ran out first the socket was cut (1006)
    for (const c of [stalled, flooded]) {
      assert.ok(c.closeCode === 1008 || c.closeCode === 1006, String(c.closeCode));
      if (c.closeCode === 1008) assert.match(c.closeReason, /slow consumer/);
    }
    await tap.sequencer.flush();
    await fast.sync();
    const http = (await getJson(`${tap.http.url}/api/v1/book/AAPL?depth=1000`)).body;
    assert.deepEqual(fast.books.get('AAPL')!.top(), { bids: http.bids, asks: http.asks });
    assert.deepEqual(fast.violations, []);
    fast.close();
  } finally {
    await tap.close();
  }
});
