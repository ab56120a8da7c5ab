// NATS lost while a node runs (every server of the cluster killed, then started again): submits are refused with a
// clear error while the connection is down and the sequencer is not stopped, commands that were in flight are entered
// once when NATS returns, and the node's replica carries on from where it was, with no record missing or repeated; a
// session message saved meanwhile is not durable (the session would not send it) until NATS is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionLeases } from '../../src/cluster/session-leases.js';
import { SessionReplication } from '../../src/cluster/session-replication.js';
import { SequencerUnavailableError, type NewOrderCommand } from '../../src/engine/index.js';
import type { SessionId } from '../../src/session/session-id.js';
import { MemoryStore } from '../../src/session/store.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { order, readAll, replicaNode, until } from './nodes.js';

const nats = await startNatsCluster();
const clOrdIdOf = (cmd: unknown): string => (cmd as NewOrderCommand).clOrdId;

test('NATS lost while running: submits are refused naming the URLs, in-flight commands land once, the replica resumes, session saves wait', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'OUTAGE', appendRetryMs: 40_000, leaseTtlMs: 120_000 });
  for (let i = 0; i < 50; i++) a.sequencer.submit(order('FIX.4.4:GW->C', `before${i}`), { dedupeId: `before${i}` });
  await a.sequencer.flush();

  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C' };
  const leases = await SessionLeases.open(a.node.conn, a.node.settings, a.log.origin);
  const lease = await leases.acquire(session);
  assert.ok(lease.held);
  const store = await (await SessionReplication.open(a.node.conn, a.node.settings)).takeOver(session, new MemoryStore(0), lease.fence);
  store.saveSent(1, Buffer.from('first'));
  await store.whenDurable();

  // commands in flight when every server dies
  for (let i = 0; i < 20; i++) a.sequencer.submit(order('FIX.4.4:GW->C', `during${i}`), { dedupeId: `during${i}` });
  for (let i = 0; i < 3; i++) await nats.kill(i);
  await until('the node sees the connection down', () => !a.node.conn.up);
  assert.throws(() => a.sequencer.submit(order('FIX.4.4:GW->C', 'refused')), (err: Error) => {
    assert.ok(err instanceof SequencerUnavailableError, err.name);
    assert.match(err.message, /NATS connection lost/);
    assert.ok(err.message.includes(nats.urls[0]!), err.message);
    return true;
  });
  assert.equal(a.sequencer.error, null, 'the sequencer is not stopped');

  store.saveSent(2, Buffer.from('second'));
  const saved = store.whenDurable()!;
  const settledEarly = await Promise.race([saved.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);
  assert.equal(settledEarly, false, 'not durable while NATS is away');

  await nats.restartStopped();
  await until('the node reconnected', () => a.node.conn.up, 20_000);
  await a.sequencer.flush();
  a.sequencer.submit(order('FIX.4.4:GW->C', 'after'), { dedupeId: 'after' });
  await a.sequencer.flush();
  const expected = [...Array.from({ length: 50 }, (_, i) => `before${i}`), ...Array.from({ length: 20 }, (_, i) => `during${i}`), 'after'];
  assert.deepEqual(a.seen.map((s) => clOrdIdOf(s.sc.cmd)).sort(), [...expected].sort(), 'every command once; the refused one not at all');
  assert.deepEqual((await readAll(a.log)).map((sc) => clOrdIdOf(sc.cmd)), a.seen.map((s) => clOrdIdOf(s.sc.cmd)), 'the stream holds what was applied');
  await saved;
  await leases.close();
});
