// Engine replicas over the JetStream command log on a real 3-node cluster: an order entered on node A crosses one
// entered on node B and each node gets the events of its own commands (ref) while both engines end equal; the
// applied time never goes back even when a node's clock is behind; a repeated dedupe id is entered once and its second
// submitter is told where the first is; a new node starts from the latest snapshot plus the tail, after the stream
// was trimmed below the oldest kept snapshot, and agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterSequencer } from '../../src/cluster/cluster-sequencer.js';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { CommandStreamGapError } from '../../src/cluster/command-reader.js';
import { replicaDigest, snapshotOf, startReplica } from '../../src/cluster/replica.js';
import { SnapshotStore, trimLogToSnapshots } from '../../src/cluster/snapshot-store.js';
import type { ClusterSettings } from '../../src/cluster/settings.js';
import type { EngineEvent, ExecReport, SequencedCommand } from '../../src/engine/types.js';
import { Engine } from '../../src/engine/engine.js';
import { testConfig } from '../engine/harness.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, order, until } from './nodes.js';

const nats = await startNatsCluster();
const config = testConfig();
const T = 1_700_000_000_000;

async function replicaNode(nodeId: string, overrides: Partial<ClusterSettings>, clock = (): number => T) {
  const node = await connectNode(nats.urls, nodeId, overrides);
  const log = await JetStreamCommandLog.open(node.conn, node.settings);
  const seen: Array<{ sc: SequencedCommand; events: EngineEvent[]; ref: number | undefined }> = [];
  const sequencer = await ClusterSequencer.start(new Engine(config), log, { clock });
  sequencer.onEvents((sc, events, ref) => seen.push({ sc, events, ref }));
  sequencer.onFatal((err) => assert.fail(err));
  return { node, log, sequencer, seen };
}

const execs = (events: EngineEvent[]): string[] => events.filter((e): e is ExecReport => e.kind === 'exec').map((e) => `${e.session}:${e.execType}`);

test('an order from node A crosses one from node B: each node gets its own reports by ref, both engines end equal', async () => {
  const a = await replicaNode('A', { stream: 'X1' });
  const b = await replicaNode('B', { stream: 'X1' }, () => T - 60_000); // B's clock a minute behind
  a.sequencer.submit(order('FIX.4.4:GW->CA', 'buy1', '100.00', 'Buy'), { ref: 11 });
  await a.sequencer.flush();
  b.sequencer.submit(order('FIX.4.4:GW->CB', 'sell1', '100.00', 'Sell'), { ref: 22 });
  await b.sequencer.flush();
  await until('A applied both', () => a.sequencer.lastAppliedSeq === 2);
  assert.deepEqual(a.seen.map((s) => s.ref), [11, undefined]);
  assert.deepEqual(b.seen.map((s) => s.ref), [undefined, 22]);
  assert.deepEqual(execs(b.seen[1]!.events), ['FIX.4.4:GW->CB:New', 'FIX.4.4:GW->CB:Trade', 'FIX.4.4:GW->CA:Trade'], 'the sell trades with the resting buy');
  assert.deepEqual(a.seen.map((s) => s.sc.timeMs), [T, T], 'B\'s earlier clock does not move the applied time back');
  assert.deepEqual(b.seen.map((s) => s.sc), a.seen.map((s) => s.sc), 'both applied the same commands with the same times');
  assert.deepEqual(replicaDigest(a.sequencer), replicaDigest(b.sequencer));
  assert.equal(a.sequencer.pendingCount + b.sequencer.pendingCount, 0);
  await a.sequencer.close();
  await b.sequencer.close();
});

test('a repeated dedupe id is entered once; the second submitter is told the seq of the first', async () => {
  const a = await replicaNode('A', { stream: 'X2' });
  const b = await replicaNode('B', { stream: 'X2' });
  const duplicates: Array<[number | undefined, number]> = [];
  b.sequencer.onDuplicate((ref, seq) => duplicates.push([ref, seq]));
  a.sequencer.submit(order('FIX.4.4:GW->C', 'o1'), { ref: 1, dedupeId: 'fix:C:1:5' });
  await a.sequencer.flush();
  b.sequencer.submit(order('FIX.4.4:GW->C', 'o1'), { ref: 9, dedupeId: 'fix:C:1:5' });
  await b.sequencer.flush();
  assert.deepEqual(duplicates, [[9, 1]]);
  assert.equal(b.sequencer.lastAppliedSeq, 1);
  assert.deepEqual(b.seen.map((s) => s.ref), [undefined]);
  await a.sequencer.close();
  await b.sequencer.close();
});

test('a new node starts from the latest snapshot plus the tail, after the stream was trimmed, and agrees', async () => {
  const settings = { stream: 'X3', snapshotsKept: 2 };
  const a = await replicaNode('A', settings);
  const snapshots = await SnapshotStore.open(a.node.conn, a.node.settings);
  for (let i = 0; i < 300; i++) {
    a.sequencer.submit(order(`FIX.4.4:GW->C${i % 3}`, `o${i}`, (99 + (i % 5) / 100).toFixed(2), i % 2 === 0 ? 'Buy' : 'Sell'));
    if (i % 100 === 99) {
      await a.sequencer.flush();
      await snapshots.save(snapshotOf(a.sequencer));
    }
  }
  assert.deepEqual(await snapshots.seqs(), [200, 300], 'two kept');
  assert.equal(await trimLogToSnapshots(a.log, snapshots), 200);
  assert.deepEqual(await a.log.bounds(), { firstSeq: 201, lastSeq: 300 });
  for (let i = 300; i < 350; i++) a.sequencer.submit(order('FIX.4.4:GW->C9', `o${i}`, '98.00'));
  await a.sequencer.flush();

  const c = await connectNode(nats.urls, 'C', settings);
  const logC = await JetStreamCommandLog.open(c.conn, c.settings);
  const started = await startReplica(config, logC, await SnapshotStore.open(c.conn, c.settings));
  assert.equal(started.snapshotSeq, 300);
  await until('C caught up', () => started.sequencer.lastAppliedSeq === 350);
  assert.deepEqual(replicaDigest(started.sequencer), replicaDigest(a.sequencer));
  await assert.rejects(startReplica(config, logC, null), (err: Error) => err instanceof CommandStreamGapError && /starts at seq 201/.test(err.message),
    'without a snapshot a node cannot start on a trimmed stream, and says so');
  await started.sequencer.close();
  await a.sequencer.close();
});
