// The gateway's journal settings: JournalSegmentBytes rolls the journal into segment files, JournalRetention=snapshot
// deletes the segments the oldest kept snapshot covers (after syncing the journal under JournalFsync=N), and a
// restart replays the newest snapshot plus the segments after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  JournalTrimmedError, exportEngineState, journalDirOf, listSegments, listSnapshots, loadEngineConfig, defaultEngineConfigPath,
  replayDataDir, snapshotDirOf,
} from '../../src/engine/index.js';
import { parseGatewaySettings } from '../../src/gateway/config.js';
import { BASE_CFG, Client, startTestGateway } from './support.js';
import { waitFor } from '../support/fix-harness.js';
import { testEngineConfig } from '../support/test-engine-config.js';

const withKeys = (keys: string): string => BASE_CFG.replace('MaxMessagesPerSecond=100000', `MaxMessagesPerSecond=100000\n${keys}`);

test('JournalSegmentBytes and JournalRetention are read from the .cfg, with 64 MiB and all as defaults, and bad values name the key', () => {
  const defaults = parseGatewaySettings(BASE_CFG);
  assert.equal(defaults.journalSegmentBytes, 64 * 1024 * 1024);
  assert.equal(defaults.journalRetention, 'all');
  const set = parseGatewaySettings(withKeys('JournalSegmentBytes=1048576\nJournalRetention=snapshot'));
  assert.equal(set.journalSegmentBytes, 1048576);
  assert.equal(set.journalRetention, 'snapshot');
  assert.throws(() => parseGatewaySettings(withKeys('JournalRetention=never')), /JournalRetention/);
  assert.throws(() => parseGatewaySettings(withKeys('JournalSegmentBytes=10')), /JournalSegmentBytes/);
});

test('the gateway rolls journal segments by size and, with retention snapshot, deletes the segments the oldest kept snapshot covers; a restart replays the tail', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-segments-'));
  try {
    const cfg = withKeys('JournalSegmentBytes=4096\nJournalRetention=snapshot');
    const gw = await startTestGateway({ cfg, dataDir, snapshotEveryCommands: 10, snapshotsKept: 2 });
    const c = await Client.logon(gw.fixPort, 'SEG1');
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 12; i++) {
        const buy = i % 2 === 0;
        c.order(`R${round}-${i}`, { symbol: 'AAPL', side: buy ? '1' : '2', qty: String(10 + i), price: buy ? `${140 + (i % 7)}.00` : `${210 + (i % 5)}.00` });
      }
      await c.reports(`R${round}-11`);
      const atLeast = (round + 1) * 12 - 10;
      await waitFor(`a snapshot at seq >= ${atLeast}`, () => gw.lastSnapshotSeq >= atLeast);
    }
    await c.stop();
    const state = exportEngineState(gw.engine);
    const lastSeq = gw.engine.lastSeq;
    await gw.close();

    const segments = listSegments(journalDirOf(dataDir));
    const oldest = listSnapshots(snapshotDirOf(dataDir))[0]!.seq;
    assert.ok(segments[0]!.firstSeq > 1, 'rolled over, and the early segments were deleted');
    assert.ok(segments[0]!.firstSeq <= oldest + 1, `the segment holding seq ${oldest + 1} (after the oldest kept snapshot) is kept`);
    if (segments.length > 1) assert.ok(segments[1]!.firstSeq > oldest + 1, 'every segment the oldest snapshot covers is gone');
    const config = testEngineConfig();
    assert.throws(() => replayDataDir(dataDir, config, { useSnapshot: false }), JournalTrimmedError);

    const again = await startTestGateway({ cfg, dataDir, snapshotOnShutdown: false, snapshotEveryCommands: 0 });
    try {
      assert.equal(again.engine.lastSeq, lastSeq);
      assert.deepEqual(exportEngineState(again.engine), state);
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
