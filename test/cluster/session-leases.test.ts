// Session leases in JetStream KV on a real 3-node cluster: one node holds a session at a time, a second node is told
// who holds it (its Logon is a duplicate logon), a live holder keeps its lease past the TTL, a dead holder's lease
// expires within a bounded time, and a holder that cannot renew counts the lease as lost before anyone can take it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kvm } from '@nats-io/kv';
import { clusterNames, sessionToken } from '../../src/cluster/names.js';
import { sessionKey, type SessionId } from '../../src/session/session-id.js';
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
  assert.deepEqual(await b.leases.acquire(session('CLIENT.1')), { held: false, holder: 'A' });
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
  assert.deepEqual(await b.leases.acquire(S), { held: false, holder: 'A' });
  await a.leases.close();
  await b.leases.close();
});

test('a dead holder stops holding before its lease expires, and the lease is free again within TTL + 1 s', async () => {
  const a = await leasesOf('A', 'L3');
  const b = await leasesOf('B', 'L3');
  assert.equal((await a.leases.acquire(S)).held, true);
  let lostAtMs = 0;
  let lostReason = '';
  a.leases.onLost((key, reason) => { lostAtMs = performance.now(); lostReason = `${sessionKey(key)}: ${reason}`; });
  const diedAtMs = performance.now();
  await a.close(); // no more renewals, no release: as if the process were killed
  let takenAtMs = 0;
  while (takenAtMs === 0) {
    if ((await b.leases.acquire(S)).held) takenAtMs = performance.now();
    else await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(lostAtMs > 0 && lostAtMs < takenAtMs, `the dead holder gave up (${lostReason}) before the lease was taken`);
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
