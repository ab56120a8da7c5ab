// NATS lost while a node runs (every server of the cluster killed, then started again): appends are refused with a
// clear error while the connection is down, appends that were in flight are stored once when NATS returns, and the
// node's reader carries on from where it was, with no record missing or repeated; a session message saved meanwhile
// is not durable (the session would not send it) until NATS is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandLogUnavailableError } from '../../src/cluster/command-appender.js';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { ClusterSequencer, SequencerUnavailableError } from '../../src/cluster/cluster-sequencer.js';
import { Engine } from '../../src/engine/engine.js';
import { testConfig } from '../engine/harness.js';
import type { NewOrderCommand } from '../../src/engine/types.js';
import { SessionLeases } from '../../src/cluster/session-leases.js';
import { SessionReplication } from '../../src/cluster/session-replication.js';
import type { SessionId } from '../../src/session/session-id.js';
import { MemoryStore } from '../../src/session/store.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, order, until } from './nodes.js';

const nats = await startNatsCluster();

test('NATS lost while running: appends are refused naming the URLs, in-flight appends land once, reading resumes, session saves wait', async () => {
  const a = await connectNode(nats.urls, 'A', { stream: 'OUTAGE', appendRetryMs: 40_000, leaseTtlMs: 120_000 });
  const log = await JetStreamCommandLog.open(a.conn, a.settings);
  const read: string[] = [];
  let readError: Error | null = null;
  await log.read(1, (r) => read.push((r.cmd as NewOrderCommand).clOrdId), (err) => { readError = err; });
  await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(order('FIX.4.4:GW->C', `before${i}`), i, { dedupeId: `before${i}` })));

  const session: SessionId = { beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: 'C' };
  const leases = await SessionLeases.open(a.conn, a.settings, log.origin);
  const lease = await leases.acquire(session);
  assert.ok(lease.held);
  const store = await (await SessionReplication.open(a.conn, a.settings)).takeOver(session, new MemoryStore(0), lease.fence);
  store.saveSent(1, Buffer.from('first'));
  await store.whenDurable();

  const sequencer = await ClusterSequencer.start(new Engine(testConfig()), log);

  // appends in flight when every server dies
  const inFlight = Array.from({ length: 20 }, (_, i) => log.append(order('FIX.4.4:GW->C', `during${i}`), i, { dedupeId: `during${i}` }));
  for (let i = 0; i < 3; i++) await nats.kill(i);
  await until('the node sees the connection down', () => !a.conn.up);
  assert.throws(() => log.append(order('FIX.4.4:GW->C', 'refused'), 0), (err: Error) => {
    assert.ok(err instanceof CommandLogUnavailableError, err.name);
    assert.match(err.message, /NATS connection lost/);
    assert.ok(err.message.includes(nats.urls[0]!), err.message);
    return true;
  });

  store.saveSent(2, Buffer.from('second'));
  const saved = store.whenDurable()!;
  const settledEarly = await Promise.race([saved.then(() => true), new Promise((r) => setTimeout(() => r(false), 300))]);
  assert.equal(settledEarly, false, 'not durable while NATS is away');

  assert.throws(() => sequencer.submit(order('FIX.4.4:GW->C', 'refused2')), SequencerUnavailableError, 'the sequencer refuses too, and is not stopped');
  assert.equal(sequencer.error, null);

  await nats.restartStopped();
  await until('the node reconnected', () => a.conn.up, 20_000);
  const acks = await Promise.all(inFlight);
  const after = await log.append(order('FIX.4.4:GW->C', 'after'), 0, { dedupeId: 'after' });
  await until('the reader reached the new record', () => read.length >= after.seq || readError !== null, 20_000);
  assert.equal(readError, null);
  const expected = [...Array.from({ length: 50 }, (_, i) => `before${i}`), ...Array.from({ length: 20 }, (_, i) => `during${i}`), 'after'];
  assert.deepEqual([...read].sort(), [...expected].sort(), 'every acknowledged command once; the refused one not at all');
  assert.equal(new Set(acks.map((x) => x.seq)).size, 20, 'the in-flight appends have 20 distinct sequences');
  await saved;
  sequencer.submit(order('FIX.4.4:GW->C', 'after2'));
  await sequencer.flush();
  assert.equal(sequencer.lastAppliedSeq, after.seq + 1, 'the sequencer applied everything, its own last');
  await sequencer.close();
  await log.close();
  await leases.close();
});
