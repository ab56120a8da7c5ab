// The operational settings of the gateway: snapshot cadence and retention, the admin token and the EndOfDay schedule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewaySettings } from '../../src/gateway/index.js';
import { adminTokenOf } from '../../src/http/admin-api.js';
import { BASE_CFG } from './support.js';

const withKeys = (keys: string) => BASE_CFG.replace('[SESSION]', `${keys}\n\n[SESSION]`);

test('snapshot, admin and end-of-day settings default to snapshots every 100,000 commands, 3 kept, no admin token, no EndOfDay', () => {
  const s = parseGatewaySettings(BASE_CFG);
  assert.deepEqual([s.snapshotEveryCommands, s.snapshotsKept, s.snapshotOnShutdown, s.snapshotWorker, s.adminToken, s.endOfDayTimeSec, s.timeZone],
    [100_000, 3, true, true, undefined, undefined, 'UTC']);
});

test('snapshot, admin and end-of-day settings are typed', () => {
  const s = parseGatewaySettings(withKeys('SnapshotEveryCommands=0\nSnapshotsKept=5\nSnapshotOnShutdown=N\nSnapshotWorker=N\nAdminToken=s3cret\nEndOfDayTime=16:30:00\nTimeZone=America/New_York'));
  assert.deepEqual([s.snapshotEveryCommands, s.snapshotsKept, s.snapshotOnShutdown, s.snapshotWorker, s.adminToken, s.endOfDayTimeSec, s.timeZone],
    [0, 5, false, false, 's3cret', 16 * 3600 + 30 * 60, 'America/New_York']);
  assert.throws(() => parseGatewaySettings(withKeys('SnapshotWorker=maybe')), /SnapshotWorker/);
  assert.throws(() => parseGatewaySettings(withKeys('SnapshotEveryCommands=-1')), /SnapshotEveryCommands/);
  assert.throws(() => parseGatewaySettings(withKeys('SnapshotsKept=0')), /SnapshotsKept/);
  assert.throws(() => parseGatewaySettings(withKeys('EndOfDayTime=25:00:00')), /EndOfDayTime: expected a time HH:MM:SS/);
});

test('FIXGW_ADMIN_TOKEN in the environment wins over the AdminToken setting', () => {
  assert.equal(adminTokenOf('from-file', {}), 'from-file');
  assert.equal(adminTokenOf('from-file', { FIXGW_ADMIN_TOKEN: 'from-env' }), 'from-env');
  assert.equal(adminTokenOf(undefined, { FIXGW_ADMIN_TOKEN: '' }), undefined);
});
