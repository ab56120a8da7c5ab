// The snapshot worker: a replica engine in a worker thread tails the journal and writes the gateway's snapshots off the
// event loop. Its snapshots equal the state a full replay reaches at the same seq; a restart from them equals a full
// replay; it writes the shutdown snapshot; when it crashes, order entry carries on and it is restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import {
  defaultEngineConfigPath, eventsDigest, exportEngineState, listSnapshots, loadEngineConfig, openEngine, readSnapshot, replayDataDir, snapshotDirOf,
} from '../../src/engine/index.js';
import { Snapshotter, WORKER_HEAP_MB_MIN } from '../../src/gateway/snapshots.js';
import { Client, startTestGateway } from './support.js';
import { waitFor } from '../support/fix-harness.js';
import { tempDirs } from '../support/temp-dirs.js';
import { testEngineConfig } from '../support/test-engine-config.js';

const tmpDir = tempDirs('fixgw-snapw-');

interface LogLine { msg: string; level: number; seq?: number; by?: string; [k: string]: unknown }

/** A pino logger whose lines are kept, parsed. */
function recordingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as LogLine); } });
  return { log, lines };
}

/** n orders on AAPL: resting buys and sells, and every 5th a sell that crosses and trades. */
async function orders(c: Client, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const crossing = i % 5 === 4;
    const buy = !crossing && i % 2 === 0;
    c.order(`${prefix}${i}`, { symbol: 'AAPL', side: buy ? '1' : '2', qty: String(10 + i),
      price: crossing ? '140.00' : buy ? `${140 + (i % 7)}.00` : `${210 + (i % 5)}.00` });
  }
  await c.reports(`${prefix}${n - 1}`);
}

test('the worker writes a snapshot every N commands that equals a full replay up to its seq, and the gateway never serialises one itself', async () => {
  const dataDir = tmpDir();
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway({ dataDir, snapshotEveryCommands: 25, snapshotsKept: 10, logger: log });
  const c = await Client.logon(gw.fixPort, 'SNAPW1');
  await orders(c, 'A', 60);
  await waitFor('worker snapshots at 25 and 50', () => gw.lastSnapshotSeq >= 50);
  const written = lines.filter((l) => l.msg === 'snapshot written');
  assert.ok(written.length >= 2);
  for (const l of written) {
    assert.equal(l.by, 'worker');
    assert.equal(l.seq! % 25, 0, `periodic snapshots at multiples of 25: ${l.seq}`);
  }
  // caught up = reached the engine's seq at some moment; under a burst of orders that can come after snapshot 50
  await waitFor('the worker caught up with the engine', () => lines.some((l) => l.msg === 'snapshot worker caught up'));
  assert.equal((await gw.registry.getSingleMetric('fixgw_snapshot_worker_up')!.get()).values[0]!.value, 1);

  const config = testEngineConfig();
  for (const s of listSnapshots(snapshotDirOf(dataDir))) {
    const full = replayDataDir(dataDir, config, { useSnapshot: false, upToSeq: s.seq });
    assert.deepEqual(readSnapshot(s.path).state, exportEngineState(full.engine), `snapshot at ${s.seq} equals a full replay to ${s.seq}`);
  }
  await c.stop();
  const lastSeq = gw.engine.lastSeq;
  await gw.close();
  const shutdown = lines.filter((l) => l.msg === 'snapshot written').at(-1)!;
  assert.equal(shutdown.seq, lastSeq, 'the shutdown snapshot is at the last seq');
  assert.equal(shutdown.by, 'worker');
  assert.equal(listSnapshots(snapshotDirOf(dataDir)).at(-1)!.seq, lastSeq);
  assert.deepEqual(readdirSync(snapshotDirOf(dataDir)).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');

  // Restart from the snapshot at 50 (the later ones removed): state and events equal a full replay's.
  for (const s of listSnapshots(snapshotDirOf(dataDir))) if (s.seq > 50) rmSync(s.path);
  const fromSnapDigest = eventsDigest();
  const fullDigest = eventsDigest();
  const fromSnap = replayDataDir(dataDir, config, { onEvents: (sc, events) => fromSnapDigest.add(sc, events) });
  const full = replayDataDir(dataDir, config, { useSnapshot: false, onEvents: (sc, events) => { if (sc.seq > 50) fullDigest.add(sc, events); } });
  assert.equal(fromSnap.snapshotSeq, 50);
  assert.equal(fromSnap.replayedCommands, lastSeq - 50);
  assert.deepEqual(exportEngineState(fromSnap.engine), exportEngineState(full.engine));
  assert.ok(fromSnapDigest.count > 0);
  assert.equal(fromSnapDigest.hex(), fullDigest.hex(), 'the tail re-emits the same events');
  const again = await startTestGateway({ dataDir, snapshotEveryCommands: 25, snapshotOnShutdown: false });
  try {
    assert.equal(again.recoveredFromSnapshotSeq, 50);
    assert.deepEqual(exportEngineState(again.engine), exportEngineState(full.engine));
  } finally {
    await again.close();
  }
});

test('gateway.snapshot() resolves once the worker has written a snapshot at or after the applied seq (JournalFsync=Y)', async () => {
  const dataDir = tmpDir();
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway({ dataDir, snapshotEveryCommands: 1000, logger: log, snapshotOnShutdown: false, fsync: true });
  const c = await Client.logon(gw.fixPort, 'SNAPW2');
  try {
    await orders(c, 'B', 12);
    const seq = gw.engine.lastSeq;
    const p = await gw.snapshot();
    assert.ok(gw.lastSnapshotSeq >= seq);
    assert.equal(readSnapshot(p).seq, gw.lastSnapshotSeq);
    assert.equal(await gw.snapshot(), p, 'nothing applied since: the same snapshot');
    assert.equal(lines.filter((l) => l.msg === 'snapshot written' && l.by === 'worker').length, 1);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('a crash of the snapshot worker does not disturb order entry: it is restarted, catches up and snapshots resume', async () => {
  const dataDir = tmpDir();
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway({ dataDir, snapshotEveryCommands: 20, logger: log, snapshotWorkerCrashAfterSeq: 15 });
  const c = await Client.logon(gw.fixPort, 'SNAPW3');
  try {
    await orders(c, 'C', 18);
    await waitFor('the worker failure logged', () => lines.some((l) => l.msg === 'snapshot worker failed: restarting it'));
    assert.equal(gw.lastSnapshotSeq, 0, 'no snapshot before the crash point');
    // Order entry goes on while the worker is down and after.
    await orders(c, 'D', 30);
    assert.equal(c.all('8').filter((m) => m.get(150) === '8').length, 0, 'no rejects');
    await waitFor('a snapshot from the restarted worker', () => gw.lastSnapshotSeq >= 40, 10_000);
    const byWorker = lines.filter((l) => l.msg === 'snapshot written');
    assert.ok(byWorker.length > 0 && byWorker.every((l) => l.by === 'worker'));
    assert.equal((await gw.registry.getSingleMetric('fixgw_snapshot_worker_restarts_total')!.get()).values[0]!.value, 1);
    const config = testEngineConfig();
    const latest = listSnapshots(snapshotDirOf(dataDir)).at(-1)!;
    assert.deepEqual(readSnapshot(latest.path).state, exportEngineState(replayDataDir(dataDir, config, { useSnapshot: false, upToSeq: latest.seq }).engine));
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('a snapshot worker that hangs (behind the engine, applying nothing) is terminated after workerStuckMs and restarted; snapshots resume', async () => {
  const dataDir = tmpDir();
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway({ dataDir, snapshotEveryCommands: 20, logger: log, snapshotWorkerStallAfterSeq: 8, snapshotWorkerStuckMs: 600 });
  const c = await Client.logon(gw.fixPort, 'SNAPW6');
  try {
    await orders(c, 'H', 12);
    await waitFor('the hang detected', () => lines.some((l) => l.msg === 'snapshot worker stuck: terminating it'), 10_000);
    const stuck = lines.find((l) => l.msg === 'snapshot worker stuck: terminating it')!;
    assert.ok((stuck.workerSeq as number) <= 8 && (stuck.engineSeq as number) > 8, 'it hung at seq 8, behind the engine');
    await waitFor('the restart logged', () => lines.some((l) => l.msg === 'snapshot worker failed: restarting it'));
    await orders(c, 'J', 20);
    assert.equal(c.all('8').filter((m) => m.get(150) === '8').length, 0, 'order entry never noticed');
    await waitFor('a snapshot from the restarted worker', () => gw.lastSnapshotSeq >= 20, 10_000);
    assert.equal((await gw.registry.getSingleMetric('fixgw_snapshot_worker_restarts_total')!.get()).values[0]!.value, 1);
  } finally {
    await c.stop();
    await gw.close();
  }
});

test('with the worker off (snapshotWorker false) snapshots are written in-process as before', async () => {
  const dataDir = tmpDir();
  const { log, lines } = recordingLogger();
  const gw = await startTestGateway({ dataDir, snapshotEveryCommands: 10, logger: log, snapshotWorker: false });
  const c = await Client.logon(gw.fixPort, 'SNAPW4');
  await orders(c, 'E', 12);
  await waitFor('an in-process snapshot', () => gw.lastSnapshotSeq >= 10);
  await c.stop();
  await gw.close();
  const written = lines.filter((l) => l.msg === 'snapshot written');
  assert.ok(written.length >= 2 && written.every((l) => l.by === 'gateway'));
  assert.equal((await gw.registry.getSingleMetric('fixgw_snapshot_worker_up')!.get()).values[0]!.value, 0);
});

test('a snapshot worker that keeps failing (a heap limit it cannot live within) is given up after 5 tries: snapshots are then written in-process', async () => {
  const dataDir = tmpDir();
  const { log, lines } = recordingLogger();
  const config = loadEngineConfig(defaultEngineConfigPath());
  const opened = await openEngine({ dataDir, config, fsync: 'none' });
  // a limit too small for the worker's isolate to start would abort the whole process on Node 22 and later
  assert.throws(() => new Snapshotter({ dataDir, engine: opened.engine, sequencer: opened.sequencer, everyCommands: 10, kept: 3,
    journalFsync: false, log, recoveredSeq: 0, workerHeapMbMax: 2 }), /workerHeapMbMax 2 is below 4 MB/);
  const snapshotter = new Snapshotter({ dataDir, engine: opened.engine, sequencer: opened.sequencer, everyCommands: 10, kept: 3,
    journalFsync: false, log, recoveredSeq: 0, workerHeapMbMax: WORKER_HEAP_MB_MIN, workerRestartDelayMs: 5 });
  try {
    await waitFor('the fallback to in-process snapshots', () => lines.some((l) => l.msg.startsWith('snapshot worker keeps failing')), 20_000);
    assert.equal(lines.filter((l) => l.msg === 'snapshot worker failed: restarting it').length, 4);
    assert.equal(snapshotter.workerRunning, false);
    for (let i = 0; i < 25; i++) {
      opened.sequencer.submit({ type: 'NewOrder', session: 'FIX.4.4:FIXGW->FB', clOrdId: `F${i}`, symbol: 'AAPL', side: 'Buy', ordType: 'Limit',
        timeInForce: 'Day', price: '150.00', orderQty: '1' });
    }
    await opened.sequencer.flush();
    await waitFor('an in-process periodic snapshot', () => snapshotter.lastSeq >= 10);
    await opened.sequencer.close();
    await snapshotter.close({ snapshot: true });
    assert.equal(snapshotter.lastSeq, 25, 'shutdown snapshot at the last seq');
    const written = lines.filter((l) => l.msg === 'snapshot written');
    assert.ok(written.length >= 1 && written.every((l) => l.by === 'gateway'));
  } finally {
    await opened.sequencer.close();
    await snapshotter.close({ snapshot: false });
  }
});
