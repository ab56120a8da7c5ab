// Order entry over REST against a real `fixgw serve` (child process, loopback): cash accounts settle exactly with
// fees, refusals are typed errors with the engine's exact text (and the same over FIX), a REST order crosses a FIX
// order with each side answered on its own channel and the drop copy seeing both, a retried POST returns the order
// entered first, cancel and amend by either id, and request validation by the route schemas the OpenAPI shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { Tag } from '../../src/fix/names.js';
import { Client } from '../gateway/support.js';
import { ACME, BALANCES, BOB, FEES_READ, restClient, startRestGateway } from './rest-support.js';

const D = (v: Decimal.Value): Decimal => new Decimal(v);
/** A fee: the fill's value × rate, rounded up to a whole unit of USD (6 decimals), as docs/accounts.md states. */
const feeOf = (value: Decimal, rate: string): Decimal => value.mul(rate).toDecimalPlaces(6, Decimal.ROUND_UP);
const usd = (d: Decimal): string => d.toFixed(6);
const btc = (d: Decimal): string => d.toFixed(8);
const MAKER = '0.0002';
const TAKER = '0.0005';

test('a cash buy and a cash sell over REST settle exactly with maker and taker fees, as decimal.js computes them', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  try {
    const acme = restClient(gw.url, ACME);
    const bob = restClient(gw.url, BOB);
    // BOB rests an ask (maker), ACME lifts it (taker) at the resting price
    const ask = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '60000.01', quantity: '0.5', timeInForce: 'GTC', clientOrderId: 'ask-1' });
    assert.equal(ask.status, 200, ask.text);
    assert.equal(ask.body.status, 'new');
    assert.deepEqual((await bob.balances()).BTC, { available: '4.50000000', reserved: '0.50000000' }, 'a sell reserves its quantity');
    const bid = await acme.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '60010.00', quantity: '0.5', clientOrderId: 'bid-1' });
    assert.equal(bid.status, 200, bid.text);
    const v1 = D('60000.01').mul('0.5');
    const [taker1, maker1] = [feeOf(v1, TAKER), feeOf(v1, MAKER)];
    assert.equal(usd(taker1), '15.000003', 'rounded up from 15.0000025');
    assert.deepEqual({ status: bid.body.status, filled: bid.body.filledQuantity, avg: bid.body.averagePrice }, { status: 'filled', filled: '0.5000', avg: '60000.01' });
    assert.deepEqual(bid.body.fills.map((f: any) => [f.price, f.quantity, f.fee, f.feeAsset, f.liquidity]), [['60000.01', '0.5000', usd(taker1), 'USD', 'taker']]);

    // ACME sells part of it back: ACME rests (maker), BOB buys through it (taker) at ACME's price
    const sell = await acme.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '61234.57', quantity: '0.3', clientOrderId: 'ask-2' });
    assert.equal(sell.status, 200, sell.text);
    const buy = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '61300.00', quantity: '0.3', timeInForce: 'IOC', clientOrderId: 'bid-2' });
    assert.equal(buy.status, 200, buy.text);
    assert.equal(buy.body.status, 'filled');
    const v2 = D('61234.57').mul('0.3');
    const [taker2, maker2] = [feeOf(v2, TAKER), feeOf(v2, MAKER)];

    const expected = {
      ACME: { USD: usd(D(BALANCES.ACME!.USD!).minus(v1).minus(taker1).plus(v2).minus(maker2)), BTC: btc(D(BALANCES.ACME!.BTC!).plus('0.5').minus('0.3')) },
      BOB: { USD: usd(D(BALANCES.BOB!.USD!).plus(v1).minus(maker1).minus(v2).minus(taker2)), BTC: btc(D(BALANCES.BOB!.BTC!).minus('0.5').plus('0.3')) },
      FEES: { USD: usd(taker1.plus(maker1).plus(taker2).plus(maker2)) },
    };
    const a = await acme.balances();
    const b = await bob.balances();
    const f = await restClient(gw.url, FEES_READ).balances();
    assert.deepEqual({ ACME: { USD: a.USD, BTC: a.BTC }, BOB: { USD: b.USD, BTC: b.BTC }, FEES: { USD: f.USD } }, {
      ACME: { USD: { available: expected.ACME.USD, reserved: '0.000000' }, BTC: { available: expected.ACME.BTC, reserved: '0.00000000' } },
      BOB: { USD: { available: expected.BOB.USD, reserved: '0.000000' }, BTC: { available: expected.BOB.BTC, reserved: '0.00000000' } },
      FEES: { USD: { available: expected.FEES.USD, reserved: '0.000000' } },
    });
    // conservation: what the accounts hold together is what they were given
    assert.equal(usd(D(expected.ACME.USD).plus(expected.BOB.USD).plus(expected.FEES.USD)), usd(D(BALANCES.ACME!.USD!).plus(BALANCES.BOB!.USD!)));

    const positions = await acme.get('/api/v1/positions');
    assert.deepEqual(positions.body, [{ symbol: 'BTC-USD', netQuantity: '0.2000', cost: usd(v1.mul('0.2').div('0.5')), averageCost: '60000.01',
      realizedPnl: usd(v2.minus(v1.mul('0.3').div('0.5'))), fees: usd(taker1.plus(maker2)), quoteAsset: 'USD' }]);
    const fills = await acme.get('/api/v1/fills');
    assert.deepEqual(fills.body.map((x: any) => [x.clientOrderId, x.side, x.price, x.quantity, x.fee, x.liquidity]),
      [['ask-2', 'sell', '61234.57', '0.3000', usd(maker2), 'maker'], ['bid-1', 'buy', '60000.01', '0.5000', usd(taker1), 'taker']]);
    const orderFills = await acme.get(`/api/v1/orders/${bid.body.orderId}/fills`);
    assert.deepEqual(orderFills.body.map((x: any) => x.execId), bid.body.fills.map((x: any) => x.execId));
  } finally {
    await gw.stop();
  }
});

test('an order the cash account cannot cover is refused over REST as a typed error and over FIX with 103/58, with the same text', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  const fix = await Client.logon(gw.served.fixPort, 'BOB');
  try {
    const bob = restClient(gw.url, BOB);
    // 0.2 × 50,750.00 = 10,150.00, plus the fee at the higher rate (5 bp of each lot's value, rounded up to a whole
    // unit per lot): 2000 lots × 0.002538 = 5.076, so 10,155.076 > 9,000.00
    const lotFee = feeOf(D('50750.00').mul('0.0001'), TAKER);
    assert.equal(usd(lotFee), '0.002538');
    assert.equal(D('0.2').mul('50750.00').plus(lotFee.mul(2000)).toFixed(3), '10155.076');
    const text = 'insufficient USD: need 10,155.076, available 9,000.00';
    const refused = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '50750.00', quantity: '0.2', clientOrderId: 'too-big' });
    assert.equal(refused.status, 422);
    assert.deepEqual(refused.body, { error: 'insufficient_balance', message: text, rejectReason: 'InsufficientBalance' });
    fix.order('FIX-TOO-BIG', { symbol: 'BTC-USD', side: '1', price: '50750.00', qty: '0.2' });
    const [er] = await fix.reports('FIX-TOO-BIG');
    assert.deepEqual([er!.get(Tag.ExecType), er!.get(Tag.OrdStatus), er!.get(Tag.OrdRejReason), er!.get(Tag.Text)], ['8', '8', '3', text]);
    // nothing was reserved by either refusal, and a sell of more BTC than held is refused in BTC
    assert.deepEqual((await bob.balances()).USD, { available: '9000.000000', reserved: '0.000000' });
    const sell = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '50000.00', quantity: '5.0001' });
    assert.equal(sell.status, 422);
    assert.equal(sell.body.message, 'insufficient BTC: need 5.00010000, available 5.00000000');
  } finally {
    await fix.stop();
    await gw.stop();
  }
});

test('a REST order crosses a FIX order: each side gets its report on its own channel, and the drop copy sees both', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  const carol = await Client.logon(gw.served.fixPort, 'CAROL');
  const dropCopy = await Client.logon(gw.served.fixPort, 'DC1');
  try {
    const bob = restClient(gw.url, BOB);
    // FIX rests, REST takes
    carol.order('C-BID', { symbol: 'BTC-USD', side: '1', price: '60000.00', qty: '0.25' });
    await carol.reports('C-BID');
    const taken = await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'limit', price: '59990.00', quantity: '0.4', clientOrderId: 'b-ask' });
    assert.equal(taken.status, 200, taken.text);
    assert.deepEqual([taken.body.status, taken.body.filledQuantity, taken.body.remainingQuantity], ['partially_filled', '0.2500', '0.1500']);
    const carolFill = await carol.next('8', (m) => m.get(Tag.ClOrdID) === 'C-BID' && m.get(Tag.ExecType) === 'F');
    assert.deepEqual([carolFill.get(Tag.LastPx), carolFill.get(Tag.LastQty), carolFill.get(Tag.OrdStatus)], ['60000.00', '0.2500', '2']);
    // REST rests (the rest of b-ask), FIX takes
    carol.order('C-LIFT', { symbol: 'BTC-USD', side: '1', price: '59990.00', qty: '0.15', tif: '3' });
    const lifted = await carol.reports('C-LIFT', 2);
    assert.deepEqual(lifted.map((m) => m.get(Tag.ExecType)), ['0', 'F']);
    const order = await bob.get(`/api/v1/orders/${taken.body.orderId}`);
    assert.deepEqual([order.body.status, order.body.filledQuantity, order.body.averagePrice, order.body.channel], ['filled', '0.4000', '59996.25', 'api']);
    // the drop copy: every report of both orders, whichever channel entered them
    const copies = await dropCopy.next('8', (m) => m.get(Tag.ClOrdID) === 'b-ask' && m.get(Tag.OrdStatus) === '2');
    assert.equal(copies.get(Tag.Account), 'BOB');
    const seen = dropCopy.all('8').map((m) => `${m.get(Tag.ClOrdID)}:${m.get(Tag.ExecType)}`);
    for (const r of ['C-BID:0', 'b-ask:0', 'b-ask:F', 'C-BID:F', 'C-LIFT:0', 'C-LIFT:F']) assert.ok(seen.includes(r), `${r} in ${seen.join(' ')}`);
    // BOB's REST order never reached a FIX session of its own: nothing was logged about a missing session
    assert.doesNotMatch(gw.served.output(), /reply for a session that does not exist/);
  } finally {
    await carol.stop();
    await dropCopy.stop();
    await gw.stop();
  }
});

test('a retried POST returns the order entered first: never a second order, never a duplicate reject', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  try {
    const acme = restClient(gw.url, ACME);
    const body = { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '40000.00', quantity: '0.1', timeInForce: 'GTC', clientOrderId: 'retry-1' };
    const first = await acme.post('/api/v1/orders', body);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.duplicate, false);
    const again = await acme.post('/api/v1/orders', body);
    assert.equal(again.status, 200);
    assert.deepEqual({ ...again.body, duplicate: false }, first.body, 'the same order, as it is now');
    assert.equal(again.body.duplicate, true);

    // retries racing the first attempt: all get the one order
    const burst = await Promise.all(Array.from({ length: 6 }, () => acme.post('/api/v1/orders', { ...body, clientOrderId: 'retry-2' })));
    assert.deepEqual(new Set(burst.map((r) => `${r.status} ${r.body.orderId}`)).size, 1, burst.map((r) => r.text).join('\n'));
    const open = await acme.get('/api/v1/orders');
    assert.deepEqual(open.body.map((o: any) => o.clientOrderId), ['retry-1', 'retry-2']);

    // the same id for a different order is a conflict, not a second order
    const other = await acme.post('/api/v1/orders', { ...body, side: 'sell', price: '90000.00' });
    assert.equal(other.status, 409);
    assert.equal(other.body.error, 'duplicate_client_order_id');
    // a filled order's retry shows it filled, with its fills
    const bob = restClient(gw.url, BOB);
    assert.equal((await bob.post('/api/v1/orders', { symbol: 'BTC-USD', side: 'sell', type: 'market', quantity: '0.1' })).status, 200);
    const afterFill = await acme.post('/api/v1/orders', body);
    assert.deepEqual([afterFill.body.status, afterFill.body.duplicate, afterFill.body.fills.length], ['filled', true, 1]);
    // per account: BOB may use the same id for an order of its own
    const bobs = await bob.post('/api/v1/orders', { ...body, side: 'sell', price: '90000.00' });
    assert.deepEqual([bobs.status, bobs.body.duplicate], [200, false]);
    // a refused order is not remembered: its retry is evaluated again
    const tooBig = { ...body, quantity: '100', clientOrderId: 'retry-3' };
    assert.deepEqual((await acme.post('/api/v1/orders', tooBig)).body.error, 'insufficient_balance');
    assert.deepEqual((await acme.post('/api/v1/orders', tooBig)).body.error, 'insufficient_balance');
  } finally {
    await gw.stop();
  }
});

test('cancel and amend by order id and by client order id; FIX orders of the account are listed but not touched over REST', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  const fix = await Client.logon(gw.served.fixPort, 'ACME');
  try {
    const acme = restClient(gw.url, ACME);
    const placed = await acme.post('/api/v1/orders', { symbol: 'ETH-USD', side: 'buy', type: 'limit', price: '2000.00', quantity: '1.5', clientOrderId: 'e1' });
    assert.equal(placed.status, 200, placed.text);
    const amended = await acme.patch(`/api/v1/orders/${placed.body.orderId}`, { price: '2001.50', clientOrderId: 'e1-b' });
    assert.equal(amended.status, 200, amended.text);
    assert.deepEqual([amended.body.orderId, amended.body.clientOrderId, amended.body.price, amended.body.quantity], [placed.body.orderId, 'e1-b', '2001.50', '1.5000']);
    assert.deepEqual((await acme.balances()).USD!.reserved, usd(D('2001.50').mul('1.5').plus(feeOf(D('2001.50').mul('0.0001'), TAKER).mul(15000))));
    const byFirstId = await acme.get('/api/v1/orders/by-client-id/e1');
    assert.equal(byFirstId.body.orderId, placed.body.orderId, 'every client order id of the chain finds the order');
    const smaller = await acme.patch('/api/v1/orders/by-client-id/e1-b', { quantity: '1.0' });
    assert.deepEqual([smaller.status, smaller.body.quantity, smaller.body.price], [200, '1.0000', '2001.50']);
    const canceled = await acme.delete('/api/v1/orders/by-client-id/e1');
    assert.deepEqual([canceled.status, canceled.body.status, canceled.body.remainingQuantity], [200, 'canceled', '0.0000']);
    assert.deepEqual((await acme.balances()).USD, { available: '100000.000000', reserved: '0.000000' }, 'the reservation went back');
    const twice = await acme.delete(`/api/v1/orders/${placed.body.orderId}`);
    assert.deepEqual([twice.status, twice.body.error, twice.body.order?.status], [409, 'order_done', 'canceled']);
    assert.deepEqual([(await acme.delete('/api/v1/orders/999999')).status, (await acme.delete('/api/v1/orders/by-client-id/nope')).body.error], [404, 'unknown_order']);

    // an order of ACME's FIX session: listed with the account's orders, canceled over FIX only
    fix.order('F1', { symbol: 'ETH-USD', side: '1', price: '1999.00', qty: '2' });
    const [ack] = await fix.reports('F1');
    const fixOrderId = ack!.get(Tag.OrderID)!;
    const open = await acme.get('/api/v1/orders?symbol=ETH-USD');
    assert.deepEqual(open.body.map((o: any) => [o.orderId, o.channel]), [[fixOrderId, 'fix']]);
    const refused = await acme.delete(`/api/v1/orders/${fixOrderId}`);
    assert.deepEqual([refused.status, refused.body.error], [409, 'fix_order']);
    // another account's order is unknown to this key
    assert.equal((await restClient(gw.url, BOB).get(`/api/v1/orders/${fixOrderId}`)).status, 404);
  } finally {
    await fix.stop();
    await gw.stop();
  }
});

test('requests are validated by the route schemas, which the served OpenAPI description shows', { timeout: 60_000 }, async () => {
  const gw = await startRestGateway();
  try {
    const acme = restClient(gw.url, ACME);
    const good = { symbol: 'BTC-USD', side: 'buy', type: 'limit', price: '100.00', quantity: '0.1' };
    const cases: Array<[unknown, string]> = [
      [{ ...good, extra: 1 }, 'body: unknown field extra'],
      [{ ...good, price: 100 }, 'body/price must be string'],
      [{ ...good, side: 'BUY' }, 'body/side must be one of "buy", "sell"'],
      [{ ...good, quantity: '1e3' }, 'body/quantity must match pattern "^[0-9]{1,20}(\\.[0-9]{1,20})?$"'],
      [{ symbol: 'BTC-USD', side: 'buy', type: 'limit' }, "body must have required property 'quantity'"],
      [{ ...good, clientOrderId: '~mine' }, 'body/clientOrderId must match pattern "^[A-Za-z0-9._:/-]{1,64}$"'],
    ];
    for (const [body, message] of cases) {
      const r = await acme.post('/api/v1/orders', body);
      assert.deepEqual([r.status, r.body], [400, { error: 'bad_request', message }]);
    }
    const badJson = await acme.post('/api/v1/orders', '{"symbol":');
    assert.deepEqual([badJson.status, badJson.body.error], [400, 'bad_json']);
    assert.deepEqual((await acme.get('/api/v1/orders?limit=0')).body.message, 'querystring/limit must match pattern "^[1-9][0-9]{0,3}$"');
    assert.equal((await acme.get('/api/v1/orders')).body.length, 0, 'nothing above was entered');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /^fixgw_rest_requests_total\{method="POST",route="\/api\/v1\/orders",status="400"\} 7$/m);
    assert.match(metrics, /^fixgw_rest_requests_total\{method="GET",route="\/api\/v1\/orders",status="200"\} 1$/m);

    const doc = await (await fetch(`${gw.url}/api/v1/openapi.json`)).json() as any;
    assert.equal(doc.openapi, '3.0.3');
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/api/v1/account', '/api/v1/balances', '/api/v1/fills', '/api/v1/orders',
      '/api/v1/orders/by-client-id/{clientOrderId}', '/api/v1/orders/{orderId}', '/api/v1/orders/{orderId}/fills', '/api/v1/positions']);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/orders/{orderId}']).sort(), ['delete', 'get', 'patch']);
    const place = doc.paths['/api/v1/orders'].post;
    assert.deepEqual(place.requestBody.content['application/json'].schema.required, ['symbol', 'side', 'type', 'quantity']);
    assert.equal(place.requestBody.content['application/json'].schema.properties.price.pattern, '^[0-9]{1,20}(\\.[0-9]{1,20})?$');
    assert.deepEqual(place.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/OrderResult');
    assert.deepEqual(Object.keys(doc.components.schemas).sort(), ['Balance', 'Error', 'Fill', 'Order', 'OrderResult', 'Position']);
    assert.deepEqual(place.security, [{ fixgwKey: [], fixgwTimestamp: [], fixgwSign: [] }]);
  } finally {
    await gw.stop();
  }
});
