// Pre-trade risk: instrument limits, trading status, circuit breaker, account limits, kill switch, duplicates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, S1, S2, execs, mds, summary, testConfig } from './harness.js';
import { REJECT_FIX_CODES } from '../../src/engine/types.js';
import { engineTables } from '../../src/engine/engine.js';

const reject = (h: Harness, o: Parameters<Harness['order']>[0]): string => {
  const e = execs(h.order(o))[0]!;
  assert.equal(e.execType, 'Rejected', JSON.stringify(e));
  assert.ok(e.text !== null && e.text.length > 0, 'every reject has a human text');
  assert.equal(e.fixOrdRejReason, REJECT_FIX_CODES[e.rejectReason!].ordRejReason);
  return e.rejectReason!;
};

test('price and quantity must fit tick, lot, range and band', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.priceBandBps = 1000; }));
  assert.equal(reject(h, { side: 'Buy', price: '190.001' }), 'OffTick');
  assert.equal(reject(h, { side: 'Buy', price: 'abc' }), 'InvalidPrice');
  assert.equal(reject(h, { side: 'Buy', price: '-1' }), 'InvalidPrice');
  assert.equal(reject(h, { side: 'Buy', price: '100001.00' }), 'PriceOutOfRange');
  assert.equal(reject(h, { side: 'Buy', price: '170.99' }), 'PriceOutOfBand');
  assert.equal(reject(h, { side: 'Buy', price: '190.00', orderQty: '1.5' }), 'NotLotMultiple');
  assert.equal(reject(h, { side: 'Buy', price: '190.00', orderQty: '0' }), 'QtyOutOfRange');
  assert.equal(reject(h, { side: 'Buy', price: '190.00', orderQty: '1000001' }), 'QtyOutOfRange');
  assert.equal(reject(h, { side: 'Buy', symbol: 'NOPE', price: '1' }), 'UnknownSymbol');
  assert.equal(summary(h.order({ side: 'Buy', price: '171.00' }))[0], 'New/New C10 0/100', 'within 10% of 190.00');
});

test('the price band follows the last trade price', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.priceBandBps = 1000; }));
  h.order({ side: 'Sell', price: '200.00', orderQty: '1' });
  h.order({ side: 'Buy', price: '200.00', orderQty: '1' });
  assert.equal(summary(h.order({ side: 'Buy', price: '219.00' }))[0]!.startsWith('New/New'), true);
  assert.equal(reject(h, { side: 'Buy', price: '170.00' }), 'PriceOutOfBand');
});

test('order notional above the instrument maximum is rejected', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.maxOrderNotional = '10000'; }));
  assert.equal(reject(h, { side: 'Buy', price: '190.00', orderQty: '53' }), 'NotionalTooLarge');
  assert.equal(summary(h.order({ side: 'Buy', price: '190.00', orderQty: '52' }))[0], 'New/New C2 0/52');
});

test('halted instruments reject new orders and replaces but accept cancels; resume reopens', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', clOrdId: 'A' });
  const halt = h.send({ type: 'Halt', symbol: 'AAPL' });
  assert.equal(mds(halt)[0]!.status, 'Halted');
  assert.equal(reject(h, { side: 'Buy', price: '99.00' }), 'InstrumentHalted');
  const rr = h.send({ type: 'Replace', session: S1, clOrdId: 'A2', origClOrdId: 'A', orderQty: '50' })[0]!;
  assert.ok(rr.kind === 'cancelReject' && rr.rejectReason === 'InstrumentHalted');
  assert.equal(summary(h.send({ type: 'Cancel', session: S1, clOrdId: 'A3', origClOrdId: 'A' }))[0], 'Canceled/Canceled A3 0/0 ClientCancel');
  assert.equal(mds(h.send({ type: 'Resume', symbol: 'AAPL' }))[0]!.status, 'Open');
  assert.equal(summary(h.order({ side: 'Buy', price: '99.00' }))[0]!.startsWith('New/New'), true);
  assert.equal(h.engine.instruments().find((i) => i.symbol === 'AAPL')!.status, 'Open');
});

test('circuit breaker halts the instrument when the price moves too far within the window', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.circuitBreakerBps = 500; f.instruments[0]!.circuitBreakerWindowMs = 60_000; }));
  h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2 });
  h.order({ side: 'Buy', price: '100.00', orderQty: '1' }); // last 100.00
  h.order({ side: 'Sell', price: '104.00', orderQty: '1', session: S2, clOrdId: 'S104' });
  h.order({ side: 'Sell', price: '106.00', orderQty: '1', session: S2, clOrdId: 'S106' });
  const evs = h.order({ side: 'Buy', price: '106.00', orderQty: '2', clOrdId: 'SWEEP' });
  assert.deepEqual(summary(evs), ['New/New SWEEP 0/2', 'Trade/PartiallyFilled SWEEP 1/1 1@104.00', 'Trade/Filled S104 1/0 1@104.00',
    'Canceled/Canceled SWEEP 1/0 CircuitBreaker']);
  assert.equal(mds(evs)[0]!.status, 'Halted');
  assert.equal(reject(h, { side: 'Buy', price: '100.00' }), 'InstrumentHalted');
  h.send({ type: 'Resume', symbol: 'AAPL' });
  // after the window resets, the move is measured afresh
  assert.equal(execs(h.order({ side: 'Buy', price: '106.00', orderQty: '1' })).at(-1)!.ordStatus, 'Filled');
});

test('circuit breaker window forgets trades older than the window', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.circuitBreakerBps = 500; f.instruments[0]!.circuitBreakerWindowMs = 1000; }));
  h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2 });
  h.order({ side: 'Buy', price: '100.00', orderQty: '1' });
  h.timeMs += 2000;
  h.order({ side: 'Sell', price: '110.00', orderQty: '1', session: S2 });
  assert.equal(execs(h.order({ side: 'Buy', price: '110.00', orderQty: '1' })).at(-1)!.ordStatus, 'Filled');
});

test('account limits: open orders, position, credit; reservations are released on cancel and fill', () => {
  const h = new Harness(testConfig((f) => {
    f.accounts.overrides = { CLIENT1: { maxOpenOrders: 2, maxPositionQty: '150', creditLimit: '30000' } };
  }));
  const acct = () => engineTables(h.engine).accounts.get('CLIENT1')!;
  assert.equal(reject(h, { side: 'Buy', price: '190.00', orderQty: '151' }), 'PositionLimit');
  h.order({ side: 'Buy', price: '190.00', orderQty: '100', clOrdId: 'B100' });
  assert.equal(reject(h, { side: 'Buy', price: '250.00', orderQty: '50' }), 'CreditLimit');
  h.order({ side: 'Buy', price: '190.00', orderQty: '50', clOrdId: 'B50' });
  assert.equal(acct().reservedUnits, 28_500 * 1e6);
  assert.equal(reject(h, { side: 'Sell', price: '200.00', orderQty: '10' }), 'MaxOpenOrders');
  h.send({ type: 'Cancel', session: S1, clOrdId: 'X1', origClOrdId: 'B50' });
  assert.equal(acct().reservedUnits, 19_000 * 1e6);
  h.order({ side: 'Sell', price: '190.00', orderQty: '100', session: S2 });
  assert.equal(acct().reservedUnits, 0);
  assert.equal(acct().openOrders, 0);
  assert.equal(acct().positionLots[0], 100);
  assert.equal(reject(h, { side: 'Buy', price: '100.00', orderQty: '51' }), 'PositionLimit');
  assert.equal(reject(h, { side: 'Sell', price: '190.00', orderQty: '200' }), 'CreditLimit');
  assert.equal(summary(h.order({ side: 'Sell', price: '190.00', orderQty: '150', clOrdId: 'S150' }))[0], 'New/New S150 0/150');
  const rr = h.send({ type: 'Replace', session: S1, clOrdId: 'S160', origClOrdId: 'S150', orderQty: '160' })[0]!;
  assert.ok(rr.kind === 'cancelReject' && rr.rejectReason === 'CreditLimit');
  assert.equal(acct().reservedUnits, 28_500 * 1e6, 'a rejected replace keeps the old reservation');
});

test('kill switch cancels everything for the account and blocks new orders until turned off', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00' });
  h.order({ side: 'Sell', price: '420.00', symbol: 'MSFT' });
  h.order({ side: 'Buy', ordType: 'Stop', stopPx: '120.00', orderQty: '5' });
  h.order({ side: 'Buy', price: '99.00', session: S2 });
  const evs = h.send({ type: 'KillSwitch', account: 'CLIENT1', on: true });
  assert.equal(execs(evs).filter((e) => e.doneReason === 'KillSwitch').length, 3);
  assert.equal(engineTables(h.engine).accounts.get('CLIENT1')!.reservedUnits, 0);
  assert.equal(reject(h, { side: 'Buy', price: '99.00' }), 'KillSwitch');
  h.send({ type: 'KillSwitch', account: 'CLIENT1', on: false });
  assert.ok(summary(h.order({ side: 'Buy', price: '99.00' }))[0]!.startsWith('New/New'));
  assert.equal(h.engine.restingCounts().AAPL, 2);
});

test('duplicate ClOrdID per session is rejected, also after the order is done; other sessions may reuse it', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', clOrdId: 'DUP' });
  assert.equal(reject(h, { side: 'Buy', price: '98.00', clOrdId: 'DUP' }), 'DuplicateClOrdId');
  h.send({ type: 'Cancel', session: S1, clOrdId: 'DUP-X', origClOrdId: 'DUP' });
  assert.equal(reject(h, { side: 'Buy', price: '98.00', clOrdId: 'DUP' }), 'DuplicateClOrdId');
  assert.equal(reject(h, { side: 'Buy', price: '98.00', clOrdId: 'DUP-X' }), 'DuplicateClOrdId');
  assert.ok(summary(h.order({ side: 'Buy', price: '98.00', clOrdId: 'DUP', session: S2 }))[0]!.startsWith('New/New'));
  h.order({ side: 'Buy', price: '97.00', clOrdId: 'E' });
  const cr = h.send({ type: 'Cancel', session: S1, clOrdId: 'DUP', origClOrdId: 'E' })[0]!;
  assert.ok(cr.kind === 'cancelReject' && cr.rejectReason === 'DuplicateClOrdId' && cr.fixCxlRejReason === 6);
});

test('orders without account go to the CompID; unknown accounts can be refused by config', () => {
  const h = new Harness();
  assert.equal(execs(h.order({ side: 'Buy', price: '99.00' }))[0]!.account, 'CLIENT1');
  assert.equal(execs(h.order({ side: 'Buy', price: '99.00', account: 'ACC7' }))[0]!.account, 'ACC7');
  const strict = new Harness(testConfig((f) => { f.accounts.allowUnknown = false; f.accounts.overrides = { KNOWN: {} }; }));
  assert.equal(reject(strict, { side: 'Buy', price: '99.00' }), 'UnknownAccount');
  assert.ok(summary(strict.order({ side: 'Buy', price: '99.00', account: 'KNOWN' }))[0]!.startsWith('New/New'));
});

test('malformed commands are rejected as data, never thrown', () => {
  const h = new Harness();
  const bad = [
    { type: 'NewOrder' }, { type: 'NewOrder', session: S1, clOrdId: 'x'.repeat(200), symbol: 'AAPL' },
    { type: 'NewOrder', session: S1, clOrdId: 'A', symbol: 'AAPL', side: 'Up', ordType: 'Limit', orderQty: '1', price: '1' },
    { type: 'NewOrder', session: S1, clOrdId: 'B', symbol: 'AAPL', side: 'Buy', ordType: 'Pegged', orderQty: '1' },
    { type: 'NewOrder', session: S1, clOrdId: 'C', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', orderQty: '1' },
    { type: 'NewOrder', session: S1, clOrdId: 'D', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', orderQty: 5, price: '1' },
    { type: 'Cancel' }, { type: 'Replace', session: S1, clOrdId: 'R' }, { type: 'MassCancel' }, { type: 'Bogus' }, null,
    { type: 'OrderStatus' }, { type: 'KillSwitch' }, { type: 'Halt', symbol: 'NOPE' },
  ];
  for (const cmd of bad) {
    const evs = h.send(cmd as never);
    assert.equal(evs.length, 1, JSON.stringify(cmd));
    const e = evs[0]!;
    assert.ok(e.kind === 'admin' ? !e.ok : e.kind === 'exec' ? e.ordStatus === 'Rejected' : 'rejectReason' in e && e.rejectReason !== null, JSON.stringify(e));
  }
});

test('the account table is bounded: rejected orders never add accounts, and past limits.accountsMax new accounts are refused', () => {
  // the fee account is in the table from the start and takes one of the three places
  const h = new Harness(testConfig((f) => { f.limits.accountsMax = 3; f.instruments[0]!.priceBandBps = 5000; }));
  assert.equal(reject(h, { side: 'Buy', price: '1.00', account: 'JUNK' }), 'PriceOutOfBand');
  assert.deepEqual([...engineTables(h.engine).accounts.keys()], ['FEES'], 'a rejected order leaves no account behind');
  h.order({ side: 'Buy', price: '99.00', account: 'A1' });
  h.order({ side: 'Buy', price: '99.00', account: 'A2' });
  const e = execs(h.order({ side: 'Buy', price: '99.00', account: 'A3' }))[0]!;
  assert.equal(e.rejectReason, 'UnknownAccount');
  assert.match(e.text!, /account table full \(limits\.accountsMax 3\)/);
  assert.ok(summary(h.order({ side: 'Buy', price: '98.00', account: 'A1' }))[0]!.startsWith('New/New'), 'known accounts carry on');
  const ks = h.send({ type: 'KillSwitch', account: 'A4', on: true });
  assert.ok(ks[0]!.kind === 'admin' && !ks[0]!.ok);
  assert.deepEqual([...engineTables(h.engine).accounts.keys()], ['FEES', 'A1', 'A2']);
});
