// Gateway node failure over a real 3-node NATS cluster, with FIX clients on real sockets: kill -9 of node A under load
// from clients on both nodes; A's clients log on to node B, continue their sequence numbers, get every
// ExecutionReport they missed, and no order is lost or entered twice. Then a new node joins from the newest snapshot
// in the object store plus the stream's tail (the stream was trimmed below the oldest kept snapshot) and agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kill } from '../../harness/served.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { tempDirs } from '../support/temp-dirs.js';
import { until } from './nodes.js';
import { assertExactlyOnce, digestsAgree, observe, padToDigest, SNAPSHOT_EVERY, settled, startNode, Trader } from './gateway-nodes.js';

const nats = await startNatsCluster();
const dir = tempDirs('fixgw-cluster-failover-')();
const observer = await observe(nats);
const [a, b] = [await startNode(nats, dir, 'a'), await startNode(nats, dir, 'b')];
const traders = [new Trader('A1', a.fixPort, 'Buy', 20), new Trader('A2', a.fixPort, 'Sell', 20), new Trader('B1', b.fixPort, 'Buy', 20),
  new Trader('B2', b.fixPort, 'Sell', 20)];

/** A wait that timed out, with each trader's counts and the nodes' warnings. */
function explained(err: unknown): Error {
  const warnings = [a, b].map((n) => n.output().split('\n').filter((l) => /"level":(40|50|60)|stream trimmed|snapshot saved/.test(l)).slice(-12).join('\n'));
  return new Error(`${(err as Error).message}; ${traders.map((x) => `${x.sender}: ${x.acked.size} acked of ${x.sent.size}, ${x.refused.size} refused, `
    + `logged on ${x.sim.isLoggedOn}`).join('; ')}\n${warnings.join('\n')}`);
}

test('kill -9 of node A under load: its clients log on to node B, continue their sequence numbers, get every report they missed, no order lost or entered twice', async (t) => {
  for (const trader of traders) await trader.start();
  await until('orders under way', () => traders.every((x) => x.acked.size >= 150), 30_000).catch((err) => { throw explained(err); });
  const [a1, a2] = traders;
  const expectedBefore = [a1!, a2!].map((x) => x.sim.session!.nextTargetSeq);
  await kill(a, 'SIGKILL');
  const rtoMs = await Promise.all([a1!.moveTo(b.fixPort), a2!.moveTo(b.fixPort)]);
  t.diagnostic(`A's clients logged on to B ${rtoMs.join(' and ')} ms after the kill`);
  // no reset: the gateway's next messages (its Logon answer, what B resends) follow what A sent
  await until('A\'s clients got B\'s messages in sequence after A\'s', () => [a1!, a2!].every((x, i) => x.sim.session!.nextTargetSeq > expectedBefore[i]!));
  const atMove = traders.map((x) => x.acked.size);
  await until('orders acknowledged on B', () => traders.every((x, i) => x.acked.size >= atMove[i]! + 100), 30_000).catch((err) => { throw explained(err); });
  for (const trader of traders) trader.stop();
  await settled(traders, observer);
  assertExactlyOnce(traders, observer);
  await digestsAgree(observer, ['b'], await padToDigest(observer));
});

test('a new node joins from the newest snapshot plus the stream\'s tail and agrees with the others', async () => {
  // The trim follows the snapshots by up to the time a replica's report of how far it has applied stays fresh: the
  // killed node's last report (from before the load, when the load takes about a second) holds it back for 30 s.
  const deadline = Date.now() + 45_000;
  while ((await observer.log.bounds()).firstSeq === 1) {
    if (Date.now() > deadline) throw explained(new Error('the stream was not trimmed within 45 s'));
    await new Promise((r) => setTimeout(r, 200));
  }
  const { firstSeq, lastSeq } = await observer.log.bounds();
  assert.ok(lastSeq > 2 * SNAPSHOT_EVERY && firstSeq > 1, `the stream was trimmed below the oldest kept snapshot (holds ${firstSeq}..${lastSeq})`);
  const c = await startNode(nats, dir, 'c');
  const started = c.output().split('\n').find((l) => l.includes('replica caught up with the stream'))!;
  const { snapshotSeq } = JSON.parse(started) as { snapshotSeq: number | null };
  assert.ok(snapshotSeq !== null && snapshotSeq >= firstSeq - 1, `c started from the snapshot at ${snapshotSeq}`);
  const more = [new Trader('C1', c.fixPort, 'Buy', 10), new Trader('B3', b.fixPort, 'Sell', 10)];
  for (const trader of more) await trader.start();
  await until('orders through c and b', () => more.every((x) => x.acked.size >= 100), 30_000);
  for (const trader of more) trader.stop();
  await settled(more, observer);
  assertExactlyOnce(more, observer);
  await digestsAgree(observer, ['b', 'c'], await padToDigest(observer));
});
