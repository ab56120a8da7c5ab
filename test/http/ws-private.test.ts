// The private WebSocket channels of a real `fixgw serve`: a signed login, the account's orders, fills, balances and
// positions as a snapshot and then every update in seq order (orders from every channel), order entry over the socket
// answered in request order with the bodies REST answers, and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Tag } from '../../src/fix/names.js';
import { Client } from '../gateway/support.js';
import { ACME, ACME_READ, BOB, KEYS, PrivateClient, restClient, startRestGateway, type KeyEntry } from './rest-support.js';

const FAST: KeyEntry = { key: 'fast-1', secret: 'fast-secret-0123456789ab', account: 'CAROL', permissions: ['read', 'trade'], requestsPerSecond: 100_000 };

test('after a signed login each private channel sends a snapshot, then every update of the account in seq order', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  const ws = await PrivateClient.open(gw.url);
  const fix = await Client.logon(gw.served.fixPort, 'ACME');
  try {
    const acme = restClient(gw.url, ACME);
    const bob = restClient(gw.url, BOB);
    await acme.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '30000.00', quantity: '0.1', clientOrderId: 'before' });
    ws.send(PrivateClient.login(ACME, 1));
    assert.deepEqual(await ws.next((m) => m.type === 'login'), { type: 'login', id: 1, account: 'ACME', permissions: ['read', 'trade'] });
    for (const channel of ['orders', 'fills', 'balances', 'positions']) ws.send({ op: 'subscribe', channel });
    const snapshots = await ws.count((m) => m.type === 'snapshot', 4);
    assert.deepEqual(snapshots.map((m) => m.channel), ['orders', 'fills', 'balances', 'positions']);
    assert.deepEqual(snapshots[0].orders.map((o: any) => o.clientOrderId), ['before'], 'the open order placed before');
    const snapshotSeq = snapshots[0].seq;

    // trades: BOB's ask (not ACME's: not on this socket), ACME takes it over REST and over FIX, then cancels
    await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '31000.00', quantity: '0.3', clientOrderId: 'bob-ask' });
    const taken = await acme.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '31000.00', quantity: '0.2', clientOrderId: 'take' });
    fix.order('FIX-TAKE', { symbol: 'BTC-USD', side: '1', price: '31000.00', qty: '0.1' });
    await fix.next('8', (m) => m.get(Tag.ClOrdID) === 'FIX-TAKE' && m.get(Tag.OrdStatus) === '2');
    await acme.delete('/api/v1/orders/by-client-id/before');

    const updates = await ws.count((m) => m.type === 'update' && m.channel === 'orders', 5);
    // (the cancel gives the order the cancel's own client order id, "~" and random, as FIX gives it the cancel's ClOrdID)
    assert.deepEqual(updates.map((m) => `${m.order.clientOrderId.startsWith('~') ? '~' : m.order.clientOrderId} ${m.execType} ${m.order.status} ${m.order.channel}`), [
      'take new new api', 'take trade filled api', 'FIX-TAKE new new fix', 'FIX-TAKE trade filled fix', '~ canceled canceled api',
    ], 'orders from both channels, never BOB\'s');
    const fills = await ws.count((m) => m.type === 'update' && m.channel === 'fills', 2);
    assert.deepEqual(fills.map((m) => [m.fill.clientOrderId, m.fill.price, m.fill.quantity, m.fill.liquidity]), [['take', '31000.00', '0.2000', 'taker'], ['FIX-TAKE', '31000.00', '0.1000', 'taker']]);
    assert.equal(fills[0].fill.fee, taken.body.fills[0].fee);
    const positions = await ws.count((m) => m.type === 'update' && m.channel === 'positions', 2);
    assert.equal(positions.at(-1).positions[0].netQuantity, '0.3000');
    // the last balances update is what REST reads now
    await ws.next((m) => m.channel === 'balances' && m.type === 'update' && m.seq === updates.at(-1).seq);
    const balances = ws.messages.filter((m) => m.channel === 'balances' && m.type === 'update');
    assert.deepEqual(balances.at(-1).balances, (await acme.get('/api/v1/balances')).body);
    // everything after the snapshots is in seq order, and newer than them
    const seqs = ws.messages.filter((m) => m.type === 'update').map((m) => m.seq);
    assert.ok(seqs[0] > snapshotSeq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));

    // unsubscribe: no more orders updates
    ws.send({ op: 'unsubscribe', channel: 'orders', id: 'u' });
    await ws.next((m) => m.type === 'unsubscribed' && m.id === 'u');
    const ordersSeen = ws.messages.filter((m) => m.channel === 'orders').length;
    await acme.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '0.1' });
    await ws.next((m) => m.channel === 'balances' && m.seq > updates.at(-1).seq);
    assert.equal(ws.messages.filter((m) => m.channel === 'orders').length, ordersSeen);
  } finally {
    ws.close();
    await fix.stop();
    await gw.stop();
  }
});

test('orders over the socket are answered in request order with the bodies REST answers', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  const ws = await PrivateClient.open(gw.url);
  try {
    const bob = restClient(gw.url, BOB);
    ws.send(PrivateClient.login(BOB, 0));
    const order = (id: number, fields: Record<string, unknown>) => ws.send({ op: 'order', id, symbol: 'BTC-USD', side: 'buy', type: 'limit', ...fields });
    order(1, { price: '50000.00', quantity: '1', clientOrderId: 'w-big' });
    order(2, { price: '1000.00', quantity: '1', clientOrderId: 'w1' });
    order(3, { price: '1000.00', quantity: 1 });
    ws.send({ op: 'amend', id: 4, clientOrderId: 'w1', quantity: '1', price: '1001.00', newClientOrderId: 'w1-b' }); // w1 is still in flight: its quantity is given
    ws.send({ op: 'cancel', id: 5, orderId: '999999' });
    order(6, { price: '1000.00', quantity: '1', clientOrderId: 'w1' });
    ws.send({ op: 'cancel', id: 7, clientOrderId: 'w1-b' });
    ws.send({ op: 'cancel', id: 8 });
    const results = await ws.count((m) => m.type === 'result', 8);
    assert.deepEqual(results.map((m) => [m.id, m.op, m.status]), [
      [1, 'order', 422], [2, 'order', 200], [3, 'order', 400], [4, 'amend', 200], [5, 'cancel', 404], [6, 'order', 200], [7, 'cancel', 200], [8, 'cancel', 400],
    ]);
    const [refused, placed, invalid, amended, unknown, retried, canceled, noTarget] = results.map((m) => m.result);
    assert.deepEqual(invalid, { error: 'bad_request', message: 'order/quantity must be string' });
    assert.deepEqual(noTarget.error, 'bad_request');
    assert.equal(refused.message, 'insufficient USD: need 50,025.00, available 9,000.00');
    assert.deepEqual([amended.orderId, amended.clientOrderId, amended.price], [placed.orderId, 'w1-b', '1001.00']);
    assert.deepEqual([retried.orderId, retried.duplicate], [placed.orderId, true], 'the client order id is the account\'s, whichever channel');
    assert.equal(canceled.status, 'canceled');
    assert.equal(unknown.error, 'unknown_order');

    // the same requests over REST answer the same bodies (BOB's balances are as they were: w1 was canceled)
    const rest = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '50000.00', quantity: '1', clientOrderId: 'w-big' });
    assert.deepEqual(rest.body, refused);
    assert.deepEqual((await bob.delete('/api/v1/orders/999999')).body, unknown);
    const viaRest = await bob.get('/api/v1/orders/by-client-id/w1');
    assert.deepEqual({ ...viaRest.body }, { ...canceled });

    // an amend in flight takes a client order id a new order then asks for: the order is answered as a conflict (or as
    // a retry when it is the same kind of order), never as the engine's duplicate reject
    ws.send({ op: 'order', id: 9, symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '1000.00', quantity: '1', clientOrderId: 'w2' });
    ws.send({ op: 'amend', id: 10, clientOrderId: 'w2', quantity: '1', price: '1000.50', newClientOrderId: 'x1' });
    ws.send({ op: 'order', id: 11, symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '1000.00', quantity: '1', clientOrderId: 'x1' });
    ws.send({ op: 'order', id: 12, symbol: 'ETH-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '1', clientOrderId: 'x1' });
    ws.send({ op: 'amend', id: 13, clientOrderId: 'x1', quantity: '1', newClientOrderId: 'w1' });
    const raced = await ws.count((m) => m.type === 'result' && m.id >= 9, 5);
    assert.deepEqual(raced.map((m) => [m.id, m.status, m.result.error ?? m.result.duplicate]),
      [[9, 200, false], [10, 200, false], [11, 200, true], [12, 409, 'duplicate_client_order_id'], [13, 409, 'duplicate_client_order_id']]);
    assert.deepEqual([raced[2].result.orderId, raced[2].result.price], [raced[0].result.orderId, '1000.50'], 'the amended order, as it is');
  } finally {
    ws.close();
    await gw.stop();
  }
});

test('the private channels refuse what is not logged in, signed or permitted, each with a code', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway({ ApiTimestampWindowMs: 5000 });
  const ws = await PrivateClient.open(gw.url);
  const reader = await PrivateClient.open(gw.url);
  try {
    ws.send({ op: 'order', id: 'a', symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '1.00', quantity: '1' });
    ws.send({ op: 'subscribe', channel: 'orders', id: 'b' });
    ws.send({ ...PrivateClient.login(ACME, 'c'), sign: PrivateClient.login(ACME, 'c', String(Date.now()), 'wrong-secret-0123456789').sign });
    ws.send(PrivateClient.login(ACME, 'd', String(Date.now() - 60_000)));
    ws.send(PrivateClient.login({ ...ACME, key: 'nobody' }, 'e'));
    ws.send({ op: 'login', id: 'f', key: ACME.key });
    ws.send(PrivateClient.login(ACME, 'g'));
    ws.send(PrivateClient.login(ACME, 'h'));
    const answers = await ws.count((m) => m.id !== undefined, 8);
    assert.deepEqual(answers.map((m) => [m.id, m.type === 'error' ? m.code : m.type]), [
      ['a', 'not_logged_in'], ['b', 'not_logged_in'], ['c', 'bad_signature'], ['d', 'stale_timestamp'], ['e', 'unknown_key'],
      ['f', 'missing_credentials'], ['g', 'login'], ['h', 'already_logged_in'],
    ]);
    // a read-only key subscribes but cannot trade
    reader.send(PrivateClient.login(ACME_READ, 1));
    reader.send({ op: 'subscribe', channel: 'balances', id: 2 });
    reader.send({ op: 'order', id: 3, symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '1.00', quantity: '1' });
    const r = await reader.next((m) => m.id === 3);
    assert.deepEqual([r.type, r.status, r.result.error], ['result', 403, 'permission_denied']);
    assert.equal((await reader.next((m) => m.id === 2)).type, 'subscribed');
    // the public channels still work on the same socket
    reader.send({ op: 'subscribe', channel: 'bbo', symbol: 'BTC-USD' });
    assert.equal((await reader.next((m) => m.channel === 'bbo')).symbol, 'BTC-USD');
    assert.ok(!gw.served.output().includes(ACME.secret));
  } finally {
    ws.close();
    reader.close();
    await gw.stop();
  }
});

test('a burst of orders on one connection: every request is answered once, the results in request order', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway({}, [...KEYS, FAST]);
  const ws = await PrivateClient.open(gw.url);
  try {
    ws.send(PrivateClient.login(FAST, 'login'));
    await ws.next((m) => m.type === 'login');
    const n = 400;
    for (let i = 0; i < n; i++) ws.send({ op: 'order', id: i, symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '1.00', quantity: '0.0001', clientOrderId: `p${i}` });
    const answered = await ws.count((m) => typeof m.id === 'number', n, 30_000);
    // those beyond the bound of 256 waiting answers (how many depends on how the burst was read) are refused at once
    assert.ok(answered.filter((m) => m.type === 'error').every((m) => m.code === 'too_many_pending'));
    const results = answered.filter((m) => m.type === 'result');
    assert.deepEqual(results.map((m) => m.id), [...results.map((m) => m.id)].sort((a, b) => a - b), 'results in request order');
    assert.ok(results.every((m) => m.status === 200));
    assert.equal(new Set(answered.map((m) => m.id)).size, n);
  } finally {
    ws.close();
    await gw.stop();
  }
});

test('random private requests are each answered once, in order, and the gateway carries on', { timeout: 120_000 }, async () => {
  const gw = await startRestGateway({}, [...KEYS, FAST]);
  const ws = await PrivateClient.open(gw.url);
  try {
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }),
      fc.object({ maxDepth: 1, maxKeys: 2 }), fc.constantFrom('BTC-USD', 'ETH-USD', 'buy', 'sell', 'limit', 'market', 'stop', 'GTC', 'IOC', '1.00',
        '0.0001', '50000.00', '-1', '1e9', '~x', 'c1', '1', '99999999999999999999'));
    const fields = fc.dictionary(fc.constantFrom('symbol', 'side', 'type', 'price', 'quantity', 'stopPrice', 'timeInForce', 'clientOrderId', 'orderId',
      'newClientOrderId', 'postOnly', 'expireTimeMs', 'key', 'timestamp', 'sign', 'selfTradePrevention', 'extra'), value, { maxKeys: 8 });
    const request = fc.record({ op: fc.constantFrom('login', 'order', 'order', 'order', 'cancel', 'amend', 'subscribe', 'unsubscribe'),
      channel: fc.constantFrom('orders', 'fills', 'balances', 'positions'), fields });
    const requests = fc.sample(request, { numRuns: 200, seed: 2024 }); // fewer than the 256 answers a connection may wait for
    ws.send(PrivateClient.login(FAST, -1));
    requests.forEach((r, i) => ws.send({ ...r.fields, op: r.op, id: i, ...(r.op.endsWith('subscribe') ? { channel: r.channel } : {}) }));
    const answers = await ws.count((m) => typeof m.id === 'number' && m.id >= 0 && (m.type === 'result' || m.type === 'error' || m.type === 'login'
      || m.type === 'subscribed' || m.type === 'unsubscribed'), requests.length, 60_000);
    assert.deepEqual(answers.map((m) => m.id), requests.map((_r, i) => i), 'each answered once, in order');
    assert.ok(answers.every((m) => m.type !== 'error' || m.code !== 'internal'), JSON.stringify(answers.filter((m) => m.code === 'internal')));
    const ok = await restClient(gw.url, FAST).post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '1.00', quantity: '0.0001' });
    assert.equal(ok.status, 200, ok.text);
    assert.doesNotMatch(gw.served.output(), /"level":50/, 'no error logged');
  } finally {
    ws.close();
    await gw.stop();
  }
});
