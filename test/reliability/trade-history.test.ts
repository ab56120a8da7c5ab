// Trade history across restarts of `fixgw serve`: /api/v1/trades and the WebSocket trades snapshot show the same
// trades after a clean restart (which starts from the snapshot written at shutdown) and after a SIGKILL (snapshot +
// journal tail), rebuilt from the journal: never empty, never a trade the journal does not hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { Client } from '../gateway/support.js';
import { gatewayCfg, httpJson, kill, serve, type Served } from '../support/served.js';

interface Trade { tradeId: string; price: string; qty: string; side: string; timeMs: number; seq: number }

async function tradesOf(gw: Served, symbol: string, limit = 1000): Promise<Trade[]> {
  return (await httpJson<{ trades: Trade[] }>(gw.httpPort, `/api/v1/trades/${symbol}?limit=${limit}`)).trades;
}

/** The trades snapshot a new WebSocket subscriber gets. */
async function wsSnapshot(gw: Served, symbol: string): Promise<Trade[]> {
  const ws = new WebSocket(`ws://127.0.0.1:${gw.httpPort}/ws`);
  try {
    return await new Promise<Trade[]>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ op: 'subscribe', channel: 'trades', symbol })));
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string; trades?: Trade[] };
        if (m.type === 'snapshot') resolve(m.trades!);
      });
      ws.once('error', reject);
    });
  } finally {
    ws.close();
  }
}

/** `n` trades on `symbol` between two clients, each at its own price (so every trade is told apart). */
async function trade(gw: Served, symbol: string, n: number, tag: string): Promise<void> {
  const buyer = await Client.logon(gw.fixPort, `BUY${tag}`);
  const seller = await Client.logon(gw.fixPort, `SELL${tag}`);
  for (let i = 0; i < n; i++) {
    const price = (170 + i / 100).toFixed(2);
    buyer.order(`${tag}B${i}`, { symbol, side: '1', qty: String(1 + (i % 3)), price });
    await buyer.reports(`${tag}B${i}`);
    seller.order(`${tag}S${i}`, { symbol, side: '2', qty: String(1 + (i % 3)), price });
    await seller.reports(`${tag}S${i}`, 2);
  }
  await buyer.stop();
  await seller.stop();
}

test('trade history survives a clean restart and a SIGKILL: the HTTP list and the WebSocket snapshot are rebuilt from the journal', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-trades-'));
  let gw = await serve(dir, 0);
  try {
    await trade(gw, 'IBM', 12, 'A');
    await trade(gw, 'MSFT', 3, 'M');
    const ibm = await tradesOf(gw, 'IBM');
    const msft = await tradesOf(gw, 'MSFT');
    assert.equal(ibm.length, 12);
    const ibmWs = await wsSnapshot(gw, 'IBM');

    assert.equal(await kill(gw, 'SIGTERM'), 0);
    gw = await serve(dir, 0);
    assert.match(gw.output(), /"snapshotSeq":\d+/, 'the restart starts from the shutdown snapshot');
    assert.deepEqual(await tradesOf(gw, 'IBM'), ibm, 'after a clean restart');
    assert.deepEqual(await tradesOf(gw, 'MSFT'), msft);
    assert.deepEqual(await wsSnapshot(gw, 'IBM'), ibmWs);

    await trade(gw, 'IBM', 4, 'B');
    const more = await tradesOf(gw, 'IBM');
    assert.equal(more.length, 16);
    await kill(gw, 'SIGKILL');
    gw = await serve(dir, 0);
    assert.deepEqual(await tradesOf(gw, 'IBM'), more, 'after a SIGKILL: snapshot + journal tail');
    assert.deepEqual(await tradesOf(gw, 'IBM', 3), more.slice(-3));
  } finally {
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a snapshot every few commands, the history after a restart is rebuilt across the snapshots before the one it starts from', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-trades-'));
  let gw = await serve(dir, 0, { cfg: gatewayCfg({ MaxMessagesPerSecond: 100_000, SnapshotEveryCommands: 10, SnapshotsKept: 3, SnapshotWorker: 'N' }) });
  try {
    await trade(gw, 'IBM', 20, 'C');
    const before = await tradesOf(gw, 'IBM');
    assert.equal(await kill(gw, 'SIGTERM'), 0);
    gw = await serve(dir, 0, { cfg: gatewayCfg({ MaxMessagesPerSecond: 100_000, SnapshotEveryCommands: 10, SnapshotsKept: 3, SnapshotWorker: 'N' }) });
    assert.deepEqual(await tradesOf(gw, 'IBM'), before);
    assert.match(gw.output(), /trade history rebuilt from the journal/);
  } finally {
    gw.proc.kill('SIGKILL');
    await gw.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
