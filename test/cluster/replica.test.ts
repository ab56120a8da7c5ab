// Engine replicas over the JetStream command log on a real 3-node cluster: an order entered on node A crosses one
// entered on node B and each node gets the events of its own commands (ref) while both engines end equal (digest);
// the applied time never goes back even when a node's clock is behind; a new node starts from the latest snapshot in
// the object store plus the tail, after the stream was trimmed below the oldest kept snapshot, and agrees; a node
// without a usable snapshot is refused clearly on a trimmed stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { replicaDigest, saveSnapshot, startReplica } from '../../src/cluster/replica.js';
import { ObjectSnapshotStore, trimLogToSnapshots } from '../../src/cluster/snapshot-store.js';
import { JournalTrimmedError, type EngineEvent, type ExecReport } from '../../src/engine/index.js';
import { testConfig } from '../engine/harness.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, order, replicaNode, until } from './nodes.js';

const nats = await startNatsCluster();
const config = testConfig();
const T = 1_700_000_000_000;

const execs = (events: EngineEvent[]): string[] => events.filter((e): e is ExecReport => e.kind === 'exec').map((e) => `${e.session}:${e.execType}`);

test('an order from node A crosses one from node B: each node gets its own reports by ref, both engines end equal', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'X1' }, { clock: () => T });
  const b = await replicaNode(nats.urls, 'B', { stream: 'X1' }, { clock: () => T - 60_000 }); // B's clock a minute behind
  a.sequencer.submit(order('FIX.4.4:GW->CA', 'buy1', '100.00', 'Buy'), { ref: 11 });
  await a.sequencer.flush();
  b.sequencer.submit(order('FIX.4.4:GW->CB', 'sell1', '100.00', 'Sell'), { ref: 22 });
  await b.sequencer.flush();
  await until('A applied both', () => a.sequencer.lastAppliedSeq === 2);
  assert.deepEqual(a.seen.map((s) => s.ref), [11, undefined]);
  assert.deepEqual(b.seen.map((s) => s.ref), [undefined, 22]);
  assert.deepEqual(execs(b.seen[1]!.events), ['FIX.4.4:GW->CB:New', 'FIX.4.4:GW->CB:Trade', 'FIX.4.4:GW->CA:Trade'], 'the sell trades with the resting buy');
  assert.equal(a.sequencer.engine.lastTimeMs, T, 'B\'s earlier clock does not move the applied time back');
  assert.equal(b.sequencer.engine.lastTimeMs, T);
  assert.deepEqual(b.seen.map((s) => s.sc), a.seen.map((s) => s.sc), 'both applied the same records');
  assert.deepEqual(replicaDigest(a.sequencer.engine), replicaDigest(b.sequencer.engine));
});

test('a new node starts from the latest snapshot plus the tail, after the stream was trimmed, and agrees', async () => {
  const settings = { stream: 'X3', snapshotsKept: 2 };
  const a = await replicaNode(nats.urls, 'A', settings);
  const snapshots = await ObjectSnapshotStore.open(a.node.conn, a.node.settings);
  for (let i = 0; i < 300; i++) {
    a.sequencer.submit(order(`FIX.4.4:GW->C${i % 3}`, `o${i}`, (99 + (i % 5) / 100).toFixed(2), i % 2 === 0 ? 'Buy' : 'Sell'));
    if (i % 100 === 99) {
      await a.sequencer.flush();
      assert.equal(await saveSnapshot(a.sequencer.engine, snapshots, 2), i + 1);
    }
  }
  assert.deepEqual(await snapshots.seqs(), [200, 300], 'two kept');
  assert.equal(await trimLogToSnapshots(a.log, snapshots), 200);
  assert.deepEqual(await a.log.bounds(), { firstSeq: 201, lastSeq: 300 });
  for (let i = 300; i < 350; i++) a.sequencer.submit(order('FIX.4.4:GW->C9', `o${i}`, '98.00'));
  await a.sequencer.flush();

  const c = await replicaNode(nats.urls, 'C', settings, { snapshots: (n) => ObjectSnapshotStore.open(n.conn, n.settings) });
  await until('C caught up', () => c.sequencer.lastAppliedSeq === 350);
  assert.equal(c.seen[0]!.sc.seq, 301, 'C started from the snapshot at 300');
  assert.deepEqual(replicaDigest(c.sequencer.engine), replicaDigest(a.sequencer.engine));

  const d = await connectNode(nats.urls, 'D', settings);
  const logD = await JetStreamCommandLog.open(d.conn, d.settings);
  await assert.rejects(startReplica(config, logD, null), (err: Error) => err instanceof JournalTrimmedError && /starts at seq 201/.test(err.message),
    'without a snapshot a node cannot start on a trimmed stream, and says so');
  await snapshots.save(300, [Buffer.from('{"version":99}\n{}')]);
  const started = await startReplica(config, logD, await ObjectSnapshotStore.open(d.conn, d.settings));
  assert.equal(started.snapshotSeq, 200, 'a snapshot of another format is skipped for the one before it');
  assert.match(started.skipped[0]!, /X3_SNAPSHOTS\/snapshot-0000000000000300: snapshot format version 99/);
  await until('D caught up', () => started.sequencer.lastAppliedSeq === 350);
  assert.deepEqual(replicaDigest(started.engine), replicaDigest(a.sequencer.engine));
  await started.sequencer.close();
});
