// REST order entry and the admin balance commands on gateway nodes over a real 3-node NATS cluster: a signed REST
// order on node B crosses a FIX order of a client on node A, each answered by the node that took it; the same POST
// (same client order id) sent to both nodes at once enters one order, and a refused one is evaluated again when
// retried; the same deposit (same refId) sent to both
// nodes at once is booked once. After each, every node's engine digest equals the test's own replica's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { Tag } from '../../src/fix/names.js';
import { Client } from '../gateway/support.js';
import { ACME, BOB, KEYS, engineJsonWithCashAccounts, restClient } from '../http/rest-support.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { tempDirs } from '../support/temp-dirs.js';
import { digestsAgree, observe, padToDigest, startNode } from './gateway-nodes.js';
import { until } from './nodes.js';

const TOKEN = 'cluster-admin-token-1';
const nats = await startNatsCluster();
const dir = tempDirs('fixgw-cluster-rest-')();
const engineJson = path.join(dir, 'engine.json');
writeFileSync(engineJson, engineJsonWithCashAccounts());
writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(KEYS));
chmodSync(path.join(dir, 'keys.json'), 0o600);
const more = { EngineConfig: engineJson, ApiKeysFile: path.join(dir, 'keys.json'), AdminToken: TOKEN };
const observer = await observe(nats, engineJson);
const [a, b] = [await startNode(nats, dir, 'a', more), await startNode(nats, dir, 'b', more)];
const urlOf = (n: typeof a): string => `http://127.0.0.1:${n.httpPort}`;

/** Resolves once the observer has applied everything the stream holds now. */
async function observerCaughtUp(): Promise<void> {
  const { lastSeq } = await observer.log.bounds();
  await until(`the observer at seq ${lastSeq}`, () => observer.sequencer.lastAppliedSeq >= lastSeq, 20_000);
}

/** padToDigest, again while a command of a node's own comes meanwhile (a logged-out session's disconnect). */
async function padAgreed(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await digestsAgree(observer, ['a', 'b'], await padToDigest(observer));
      return;
    } catch (err) {
      if (attempt === 3 || !/other commands came/.test((err as Error).message)) throw err;
    }
  }
}

async function admin(url: string, route: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/api/v1/admin/${route}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

test('a REST order on node B crosses a FIX order of a client on node A: each side answered by its own node', { timeout: 60_000 }, async () => {
  const carol = await Client.logon(a.fixPort, 'CAROL');
  try {
    carol.order('C-BID', { symbol: 'BTC-USD', side: '1', price: '60000.00', qty: '0.25' });
    await carol.reports('C-BID');
    const bob = restClient(urlOf(b), BOB);
    const taken = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '59990.00', quantity: '0.4', clientOrderId: 'b-ask' });
    assert.equal(taken.status, 200, taken.text);
    assert.deepEqual([taken.body.status, taken.body.filledQuantity, taken.body.remainingQuantity], ['partially_filled', '0.2500', '0.1500']);
    const carolFill = await carol.next('8', (m) => m.get(Tag.ClOrdID) === 'C-BID' && m.get(Tag.ExecType) === 'F');
    assert.deepEqual([carolFill.get(Tag.LastPx), carolFill.get(Tag.LastQty), carolFill.get(Tag.OrdStatus)], ['60000.00', '0.2500', '2']);
    // every node is a replica: node A reads BOB's order as node B entered it
    const onA = await restClient(urlOf(a), BOB).get(`/api/v1/orders/${taken.body.orderId}`);
    assert.deepEqual([onA.status, onA.body.status, onA.body.filledQuantity, onA.body.channel], [200, 'partially_filled', '0.2500', 'api']);
    assert.doesNotMatch(a.output() + b.output(), /reply for a session that does not exist/);
  } finally {
    await carol.stop();
  }
  await padAgreed();
});

test('the same POST sent to both nodes at once enters one order, and both answer with it', { timeout: 60_000 }, async () => {
  const body = { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '40000.00', quantity: '0.1', timeInForce: 'GTC', clientOrderId: 'both-1' };
  for (let round = 0; round < 5; round++) {
    const clientOrderId = `both-${round}`;
    const answers = await Promise.all([urlOf(a), urlOf(b)].map((url) => restClient(url, ACME).post('/api/v1/orders', { ...body, clientOrderId })));
    for (const r of answers) assert.equal(r.status, 200, r.text);
    assert.equal(answers[0]!.body.orderId, answers[1]!.body.orderId, 'one order');
    await observerCaughtUp();
    assert.equal((observer.newOrders.get(`REST:ACME ${clientOrderId}`) ?? []).length, 1, 'one NewOrder in the stream (the log deduplicated)');
    const open = await restClient(urlOf(a), ACME).get('/api/v1/orders');
    assert.equal(open.body.filter((o: any) => o.clientOrderId === clientOrderId).length, 1, 'one order in the engine');
  }
  // a refused order is not remembered: its retry on the other node, within the log's duplicate window, is evaluated again
  const tooBig = { ...body, quantity: '100', clientOrderId: 'both-big' };
  assert.equal((await restClient(urlOf(a), ACME).post('/api/v1/orders', tooBig)).body.error, 'insufficient_balance');
  assert.equal((await restClient(urlOf(b), ACME).post('/api/v1/orders', tooBig)).body.error, 'insufficient_balance');
  assert.equal((await restClient(urlOf(b), ACME).post('/api/v1/orders', tooBig)).body.error, 'insufficient_balance');
  await padAgreed();
});

test('the same deposit sent to both nodes at once is booked once: one answer new, the other a duplicate of it', { timeout: 60_000 }, async () => {
  const before = (await restClient(urlOf(a), BOB).balances()).USD!.available;
  const dep = { refId: 'dep-both-1', account: 'BOB', asset: 'USD', amount: '1234.56' };
  const answers = await Promise.all([urlOf(a), urlOf(b)].map((url) => admin(url, 'deposit', dep)));
  for (const r of answers) assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(answers.map((r) => r.body.duplicate).sort(), [false, true]);
  assert.equal(answers[0]!.body.originalSeq, answers[1]!.body.originalSeq);
  for (const n of [a, b]) {
    const bal = await restClient(urlOf(n), BOB).balances();
    assert.equal(new Decimal(bal.USD!.available).minus(before).toFixed(2), '1234.56', 'booked once on every node');
  }
  await padAgreed();
});
