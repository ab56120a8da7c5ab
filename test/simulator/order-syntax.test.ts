// The short order syntax of the prompt and of scenario files, and the FIX messages it becomes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOrderCommand, buildOrderMessage, OrderSyntaxError } from '../../simulator/order-syntax.js';
import { OwnOrders } from '../../simulator/own-orders.js';
import { parseMessage, type FixMessage } from '../../src/fix/message.js';
import { encodeMessage } from '../../src/fix/encode.js';
import type { FieldList } from '../../src/fix/types.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 6);

function build(line: string, orders = new OwnOrders('T-')) {
  return buildOrderMessage(parseOrderCommand(line), orders, NOW);
}

function tags(body: FieldList): Record<number, string> {
  return Object.fromEntries(body);
}

test('a limit IOC buy becomes a NewOrderSingle with side, quantity, price and time in force', () => {
  const m = build('buy 100 BTC-USD @ 50000 ioc');
  assert.equal(m.msgType, 'D');
  assert.deepEqual(m.body, [
    [11, 'T-1'], [55, 'BTC-USD'], [54, '1'], [60, '20250102-03:04:05.006'], [38, '100'], [40, '2'], [44, '50000'], [59, '3'],
  ]);
});

test('"@190" and "@ 190" are the same; no price means a market order; symbols are upper-cased', () => {
  assert.equal(tags(build('sell 5 aapl @190.25').body)[44], '190.25');
  const market = tags(build('sell 5 aapl').body);
  assert.equal(market[40], '1');
  assert.equal(market[44], undefined);
  assert.equal(market[55], 'AAPL');
});

test('stop, stop-limit, post-only, id=, account= and extra TAG=VALUE fields', () => {
  const stop = tags(build('sell 10 IBM stop 179.50').body);
  assert.equal(stop[40], '3');
  assert.equal(stop[99], '179.50');
  const stopLimit = tags(build('sell 10 IBM @ 179 stop 179.50 gtc').body);
  assert.equal(stopLimit[40], '4');
  assert.equal(stopLimit[59], '1');
  const m = build('buy 1 IBM @ 100 post id=MY1 account=ACC 110=1 1138=5');
  assert.equal(m.clOrdId, 'MY1');
  const t = tags(m.body);
  assert.equal(t[18], '6');
  assert.equal(t[1], 'ACC');
  assert.equal(t[110], '1');
  assert.equal(t[1138], '5');
});

test('cancel, replace and status repeat the symbol, side and OrderID the client knows', () => {
  const orders = new OwnOrders('T-');
  build('buy 100 AAPL @ 190 id=A1', orders);
  // The gateway's ExecutionReport tells us the OrderID.
  orders.onExecutionReport(parseMessage(encodeMessage('FIX.4.4', '8', [[34, '2']], [[37, '77'], [11, 'A1'], [39, '0'], [150, '0']])) as FixMessage);
  const cancel = build('cancel A1', orders);
  assert.equal(cancel.msgType, 'F');
  assert.deepEqual(tags(cancel.body), { 11: 'T-1', 41: 'A1', 37: '77', 55: 'AAPL', 54: '1', 60: '20250102-03:04:05.006', 38: '100' });
  const replace = build('replace A1 150 @ 191 id=A2', orders);
  assert.equal(replace.msgType, 'G');
  assert.deepEqual(tags(replace.body), { 11: 'A2', 41: 'A1', 37: '77', 55: 'AAPL', 54: '1', 60: '20250102-03:04:05.006', 38: '150', 40: '2', 44: '191' });
  // After the replace, the chain's latest quantity is used and the old ClOrdID is no longer open.
  assert.equal(tags(build('cancel A2', orders).body)[38], '150');
  assert.deepEqual(orders.openClOrdIds(10), ['A2']);
  const status = build('status A2', orders);
  assert.equal(status.msgType, 'H');
  assert.deepEqual(tags(status.body), { 11: 'A2', 37: '77', 55: 'AAPL', 54: '1' });
});

test('cancel of an order this client never sent needs its symbol and side', () => {
  assert.throws(() => build('cancel X9'), /was not sent by this session: say its symbol and side/);
  assert.deepEqual(tags(build('cancel X9 MSFT sell id=C1').body), { 11: 'C1', 41: 'X9', 55: 'MSFT', 54: '2', 60: '20250102-03:04:05.006' });
});

test('cancel-all becomes an OrderMassCancelRequest for one symbol or for everything', () => {
  assert.deepEqual(tags(build('cancel-all AAPL buy id=M1').body), { 11: 'M1', 530: '1', 55: 'AAPL', 54: '1', 60: '20250102-03:04:05.006' });
  assert.equal(tags(build('cancel-all').body)[530], '7');
});

test('raw sends any message type; the session owns the header and trailer tags', () => {
  const raw = build('raw 35=B|148=hello|33=1|58=hi there');
  assert.equal(raw.msgType, 'B');
  assert.deepEqual(raw.body, [[148, 'hello'], [33, '1'], [58, 'hi there']]);
  assert.throws(() => build('raw 11=X|35=D'), /first field must be 35=MSGTYPE/);
  assert.throws(() => build('raw 35=D|34=5'), /tag 34 is written by the session/);
  assert.throws(() => build('raw 35=D|abc'), /'abc' is not TAG=VALUE/);
});

test('mistakes are explained, not guessed at', () => {
  const cases: Array<[string, RegExp]> = [
    ['buy', /usage: buy QTY SYMBOL/],
    ['buy ten AAPL', /quantity 'ten' is not a positive decimal/],
    ['buy 10 AAPL @', /missing price after @/],
    ['buy 10 AAPL @ -5', /price after @ '-5' is not a positive decimal/],
    ['buy 10 AAPL ioc fok', /two time-in-force words/],
    ['buy 10 AAPL post', /post-only needs a limit price/],
    ['buy 10 AAPL banana', /unexpected 'banana'/],
    ['replace A1', /replace needs a new quantity or price/],
    ['status', /usage: status CLORDID/],
    ['sell 1 AAPL 52=x', /tag 52 is written by the session/],
    ['frobnicate 1 2', /unknown command 'frobnicate'/],
  ];
  for (const [line, message] of cases) {
    assert.throws(() => parseOrderCommand(line), (err: unknown) => err instanceof OrderSyntaxError && message.test(err.message), line);
  }
});
