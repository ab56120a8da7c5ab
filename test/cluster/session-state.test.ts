// FIX session state replicated to a real 3-node JetStream cluster: what one node stored for a session (outbound
// messages, sequence numbers, creation time) is what the next holder's local FileStore holds after its takeover; a
// write is durable only once JetStream acknowledged it; late writes of a node that lost the session are ignored and
// refused; a reset starts a new epoch; a session JetStream never saw is seeded from the local store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicatedStore } from '../../src/cluster/replicated-store.js';
import type { ClusterConnection } from '../../src/cluster/connection.js';
import { sessionToken } from '../../src/cluster/names.js';
import { SessionLeases } from '../../src/cluster/session-leases.js';
import { SessionReplication } from '../../src/cluster/session-replication.js';
import { FileStore } from '../../src/session/file-store.js';
import type { SessionId } from '../../src/session/session-id.js';
import { MemoryStore, type MessageStore } from '../../src/session/store.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { tempDirs } from '../support/temp-dirs.js';
import { connectNode, until } from './nodes.js';

const nats = await startNatsCluster();
const tempDir = tempDirs('fixgw-session-state-');
const T0 = 1_700_000_000_000;

interface Node { replication: SessionReplication; leases: SessionLeases; conn: ClusterConnection }

async function node(nodeId: string, stream: string): Promise<Node> {
  const n = await connectNode(nats.urls, nodeId, { stream });
  const replication = await SessionReplication.open(n.conn, n.settings);
  const leases = await SessionLeases.open(n.conn, n.settings, `${nodeId}/1`);
  return { replication, leases, conn: n.conn };
}

/** Takes the lease (which must be free) and the session; `unaware`: the store is not told when the lease goes. */
async function takeOver(n: Node, session: SessionId, local: MessageStore, unaware = false): Promise<ReplicatedStore> {
  const lease = await n.leases.acquire(session);
  assert.ok(lease.held, 'lease taken');
  return n.replication.takeOver(session, local, lease.fence, unaware ? () => 'held' : () => n.leases.state(session));
}

/** A FIX-like message with its seq in it, so a mixed-up seq shows. */
const msg = (seq: number, text = 'x'): Buffer => Buffer.from(`8=FIX.4.4\x0135=8\x0134=${seq}\x0158=${text}\x01`);

async function durable(store: ReplicatedStore): Promise<void> {
  await store.whenDurable();
  assert.equal(store.whenDurable(), undefined, 'nothing left to wait for');
}

function stored(store: MessageStore): string[] {
  return store.readRange(1, 1_000_000, 1_000_000).map((m) => `${m.seq}:${m.bytes.toString('latin1').split('\x01')[3]}`);
}

test('what node A stored for a session is what node B finds after taking it over, CompIDs with any characters', async () => {
  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'CLIENT.1 *>é' };
  const a = await node('A', 'SS1');
  const b = await node('B', 'SS1');
  const storeA = await takeOver(a, session, new MemoryStore(T0));
  for (let seq = 1; seq <= 50; seq++) storeA.saveSent(seq, msg(seq));
  for (let i = 0; i < 20; i++) storeA.incrNextTargetSeq();
  const waiting = storeA.whenDurable();
  assert.ok(waiting instanceof Promise, 'saved is not durable before JetStream acknowledges it');
  await waiting;
  await a.leases.release(session);

  const local = FileStore.open(tempDir(), session, { nowMs: T0 + 5000 });
  const storeB = await takeOver(b, session, local);
  assert.equal(storeB.creationTimeMs, T0);
  assert.equal(storeB.nextSenderSeq, 51);
  assert.equal(storeB.nextTargetSeq, 21);
  assert.deepEqual(stored(storeB), Array.from({ length: 50 }, (_, i) => `${i + 1}:58=x`));
  storeB.saveSent(51, msg(51));
  await durable(storeB);
  storeB.close();
});

test('a takeover ignores late writes of a node that lost the session unaware, and that node\'s writes are refused', async () => {
  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C2' };
  const [a, b, c] = [await node('A', 'SS2'), await node('B', 'SS2'), await node('C', 'SS2')];
  const storeA = await takeOver(a, session, new MemoryStore(T0), true);
  for (let seq = 1; seq <= 10; seq++) storeA.saveSent(seq, msg(seq));
  await durable(storeA);
  await a.leases.release(session); // as if A's lease had expired while A still ran

  const storeB = await takeOver(b, session, new MemoryStore(T0 + 1));
  storeA.saveSent(11, msg(11, 'late'));
  await assert.rejects(storeA.whenDurable()!, /taken over by another node/);
  const subject = `SS2.sessions.${sessionToken(session)}`;
  let lastKind = '';
  const poll = setInterval(() => {
    void b.conn.jsm.streams.getMessage('SS2_SESSIONS', { last_by_subj: subject }).then((m) => { lastKind = m?.header.get('Fixgw-Kind') ?? ''; });
  }, 20);
  await until('A\'s late message is in the stream', () => lastKind === 'messages');
  clearInterval(poll);
  storeB.close();
  await b.leases.release(session);

  const storeC = await takeOver(c, session, new MemoryStore(T0 + 2));
  assert.deepEqual(stored(storeC), Array.from({ length: 10 }, (_, i) => `${i + 1}:58=x`), 'A\'s late message is not taken');
  assert.equal(storeC.nextSenderSeq, 11);
  storeC.saveSent(11, msg(11, 'C'));
  await durable(storeC);
});

test('a node that gave up the session\'s lease makes nothing durable any more', async () => {
  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C5' };
  const a = await node('A', 'SS5');
  const store = await takeOver(a, session, new MemoryStore(T0));
  store.saveSent(1, msg(1));
  await durable(store);
  await a.leases.release(session);
  store.saveSent(2, msg(2));
  await assert.rejects(store.whenDurable()!, /no longer holds the session's lease/);
});

test('after a reset a takeover keeps only the new epoch\'s messages', async () => {
  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C3' };
  const [a, b] = [await node('A', 'SS3'), await node('B', 'SS3')];
  const storeA = await takeOver(a, session, new MemoryStore(T0));
  for (let seq = 1; seq <= 5; seq++) storeA.saveSent(seq, msg(seq, 'old'));
  storeA.incrNextTargetSeq();
  storeA.reset(T0 + 86_400_000);
  for (let seq = 1; seq <= 3; seq++) storeA.saveSent(seq, msg(seq, 'new'));
  await durable(storeA);
  await a.leases.release(session);
  const storeB = await takeOver(b, session, new MemoryStore(T0));
  assert.equal(storeB.creationTimeMs, T0 + 86_400_000);
  assert.deepEqual(stored(storeB), ['1:58=new', '2:58=new', '3:58=new']);
  assert.equal(storeB.nextTargetSeq, 1);
});

test('a session JetStream has never seen is seeded from the local store, so the next holder finds it', async () => {
  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C4' };
  const [a, b] = [await node('A', 'SS4'), await node('B', 'SS4')];
  const dir = tempDir();
  const before = FileStore.open(dir, session, { nowMs: T0 });
  for (let seq = 1; seq <= 30; seq++) before.saveSent(seq, msg(seq, 'single'));
  before.setNextTargetSeq(7);
  before.close();
  const storeA = await takeOver(a, session, FileStore.open(dir, session, { nowMs: T0 + 9 }));
  assert.equal(storeA.nextSenderSeq, 31, 'the local store is kept as it was');
  await durable(storeA);
  storeA.close();
  await a.leases.release(session);
  const storeB = await takeOver(b, session, new MemoryStore(T0 + 10));
  assert.equal(storeB.creationTimeMs, T0);
  assert.equal(storeB.nextTargetSeq, 7);
  assert.deepEqual(stored(storeB), Array.from({ length: 30 }, (_, i) => `${i + 1}:58=single`));
});

test('a change of the sequence numbers alone (an admin message, a target seq) becomes durable, and the next holder finds it', { timeout: 20_000 }, async () => {
  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C6' };
  const [a, b] = [await node('A', 'SS6'), await node('B', 'SS6')];
  const store = await takeOver(a, session, new MemoryStore(T0));
  store.setNextSenderSeq(2); // a Logon answered: not stored, its seq used
  store.incrNextTargetSeq();
  const waiting = store.whenDurable();
  assert.ok(waiting instanceof Promise, 'not durable before JetStream has the sequence numbers');
  await waiting;
  await a.leases.release(session);
  const next = await takeOver(b, session, new MemoryStore(T0));
  assert.deepEqual([next.nextSenderSeq, next.nextTargetSeq], [2, 2]);
});
