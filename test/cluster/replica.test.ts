// Engine replicas over the JetStream command log on a real 3-node cluster: an order entered on node A crosses one
// entered on node B and each node gets the events of its own commands (ref) while both engines end equal (digest);
// the applied time never goes back even when a node's clock is behind; a new node starts from the latest snapshot in
// the object store plus the tail, after the stream was trimmed below the oldest kept snapshot, and agrees; a node
// without a usable snapshot is refused clearly on a trimmed stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Checkpoints } from '../../src/cluster/checkpoints.js';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { DigestExchange, type ReplicaDivergedError } from '../../src/cluster/digest-exchange.js';
import { replicaDigest, saveSnapshot, startReplica } from '../../src/cluster/replica.js';
import { ObjectSnapshotStore, trimLogToSnapshots } from '../../src/cluster/snapshot-store.js';
import { JournalTrimmedError, type EngineEvent, type ExecReport } from '../../src/engine/index.js';
import { testConfig } from '../engine/harness.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, order, replicaNode, until, type TestReplica } from './nodes.js';

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
  assert.match(started.skipped[0]!, /X3_SNAPSHOTS\/snapshot-0000000000000300-A: snapshot format version 99/);
  await until('D caught up', () => started.sequencer.lastAppliedSeq === 350);
  assert.deepEqual(replicaDigest(started.engine), replicaDigest(a.sequencer.engine));
  await started.sequencer.close();
});

/** Digests every 50 commands, snapshots every 100, as a served node has them. */
function checkpoints(r: TestReplica, snapshots: ObjectSnapshotStore | null, onDiverged: (err: ReplicaDivergedError) => void): { digests: DigestExchange; checks: Checkpoints } {
  const digests = new DigestExchange(r.node.conn, r.log.names, { nodeId: r.node.settings.nodeId, onDiverged });
  const checks = new Checkpoints({ engine: r.sequencer.engine, log: r.log, digests, snapshots, digestEveryCommands: 50,
    snapshotEveryCommands: snapshots === null ? 0 : 100, snapshotsKept: 2, onSaveError: (err) => assert.fail(err) });
  r.sequencer.onEvents(checks.applied);
  return { digests, checks };
}

test('replicas compare digests on their schedule; one whose engine differs stops itself loudly', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'DG' });
  const b = await replicaNode(nats.urls, 'B', { stream: 'DG' });
  const c = await replicaNode(nats.urls, 'C', { stream: 'DG' }, { config: testConfig((f) => { f.instruments[0]!.takerFeeRate = '0.001'; }) });
  const diverged: string[] = [];
  const [da, db, dc] = [a, b, c].map((r) => checkpoints(r, null, (err) => diverged.push(`${r.node.settings.nodeId}: ${err.message}`)).digests);
  for (let i = 0; i < 100; i++) a.sequencer.submit(order(`FIX.4.4:GW->C${i % 2}`, `d${i}`, (99 + (i % 7) / 100).toFixed(2), i % 2 === 0 ? 'Buy' : 'Sell'));
  await a.sequencer.flush();
  await until('digests compared at seq 100', () => da!.agreed.seq === 100 && db!.agreed.seq === 100 && diverged.length >= 3);
  assert.deepEqual(da!.agreed, { seq: 100, comparisons: 2 }, 'A and B agree at 50 and 100');
  assert.deepEqual(dc!.agreed, { seq: 0, comparisons: 0 });
  assert.deepEqual(diverged.map((d) => d.slice(0, 2)).sort(), ['A:', 'B:', 'C:'], 'every node that hears a digest unlike its own says so');
  assert.match(diverged.find((d) => d.startsWith('C'))!, /replica diverged: at seq 50 node C has engine digest [0-9a-f]{64}, node [AB] has [0-9a-f]{64}/);
  for (const d of [da, db, dc]) d!.close();
});

test('snapshots are saved on the schedule by whichever replica gets there, and the stream is trimmed below the oldest kept', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'SCH' });
  const b = await replicaNode(nats.urls, 'B', { stream: 'SCH' });
  const store = await ObjectSnapshotStore.open(a.node.conn, a.node.settings);
  const checksA = checkpoints(a, store, (err) => assert.fail(err));
  const checksB = checkpoints(b, await ObjectSnapshotStore.open(b.node.conn, b.node.settings), (err) => assert.fail(err));
  for (let i = 0; i < 450; i++) {
    (i % 2 === 0 ? a : b).sequencer.submit(order('FIX.4.4:GW->C', `s${i}`, (99 + (i % 9) / 100).toFixed(2), i % 3 === 0 ? 'Buy' : 'Sell'));
    if (i % 100 !== 99) continue;
    await Promise.all([a.sequencer.flush(), b.sequencer.flush()]);
    await until(`both saw the snapshot at ${i + 1}`, () => checksA.checks.lastSnapshotSeq === i + 1 && checksB.checks.lastSnapshotSeq === i + 1);
  }
  await Promise.all([a.sequencer.flush(), b.sequencer.flush()]);
  for (let i = 0; i < 100 && (await a.log.bounds()).firstSeq !== 301; i++) await new Promise((r) => setTimeout(r, 50)); // the trim follows the save
  assert.deepEqual(await store.seqs(), [300, 400]);
  assert.deepEqual(await a.log.bounds(), { firstSeq: 301, lastSeq: 450 });
  const c = await replicaNode(nats.urls, 'C', { stream: 'SCH' }, { snapshots: (n) => ObjectSnapshotStore.open(n.conn, n.settings) });
  await until('C caught up', () => c.sequencer.lastAppliedSeq === 450);
  assert.equal(c.seen[0]!.sc.seq, 401);
  assert.deepEqual(replicaDigest(c.sequencer.engine), replicaDigest(a.sequencer.engine));
  checksA.digests.close();
  checksB.digests.close();
});

test('a trim held back by a replica behind is tried again once it has caught up, not left to the next snapshot', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'LAG' });
  const store = await ObjectSnapshotStore.open(a.node.conn, a.node.settings);
  const checksA = checkpoints(a, store, (err) => assert.fail(err));
  // a replica on another connection that says every second how far it has applied: nothing yet
  const lagging = await connectNode(nats.urls, 'L', { stream: 'LAG' });
  let laggingSeq = 0;
  const laggingDigests = new DigestExchange(lagging.conn, a.log.names, { nodeId: 'L', onDiverged: (err) => assert.fail(err), appliedSeq: () => laggingSeq });
  await until('A heard the lagging replica', () => checksA.digests.slowestAppliedSeq() === 0, 5000);
  for (let i = 0; i < 300; i++) {
    a.sequencer.submit(order('FIX.4.4:GW->C', `l${i}`, (99 + (i % 9) / 100).toFixed(2), i % 3 === 0 ? 'Buy' : 'Sell'));
    if (i % 100 !== 99) continue;
    await a.sequencer.flush();
    await until(`the snapshot at ${i + 1} saved`, () => checksA.checks.lastSnapshotSeq === i + 1);
  }
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(await store.seqs(), [200, 300]);
  assert.equal((await a.log.bounds()).firstSeq, 1, 'not trimmed past the replica that has applied nothing');
  laggingSeq = 250;
  for (let i = 0; i < 100 && (await a.log.bounds()).firstSeq === 1; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await a.log.bounds(), { firstSeq: 201, lastSeq: 300 }, 'trimmed below the oldest kept snapshot once the replica passed it');
  laggingDigests.close();
  checksA.digests.close();
  checksA.checks.close();
});
