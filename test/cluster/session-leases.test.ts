// Session leases in JetStream KV on a real 3-node cluster: one node holds a session at a time, a second node is told
// who holds it (its Logon is a duplicate logon), a live holder keeps its lease past the TTL, a dead holder's lease
// expires within a bounded time, a holder that cannot renew suspends the lease before anyone can take it, and a
// suspended lease that renews with its own revision is held again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { clusterNames, sessionToken } from '../../src/cluster/names.js';
import { sessionKey, type SessionId } from '../../src/session/session-id.js';
import { NodePresence } from '../../src/cluster/node-presence.js';
import { SessionLeases } from '../../src/cluster/session-leases.js';
import { ClusterSettingsError } from '../../src/cluster/settings.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, until } from './nodes.js';

const nats = await startNatsCluster();
const TTL_MS = 1000;
const session = (target: string): SessionId => ({ beginString: 'FIX.4.4', senderCompId: 'GW', targetCompId: target });
const S = session('CLIENT');

async function leasesOf(nodeId: string, stream: string, ttlMs = TTL_MS): Promise<{ leases: SessionLeases; close: () => Promise<void> }> {
  const node = await connectNode(nats.urls, nodeId, { stream, leaseTtlMs: ttlMs });
  const leases = await SessionLeases.open(node.conn, node.settings, `${nodeId}/1`);
  return { leases, close: () => node.conn.close() };
}

test('a session held by one node is refused to another, which is told the holder; given back, the other takes it with a higher fence', async () => {
  const a = await leasesOf('A', 'L1');
  const b = await leasesOf('B', 'L1');
  const first = await a.leases.acquire(session('CLIENT.1'));
  assert.equal(first.held, true);
  assert.deepEqual(await b.leases.acquire(session('CLIENT.1')), { held: false, holder: 'A', origin: 'A/1', revision: (first as { fence: number }).fence });
  assert.equal((await b.leases.acquire(session('CLIENT.2'))).held, true, 'another session is free');
  await a.leases.release(session('CLIENT.1'));
  const second = await b.leases.acquire(session('CLIENT.1'));
  assert.ok(second.held && first.held && second.fence > first.fence, 'taken at once, fence grows');
  await a.leases.close();
  await b.leases.close();
});

test('a live holder keeps its lease well past the TTL', async () => {
  // a TTL of 2 s: renewals every 500 ms, so only an event loop stalled for over a second (a loaded machine) loses it
  const a = await leasesOf('A', 'L2', 2 * TTL_MS);
  const b = await leasesOf('B', 'L2', 2 * TTL_MS);
  assert.equal((await a.leases.acquire(S)).held, true);
  await new Promise((r) => setTimeout(r, 3 * 2 * TTL_MS));
  assert.equal(a.leases.holds(S), true);
  const seen = await b.leases.acquire(S);
  assert.ok(!seen.held && seen.holder === 'A', 'held by A');
  await a.leases.close();
  await b.leases.close();
});

test('a holder cut off from NATS suspends its lease before it expires, and the lease is free again within TTL + 1 s', async () => {
  const a = await leasesOf('A', 'L3');
  const b = await leasesOf('B', 'L3');
  assert.equal((await a.leases.acquire(S)).held, true);
  let suspendedAtMs = 0;
  let suspendedWhat = '';
  a.leases.onSuspended((key, suspended) => { if (suspended) { suspendedAtMs = performance.now(); suspendedWhat = sessionKey(key); } });
  const diedAtMs = performance.now();
  await a.close(); // no more renewals, no release: as if the process were killed
  let takenAtMs = 0;
  while (takenAtMs === 0) {
    if ((await b.leases.acquire(S)).held) takenAtMs = performance.now();
    else await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(suspendedAtMs > 0 && suspendedAtMs < takenAtMs, `the cut-off holder suspended ${suspendedWhat} before the lease was taken`);
  assert.equal(a.leases.state(S), 'suspended');
  assert.equal(a.leases.holds(S), false);
  const freeAfterMs = takenAtMs - diedAtMs;
  assert.ok(freeAfterMs <= TTL_MS + 1000, `free again after ${Math.round(freeAfterMs)} ms`);
  await b.leases.close();
});

test('a lease taken over under its holder (its compare-and-set fails) is reported lost', async () => {
  const node = await connectNode(nats.urls, 'X', { stream: 'L4', leaseTtlMs: TTL_MS });
  const a = await leasesOf('A', 'L4');
  assert.equal((await a.leases.acquire(S)).held, true);
  const lost: string[] = [];
  a.leases.onLost((key, reason) => lost.push(`${sessionKey(key)}: ${reason}`));
  const kv = await new Kvm(node.conn.js).open(clusterNames('L4').leaseBucket);
  await kv.put(sessionToken(S), JSON.stringify({ node: 'X', origin: 'X/1' }));
  await until('A notices', () => lost.length > 0, 3 * TTL_MS);
  assert.deepEqual(lost, ['FIX.4.4:GW->CLIENT: taken by another node']);
  assert.equal(a.leases.holds(S), false);
  await a.leases.close();
});

test('a node whose lease TTL differs from the bucket\'s is refused at start, naming the key', async () => {
  const node = await connectNode(nats.urls, 'B', { stream: 'L1', leaseTtlMs: 2 * TTL_MS });
  await assert.rejects(SessionLeases.open(node.conn, node.settings, 'B/2'), (err: Error) => err instanceof ClusterSettingsError && /ClusterLeaseTtlMs: 2000, but bucket L1_LEASES expires leases after 1000 ms/.test(err.message));
});

test('a suspended lease whose renewal finds its own revision is held again', async () => {
  const ttlMs = 2 * TTL_MS; // suspended 500 ms before JetStream would expire it: room for the test to land in between
  const a = await leasesOf('A', 'L5', ttlMs);
  assert.equal((await a.leases.acquire(S)).held, true);
  const changes: boolean[] = [];
  a.leases.onSuspended((_key, suspended) => changes.push(suspended));
  const lease = (a.leases as unknown as { leases: Map<string, { renewedAtMs: number }> }).leases.get(sessionToken(S))!;
  const renewed = lease.renewedAtMs;
  await until('a renewal', () => lease.renewedAtMs !== renewed);
  // the event loop held past the lease's local deadline right after a renewal: none could run, nobody wrote the key
  const busyUntil = performance.now() + ttlMs - 400;
  while (performance.now() < busyUntil) { /* busy */ }
  await until('suspended and held again', () => changes.length >= 2, 3000);
  assert.deepEqual(changes, [true, false]);
  assert.equal(a.leases.holds(S), true);
  await a.leases.close();
});

test('a lease whose holder process no longer answers is taken at once with a higher fence, and the holder finds it lost', async () => {
  const nodeA = await connectNode(nats.urls, 'A', { stream: 'L6', leaseTtlMs: 10 * TTL_MS });
  const nodeB = await connectNode(nats.urls, 'B', { stream: 'L6', leaseTtlMs: 10 * TTL_MS });
  const a = await SessionLeases.open(nodeA.conn, nodeA.settings, 'A/1');
  const b = await SessionLeases.open(nodeB.conn, nodeB.settings, 'B/1');
  const presenceA = new NodePresence(nodeA.conn, clusterNames('L6'), 'A/1');
  const presenceB = new NodePresence(nodeB.conn, clusterNames('L6'), 'B/1');
  const first = await a.acquire(S);
  assert.ok(first.held);
  const seen = await b.acquire(S);
  assert.ok(!seen.held && seen.origin === 'A/1');
  assert.equal(await presenceB.answers(seen.origin, 1000), true, 'a live holder answers: a second Logon is a duplicate logon');
  presenceA.close(); // as if A's process were gone: nobody listens on its subject any more
  const t0 = performance.now();
  assert.equal(await presenceB.answers(seen.origin, 1000), false);
  const taken = await b.takeFrom(S, seen.revision);
  assert.ok(taken.held && taken.fence > first.fence, 'taken with a higher fence');
  assert.ok(performance.now() - t0 < 5 * TTL_MS, 'without waiting out the lease TTL (10 s here)');
  const lost: string[] = [];
  a.onLost((key, reason) => lost.push(`${sessionKey(key)}: ${reason}`));
  await until('A finds its lease taken', () => lost.length > 0, 10 * TTL_MS);
  assert.deepEqual(lost, ['FIX.4.4:GW->CLIENT: taken by another node']);
  presenceB.close();
  await a.close();
  await b.close();
});
