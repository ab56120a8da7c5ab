// Snapshots: the local SnapshotStore keeps them whole and in order, and a snapshot of a layout this build does not
// read (an older version's, or a newer one's) is refused with an error naming the file and the version found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { openEngine, replayDataDir, snapshotDirOf } from '../../src/engine/data-dir.js';
import { engineDigest } from '../../src/engine/digest.js';
import { Engine } from '../../src/engine/engine.js';
import { importEngineState } from '../../src/engine/engine-state.js';
import {
  decodeSnapshot, encodeSnapshot, FileSnapshotStore, listSnapshots, readSnapshot, SNAPSHOT_FORMAT_VERSION, SnapshotError,
} from '../../src/engine/snapshot.js';
import { randomCommands } from './random-commands.js';
import { runLive, tempDataDir } from './data-dir-support.js';
import { testConfig } from './harness.js';

const config = testConfig();

/** Rewrites a snapshot file with its header's version, or its state's, replaced (checksum kept right). */
function rewriteVersion(path: string, where: 'header' | 'state', version: unknown): void {
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Record<string, unknown>;
  const state = JSON.parse(buf.subarray(nl + 1).toString('utf8')) as Record<string, unknown>;
  if (where === 'header') header['version'] = version; else state['version'] = version;
  const body = Buffer.from(JSON.stringify(state));
  writeFileSync(path, JSON.stringify({ ...header, bytes: body.length, crc32: crc32(body) }) + '\n' + body.toString('utf8'));
}

test('a snapshot of another format version is refused by name and version, by a replay and by openEngine', async () => {
  const dir = tempDataDir('snap-version');
  await runLive(dir, config, randomCommands(31, 300), { snapshotAfter: 150 });
  const path = listSnapshots(snapshotDirOf(dir))[0]!.path;
  assert.equal(readSnapshot(path).seq, 150);
  for (const version of [1, SNAPSHOT_FORMAT_VERSION + 1, 'x']) {
    rewriteVersion(path, 'header', version);
    const expected = `${path}: snapshot format version ${JSON.stringify(version)}; this fixgw reads version ${SNAPSHOT_FORMAT_VERSION}`;
    assert.throws(() => readSnapshot(path), (err: unknown) => err instanceof SnapshotError && err.where === path && err.message === expected);
    assert.throws(() => replayDataDir(dir, config), (err: unknown) => err instanceof SnapshotError && err.message === expected);
    await assert.rejects(openEngine({ dataDir: dir, config, fsync: 'none' }), (err: unknown) => err instanceof SnapshotError && err.message === expected);
  }
  rewriteVersion(path, 'header', SNAPSHOT_FORMAT_VERSION);
  rewriteVersion(path, 'state', 1);
  assert.throws(() => readSnapshot(path), new RegExp(`^SnapshotError: ${path}: engine state version 1; this fixgw reads version ${SNAPSHOT_FORMAT_VERSION}$`));
  rewriteVersion(path, 'state', SNAPSHOT_FORMAT_VERSION);
  assert.equal(readSnapshot(path).seq, 150, 'the same file with the current version reads again');
});

test('the file snapshot store saves durably under the seq, hands back the newest, lists oldest first and trims to the newest N', async () => {
  const dir = join(tempDataDir('snap-store'), 'snapshots');
  const store = new FileSnapshotStore(dir);
  assert.equal(await store.latest(), null);
  const engine = new Engine(config);
  const digests = new Map<number, string>();
  randomCommands(32, 40).forEach(({ cmd, timeMs }, i) => {
    engine.apply({ seq: i + 1, timeMs, cmd });
    if ((i + 1) % 10 === 0) digests.set(i + 1, engineDigest(engine));
  });
  // saved out of order: the newest is the highest seq, not the last saved
  for (const seq of [20, 10, 40, 30]) {
    const replica = new Engine(config);
    randomCommands(32, seq).forEach(({ cmd, timeMs }, i) => replica.apply({ seq: i + 1, timeMs, cmd }));
    const snap = encodeSnapshot(replica);
    assert.equal(await store.save(seq, snap.chunks), join(dir, snap.name));
  }
  assert.deepEqual(await store.seqs(), [10, 20, 30, 40]);
  const latest = (await store.latest())!;
  assert.equal(latest.seq, 40);
  const decoded = decodeSnapshot(latest.bytes, latest.where);
  assert.equal(engineDigest(importEngineState(config, decoded.state)), digests.get(40), 'the bytes rebuild the engine at 40');
  await store.trim(2);
  assert.deepEqual(await store.seqs(), [30, 40]);
  assert.throws(() => decodeSnapshot(latest.bytes.subarray(0, latest.bytes.length - 1), 'object snap-40'),
    /^SnapshotError: object snap-40: snapshot body is \d+ bytes, header says \d+$/);
});
