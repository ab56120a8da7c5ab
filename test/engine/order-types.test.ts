// More order types and rules with exact fills: market/stop protection on both sides, stop cascades, icebergs
// across slices, replaces of icebergs/stops/post-only orders, mass cancel filters, cancel-on-disconnect, end of
// day per symbol, every STP mode's edge, trading status Closed, and a circuit-breaker halt that holds stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, S1, S2, cxlRejects, execs, mds, summary, testConfig, tradeSummary, mdLevels } from './harness.js';
import { exportEngineState, importEngineState, type EngineState } from '../../src/engine/engine-state.js';
import { engineTables } from '../../src/engine/engine.js';

const S3 = 'FIX.4.4:FIXGW->CLIENT3';

test('a sell market order sweeps bids down to its protection limit; a Day market order never rests', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.marketProtectionBps = 100; }));
  h.order({ side: 'Buy', price: '100.00', orderQty: '10', clOrdId: 'B1', session: S2 });
  h.order({ side: 'Buy', price: '99.50', orderQty: '10', clOrdId: 'B2', session: S2 });
  h.order({ side: 'Buy', price: '98.99', orderQty: '10', clOrdId: 'B3', session: S2 }); // below 100.00 - 1%
  const evs = h.order({ side: 'Sell', ordType: 'Market', timeInForce: 'Day', orderQty: '30', clOrdId: 'M' });
  assert.deepEqual(tradeSummary(evs), ['10@100.00 Sell buy=B1 sell=M', '10@99.50 Sell buy=B2 sell=M']);
  assert.deepEqual(summary(evs), ['New/New M 0/30', 'Trade/PartiallyFilled M 10/20 10@100.00', 'Trade/Filled B1 10/0 10@100.00',
    'Trade/PartiallyFilled M 20/10 10@99.50', 'Trade/Filled B2 10/0 10@99.50', 'Canceled/Canceled M 20/0 MarketProtection']);
  assert.equal(execs(evs).at(-1)!.avgPx, '99.75');
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.bids, [['98.99', '10', 1]]);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [], 'nothing of the market order rests');
  assert.equal(engineTables(h.engine).accounts.get('CLIENT1')!.reservedUnits, 0, 'its credit reservation is released');
});

test('a triggered stop trades as a market order bounded by its protection limit from the stop price', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.marketProtectionBps = 100; }));
  h.order({ side: 'Buy', price: '99.50', orderQty: '10', clOrdId: 'BA', session: S2 });
  h.order({ side: 'Buy', price: '99.00', orderQty: '10', clOrdId: 'BB', session: S2 });
  h.order({ side: 'Buy', price: '98.99', orderQty: '10', clOrdId: 'BC', session: S2 });
  assert.deepEqual(summary(h.order({ side: 'Sell', ordType: 'Stop', stopPx: '100.00', orderQty: '25', clOrdId: 'STOP' })), ['New/New STOP 0/25']);
  h.order({ side: 'Sell', price: '100.00', orderQty: '1', clOrdId: 'S0', session: S3 });
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'T', session: S2 });
  assert.deepEqual(summary(evs), [
    'New/New T 0/1', 'Trade/Filled T 1/0 1@100.00', 'Trade/Filled S0 1/0 1@100.00',
    'Restated/New STOP 0/25 StopTriggered',
    'Trade/PartiallyFilled STOP 10/15 10@99.50', 'Trade/Filled BA 10/0 10@99.50',
    'Trade/PartiallyFilled STOP 20/5 10@99.00', 'Trade/Filled BB 10/0 10@99.00',
    'Canceled/Canceled STOP 20/0 MarketProtection']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.bids, [['98.99', '10', 1]]);
  assert.equal(mds(evs).length, 1, 'the whole cascade is one market-data message');
});

test('stops cascade deterministically: a triggered stop\'s trades trigger the next one', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'A1', session: S2 });
  h.order({ side: 'Sell', price: '101.00', orderQty: '10', clOrdId: 'A2', session: S2 });
  h.order({ side: 'Sell', price: '102.00', orderQty: '10', clOrdId: 'A3', session: S2 });
  h.order({ side: 'Buy', ordType: 'Stop', stopPx: '101.00', orderQty: '10', clOrdId: 'STOP-B2' });
  h.order({ side: 'Buy', ordType: 'Stop', stopPx: '100.00', orderQty: '10', clOrdId: 'STOP-B1' });
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '5', clOrdId: 'T', session: S3 });
  assert.deepEqual(tradeSummary(evs), [
    '5@100.00 Buy buy=T sell=A1',
    '5@100.00 Buy buy=STOP-B1 sell=A1', '5@101.00 Buy buy=STOP-B1 sell=A2',
    '5@101.00 Buy buy=STOP-B2 sell=A2', '5@102.00 Buy buy=STOP-B2 sell=A3']);
  assert.deepEqual(execs(evs).filter((e) => e.doneReason === 'StopTriggered').map((e) => e.clOrdId), ['STOP-B1', 'STOP-B2'],
    'lower stop price first, although entered second');
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['102.00', '5', 1]]);
  assert.equal(h.engine.instruments().find((i) => i.symbol === 'AAPL')!.lastPrice, '102.00');
});

test('FOK counts an iceberg\'s hidden quantity, and one order fills through several slices', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '30', displayQty: '10', clOrdId: 'ICE', session: S2 });
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '10', 1]]);
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '25', timeInForce: 'FOK', clOrdId: 'F' });
  assert.deepEqual(tradeSummary(evs), ['10@100.00 Buy buy=F sell=ICE', '10@100.00 Buy buy=F sell=ICE', '5@100.00 Buy buy=F sell=ICE']);
  assert.equal(execs(evs).at(-1)!.ordStatus, 'PartiallyFilled');
  assert.equal(execs(evs).at(-1)!.clOrdId, 'ICE');
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '5', 1]]);
  assert.deepEqual(mdLevels(evs), [{ side: 'Sell', price: '100.00', qty: '5', count: 1 }]);
});

test('iceberg: quantity down keeps its place in the queue; a new display size sends it to the back', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '50', displayQty: '10', clOrdId: 'ICE' });
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'SX', session: S2 });
  assert.deepEqual(summary(h.send({ type: 'Replace', session: S1, clOrdId: 'ICE2', origClOrdId: 'ICE', orderQty: '40' })), ['Replaced/New ICE2 0/40']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '20', 2]]);
  assert.deepEqual(tradeSummary(h.order({ side: 'Buy', price: '100.00', orderQty: '5', clOrdId: 'X1', session: S3 })), ['5@100.00 Buy buy=X1 sell=ICE2']);
  const r = h.send({ type: 'Replace', session: S1, clOrdId: 'ICE3', origClOrdId: 'ICE2', orderQty: '40', displayQty: '5' });
  assert.deepEqual(summary(r), ['Replaced/PartiallyFilled ICE3 5/35']);
  assert.equal(execs(r)[0]!.displayQty, '5');
  assert.deepEqual(tradeSummary(h.order({ side: 'Buy', price: '100.00', orderQty: '12', clOrdId: 'X2', session: S3 })),
    ['10@100.00 Buy buy=X2 sell=SX', '2@100.00 Buy buy=X2 sell=ICE3']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '3', 1]]);
  assert.equal(h.engine.orderByClOrdId(S1, 'ICE3')!.leavesQty, '33');
});

test('replacing a pending stop moves its trigger price; a stop (market) order has no limit price to replace', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '20', clOrdId: 'ASK', session: S2 });
  h.order({ side: 'Buy', ordType: 'Stop', stopPx: '101.00', orderQty: '5', clOrdId: 'STP' });
  const bad = cxlRejects(h.send({ type: 'Replace', session: S1, clOrdId: 'STP-x', origClOrdId: 'STP', orderQty: '5', price: '100.00' }))[0]!;
  assert.equal(bad.rejectReason, 'UnsupportedOrder');
  assert.deepEqual(summary(h.send({ type: 'Replace', session: S1, clOrdId: 'STP2', origClOrdId: 'STP', orderQty: '5', stopPx: '100.00' })), ['Replaced/New STP2 0/5']);
  assert.equal(h.engine.orderByClOrdId(S1, 'STP2')!.stopPx, '100.00');
  assert.equal(h.engine.orderByClOrdId(S1, 'STP2')!.pendingStop, true);
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'T', session: S3 });
  assert.deepEqual(summary(evs).slice(3), ['Restated/New STP2 0/5 StopTriggered', 'Trade/Filled STP2 5/0 5@100.00', 'Trade/PartiallyFilled ASK 6/14 5@100.00']);
  const limit = h.order({ side: 'Buy', price: '99.00', orderQty: '1', clOrdId: 'L' });
  assert.equal(execs(limit)[0]!.execType, 'New');
  const noStop = cxlRejects(h.send({ type: 'Replace', session: S1, clOrdId: 'L2', origClOrdId: 'L', orderQty: '1', stopPx: '98.00' }))[0]!;
  assert.equal(noStop.rejectReason, 'UnsupportedOrder');
});

test('a post-only order replaced to a price that would take is rejected and keeps its price', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', session: S2 });
  h.order({ side: 'Buy', price: '99.00', orderQty: '10', postOnly: true, clOrdId: 'P' });
  const rej = cxlRejects(h.send({ type: 'Replace', session: S1, clOrdId: 'P2', origClOrdId: 'P', orderQty: '10', price: '100.00' }))[0]!;
  assert.equal(rej.rejectReason, 'PostOnlyWouldTake');
  assert.equal(rej.responseTo, 'Replace');
  assert.equal(rej.origClOrdId, 'P');
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.bids, [['99.00', '10', 1]]);
  assert.deepEqual(summary(h.send({ type: 'Replace', session: S1, clOrdId: 'P3', origClOrdId: 'P', orderQty: '10', price: '99.99' })), ['Replaced/New P3 0/10']);
});

test('mass cancel: a session filter cancels that session\'s orders; an unknown symbol is rejected', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00' });
  h.order({ side: 'Buy', price: '98.00' });
  h.order({ side: 'Buy', price: '97.00', session: S2, clOrdId: 'OTHER' });
  const evs = h.send({ type: 'MassCancel', session: S1, clOrdId: 'MC', filterSession: S2 });
  assert.deepEqual(summary(evs), ['Canceled/Canceled OTHER 0/0 MassCancel']);
  const report = evs.find((e) => e.kind === 'massCancel')!;
  assert.ok(report.kind === 'massCancel' && report.canceledCount === 1 && report.rejectReason === null);
  const bad = h.send({ type: 'MassCancel', session: S1, clOrdId: 'MC2', symbol: 'NOPE' });
  assert.equal(bad.length, 1);
  assert.ok(bad[0]!.kind === 'massCancel' && bad[0]!.rejectReason === 'UnknownSymbol' && bad[0]!.canceledCount === 0);
  assert.equal(h.engine.restingCounts().AAPL, 2);
});

test('cancel-on-disconnect on by default cancels GTC orders too; the command can turn it off for one disconnect', () => {
  const h = new Harness(testConfig((f) => { f.cancelOnDisconnect = { default: true, sessions: { [S2]: false } }; }));
  h.order({ side: 'Buy', price: '99.00', timeInForce: 'GTC', clOrdId: 'G' });
  h.order({ side: 'Buy', ordType: 'Stop', stopPx: '120.00', orderQty: '5', clOrdId: 'ST' });
  h.order({ side: 'Buy', price: '99.00', session: S2, clOrdId: 'KEEP' });
  const off = h.send({ type: 'SessionDisconnected', session: S1, cancelOnDisconnect: false });
  assert.equal(execs(off).length, 0);
  assert.ok(off[0]!.kind === 'admin' && off[0]!.ok && off[0]!.text.includes('off'));
  assert.deepEqual(summary(h.send({ type: 'SessionDisconnected', session: S1 })),
    ['Canceled/Canceled G 0/0 SessionDisconnect', 'Canceled/Canceled ST 0/0 SessionDisconnect']);
  assert.equal(execs(h.send({ type: 'SessionDisconnected', session: S2 })).length, 0, 'configured off for S2');
  assert.equal(h.engine.orderByClOrdId(S2, 'KEEP')!.resting, true);
});

test('end of day for one symbol expires only its Day orders, pending Day stops included; GTC and GTD stay', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', clOrdId: 'DAY' });
  h.order({ side: 'Buy', ordType: 'StopLimit', stopPx: '120.00', price: '121.00', orderQty: '5', clOrdId: 'DAYSTOP' });
  h.order({ side: 'Buy', price: '98.00', timeInForce: 'GTC', clOrdId: 'GTC' });
  h.order({ side: 'Buy', price: '97.00', timeInForce: 'GTD', expireTimeMs: h.timeMs + 86_400_000, clOrdId: 'GTD' });
  h.order({ side: 'Buy', price: '400.00', symbol: 'MSFT', clOrdId: 'MSFT-DAY' });
  const evs = h.send({ type: 'EndOfDay', symbol: 'AAPL' });
  assert.deepEqual(summary(evs), ['Expired/Expired DAY 0/0 EndOfDay', 'Expired/Expired DAYSTOP 0/0 EndOfDay']);
  const admin = evs.find((e) => e.kind === 'admin')!;
  assert.ok(admin.kind === 'admin' && admin.ok && admin.canceledCount === 2);
  assert.deepEqual(h.engine.restingCounts(), { AAPL: 2, MSFT: 1, IBM: 0, GOOG: 0, 'BTC-USD': 0, 'ETH-USD': 0 });
  const unknown = h.send({ type: 'EndOfDay', symbol: 'NOPE' });
  assert.ok(unknown[0]!.kind === 'admin' && !unknown[0]!.ok);
  assert.deepEqual(summary(h.send({ type: 'EndOfDay' })), ['Expired/Expired MSFT-DAY 0/0 EndOfDay']);
});

test('STP decrement and cancel: a smaller aggressor is canceled and the resting order reduced; equal sizes cancel both', () => {
  let h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'OLD' });
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '4', stpMode: 'DecrementAndCancel', clOrdId: 'NEW' })),
    ['New/New NEW 0/4', 'Restated/New OLD 0/6 SelfTradePrevention', 'Canceled/Canceled NEW 0/0 SelfTradePrevention']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '6', 1]]);
  assert.equal(h.engine.orderByClOrdId(S1, 'OLD')!.orderQty, '6');
  assert.equal(engineTables(h.engine).accounts.get('CLIENT1')!.openSellLots[0], 6, 'reservation follows the reduction');
  h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '10', clOrdId: 'OLD' });
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '100.00', orderQty: '10', stpMode: 'DecrementAndCancel', clOrdId: 'NEW' })),
    ['New/New NEW 0/10', 'Canceled/Canceled OLD 0/0 SelfTradePrevention', 'Canceled/Canceled NEW 0/0 SelfTradePrevention']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, []);
});

test('STP cancel oldest removes every own order in the way, then trades with the next account and rests the rest', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '5', clOrdId: 'OWN1' });
  h.order({ side: 'Sell', price: '100.00', orderQty: '5', clOrdId: 'OWN2' });
  h.order({ side: 'Sell', price: '100.01', orderQty: '5', clOrdId: 'OTHER', session: S2 });
  const evs = h.order({ side: 'Buy', price: '100.01', orderQty: '8', stpMode: 'CancelOldest', clOrdId: 'NEW' });
  assert.deepEqual(summary(evs), ['New/New NEW 0/8', 'Canceled/Canceled OWN1 0/0 SelfTradePrevention',
    'Canceled/Canceled OWN2 0/0 SelfTradePrevention', 'Trade/PartiallyFilled NEW 5/3 5@100.01', 'Trade/Filled OTHER 5/0 5@100.01']);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.bids, [['100.01', '3', 1]]);
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, []);
});

test('STP is per account: two sessions booking to one account do not trade with each other', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '5', clOrdId: 'A', account: 'SHARED' });
  const evs = h.order({ side: 'Buy', price: '100.00', orderQty: '5', clOrdId: 'B', account: 'SHARED', session: S2, stpMode: 'CancelNewest' });
  assert.deepEqual(summary(evs), ['New/New B 0/5', 'Canceled/Canceled B 0/0 SelfTradePrevention']);
  const fok = h.order({ side: 'Buy', price: '100.00', orderQty: '5', clOrdId: 'F', account: 'SHARED', session: S2, stpMode: 'CancelOldest', timeInForce: 'FOK' });
  assert.deepEqual(summary(fok), ['New/New F 0/5', 'Canceled/Canceled F 0/0 FokUnfilled'], 'FOK cannot count on its own account\'s liquidity');
  assert.deepEqual(h.engine.bookSnapshot('AAPL')!.asks, [['100.00', '5', 1]]);
});

test('an instrument configured Closed rejects orders until resumed', () => {
  const h = new Harness(testConfig((f) => { f.instruments[2]!.status = 'Closed'; }));
  const e = execs(h.order({ side: 'Buy', symbol: 'IBM', price: '180.00' }))[0]!;
  assert.equal(e.rejectReason, 'InstrumentClosed');
  assert.equal(e.fixOrdRejReason, 2);
  assert.equal(h.engine.bookSnapshot('IBM')!.status, 'Closed');
  const resume = h.send({ type: 'Resume', symbol: 'IBM' });
  assert.equal(mds(resume)[0]!.status, 'Open');
  assert.equal(execs(h.order({ side: 'Buy', symbol: 'IBM', price: '180.00' }))[0]!.execType, 'New');
  const halt = h.send({ type: 'Halt', symbol: 'IBM' });
  assert.ok(halt.some((ev) => ev.kind === 'admin' && ev.ok && ev.text === 'IBM Halted'));
});

test('a circuit-breaker halt holds a stop its trade elected; resume reopens, forgets the window and triggers it', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.circuitBreakerBps = 500; f.instruments[0]!.circuitBreakerWindowMs = 60_000; }));
  h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2 });
  h.order({ side: 'Buy', price: '100.00', orderQty: '1', session: S3 }); // last 100.00
  h.order({ side: 'Buy', ordType: 'Stop', stopPx: '104.00', orderQty: '1', clOrdId: 'STOP' });
  h.order({ side: 'Sell', price: '104.00', orderQty: '1', session: S2, clOrdId: 'A104' });
  h.order({ side: 'Sell', price: '106.00', orderQty: '5', session: S2, clOrdId: 'A106' });
  const sweep = h.order({ side: 'Buy', price: '106.00', orderQty: '2', session: S3, clOrdId: 'SWEEP' });
  assert.deepEqual(summary(sweep), ['New/New SWEEP 0/2', 'Trade/PartiallyFilled SWEEP 1/1 1@104.00', 'Trade/Filled A104 1/0 1@104.00',
    'Canceled/Canceled SWEEP 1/0 CircuitBreaker']);
  assert.equal(mds(sweep)[0]!.status, 'Halted');
  assert.equal(h.engine.orderByClOrdId(S1, 'STOP')!.pendingStop, true, 'no trading while halted, not even an elected stop');
  const resume = h.send({ type: 'Resume', symbol: 'AAPL' });
  assert.deepEqual(summary(resume), ['Restated/New STOP 0/1 StopTriggered', 'Trade/Filled STOP 1/0 1@106.00', 'Trade/PartiallyFilled A106 1/4 1@106.00']);
  assert.equal(mds(resume).length, 1);
  assert.equal(mds(resume)[0]!.status, 'Open');
});

test('the book holds at most orderBookLevelsMax price levels per side: an order that would open one more trades, then is canceled', () => {
  const h = new Harness(testConfig((f) => { f.limits.orderBookLevelsMax = 3; }));
  for (const px of ['99.00', '98.00', '97.00']) h.order({ side: 'Buy', price: px, orderQty: '10', session: S2 });
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '96.00', orderQty: '10', clOrdId: 'FULL' })), ['New/New FULL 0/10', 'Canceled/Canceled FULL 0/0 BookFull']);
  assert.deepEqual(summary(h.order({ side: 'Buy', price: '98.00', orderQty: '5', clOrdId: 'SAME' })), ['New/New SAME 0/5'], 'an existing level takes more orders');
  h.order({ side: 'Sell', price: '101.00', orderQty: '1', clOrdId: 'A1' });
  h.order({ side: 'Sell', price: '102.00', orderQty: '1', clOrdId: 'A2' });
  const evs = h.order({ side: 'Sell', price: '98.00', orderQty: '25', clOrdId: 'SWEEP', session: S3 });
  assert.deepEqual(tradeSummary(evs), ['10@99.00 Sell buy=C1 sell=SWEEP', '10@98.00 Sell buy=C2 sell=SWEEP', '5@98.00 Sell buy=SAME sell=SWEEP']);
  assert.equal(execs(evs).at(-1)!.ordStatus, 'Filled');
  assert.deepEqual(summary(h.order({ side: 'Sell', price: '103.00', orderQty: '1', clOrdId: 'A3' })), ['New/New A3 0/1']);
  assert.deepEqual(summary(h.order({ side: 'Sell', price: '104.00', orderQty: '1', clOrdId: 'A4' })), ['New/New A4 0/1', 'Canceled/Canceled A4 0/0 BookFull']);
});

test('a sweep through a stop price elects the stop even when later trades of the same order move the price away', () => {
  const h = new Harness();
  h.order({ side: 'Sell', price: '100.00', orderQty: '5', clOrdId: 'A1', session: S2 });
  h.order({ side: 'Sell', price: '102.00', orderQty: '5', clOrdId: 'A2', session: S2 });
  h.order({ side: 'Buy', price: '98.00', orderQty: '5', clOrdId: 'B1', session: S2 });
  h.order({ side: 'Sell', ordType: 'Stop', stopPx: '100.00', orderQty: '1', clOrdId: 'SS' });
  h.order({ side: 'Buy', ordType: 'StopLimit', stopPx: '103.00', price: '103.00', orderQty: '1', clOrdId: 'BS' });
  const evs = h.order({ side: 'Buy', price: '102.00', orderQty: '10', clOrdId: 'SWEEP', session: S3 });
  // trades at 100.00 then 102.00: the sell stop at 100.00 was reached on the way, the buy stop at 103.00 never was
  assert.deepEqual(tradeSummary(evs), ['5@100.00 Buy buy=SWEEP sell=A1', '5@102.00 Buy buy=SWEEP sell=A2', '1@98.00 Sell buy=B1 sell=SS']);
  assert.deepEqual(execs(evs).filter((e) => e.doneReason === 'StopTriggered').map((e) => e.clOrdId), ['SS']);
  assert.equal(h.engine.orderByClOrdId(S1, 'BS')!.pendingStop, true);
  assert.equal(h.engine.instruments().find((i) => i.symbol === 'AAPL')!.lastPrice, '98.00');
});

test('orders on a halted instrument are rejected with the halt reason: the operator text, or the circuit breaker', () => {
  const h = new Harness(testConfig((f) => { f.instruments[0]!.circuitBreakerBps = 500; f.instruments[0]!.circuitBreakerWindowMs = 60_000; }));
  h.send({ type: 'Halt', symbol: 'IBM', text: 'news pending' });
  const e = execs(h.order({ side: 'Buy', symbol: 'IBM', price: '180.00' }))[0]!;
  assert.equal(e.rejectReason, 'InstrumentHalted');
  assert.equal(e.text, 'IBM is Halted: news pending');
  h.send({ type: 'Resume', symbol: 'IBM' });
  h.send({ type: 'Halt', symbol: 'IBM' });
  assert.equal(execs(h.order({ side: 'Buy', symbol: 'IBM', price: '180.00' }))[0]!.text, 'IBM is Halted: halted by the operator');
  h.send({ type: 'Resume', symbol: 'IBM' });
  assert.equal(execs(h.order({ side: 'Buy', symbol: 'IBM', price: '180.00' }))[0]!.execType, 'New', 'resume clears the halt');

  h.order({ side: 'Sell', price: '100.00', orderQty: '1', session: S2 });
  h.order({ side: 'Buy', price: '100.00', orderQty: '1', session: S3 }); // last 100.00
  h.order({ side: 'Sell', price: '106.00', orderQty: '1', session: S2, clOrdId: 'A106' });
  h.order({ side: 'Buy', price: '106.00', orderQty: '1', session: S3, clOrdId: 'SWEEP' });
  const r = execs(h.order({ side: 'Buy', price: '100.00', orderQty: '1', clOrdId: 'LATE' }))[0]!;
  assert.equal(r.rejectReason, 'InstrumentHalted');
  assert.match(r.text!, /^AAPL is Halted: circuit breaker: a trade at 106\.00 would move the price more than 500 bps within 60000 ms$/);
  // the reason survives a snapshot
  const copy = importEngineState(h.engine.config, JSON.parse(JSON.stringify(exportEngineState(h.engine))) as EngineState);
  const again = copy.apply({ seq: copy.lastSeq + 1, timeMs: h.timeMs, cmd: { type: 'NewOrder', session: S1, clOrdId: 'AGAIN', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', price: '100.00', orderQty: '1' } });
  assert.equal(execs(again)[0]!.text, r.text);
});

test('a replace cannot change the OrdType: it is rejected and the order stays as it was', () => {
  const h = new Harness();
  h.order({ side: 'Buy', price: '99.00', orderQty: '10', clOrdId: 'L1' });
  const rej = cxlRejects(h.send({ type: 'Replace', session: S1, clOrdId: 'L2', origClOrdId: 'L1', orderQty: '10', ordType: 'Market' }))[0]!;
  assert.equal(rej.rejectReason, 'UnsupportedOrder');
  assert.equal(rej.responseTo, 'Replace');
  assert.match(rej.text, /OrdType cannot change on a replace \(order is Limit, request says Market\)/);
  assert.equal(h.engine.orderByClOrdId(S1, 'L1')!.price, '99.00');
  assert.equal(h.engine.orderByClOrdId(S1, 'L2'), null, 'the rejected ClOrdID is not taken');
  assert.deepEqual(summary(h.send({ type: 'Replace', session: S1, clOrdId: 'L2', origClOrdId: 'L1', orderQty: '10', ordType: 'Limit', price: '99.50' })),
    ['Replaced/New L2 0/10'], 'the same OrdType is fine');
});
