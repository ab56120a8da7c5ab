// Engine snapshots in the running gateway: written every N commands and on clean shutdown, atomically, pruned
// to the last K; a restart (also after a crash) starts from the newest one plus the journal tail and rebuilds
// exactly the state a full replay of the journal gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  defaultEngineConfigPath, exportEngineState, listSnapshots, loadEngineConfig, replayDataDir, snapshotDirOf,
} from '../../src/engine/index.js';
import { Client, startTestGateway } from './support.js';
import { waitFor } from '../support/fix-harness.js';
import { CLI as cli, gatewayCfg, serve } from '../support/served.js';
import { testEngineConfig, testEngineConfigPath } from '../support/test-engine-config.js';

/** n resting orders that never cross: buys below 150, sells above 200. */
async function restingOrders(c: Client, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const buy = i % 2 === 0;
    c.order(`${prefix}${i}`, { symbol: 'AAPL', side: buy ? '1' : '2', qty: String(10 + i), price: buy ? `${140 + (i % 7)}.00` : `${210 + (i % 5)}.00` });
  }
  await c.reports(`${prefix}${n - 1}`);
}

test('the gateway snapshots every N commands and on clean shutdown, keeping the last K, and restarts from the newest', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-snap-'));
  try {
    const gw = await startTestGateway({ dataDir, snapshotEveryCommands: 10, snapshotsKept: 2 });
    const c = await Client.logon(gw.fixPort, 'SNAP1');
    for (let round = 0; round < 4; round++) {
      await restingOrders(c, `R${round}-`, 12);
      const atLeast = (round + 1) * 12 - 10;
      await waitFor(`a snapshot at seq >= ${atLeast}`, () => gw.lastSnapshotSeq >= atLeast);
    }
    const dir = snapshotDirOf(dataDir);
    let snaps = listSnapshots(dir);
    assert.equal(snaps.length, 2, 'pruned to SnapshotsKept');
    assert.equal(snaps[1]!.seq, gw.lastSnapshotSeq);
    await c.stop();
    const lastSeq = gw.engine.lastSeq;
    const state = exportEngineState(gw.engine);
    await gw.close();

    snaps = listSnapshots(dir);
    assert.equal(snaps.length, 2);
    assert.equal(snaps[1]!.seq, lastSeq, 'a snapshot at the last seq on clean shutdown');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp files left');

    const again = await startTestGateway({ dataDir, snapshotEveryCommands: 10, snapshotsKept: 2 });
    try {
      assert.equal(again.recoveredFromSnapshotSeq, lastSeq);
      assert.equal(again.replayedCommands, 0);
      assert.deepEqual(exportEngineState(again.engine), state);
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const CFG = gatewayCfg({ JournalFsync: 'N', SnapshotEveryCommands: 20 });

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('exit', (code) => resolve({ code, out }));
  });
}

test('after a crash, snapshot + journal tail rebuilds the same state as a full replay, and fixgw replay --verify passes', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-snap-'));
  const dataDir = path.join(dir, 'data');
  const served = await serve(dir, 0, { cfg: CFG });
  const c = await Client.logon(served.fixPort, 'CRASH1');
  try {
    await restingOrders(c, 'A', 45);
    c.order('X1', { symbol: 'AAPL', side: '2', qty: '25', price: '140.00' }); // trades against the resting buys
    await c.reports('X1', 2);
    await waitFor('a periodic snapshot', () => listSnapshots(snapshotDirOf(dataDir)).some((s) => s.seq >= 40), 10_000);
    await restingOrders(c, 'B', 7);
    served.proc.kill('SIGKILL');
    await served.exited;
  } finally {
    served.proc.kill('SIGKILL');
    await c.stop();
  }
  try {
    const config = testEngineConfig();
    const full = replayDataDir(dataDir, config, { useSnapshot: false });
    const fromSnapshot = replayDataDir(dataDir, config);
    assert.ok(fromSnapshot.snapshotSeq !== null && fromSnapshot.snapshotSeq >= 40);
    assert.ok(fromSnapshot.replayedCommands >= 7, `journal tail replayed: ${fromSnapshot.replayedCommands}`);
    assert.equal(fromSnapshot.lastSeq, full.lastSeq);
    assert.equal(full.replayedCommands, full.lastSeq);
    assert.deepEqual(exportEngineState(fromSnapshot.engine), exportEngineState(full.engine));

    const gw = await startTestGateway({ dataDir, snapshotOnShutdown: false });
    try {
      assert.equal(gw.recoveredFromSnapshotSeq, fromSnapshot.snapshotSeq);
      assert.equal(gw.replayedCommands, fromSnapshot.replayedCommands);
      assert.deepEqual(exportEngineState(gw.engine), exportEngineState(full.engine));
    } finally {
      await gw.close();
    }

    const verify = await run(['replay', '--data-dir', dataDir, '--verify', '--engine-config', testEngineConfigPath()]);
    assert.equal(verify.code, 0, verify.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
