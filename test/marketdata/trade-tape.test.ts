// TradeTape: the recent trades a restarted gateway's market data starts with, rebuilt from the journal, against what
// a full replay of the same journal says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, loadEngineConfig, replayDataDir, type EngineEvent } from '../../src/engine/index.js';
import { TradeTape } from '../../src/marketdata/index.js';
import { tempDirs } from '../support/temp-dirs.js';
import { ENGINE_CONFIG, limit } from './support.js';

const tmpDir = tempDirs('fixgw-tape-');
const config = loadEngineConfig(ENGINE_CONFIG);

/** A data directory with `rounds` rounds of 3 IBM trades, a snapshot after each round; returns the last snapshot's seq. */
async function journalWithSnapshots(dataDir: string, rounds: number, retention: 'all' | 'snapshot' = 'all', pad = 0): Promise<number> {
  const opened = await openEngine({ dataDir, config, fsync: 'none', journalRetention: retention, journalSegmentBytes: 4096 });
  let lastSnapshotSeq = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 3; i++) {
      const price = (150 + r + i / 100).toFixed(2);
      opened.sequencer.submit(limit('IBM', 'Buy', price, '1'));
      opened.sequencer.submit(limit('IBM', 'Sell', price, '1', 'FIX.4.4:FIXGW->C2'));
    }
    opened.sequencer.submit(limit('MSFT', 'Buy', '100.00', '1')); // a command without a trade between them
    for (let p = 0; p < pad; p++) opened.sequencer.submit(limit('MSFT', 'Buy', '99.00', '1'));
    await opened.sequencer.flush();
    opened.snapshot();
    lastSnapshotSeq = opened.engine.lastSeq;
  }
  await opened.sequencer.close();
  return lastSnapshotSeq;
}

function allTrades(dataDir: string, symbol: string): ReturnType<TradeTape['trades']> {
  const full = new TradeTape(1_000_000);
  replayDataDir(dataDir, config, { useSnapshot: false, onEvents: (_sc, events) => full.add(events) });
  return full.trades(symbol);
}

test('add keeps the newest tradesKeptMax trades per symbol, oldest first', () => {
  const tape = new TradeTape(3);
  for (let i = 1; i <= 10; i++) {
    tape.add([{ kind: 'md', seq: i, timeMs: i, symbol: 'IBM', mdSeq: i, levels: [], status: null,
      trades: [{ tradeId: String(i), price: '1.00', qty: '1', aggressorSide: 'Buy' }] } as EngineEvent]);
  }
  assert.deepEqual(tape.trades('IBM').map((t) => t.tradeId), ['8', '9', '10']);
  assert.deepEqual(tape.trades('MSFT'), []);
});

test('replayBefore reaches back across the snapshots before the one started from until each symbol has enough', async () => {
  const dataDir = tmpDir();
  const lastSnap = await journalWithSnapshots(dataDir, 4);
  const all = allTrades(dataDir, 'IBM');
  assert.equal(all.length, 12);
  for (const kept of [2, 5, 12, 50]) {
    const tape = new TradeTape(kept);
    const r = tape.replayBefore(dataDir, config, lastSnap);
    assert.equal(r.error, undefined);
    assert.deepEqual(tape.trades('IBM'), all.slice(-kept), `tradesKeptMax ${kept}`);
  }
  // MSFT has no trades: the search goes back to the journal's start, and no further
  assert.equal(new TradeTape(5).replayBefore(dataDir, config, lastSnap).fromSeq, 0);
});

test('replayBefore puts the older trades ahead of those the gateway\'s replay added, and stays within commandsMax', async () => {
  const dataDir = tmpDir();
  const lastSnap = await journalWithSnapshots(dataDir, 3);
  const all = allTrades(dataDir, 'IBM');
  const tape = new TradeTape(100);
  tape.add([{ kind: 'md', seq: lastSnap + 1, timeMs: 0, symbol: 'IBM', mdSeq: 99, levels: [], status: null,
    trades: [{ tradeId: 'after', price: '1.00', qty: '1', aggressorSide: 'Sell' }] } as EngineEvent]);
  const r = tape.replayBefore(dataDir, config, lastSnap, 7); // one window (7 commands) fits, two do not
  assert.deepEqual(r, { fromSeq: lastSnap - 7, commands: 7 });
  assert.deepEqual(tape.trades('IBM').map((t) => t.tradeId), [...all.slice(-3).map((t) => t.tradeId), 'after']);
});

test('a journal trimmed by retention: the history reaches back to the oldest snapshot, contiguous', async () => {
  const dataDir = tmpDir();
  const lastSnap = await journalWithSnapshots(dataDir, 5, 'snapshot', 60);
  const tape = new TradeTape(1000);
  const r = tape.replayBefore(dataDir, config, lastSnap);
  const trades = tape.trades('IBM');
  assert.ok(trades.length >= 3 && trades.length < 15, `${trades.length} trades`);
  assert.ok(r.fromSeq > 0);
  for (let i = 1; i < trades.length; i++) assert.ok(Number(trades[i]!.tradeId) === Number(trades[i - 1]!.tradeId) + 1, 'no gap');
});
