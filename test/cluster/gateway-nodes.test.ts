// Gateway nodes over a real 3-node NATS cluster, with FIX clients on real sockets: an order from a client of node A
// crosses one from a client of node B and both get the right ExecutionReports; a Logon for a session another node
// hosts is refused as a duplicate logon; kill -9 of a NATS server under load from clients on both nodes loses no
// acknowledged order and enters none twice; after each, every node's engine digest equals the test's own replica's.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tag } from '../../src/fix/names.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { SimSession } from '../../simulator/sim-session.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { tempDirs } from '../support/temp-dirs.js';
import { until } from './nodes.js';
import { assertExactlyOnce, digestsAgree, observe, padToDigest, settled, startNode, Trader } from './gateway-nodes.js';

const nats = await startNatsCluster();
const dir = tempDirs('fixgw-cluster-nodes-')();
const observer = await observe(nats);
const [a, b] = [await startNode(nats, dir, 'a'), await startNode(nats, dir, 'b')];

/** A client closed after the file's tests: a test that fails half-way must not leave its timers keeping the file up. */
function client(sender: string, port: number, heartBtIntS = 5): SimSession {
  const sim = new SimSession({ host: '127.0.0.1', port, sender, target: 'FIXGW', heartBtIntS });
  after(() => sim.close().catch(() => undefined));
  return sim;
}

const order = (clOrdId: string, side: '1' | '2'): Array<[number, string]> => [[Tag.ClOrdID, clOrdId], [Tag.Symbol, 'MSFT'], [Tag.Side, side],
  [Tag.TransactTime, formatUtcTimestamp(Date.now())], [Tag.OrderQty, '7'], [Tag.OrdType, '2'], [Tag.Price, '401.50']];

async function reports(sim: SimSession, n: number, timeoutMs = 10_000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = await sim.next(timeoutMs);
    assert.ok(m !== undefined, `${sim.options.sender}: report ${i + 1} of ${n}`);
    out.push([35, 11, 150, 39, 32, 31, 14, 151].map((t) => `${t}=${m.get(t) ?? ''}`).join(' '));
  }
  return out;
}

test('an order from a client on node A crosses one from a client on node B, and both get the right ExecutionReports', async () => {
  const [onA, onB] = [client('XA', a.fixPort), client('XB', b.fixPort)];
  await onA.connect();
  await onB.connect();
  onA.send('D', order('buy-1', '1'));
  assert.deepEqual(await reports(onA, 1), ['35=8 11=buy-1 150=0 39=0 32= 31= 14=0 151=7']);
  onB.send('D', order('sell-1', '2'));
  assert.deepEqual(await reports(onB, 2), ['35=8 11=sell-1 150=0 39=0 32= 31= 14=0 151=7', '35=8 11=sell-1 150=F 39=2 32=7 31=401.50 14=7 151=0']);
  assert.deepEqual(await reports(onA, 1), ['35=8 11=buy-1 150=F 39=2 32=7 31=401.50 14=7 151=0'], 'the resting buy on node A is filled by node B\'s sell');
  await onA.logout();
  await onB.logout();
  await digestsAgree(observer, ['a', 'b'], await padToDigest(observer));
});

test('a Logon for a session another node hosts is refused as a duplicate logon', async () => {
  const first = client('DUP', a.fixPort);
  await first.connect();
  const second = client('DUP', b.fixPort);
  await assert.rejects(second.connect(15_000), /Duplicate logon: session FIX\.4\.4:FIXGW->DUP is held by node a/);
  assert.ok(first.isLoggedOn, 'the first session carries on');
  await first.logout();
});

test('kill -9 of a NATS server under load from clients on both nodes loses no acknowledged order and enters none twice', async (t) => {
  const traders = [new Trader('NA1', a.fixPort, 'Buy', 20), new Trader('NB1', b.fixPort, 'Sell', 20), new Trader('NA2', a.fixPort, 'Sell', 20),
    new Trader('NB2', b.fixPort, 'Buy', 20)];
  for (const x of traders) await x.start();
  await until('orders under way', () => traders.every((x) => x.acked.size >= 100), 30_000);
  const stream = await observer.log.conn.jsm.streams.info('FIXGW');
  const victim = nats.names.indexOf(stream.cluster!.leader!);
  await nats.kill(victim);
  const atKill = traders.map((x) => x.acked.size);
  await until('orders acknowledged again after the stream elected a leader', () => traders.every((x, i) => x.acked.size >= atKill[i]! + 100), 45_000).catch(async (err) => {
    const health = await Promise.all([a, b].map((n) => fetch(`http://127.0.0.1:${n.httpPort}/health`).then((r) => r.text(), (e: Error) => e.message)));
    const warnings = [a, b].map((n) => n.output().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(-10).join('\n'));
    throw new Error(`${(err as Error).message}; ${traders.map((x, i) => `${x.sender}: ${atKill[i]} -> ${x.acked.size} acked of ${x.sent.size}, logged on ${x.sim.isLoggedOn}`).join('; ')}; health ${health.join(' ')}\n${warnings.join('\n')}`);
  });
  await nats.restart(victim);
  for (const x of traders) x.stop();
  await settled(traders, observer);
  assertExactlyOnce(traders, observer);
  t.diagnostic(`${traders.reduce((n, x) => n + x.acked.size, 0)} orders acknowledged, ${traders.reduce((n, x) => n + x.refused.size, 0)} refused while a node's NATS connection moved`);
  await digestsAgree(observer, ['a', 'b'], await padToDigest(observer));
  for (const x of traders) await x.sim.logout();
});

test('NATS lost while serving: an order is refused clearly and not entered, the session stays logged on, order entry resumes', async () => {
  const sim = client('OUT', a.fixPort, 30);
  await sim.connect();
  sim.send('D', order('out-1', '1'));
  assert.match((await reports(sim, 1))[0]!, /11=out-1 150=0/);
  const health = async (): Promise<number> => (await fetch(`http://127.0.0.1:${a.httpPort}/health`)).status;
  for (let i = 0; i < 3; i++) await nats.kill(i);
  for (let i = 0; i < 200 && await health() === 200; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await health(), 503, '/health says the node is not ready while NATS is away');
  sim.send('D', order('out-2', '1'));
  assert.equal(await sim.next(1000), undefined, 'nothing is acknowledged while the order cannot be in the stream');
  await nats.restartStopped();
  const refusal = await sim.next(30_000);
  assert.equal(refusal?.msgType, 'j', `the refusal reaches the client once its session can store it; logged on ${sim.isLoggedOn}, node a:\n${
    a.output().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(-12).join('\n')}`);
  assert.match(refusal!.get(Tag.Text) ?? '', /Order entry is not available: the command log cannot be reached/);
  assert.ok(sim.isLoggedOn, 'the session stayed logged on');
  for (let i = 0; i < 200 && await health() !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  sim.send('D', order('out-3', '1'));
  // the streams' leaders are elected again after all three servers came back: the first order may wait for them
  assert.match((await reports(sim, 1, 30_000))[0]!, /11=out-3 150=0/, 'order entry resumed');
  await observer.sequencer.flush();
  await until('the observer has out-3', () => observer.newOrders.has('FIX.4.4:FIXGW->OUT out-3'), 20_000);
  assert.equal(observer.newOrders.get('FIX.4.4:FIXGW->OUT out-2'), undefined, 'the refused order was not entered');
  await sim.logout();
});
