// What a gateway snapshot costs at ~100,000 resting orders: the synchronous part on the event loop (state export +
// JSON, i.e. encodeSnapshot), the asynchronous write (temp file, fsync, rename, dir fsync), and what it saves at
// startup (restore from the snapshot vs full journal replay; the journal holds the orders plus BENCH_CHURN_PAIRS
// add+cancel pairs, default 200,000). Prints one JSON line.
// Run: npm run build && npm run bench:snapshot   (BENCH_RESTING=N to change the order count)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  defaultEngineConfigPath, encodeSnapshot, exportEngineState, loadEngineConfig, openEngine, readLatestSnapshot,
  replayDataDir, snapshotDirOf, writeEncodedSnapshot,
} from '../src/engine/index.js';
import { buildRestingBook } from './resting-book.js';

const RESTING = Number(process.env.BENCH_RESTING ?? 100_000);
const CANCELED = Math.floor(RESTING / 10);
const RUNS = 5;
/** Extra add+cancel pairs before the measurement: a journal much longer than the state, as after a trading day. */
const CHURN_PAIRS = Number(process.env.BENCH_CHURN_PAIRS ?? 200_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}

const config = loadEngineConfig(defaultEngineConfigPath());
const dataDir = mkdtempSync(join(tmpdir(), 'fixgw-bench-snap-'));
try {
  const { sequencer, engine } = await openEngine({ dataDir, config, fsync: 'none' });
  await buildRestingBook(sequencer, RESTING, CANCELED);
  for (let i = 0; i < CHURN_PAIRS; i++) {
    const session = `FIX.4.4:FIXGW->CHURN${i % 20}`;
    sequencer.submit({ type: 'NewOrder', session, clOrdId: `X${i}`, symbol: 'AAPL', side: 'Buy', ordType: 'Limit', timeInForce: 'Day',
      price: '150.00', orderQty: '1' });
    sequencer.submit({ type: 'Cancel', session, origClOrdId: `X${i}`, clOrdId: `Y${i}`, symbol: 'AAPL' });
    if (i % 5000 === 4999) await sequencer.flush();
  }
  await sequencer.flush();
  const resting = Object.values(engine.restingCounts()).reduce((a, b) => a + b, 0);

  const exportMs: number[] = [];
  const encodeMs: number[] = [];
  const writeMs: number[] = [];
  let bytes = 0;
  for (let r = 0; r < RUNS; r++) {
    let t = performance.now();
    exportEngineState(engine);
    exportMs.push(performance.now() - t);
    t = performance.now();
    const snap = encodeSnapshot(engine);
    encodeMs.push(performance.now() - t);
    bytes = snap.body.length;
    t = performance.now();
    await writeEncodedSnapshot(snapshotDirOf(dataDir), snap);
    writeMs.push(performance.now() - t);
  }
  await sequencer.close();

  const restoreMs: number[] = [];
  const replayMs: number[] = [];
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    const fromSnap = replayDataDir(dataDir, config);
    restoreMs.push(performance.now() - t);
    if (fromSnap.replayedCommands !== 0) throw new Error('snapshot is not at the journal end');
    t = performance.now();
    replayDataDir(dataDir, config, { useSnapshot: false });
    replayMs.push(performance.now() - t);
  }
  const t = performance.now();
  readLatestSnapshot(snapshotDirOf(dataDir));
  const readMs = performance.now() - t;

  console.log(JSON.stringify({
    resting_orders: resting, done_orders: CANCELED, journal_commands: engine.lastSeq, snapshot_bytes: bytes,
    export_ms_p50: median(exportMs), encode_ms_p50: median(encodeMs), write_async_ms_p50: median(writeMs),
    read_verify_ms: Math.round(readMs * 10) / 10, startup_from_snapshot_ms_p50: median(restoreMs), startup_full_replay_ms_p50: median(replayMs),
  }));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
